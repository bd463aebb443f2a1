"""Map frame times: 5,000 routes and 2,000 points, and a time-cursor step over 5,000 convoys.

"progressive" rows are the console's way after a zoom comes to rest: the last image shown
scaled while the lines are stroked afresh a slice per event-loop turn; the longest frame of
that, and the time until every line is in.

A 1600x1000 pyqtgraph PlotWidget renders offscreen (`grab()`: every item's paint, as a
screen frame). Routes are synthetic road-like lines (20-60 vertices, 2-8 km apart, the
heading wandering a little at each vertex) over the Baltic region in LAEA metres; points
are scattered over the same box with the map's symbols by kind.

* batched: `map_items.LineLayer` (a path per style, culled, simplified to half a pixel)
  and one `ScatterPlotItem` for the points;
* per item: a `QGraphicsPathItem` per route and a `QGraphicsEllipseItem` per point (pixel
  size, as the map's symbols).

"pan" frames move the view by 3 pixels (a drag); "zoom" frames scale it by 2 %: mid-gesture
the line layer shows its last image scaled, and strokes the lines afresh once the zoom rests
("lines stroked": everything in view is stroked again); "repaint" frames keep the view;
"first" is the first frame at that zoom (simplifying the lines for it included). The time-
cursor step is `Tracks.at` for 5,000 serials, the convoy update and a frame over the batched
routes and points; per item, each convoy's column is its own `QGraphicsPathItem`.
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta, timezone
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QGraphicsEllipseItem, QGraphicsItem, QGraphicsPathItem

from bench.report import median_ms, table

TARGET_MS = 16.0
ROUTES = 5_000
POINTS = 2_000
CONVOYS = 5_000
SIZE = (1600, 1000)
REGION = (4.9e6, 3.4e6, 5.6e6, 4.3e6)  # xmin, ymin, xmax, ymax (LAEA metres)
CLOSE = (5.20e6, 3.82e6, 5.26e6, 3.8575e6)  # 60 km across, the same aspect
T0 = datetime(2026, 6, 8, 6, 0, tzinfo=timezone.utc)
STATUSES = ("cancelled", "completed", "draft", "submitted", "planned", "under_way")


def routes(n: int, rng: np.random.Generator) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for _ in range(n):
        k = int(rng.integers(20, 61))
        heading = rng.uniform(0, 2 * np.pi) + np.cumsum(rng.normal(0, 0.25, k - 1))
        step = rng.uniform(2e3, 8e3)
        x = rng.uniform(REGION[0], REGION[2]) + np.concatenate(
            [[0.0], np.cumsum(np.cos(heading) * step)])
        y = rng.uniform(REGION[1], REGION[3]) + np.concatenate(
            [[0.0], np.cumsum(np.sin(heading) * step)])
        out.append((x, y))
    return out


def tracks(lines: list[tuple[np.ndarray, np.ndarray]], rng: np.random.Generator):
    """One serial per route, all leaving within the first hour at 40 km/h."""
    from app.core.geography import GEOD
    from app.core.mapdata import unproject
    from app.core.planning.convoys import Tracks
    from app.core.planning.march import march_table
    from app.core.planning.model import MovementPlan, RouteAnalysis

    plans, lonlat = [], {}
    for i, (x, y) in enumerate(lines):
        lon, lat = unproject(x, y)
        km = float(GEOD.line_length(lon, lat)) / 1000.0
        route = RouteAnalysis(km, ("LT",), (), ())
        depart = T0 + timedelta(minutes=float(rng.uniform(0, 60)))
        table = march_table(f"m{i}", depart, 40, 100, [int(rng.integers(10, 80))], route)
        plans.append(MovementPlan(f"m{i}", route, (), table, table))
        lonlat[f"m{i}"] = np.column_stack([lon, lat])
    return Tracks.build(plans, lonlat)


class Map:
    """A bare map widget: aspect locked, no axes, like the console's.

    Shown once to lay it out, then hidden, so that a frame is the one paint `grab()` makes
    (a shown offscreen window would also paint its backing store on every event loop turn).
    """

    def __init__(self) -> None:
        self.widget = pg.PlotWidget(background="#d6e6f0")
        item = self.widget.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        self.view = item.getViewBox()
        self.view.setAspectLocked(True)
        self.widget.resize(*SIZE)
        self.widget.show()
        QApplication.processEvents()
        self.widget.hide()

    def look(self, box: tuple[float, float, float, float]) -> None:
        self.view.setRange(xRange=(box[0], box[2]), yRange=(box[1], box[3]), padding=0.0)
        r = self.view.viewRect()  # as the aspect lock made it: later moves keep the scale
        self.view.setRange(xRange=(r.left(), r.right()), yRange=(r.top(), r.bottom()),
                           padding=0.0)  # fmt: skip
        QApplication.processEvents()

    def move(self, dx: float, zoom: float = 1.0) -> None:
        """Shift the view by dx and scale it by `zoom` about its centre."""
        r = self.view.viewRect()
        cx, cy = r.center().x() + dx, r.center().y()
        w, h = r.width() * zoom / 2, r.height() * zoom / 2
        self.view.setRange(xRange=(cx - w, cx + w), yRange=(cy - h, cy + h), padding=0.0)

    def frame(self) -> None:
        if self.widget.grab().isNull():
            raise RuntimeError("the map rendered nothing")

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()
        QApplication.processEvents()


def _pen(status: str) -> object:
    from app.gui.map_items import cosmetic_pen
    from app.gui.map_view import STATUS_STYLE

    colour, style = STATUS_STYLE[status]
    return cosmetic_pen(colour, 2.2, style)


def batched(m: Map, lines, styles, pts) -> tuple:
    from app.gui.map_items import LineLayer
    from app.gui.map_view import KIND_STYLE

    layer = LineLayer({s: _pen(s) for s in STATUSES})
    layer.set_lines(lines, styles, [f"r{i}" for i in range(len(lines))])
    layer.setZValue(10)
    m.widget.addItem(layer)
    kinds = list(KIND_STYLE)
    kind = [kinds[k] for k in pts[2]]
    scatter = pg.ScatterPlotItem(x=pts[0], y=pts[1], size=11, pxMode=True,
                                 symbol=[KIND_STYLE[k][0] for k in kind],
                                 brush=[pg.mkBrush(KIND_STYLE[k][1]) for k in kind],
                                 pen=pg.mkPen("#ffffff", width=1))  # fmt: skip
    scatter.setZValue(20)
    m.widget.addItem(scatter)
    return layer, scatter


def per_item(m: Map, lines, styles, pts) -> None:
    from app.gui.map_view import KIND_STYLE

    scene = m.widget.getPlotItem()
    for (x, y), status in zip(lines, styles, strict=True):
        item = QGraphicsPathItem(pg.arrayToQPath(x, y))
        item.setPen(_pen(status))
        item.setZValue(10)
        scene.addItem(item)
    colours = [QBrush(QColor(c)) for _, c in KIND_STYLE.values()]
    for x, y, k in zip(*pts, strict=True):
        dot = QGraphicsEllipseItem(-5.5, -5.5, 11, 11)
        dot.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        dot.setBrush(colours[k])
        dot.setPen(pg.mkPen("#ffffff", width=1))
        dot.setPos(float(x), float(y))
        dot.setZValue(20)
        scene.addItem(dot)


def frames(m: Map, box: tuple[float, float, float, float], repeat: int,
           layer: Any = None) -> dict[str, float]:  # fmt: skip
    """Median ms of a frame after a 3-pixel pan, after a 2 % zoom and of a repaint of the
    same view; and the first frame at this zoom. With the batched `layer`, a zoom frame is
    measured twice: stroked afresh (as when the zoom comes to rest) and mid-gesture (the
    last image scaled)."""
    settle = layer.settle_ms if layer is not None else 0
    if layer is not None:
        layer.settle_ms = 0
    m.look(box)
    start = time.perf_counter()
    m.frame()
    out = {"first": (time.perf_counter() - start) * 1000}
    nudge = (box[2] - box[0]) / SIZE[0] * 3
    for kind in ("pan", "zoom", "glide", "repaint"):
        if kind == "glide":
            if layer is None:
                continue
            layer.settle_ms = settle
        m.look(box)
        m.frame()
        samples = []
        for i in range(repeat):
            start = time.perf_counter()
            if kind == "pan":
                m.move(nudge if i % 2 else -nudge)
            elif kind in ("zoom", "glide"):
                m.move(0.0, 1.02 if i % 2 else 1 / 1.02)
            m.frame()
            samples.append(time.perf_counter() - start)
        out[kind] = median_ms(samples)
        if layer is not None:
            layer.settle_ms = 0
    out.setdefault("glide", out["zoom"])  # one item per feature: nothing to reuse
    if layer is not None:
        layer.settle_ms = settle
    return out


def progressive(m: Map, layer: Any, box: tuple[float, float, float, float],
                repeat: int) -> tuple[float, float, float]:  # fmt: skip
    """A zoom at rest with the lines stroked progressively: the median of each zoom's longest
    frame, the median frame, and the median time until every line is stroked afresh."""
    layer.progressive, settle, layer.settle_ms = True, layer.settle_ms, 0
    m.look(box)
    m.frame()
    longest, every, whole = [], [], []
    for i in range(repeat):
        begin = time.perf_counter()
        m.move(0.0, 1.02 if i % 2 else 1 / 1.02)
        m.frame()
        frames = [time.perf_counter() - begin]
        while layer.stroking:
            start = time.perf_counter()
            QApplication.processEvents()  # one slice of the stroke
            m.frame()
            frames.append(time.perf_counter() - start)
        whole.append(time.perf_counter() - begin)
        longest.append(max(frames))
        every += frames
    layer.progressive, layer.settle_ms = False, settle
    return median_ms(longest), median_ms(every), median_ms(whole)


def steps(m: Map, move, repeat: int) -> float:
    """Median ms of a time-cursor step: positions, the convoy update and a frame."""
    samples = []
    for i in range(repeat):
        moment = T0 + timedelta(minutes=90 + i)
        start = time.perf_counter()
        move(moment)
        m.frame()
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def run(repeat: int = 15) -> tuple[str, dict[str, float]]:
    from app.gui.app import application
    from app.gui.map_items import ConvoyLayer

    application()
    rng = np.random.default_rng(1)
    lines = routes(ROUTES, rng)
    styles = [STATUSES[i] for i in rng.integers(0, len(STATUSES), ROUTES)]
    pts = (rng.uniform(REGION[0], REGION[2], POINTS), rng.uniform(REGION[1], REGION[3], POINTS),
           rng.integers(0, 9, POINTS))
    vertices = sum(len(x) for x, _ in lines)
    built = time.perf_counter()
    track = tracks(lines, rng)
    built = time.perf_counter() - built
    at = time.perf_counter()
    on_road = int(track.at(T0 + timedelta(minutes=90)).on_road.sum())
    at = (time.perf_counter() - at) * 1000

    data: dict[str, float] = {"vertices": vertices, "convoys_on_road": on_road,
                              "tracks_build_s": built, "tracks_at_ms": at}  # fmt: skip
    m = Map()
    layer, _ = batched(m, lines, styles, pts)
    for name, box in (("region", REGION), ("close", CLOSE)):
        for k, v in frames(m, box, repeat, layer).items():
            data[f"batched_{name}_{k}"] = v
        (data[f"batched_{name}_progressive_longest"], data[f"batched_{name}_progressive_frame"],
         data[f"batched_{name}_progressive_whole"]) = progressive(m, layer, box, repeat)
    convoys = ConvoyLayer()
    convoys.setZValue(30)
    m.widget.addItem(convoys)
    m.look(REGION)
    m.frame()
    data["batched_step"] = steps(m, lambda t: convoys.set_positions(track.at(t)), repeat)
    m.widget.removeItem(convoys)

    columns: list[QGraphicsPathItem] = []
    column_pen = convoys.column_pen
    for _ in range(len(track)):
        item = QGraphicsPathItem()
        item.setPen(column_pen)
        item.setZValue(30)
        m.widget.getPlotItem().addItem(item)
        columns.append(item)

    def move_items(moment: datetime) -> None:
        pos = track.at(moment)
        ends = np.flatnonzero(~pos.connect)
        starts = np.concatenate([[0], ends[:-1] + 1])
        shown = np.zeros(len(columns), dtype=bool)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            serial = int(pos.column[s])
            columns[serial].setPath(pg.arrayToQPath(pos.x[s:e + 1], pos.y[s:e + 1]))
            shown[serial] = True
        for serial in np.flatnonzero(~shown).tolist():
            columns[serial].setPath(pg.QtGui.QPainterPath())

    m.frame()
    data["items_step"] = steps(m, move_items, max(3, repeat // 3))
    m.close()

    m = Map()
    per_item(m, lines, styles, pts)
    for name, box in (("region", REGION), ("close", CLOSE)):
        for k, v in frames(m, box, max(3, repeat // 3)).items():
            data[f"items_{name}_{k}"] = v
    m.close()

    def ratio(a: str, b: str) -> str:
        return f"{data[a] / data[b]:.1f}x"

    def ms(key: str) -> str:
        return f"{data[key]:.1f}"

    target = f"< {TARGET_MS:.0f}"
    rows = []
    for name in ("region", "close"):
        for kind, title in (("pan", "pan"), ("glide", "zoom, mid-gesture"),
                            ("zoom", "zoom, lines stroked"), ("repaint", "repaint"),
                            ("first", "first")):  # fmt: skip
            rows.append((f"{name} view, {title} frame", ms(f"batched_{name}_{kind}"),
                         ms(f"items_{name}_{kind}"),
                         ratio(f"items_{name}_{kind}", f"batched_{name}_{kind}"),
                         target if kind != "first" else ""))  # fmt: skip
        key = f"batched_{name}_progressive"
        rows.append((f"{name} view, zoom, progressive: longest frame", ms(f"{key}_longest"),
                     ms(f"items_{name}_zoom"), ratio(f"items_{name}_zoom", f"{key}_longest"),
                     target))  # fmt: skip
        rows.append((f"{name} view, zoom, progressive: all lines in", ms(f"{key}_whole"),
                     ms(f"items_{name}_zoom"), ratio(f"items_{name}_zoom", f"{key}_whole"),
                     ""))  # fmt: skip
    rows.append(("time-cursor step, 5,000 convoys", ms("batched_step"), ms("items_step"),
                 ratio("items_step", "batched_step"), target))
    text = table(f"Map frames, {SIZE[0]}x{SIZE[1]} offscreen: {ROUTES:,} routes ({vertices:,} "
                 f"vertices), {POINTS:,} points; {on_road:,} convoys on the road (Tracks.at "
                 f"{at:.1f} ms, build {built:.1f} s); median of {repeat}",
                 rows, ("frame", "batched ms", "per item ms", "ratio", "target ms"))
    return text, data


if __name__ == "__main__":
    print(run()[0])
