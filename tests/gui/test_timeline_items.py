"""The timeline's batched items: culling, drawn geometry, selection, drag preview, picking,
bounds, night shading and the draggable time cursor."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtCore import QEvent, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPen
from PySide6.QtWidgets import QApplication

from app.gui import timeline_items
from app.gui.timeline_items import BarLayer
from app.gui.timeline_marks import NightShading, TimeCursorLine

BAR = "#ff0000"
OTHER = "#00c000"
HIGHLIGHT = "#ff00ff"
NIGHT = "#0000ff"
WIDTH, HEIGHT = 400, 300
SPAN = (0.0, 400.0)  # seconds across the view: about a second a pixel
ROWS = (0.0, 30.0)  # rows down the view: about 10 pixels a row


@pytest.fixture
def plot(qtbot) -> pg.PlotWidget:
    widget = pg.PlotWidget(background="#ffffff")
    item = widget.getPlotItem()
    item.hideAxis("left")
    item.hideAxis("bottom")
    view = item.getViewBox()
    view.invertY(True)  # row 0 on top, as the timeline
    view.setAspectLocked(False)
    view.disableAutoRange()
    widget.resize(WIDTH, HEIGHT)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    look(widget, SPAN, ROWS)
    return widget


@pytest.fixture(params=["image", "direct"])
def path(request, monkeypatch) -> str:
    """Every drawing test runs twice: rasterised into the layer's image, and filled by Qt
    straight onto the view (as a layer of a few bars is)."""
    monkeypatch.setattr(timeline_items, "DIRECT_MAX", 0 if request.param == "image" else 10**9)
    return request.param


def look(widget: pg.PlotWidget, xs: tuple[float, float], ys: tuple[float, float]) -> None:
    widget.getPlotItem().getViewBox().setRange(xRange=xs, yRange=ys, padding=0.0)


def device(widget: pg.PlotWidget, x: float, y: float) -> QPointF:
    """Where a data point lands in the widget (and its grab)."""
    view = widget.getPlotItem().getViewBox()
    return QPointF(widget.mapFromScene(view.mapViewToScene(QPointF(x, y))))


def box_of(image: QImage, colour: str) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels of exactly `colour`, inclusive."""
    rgb = QColor(colour).rgb()
    hit = [(x, y) for y in range(image.height()) for x in range(image.width())
           if image.pixel(x, y) == rgb]  # fmt: skip
    if not hit:
        return None
    xs, ys = [p[0] for p in hit], [p[1] for p in hit]
    return min(xs), min(ys), max(xs), max(ys)


def count(image: QImage, colour: str) -> int:
    rgb = QColor(colour).rgb()
    return sum(image.pixel(x, y) == rgb for y in range(image.height())
               for x in range(image.width()))  # fmt: skip


def layer(**kw: object) -> BarLayer:
    pen = QPen(QColor(HIGHLIGHT), 2.0)
    pen.setCosmetic(True)
    return BarLayer({"a": OTHER, "b": BAR}, highlight_pen=pen, inset=0.2, **kw)


def expected(widget: pg.PlotWidget, start: float, end: float, row: int,
             inset: float = 0.2) -> tuple[float, float, float, float]:  # fmt: skip
    top_left = device(widget, start, row + inset)
    bottom_right = device(widget, end, row + 1 - inset)
    return top_left.x(), top_left.y(), bottom_right.x(), bottom_right.y()


def assert_box(found: tuple[int, int, int, int] | None,
               want: tuple[float, float, float, float]) -> None:  # fmt: skip
    assert found is not None, "nothing of the bar's colour was drawn"
    # The pixels whose centres the rectangle holds: its edges within a pixel.
    left, top, right, bottom = found
    assert abs(left - want[0]) <= 1 and abs(right + 1 - want[2]) <= 1
    assert abs(top - want[1]) <= 1 and abs(bottom + 1 - want[3]) <= 1


def test_only_bars_in_view_are_painted(plot, path) -> None:
    bars = layer()
    rows = np.arange(20)
    starts = np.where(rows % 2, 50.0, 1000.0)  # odd rows in view in time, even ones not
    bars.set_bars(rows, starts, starts + 100.0, ["b"] * 20, [f"m{r}" for r in rows])
    plot.addItem(bars)
    look(plot, SPAN, (0.0, 10.0))  # rows 0..9
    plot.grab()
    assert bars.painted == 5
    assert sorted(bars.painted_ids.tolist()) == ["m1", "m3", "m5", "m7", "m9"]
    look(plot, SPAN, (11.5, 16.1))  # the lower part of row 11's bar .. above row 16's
    plot.grab()
    assert sorted(bars.painted_ids.tolist()) == ["m11", "m13", "m15"]
    look(plot, SPAN, (11.9, 16.1))  # between row 11's bar and row 12
    plot.grab()
    assert sorted(bars.painted_ids.tolist()) == ["m13", "m15"]
    look(plot, (2000.0, 3000.0), ROWS)
    image = plot.grab().toImage()
    assert bars.painted == 0 and count(image, BAR) == 0


def test_a_bar_is_drawn_where_its_times_and_row_are(plot, path) -> None:
    bars = layer()
    bars.set_bars(np.array([2, 7]), np.array([100.0, 40.0]), np.array([220.0, 90.0]),
                  ["b", "a"], ["m1", "m2"])  # fmt: skip
    plot.addItem(bars)
    image = plot.grab().toImage()
    assert_box(box_of(image, BAR), expected(plot, 100.0, 220.0, 2))
    assert_box(box_of(image, OTHER), expected(plot, 40.0, 90.0, 7))


def test_a_bar_narrower_than_a_pixel_still_shows(plot, path) -> None:
    bars = layer()
    # Ten thousand rows at full range: ~30 rows a pixel, and bars of a tenth of a pixel.
    rows = np.arange(0, 10_000, 50)
    bars.set_bars(rows, np.full(len(rows), 200.0), np.full(len(rows), 200.1),
                  ["b"] * len(rows), [f"m{r}" for r in rows])  # fmt: skip
    plot.addItem(bars)
    look(plot, SPAN, (0.0, 10_000.0))
    image = plot.grab().toImage()
    left, _, right, _ = box_of(image, BAR)
    x = device(plot, 200.0, 0.0).x()
    assert abs(left - x) <= 1 and right - left <= 1  # one pixel column
    assert bars.painted == len(rows)
    assert count(image, BAR) >= HEIGHT // 2 * 0.9  # a pixel every other pixel row or so


def test_selection_outlines_the_selected_bars_only(plot, path) -> None:
    bars = layer()
    bars.set_bars(np.array([2, 2, 10]), np.array([50.0, 150.0, 50.0]),
                  np.array([100.0, 200.0, 300.0]), ["b", "b", "a"], ["m1", "m1", "m2"])
    plot.addItem(bars)
    assert count(plot.grab().toImage(), HIGHLIGHT) == 0
    bars.set_selected(["m1"])
    assert bars.selected() == ["m1", "m1"]
    image = plot.grab().toImage()
    outline = box_of(image, HIGHLIGHT)
    assert outline is not None
    first, second = expected(plot, 50.0, 100.0, 2), expected(plot, 150.0, 200.0, 2)
    # Round both bars of m1, and nowhere near m2 (row 10, far below).
    assert outline[0] <= first[0] and outline[2] >= second[2] - 1
    assert outline[1] <= first[1] and outline[3] >= first[3] - 1
    assert outline[3] < device(plot, 0.0, 5.0).y()
    bars.set_selected([])
    assert count(plot.grab().toImage(), HIGHLIGHT) == 0


def test_shift_moves_the_drawn_bar_without_new_data(plot, path) -> None:
    bars = layer()
    bars.set_bars(np.array([3, 5]), np.array([100.0, 100.0]), np.array([150.0, 150.0]),
                  ["b", "a"], ["m1", "m2"])  # fmt: skip
    plot.addItem(bars)
    before = box_of(plot.grab().toImage(), BAR)
    for seconds in (60.0, 120.0):
        bars.set_shift(["m1"], seconds)
        image = plot.grab().toImage()
        assert_box(box_of(image, BAR), expected(plot, 100.0 + seconds, 150.0 + seconds, 3))
        assert_box(box_of(image, OTHER), expected(plot, 100.0, 150.0, 5))  # m2 stays
        assert bars.painted == 2
    moved = box_of(plot.grab().toImage(), BAR)
    px = device(plot, 120.0, 0).x() - device(plot, 0.0, 0).x()
    assert abs((moved[0] - before[0]) - px) <= 1
    assert bars.bar_at(250.0, 3.5) == 0 and bars.bar_at(120.0, 3.5) is None
    bars.set_shift([], 0.0)
    assert box_of(plot.grab().toImage(), BAR) == before
    assert bars.bar_at(120.0, 3.5) == 0


def test_a_pan_reuses_the_image_and_a_zoom_does_not(plot, qtbot, monkeypatch) -> None:
    monkeypatch.setattr(timeline_items, "DIRECT_MAX", 0)
    bars = layer()
    bars.settle_ms = 60_000  # the zoom "rests" when the test says so, not on a clock
    bars.set_bars(np.array([3]), np.array([100.0]), np.array([200.0]), ["b"], ["m3"])
    plot.addItem(bars)
    plot.grab()
    assert bars.renders == 1
    look(plot, (SPAN[0] + 37.0, SPAN[1] + 37.0), (ROWS[0] - 2.0, ROWS[1] - 2.0))
    image = plot.grab().toImage()
    assert bars.renders == 1  # the same image, moved
    assert_box(box_of(image, BAR), expected(plot, 100.0, 200.0, 3))
    bars.set_selected(["m3"])
    plot.grab()
    assert bars.renders == 1
    look(plot, (SPAN[0], SPAN[1] * 1.5), ROWS)
    image = plot.grab().toImage()
    assert bars.renders == 1  # mid-zoom: the last image, scaled
    shown, want = box_of(image, BAR), expected(plot, 100.0, 200.0, 3)
    assert all(abs(a - b) <= 2 for a, b in zip(shown, want, strict=True))
    assert bars._settle.isActive()
    bars._settle.stop()
    bars._settle_now()  # the zoom rests
    image = plot.grab().toImage()
    assert bars.renders == 2
    assert_box(box_of(image, BAR), want)


def test_bar_at_finds_the_bar_under_a_point() -> None:
    bars = layer()
    bars.set_bars(np.array([0, 0, 1, 4]), np.array([0.0, 100.0, 0.0, 50.0]),
                  np.array([50.0, 200.0, 300.0, 60.0]), ["a", "a", "b", "b"],
                  ["m0", "m0", "m1", "m4"])  # fmt: skip
    assert bars.bar_at(20.0, 0.5) == 0
    assert bars.bar_at(150.0, 0.5) == 1
    assert bars.bar_at(75.0, 0.5) is None  # the gap between m0's serials
    assert bars.bar_at(20.0, 0.1) is None  # the inset above the bar
    assert bars.bar_at(299.0, 1.5) == 2
    assert bars.bar_at(45.0, 4.5) is None and bars.bar_at(45.0, 4.5, tolerance=10.0) == 3
    assert bars.ids_at(150.0, 0.5) == ["m0"]
    assert bars.ids_at(500.0, 0.5) == []


def test_overlapping_bars_pick_the_topmost() -> None:
    segments = BarLayer({"cp": "#000000", "conflict": "#ff0000"}, inset=0.0)
    segments.set_bars(np.array([2, 2]), np.array([0.0, 10.0]), np.array([100.0, 20.0]),
                      ["conflict", "cp"], ["m2", "m9"])  # fmt: skip
    assert segments.bar_at(15.0, 2.5) == 0  # "conflict" is painted after "cp"
    assert segments.ids_at(15.0, 2.5) == ["m2", "m9"]


def test_bounds_cover_the_data(plot) -> None:
    bars = layer()
    bars.set_bars(np.array([3, 8]), np.array([1000.0, 500.0]), np.array([1200.0, 2500.0]),
                  ["a", "b"], ["m3", "m8"])  # fmt: skip
    plot.addItem(bars)
    assert bars.dataBounds(0) == (500.0, 2500.0)
    assert bars.dataBounds(1) == pytest.approx((3.2, 8.8))
    rect = bars.boundingRect()
    for x, y in ((500.0, 3.2), (2500.0, 8.8), (1000.0, 3.2), (2500.0, 3.2)):
        assert rect.contains(QPointF(x, y))
    bars.set_shift(["m8"], 1000.0)
    assert bars.dataBounds(0) == (500.0, 3500.0)
    assert bars.boundingRect().contains(QPointF(3500.0, 8.8))
    bars.set_shift([], 0.0)
    assert bars.dataBounds(0) == (500.0, 2500.0)
    plot.getPlotItem().getViewBox().autoRange(padding=0.0)
    x0, x1 = plot.getPlotItem().getViewBox().viewRange()[0]
    assert x0 == pytest.approx(500.0, abs=50) and x1 == pytest.approx(2500.0, abs=50)


def test_an_empty_layer_paints_nothing(plot, path) -> None:
    bars = layer()
    plot.addItem(bars)
    blank = plot.grab().toImage()
    assert bars.painted == 0 and bars.boundingRect().isEmpty()
    assert bars.dataBounds(0) == (None, None)
    bars.set_bars(np.empty(0), np.empty(0), np.empty(0), [], [])
    image = plot.grab().toImage()
    assert bars.painted == 0 and bars.bar_at(10.0, 0.5) is None
    assert image == blank
    assert count(image, "#ffffff") == image.width() * image.height()


def test_night_shading_draws_bands_where_the_intervals_are(plot) -> None:
    night = NightShading(NIGHT)
    night.set_intervals([(50.0, 100.0), (300.0, 350.0), (5000.0, 6000.0)])
    plot.addItem(night)
    image = plot.grab().toImage()
    assert night.painted == 2  # the third is out of view
    assert night.intervals == [(50.0, 100.0), (300.0, 350.0), (5000.0, 6000.0)]
    blue = QColor(NIGHT).rgb()
    for t in (55.0, 95.0, 305.0, 345.0):
        p = device(plot, t, 15.0)
        assert image.pixel(int(p.x()), int(p.y())) == blue
        top = device(plot, t, 0.2)
        assert image.pixel(int(top.x()), int(top.y())) == blue  # the full height
    for t in (20.0, 200.0, 380.0):
        p = device(plot, t, 15.0)
        assert image.pixel(int(p.x()), int(p.y())) == QColor("#ffffff").rgb()
    assert night.dataBounds(0) == (50.0, 6000.0) and night.dataBounds(1) == (None, None)


def test_night_shading_lies_behind_the_bars(plot) -> None:
    night = NightShading(NIGHT)
    night.set_intervals([(0.0, 400.0)])
    night.setZValue(-1)
    bars = layer()
    bars.set_bars(np.array([5]), np.array([100.0]), np.array([200.0]), ["b"], ["m5"])
    plot.addItem(bars)
    plot.addItem(night)
    image = plot.grab().toImage()
    assert_box(box_of(image, BAR), expected(plot, 100.0, 200.0, 5))


def _mouse(widget: pg.PlotWidget, kind: QEvent.Type, at: QPointF,
           button: Qt.MouseButton, buttons: Qt.MouseButton) -> None:  # fmt: skip
    viewport = widget.viewport()
    event = QMouseEvent(kind, at, QPointF(viewport.mapToGlobal(at.toPoint())), button,
                        buttons, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(viewport, event)


def test_time_cursor_line_emits_the_dragged_time(plot, qtbot) -> None:
    line = TimeCursorLine(100.0, label=lambda t: f"T{t:.0f}")
    plot.addItem(line)
    assert line.label.toPlainText() == "T100"
    moved: list[float] = []
    released: list[float] = []
    line.moved.connect(moved.append)
    line.released.connect(released.append)
    left = Qt.MouseButton.LeftButton
    start = device(plot, 100.0, 15.0)
    end = device(plot, 250.0, 15.0)
    _mouse(plot, QEvent.Type.MouseButtonPress, start, left, left)
    for k in range(1, 11):
        at = start + (end - start) * (k / 10)
        _mouse(plot, QEvent.Type.MouseMove, at, Qt.MouseButton.NoButton, left)
    _mouse(plot, QEvent.Type.MouseButtonRelease, end, left, Qt.MouseButton.NoButton)
    seconds_per_px = (SPAN[1] - SPAN[0]) / plot.getPlotItem().getViewBox().width()
    assert moved, "no time was emitted while dragging"
    assert moved[-1] == pytest.approx(250.0, abs=2 * seconds_per_px)
    assert moved == sorted(moved)
    assert released and released[-1] == pytest.approx(line.time)
    assert line.time == pytest.approx(250.0, abs=2 * seconds_per_px)
    assert line.label.toPlainText() == f"T{line.time:.0f}"
    dragged = len(moved)
    line.set_time(50.0)  # set from elsewhere: no echo
    assert line.time == 50.0 and len(moved) == dragged
    assert line.label.toPlainText() == "T50"


def test_time_cursor_line_labels_utc_by_default() -> None:
    line = TimeCursorLine(1_780_898_400.0)
    assert line.label.toPlainText() == "2026-06-08 06:00Z"


def test_a_drag_point_near_a_thin_bar(plot) -> None:
    # At full range a bar is a pixel: `tolerance` of a few pixels' time lets a click hit it.
    bars = layer()
    bars.set_bars(np.array([4]), np.array([200.0]), np.array([200.5]), ["b"], ["m4"])
    plot.addItem(bars)
    assert bars.bar_at(202.0, 4.5) is None
    assert bars.bar_at(202.0, 4.5, tolerance=3.0) == 0


def test_bars_must_match_in_number() -> None:
    with pytest.raises(ValueError):
        layer().set_bars(np.array([0, 1]), np.array([0.0]), np.array([1.0]), ["a"], ["m"])


def test_a_progressive_image_shows_the_last_one_then_the_same_bars(plot, qtbot,
                                                                   monkeypatch) -> None:
    monkeypatch.setattr(timeline_items, "DIRECT_MAX", 0)
    monkeypatch.setattr(timeline_items, "RASTER_SLICE", 3)  # many slices of a small layer
    monkeypatch.setattr(timeline_items, "RASTER_BUDGET_S", 0.0)  # one slice per turn
    bars = layer()
    bars.progressive, bars.settle_ms = True, 0
    rows = np.arange(12)
    bars.set_bars(rows, rows * 20.0, rows * 20.0 + 150.0, ["b"] * 12,
                  [f"m{r}" for r in rows])  # fmt: skip
    plot.addItem(bars)
    plot.grab()  # the first image is made at once: there is nothing to show instead
    renders = bars.renders
    assert not bars.stroking
    look(plot, (SPAN[0], SPAN[1] * 0.6), ROWS)  # zoomed in: a new image is needed
    plot.grab()
    assert bars.stroking  # the last image shown, mapped to the new view
    steps = 0
    while bars.stroking:
        bars._advance()
        steps += 1
    assert steps > 2 and bars.renders == renders + 1
    progressive = plot.grab().toImage()
    bars.progressive = False
    bars._cache = None  # made afresh at once, as a reference
    assert plot.grab().toImage() == progressive
