"""The batched map layers: culling, selection, picking, bounds, caching and convoys."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pyqtgraph as pg
import pytest
from PySide6.QtGui import QColor

from app.core.mapdata import unproject
from app.core.planning.convoys import Tracks
from app.core.planning.march import march_table
from app.core.planning.model import MovementPlan, RouteAnalysis
from app.gui.map_items import ConvoyLayer, LineLayer, cosmetic_pen

HIGHLIGHT = "#ff00ff"
LINE_COLOUR = "#0000ff"
HEAD = "#00ff00"


def grid_lines(n: int = 10, step: float = 1000.0) -> list[tuple[np.ndarray, np.ndarray]]:
    """n x n short horizontal lines, line (i, j) from (i*step, j*step), 21 vertices."""
    out = []
    for i in range(n):
        for j in range(n):
            x = i * step + np.linspace(0, step * 0.5, 21)
            out.append((x, np.full(21, j * step)))
    return out


@pytest.fixture
def plot(qtbot):
    widget = pg.PlotWidget(background="#ffffff")
    item = widget.getPlotItem()
    item.hideAxis("left")
    item.hideAxis("bottom")
    widget.getPlotItem().getViewBox().setAspectLocked(True)
    widget.resize(400, 300)
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def look(widget: pg.PlotWidget, xmin: float, ymin: float, xmax: float, ymax: float) -> None:
    widget.getPlotItem().getViewBox().setRange(xRange=(xmin, xmax), yRange=(ymin, ymax),
                                               padding=0.0)  # fmt: skip


def pan(widget: pg.PlotWidget, dx: float, dy: float = 0.0) -> None:
    """Move the view as a drag does: the same size, shifted."""
    view = widget.getPlotItem().getViewBox()
    r = view.viewRect()
    view.setRange(xRange=(r.left() + dx, r.right() + dx), yRange=(r.top() + dy, r.bottom() + dy),
                  padding=0.0)  # fmt: skip


def pixels(widget: pg.PlotWidget, colour: str) -> int:
    image = widget.grab().toImage()
    rgb = QColor(colour).rgb()
    return sum(image.pixel(x, y) == rgb for x in range(0, image.width())
               for y in range(0, image.height()))  # fmt: skip


def layer_with(lines, cache: bool = False, **kw: object) -> LineLayer:
    layer = LineLayer({"a": cosmetic_pen(LINE_COLOUR, 2.0), "b": cosmetic_pen("#00aa00", 2.0)},
                      highlight_pen=cosmetic_pen(HIGHLIGHT, 3.0), cache=cache, **kw)
    styles = ["a" if k % 2 else "b" for k in range(len(lines))]
    layer.set_lines(lines, styles, [f"L{k}" for k in range(len(lines))])
    return layer


def test_only_the_lines_in_view_are_painted(plot) -> None:
    layer = layer_with(grid_lines())
    plot.addItem(layer)
    look(plot, 1800, 1800, 4200, 4200)  # the 3 x 3 lines starting at 2000..4000 and more
    plot.grab()
    painted = set(layer.painted_ids.tolist())
    view = plot.getPlotItem().getViewBox().viewRect()
    expected = {f"L{i * 10 + j}" for i in range(10) for j in range(10)
                if i * 1000 + 500 >= view.left() and i * 1000 <= view.right()
                and view.top() <= j * 1000 <= view.bottom()}  # fmt: skip
    assert {"L22", "L33", "L44"} <= painted
    assert painted == expected
    assert len(painted) < 30
    look(plot, -5000, -5000, 15000, 15000)
    plot.grab()
    assert layer.painted == 100


def test_a_close_view_strokes_only_the_segments_in_it(plot) -> None:
    x = np.linspace(0, 100_000, 1001)  # one long winding line, a vertex every 100 m
    layer = layer_with([(x, 100 * np.sin(x / 300))])
    plot.addItem(layer)
    look(plot, 50_000, -1000, 52_000, 1000)
    plot.grab()
    assert layer.painted == 1
    assert 10 <= layer.stroked < 100  # not the 1,000 segments of the whole line


def test_zoomed_out_lines_are_simplified(plot) -> None:
    rng = np.random.default_rng(1)
    x = np.linspace(0, 100_000, 5001)
    wiggly = [(x, rng.normal(0, 1.0, len(x)) + k * 5000) for k in range(5)]  # 1 m noise
    layer = layer_with(wiggly)
    plot.addItem(layer)
    look(plot, -1000, -1000, 101_000, 26_000)  # some 250 m a pixel
    plot.grab()
    assert layer.painted == 5
    assert 5 <= layer.stroked < 100
    look(plot, 0, 0, 30, 20)  # close: every vertex in view counts
    plot.grab()
    assert layer.stroked >= 1


def test_selected_lines_are_drawn_on_top(plot) -> None:
    layer = layer_with(grid_lines(3))
    plot.addItem(layer)
    look(plot, -200, -200, 2700, 2200)
    assert pixels(plot, HIGHLIGHT) == 0
    assert pixels(plot, LINE_COLOUR) > 0
    layer.set_selected(["L4", "nonesuch"])
    assert layer.selected() == ["L4"]
    assert pixels(plot, HIGHLIGHT) > 10
    layer.set_selected([])
    assert pixels(plot, HIGHLIGHT) == 0


def test_feature_at_finds_the_nearest_line() -> None:
    lines = [(np.array([0.0, 100.0, 100.0]), np.array([0.0, 0.0, 100.0])),
             (np.array([0.0, 100.0]), np.array([20.0, 20.0])),
             (np.array([500.0]), np.array([500.0]))]  # a lone vertex
    layer = LineLayer()
    layer.set_lines(lines, ["a", "b", "a"], ["first", "second", "dot"])
    assert layer.feature_at(50, 3, 5) == "first"
    assert layer.feature_at(50, 16, 5) == "second"
    assert layer.feature_at(103, 60, 5) == "first"  # near its second segment
    assert layer.feature_at(50, 10.5, 20) == "second"
    assert layer.feature_at(50, 50, 5) is None
    assert layer.feature_at(502, 501, 5) == "dot"
    assert LineLayer().feature_at(0, 0, 10) is None


def test_bounding_rect_covers_the_data(plot) -> None:
    lines = [(np.array([-50.0, 300.0]), np.array([10.0, 20.0])),
             (np.array([0.0, 10.0, 20.0]), np.array([-40.0, 500.0, 0.0]))]
    layer = layer_with(lines)
    plot.addItem(layer)
    look(plot, -100, -100, 600, 600)
    rect = layer.boundingRect()
    for x, y in lines:
        for px, py in zip(x, y, strict=True):
            assert rect.contains(px, py)
    assert layer.dataBounds(0) == (-50.0, 300.0)
    assert layer.dataBounds(1) == (-40.0, 500.0)
    assert rect.width() < 400  # the margin is a few pixels, not the view


def test_an_empty_layer_paints_nothing(plot) -> None:
    layer = LineLayer()
    plot.addItem(layer)
    layer.set_lines([], [], [])
    plot.grab()
    assert layer.painted == 0 and layer.boundingRect().isEmpty()
    layer.set_lines([(np.empty(0), np.empty(0))], ["a"], ["nothing"])
    plot.grab()
    assert layer.dataBounds(0) == (None, None)
    convoys = ConvoyLayer()
    plot.addItem(convoys)
    convoys.set_positions(Tracks.build([], {}).at(0.0))
    plot.grab()
    assert convoys.painted == 0 and convoys.boundingRect().isEmpty()


def test_the_image_is_reused_until_the_scale_data_or_selection_change(plot, qtbot) -> None:
    layer = layer_with(grid_lines(), cache=True)
    plot.addItem(layer)
    look(plot, 1800, 1800, 4200, 4200)
    plot.grab()
    renders = layer.renders
    before = plot.grab().toImage()
    assert layer.renders == renders
    view = plot.getPlotItem().getViewBox()
    pan(plot, 100, -50)  # a small pan stays inside the margin
    plot.grab()
    assert layer.renders == renders
    pan(plot, -100, 50)
    assert plot.grab().toImage() == before
    layer.set_selected(["L33"])
    plot.grab()
    assert layer.renders == renders + 1
    view.scaleBy((0.5, 0.5))
    plot.grab()  # mid-zoom: the last image, scaled
    assert layer.renders == renders + 1
    qtbot.waitUntil(lambda: layer.renders == renders + 2, timeout=5000)  # zoom at rest
    plot.grab()
    assert layer.renders == renders + 2
    pan(plot, 3000)  # beyond the margin drawn round the view
    plot.grab()
    assert layer.renders == renders + 3
    view.scaleBy((0.25, 0.25))  # too far to show the last image scaled, even mid-zoom
    plot.grab()
    assert layer.renders == renders + 4


def test_the_cached_image_matches_a_direct_paint(plot) -> None:
    lines = grid_lines(6)
    layer = layer_with(lines, cache=True)
    plot.addItem(layer)
    look(plot, 500, 500, 4500, 4500)
    pan(plot, 120, -80)
    cached = plot.grab().toImage()
    layer.cache = False
    layer.update()
    direct = plot.grab().toImage()
    differ = sum(cached.pixel(x, y) != direct.pixel(x, y)
                 for x in range(cached.width()) for y in range(cached.height()))  # fmt: skip
    assert differ < cached.width() * cached.height() * 0.002  # a half-pixel shift at most


def convoy_tracks() -> tuple[Tracks, datetime]:
    t0 = datetime(2026, 6, 8, 6, tzinfo=timezone.utc)
    plans, routes = [], {}
    for k in range(6):
        x = np.array([5.0e6, 5.05e6, 5.1e6]) + k * 20_000.0
        y = np.array([3.6e6, 3.62e6, 3.6e6])
        lon, lat = unproject(x, y)
        route = RouteAnalysis(110.0, ("LT",), (), ())
        table = march_table(f"m{k}", t0, 40, 100, [100], route)
        plans.append(MovementPlan(f"m{k}", route, (), table, table))
        routes[f"m{k}"] = np.column_stack([lon, lat])
    return Tracks.build(plans, routes), t0


def test_convoys_in_view_are_painted_with_their_heads(plot) -> None:
    tracks, t0 = convoy_tracks()
    layer = ConvoyLayer(cosmetic_pen("#000000", 5.0), head_colour=HEAD)
    plot.addItem(layer)
    layer.set_positions(tracks.at(t0 + timedelta(hours=1)))  # 40 km in, 10 km long
    look(plot, 4.99e6, 3.55e6, 5.25e6, 3.7e6)
    plot.grab()
    assert layer.painted == 6
    assert pixels(plot, HEAD) > 6 * 10
    look(plot, 5.0e6, 3.59e6, 5.065e6, 3.64e6)  # the first two and a bit of the third
    plot.grab()
    assert 1 <= layer.painted < 6
    assert 0 in layer.painted_serials.tolist() and 5 not in layer.painted_serials.tolist()
    head = tracks.at(t0 + timedelta(hours=1)).head_xy[0]
    assert layer.serial_at(head[0] + 10, head[1], 100) == 0
    layer.set_positions(tracks.at(t0 - timedelta(hours=1)))  # not yet on the road
    plot.grab()
    assert layer.painted == 0
    assert pixels(plot, HEAD) == 0


def test_mid_zoom_the_scaled_image_lands_where_the_lines_are(plot) -> None:
    layer = layer_with(grid_lines(6), cache=True)
    plot.addItem(layer)
    look(plot, 500, 500, 4500, 4500)
    plot.grab()
    renders = layer.renders
    plot.getPlotItem().getViewBox().scaleBy((0.9, 0.9))
    interim = plot.grab().toImage()
    assert layer.renders == renders
    layer.cache = False
    layer.update()
    direct = plot.grab().toImage()
    blue = QColor(LINE_COLOUR).rgb()
    near = far = 0
    for x in range(2, direct.width() - 2):
        for y in range(2, direct.height() - 2):
            if direct.pixel(x, y) != blue:
                continue
            # A line pixel of the direct paint: the scaled image has the line within 2 px.
            if any(QColor(interim.pixel(x + dx, y + dy)).blue() > 150
                   and QColor(interim.pixel(x + dx, y + dy)).red() < 100
                   for dx in (-2, -1, 0, 1, 2) for dy in (-2, -1, 0, 1, 2)):  # fmt: skip
                near += 1
            else:
                far += 1
    assert near > 100
    assert far < near * 0.02


def test_a_progressive_stroke_shows_the_last_image_then_the_same_lines(plot, qtbot,
                                                                       monkeypatch) -> None:
    from app.gui import map_items

    monkeypatch.setattr(map_items, "PROGRESSIVE_SLICE", 10)  # many slices of a small layer
    monkeypatch.setattr(map_items, "PROGRESSIVE_BUDGET_S", 0.0)  # one slice per turn
    lines = grid_lines(8)
    layer = layer_with(lines, cache=True)
    layer.progressive, layer.settle_ms = True, 0
    plot.addItem(layer)
    look(plot, 500, 500, 6500, 6500)
    plot.grab()  # the first image is stroked at once: there is nothing to show instead
    renders = layer.renders
    assert not layer.stroking
    look(plot, 1500, 1500, 4500, 4500)  # zoomed in: a new image is needed
    plot.grab()
    assert layer.stroking and layer.renders == renders  # the old image shown, scaled
    layer._advance()  # the first turn gathers the segments
    assert len(layer._job.slices) > 2
    qtbot.waitUntil(lambda: not layer.stroking, timeout=5000)
    assert layer.renders == renders + 1
    progressive = plot.grab().toImage()
    layer.cache = False  # the lines painted directly, as a reference
    assert plot.grab().toImage() == progressive
    # A selection while a stroke runs restarts it with the selection drawn.
    layer.cache = True
    layer.set_selected(["L27"])  # from (3000, 3000): in view
    plot.grab()
    assert layer.stroking
    qtbot.waitUntil(lambda: not layer.stroking, timeout=5000)
    assert pixels(plot, HIGHLIGHT) > 0
