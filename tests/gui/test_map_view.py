"""The map view on the demo store: batched layers, the layer list and the cursor readout."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QModelIndex, QPointF, Qt
from PySide6.QtGui import QImage
from pytestqt.qtbot import QtBot

from app.core import mapdata
from app.core.store import Store
from app.gui import snapshot
from app.gui.map_view import LAYERS, MapView


@pytest.fixture
def demo_store(demo_path: Path) -> Iterator[Store]:
    s = Store.open(demo_path)
    yield s
    s.close()


@pytest.fixture
def view(demo_store: Store, qtbot: QtBot) -> MapView:
    widget = MapView(demo_store)
    qtbot.addWidget(widget)
    widget.resize(1000, 700)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def test_the_map_draws_each_layer_in_a_few_batched_items(view: MapView,
                                                        demo_store: Store) -> None:
    assert view.layer_list.count() == len(LAYERS)
    # Routes: one layer for every movement's line and one for the crisis halo.
    assert len(view.layers["routes"]) == 2
    drawn = {r["id"] for r in demo_store.rows("movements") if r["route"]}
    assert set(view.route_layer.ids) == drawn
    assert len(view.layers["convoys"]) == 1
    assert all(view.layer_visible(name) for name in LAYERS if name != "graticule")
    assert not view.layer_visible("graticule")


def test_the_scatter_has_one_spot_per_critical_point(view: MapView, demo_store: Store) -> None:
    assert len(view.points.points()) == demo_store.count("critical_points") > 0


def test_the_layer_list_reorders_the_drawing(view: MapView) -> None:
    order = view.layer_order()
    assert order.index("points") < order.index("routes")
    assert view.points.zValue() > view.route_layer.zValue()
    # Drag the routes to the top of the list: they draw over the points.
    row = order.index("routes")
    view.layer_list.model().moveRow(QModelIndex(), row, QModelIndex(), 0)
    assert view.layer_order()[0] == "routes"
    assert view.route_layer.zValue() > view.points.zValue()


def test_unchecking_routes_hides_them_and_checking_shows_them(view: MapView) -> None:
    entry = next(view.layer_list.item(i) for i in range(view.layer_list.count())
                 if view.layer_list.item(i).data(Qt.ItemDataRole.UserRole) == "routes")  # fmt: skip
    entry.setCheckState(Qt.CheckState.Unchecked)
    assert not any(item.isVisible() for item in view.layers["routes"])
    assert view.layer_visible("points") and view.layer_visible("countries")
    view.set_layer_visible("routes", True)
    assert entry.checkState() == Qt.CheckState.Checked
    assert view.layer_visible("routes")


def test_it_opens_on_the_baltic_states(view: MapView) -> None:
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    for lon, lat in ((25.28, 54.69), (24.11, 56.95), (24.75, 59.44)):  # Vilnius, Riga, Tallinn
        x, y = (float(v) for v in mapdata.project(lon, lat))
        assert x0 < x < x1 and y0 < y < y1
    assert x1 - x0 < 1_500_000  # the region, not the whole boundary file


def test_the_readout_gives_lat_lon_and_mgrs(view: MapView) -> None:
    x, y = (float(v) for v in mapdata.project(25.2797, 54.6872))
    text = view.position_text(x, y)
    assert "54.6872° N" in text and "25.2797° E" in text
    assert "MGRS 35ULA" in text
    view.plot.scene().sigMouseMoved.emit(view.view_box.mapViewToScene(QPointF(x, y)))
    assert "MGRS 35ULA" in view.readout.text()


def test_the_snapshot_renders_the_map_alone(demo_path: Path, tmp_path: Path, qtbot: QtBot) -> None:
    out = snapshot.render(demo_path, tmp_path / "map.png", view="map", size=(800, 500))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (800, 500)


def test_the_map_is_saved_as_png_and_pdf_with_the_marking(view: MapView, tmp_path: Path) -> None:
    import shutil
    import subprocess

    from PySide6.QtGui import QImage

    plain = view.export_png(tmp_path / "plain.png")
    view.marking_source = lambda: ("NATO RESTRICTED", "#502b85")
    png = view.export_png(tmp_path / "map.png")
    assert plain is not None and png is not None
    image, bare = QImage(str(png)), QImage(str(plain))
    assert image.width() == bare.width() and image.height() > bare.height()  # the two bands
    assert image.pixelColor(image.width() // 8, 2).name() == "#502b85"
    pdf = view.export_pdf(tmp_path / "map.pdf")
    assert pdf is not None and pdf.read_bytes()[:5] == b"%PDF-"
    assert view.status.text() == f"Saved {pdf}"
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        assert text.count("NATO RESTRICTED") == 2 and "Map — " in text
