"""Timeline frame times: 10,000 movements (rows) of 3 serials over 3 days, 8 passages each.

A 1600x1000 pyqtgraph PlotWidget (y inverted: row 0 on top; no aspect lock; a date axis)
renders offscreen (`grab()`: every item's paint, as a screen frame). Each movement has 3
serials leaving 10-40 minutes apart, 2-8 hours on the road; each serial passes 8 critical
points, 3-10 minutes each; 2 % of the serials carry a conflict overlay; nights (18:00-06:00)
are shaded.

* batched: three `timeline_items.BarLayer`s (serials by status, passages by kind, conflicts)
  and one `NightShading`;
* per item: a `QGraphicsRectItem` per serial, per passage and per conflict (the same data),
  and one per night.

"pan" frames move the view by 3 pixels back and forth (the batched layers reuse their image,
made with a margin round the view); "zoom" frames scale the time axis by 2 % back and forth:
"mid-gesture" the batched layers show their last image scaled (made afresh once the zoom
rests), "image made afresh" they rasterise the bars in view at every step (as after the zoom
rests; a frame a zoom pays once). "drag" frames move one movement's bars and passages by 5
more minutes each (`set_shift`, or `setPos` of its items) and paint.
"""

from __future__ import annotations

import os
import time
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import QApplication, QGraphicsRectItem

from bench.report import median_ms, table

TARGET_MS = 16.0
MOVEMENTS = 10_000
SERIALS = 3
PASSAGES = 8
DAYS = 3
SIZE = (1600, 1000)
T0 = 1_780_898_400.0  # 2026-06-08 06:00Z
DAY = 86_400.0
STATUSES = {"draft": "#b0b0b0", "submitted": "#8fb8e8", "planned": "#3f7fd0",
            "under_way": "#2e9e4f", "completed": "#6b6b6b", "cancelled": "#d9c27a"}
KINDS = {"checkpoint": "#202020", "border": "#7b2fbf", "bridge": "#c76a00"}
CONFLICT = QColor(230, 0, 0, 150)
BAR_INSET, PASSAGE_INSET, CONFLICT_INSET = 0.12, 0.3, 0.05
DRAGGED = "m5000"
SETTLE_MS = 150  # as timeline_items: a zoom rests this long before the image is made afresh


def data(rng: np.random.Generator) -> dict[str, Any]:
    """Serial bars, passages and conflicts as (rows, starts, ends, styles, ids) tuples."""
    n = MOVEMENTS * SERIALS
    rows = np.repeat(np.arange(MOVEMENTS), SERIALS)
    depart = np.repeat(rng.uniform(T0, T0 + DAYS * DAY - 10 * 3600, MOVEMENTS), SERIALS)
    gap = rng.uniform(600, 2400, (MOVEMENTS, SERIALS))
    gap[:, 0] = 0.0
    starts = depart + np.cumsum(gap, axis=1).ravel()
    ends = starts + rng.uniform(2 * 3600, 8 * 3600, n)
    names = list(STATUSES)
    status = np.repeat(rng.integers(0, len(names), MOVEMENTS), SERIALS)
    ids = np.repeat(np.array([f"m{i}" for i in range(MOVEMENTS)], dtype=object), SERIALS)
    bars = (rows, starts, ends, [names[k] for k in status], ids)

    # Passages spread over each serial's time on the road.
    at = (np.arange(PASSAGES) + 0.5) / PASSAGES
    mid = starts[:, None] + (ends - starts)[:, None] * at[None, :]
    half = rng.uniform(90, 300, (n, PASSAGES))
    kinds = list(KINDS)
    passages = (np.repeat(rows, PASSAGES), (mid - half).ravel(), (mid + half).ravel(),
                [kinds[k] for k in rng.integers(0, len(kinds), n * PASSAGES)],
                np.repeat(ids, PASSAGES))  # fmt: skip

    hit = np.flatnonzero(rng.random(n) < 0.02)
    c0 = starts[hit] + rng.uniform(0, 0.5, len(hit)) * (ends[hit] - starts[hit])
    conflicts = (rows[hit], c0, c0 + rng.uniform(600, 3600, len(hit)),
                 ["conflict"] * len(hit), ids[hit])  # fmt: skip
    first = np.floor((T0 - DAY) / DAY) * DAY
    nights = [(first + d * DAY + 18 * 3600, first + (d + 1) * DAY + 6 * 3600)
              for d in range(DAYS + 2)]  # fmt: skip
    return {"bars": bars, "passages": passages, "conflicts": conflicts, "nights": nights}


class Timeline:
    """A bare timeline widget, shown once to lay it out, then hidden, so that a frame is the
    one paint `grab()` makes (as bench/map.py)."""

    def __init__(self) -> None:
        self.widget = pg.PlotWidget(background="#ffffff",
                                    axisItems={"bottom": pg.DateAxisItem(utcOffset=0)})
        self.view = self.widget.getPlotItem().getViewBox()
        self.view.invertY(True)
        self.view.setAspectLocked(False)
        self.view.disableAutoRange()
        self.widget.resize(*SIZE)
        self.widget.show()
        QApplication.processEvents()
        self.widget.hide()

    def look(self, x0: float, x1: float, y0: float = 0.0, y1: float = MOVEMENTS) -> None:
        self.view.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0.0)

    def frame(self) -> None:
        if self.widget.grab().isNull():
            raise RuntimeError("the timeline rendered nothing")

    def close(self) -> None:
        self.widget.close()
        self.widget.deleteLater()
        QApplication.processEvents()


def batched(tl: Timeline, d: dict[str, Any]) -> list[Any]:
    from app.gui.timeline_items import BarLayer
    from app.gui.timeline_marks import NightShading

    night = NightShading()
    night.set_intervals(d["nights"])
    night.setZValue(0)
    bars = BarLayer(STATUSES, inset=BAR_INSET)
    passages = BarLayer(KINDS, inset=PASSAGE_INSET)
    conflicts = BarLayer({"conflict": CONFLICT}, inset=CONFLICT_INSET)
    for z, (layer, key) in enumerate(((bars, "bars"), (passages, "passages"),
                                      (conflicts, "conflicts")), start=1):  # fmt: skip
        layer.set_bars(*d[key])
        layer.setZValue(z)
    for item in (night, bars, passages, conflicts):
        tl.widget.addItem(item)
    return [bars, passages, conflicts]


def per_item(tl: Timeline, d: dict[str, Any]) -> dict[str, list[QGraphicsRectItem]]:
    """A rect item per bar, passage, conflict and night; returns the dragged movement's.

    Added to the view box straight (`PlotItem.addItem` checks its list of items for each
    new one: hours for 270,000); the view's range is set by hand, so no bounds are kept.
    """
    view = tl.view
    no_pen = pg.mkPen(None)
    dragged: dict[str, list[QGraphicsRectItem]] = {"items": []}
    insets = {"bars": BAR_INSET, "passages": PASSAGE_INSET, "conflicts": CONFLICT_INSET}
    colours = {**STATUSES, **KINDS, "conflict": CONFLICT}
    for z, key in enumerate(("bars", "passages", "conflicts"), start=1):
        rows, starts, ends, styles, ids = d[key]
        brushes = {s: QBrush(QColor(c)) for s, c in colours.items()}
        inset = insets[key]
        for r, a, b, s, i in zip(rows.tolist(), starts.tolist(), ends.tolist(), styles, ids,
                                 strict=True):  # fmt: skip
            item = QGraphicsRectItem(a, r + inset, b - a, 1 - 2 * inset)
            item.setBrush(brushes[s])
            item.setPen(no_pen)
            item.setZValue(z)
            view.addItem(item, ignoreBounds=True)
            if i == DRAGGED:
                dragged["items"].append(item)
    shade = QBrush(QColor(20, 30, 80, 40))
    for a, b in d["nights"]:
        item = QGraphicsRectItem(a, -1e6, b - a, 2e6)
        item.setBrush(shade)
        item.setPen(no_pen)
        view.addItem(item, ignoreBounds=True)
    return dragged


def frames(tl: Timeline, x0: float, x1: float, repeat: int, zoom: bool) -> float:
    """Median ms of a frame after a 3-pixel pan, or (`zoom`) after a 2 % zoom in time."""
    tl.look(x0, x1)
    tl.frame()
    samples = []
    for i in range(repeat):
        start = time.perf_counter()
        if zoom:
            half = (x1 - x0) / 2 * (1.02 if i % 2 else 1.0)
            tl.look((x0 + x1) / 2 - half, (x0 + x1) / 2 + half)
        else:
            nudge = (x1 - x0) / SIZE[0] * 3 * (i % 2)
            tl.look(x0 + nudge, x1 + nudge)
        tl.frame()
        samples.append(time.perf_counter() - start)
    return median_ms(samples)


def progressive(tl: Timeline, layers: list[Any], x0: float, x1: float,
                repeat: int) -> tuple[float, float]:  # fmt: skip
    """A zoom at rest with the images made progressively (as the console does): the median of
    each zoom's longest frame, and the median time until every layer's image is whole."""
    from PySide6.QtWidgets import QApplication

    for layer in layers:
        layer.progressive, layer.settle_ms = True, 0
    tl.look(x0, x1)
    tl.frame()
    longest, whole = [], []
    for i in range(repeat):
        begin = time.perf_counter()
        half = (x1 - x0) / 2 * (1.02 if i % 2 else 1.0)
        tl.look((x0 + x1) / 2 - half, (x0 + x1) / 2 + half)
        tl.frame()
        frames = [time.perf_counter() - begin]
        while any(getattr(layer, "stroking", False) for layer in layers):
            start = time.perf_counter()
            QApplication.processEvents()  # a slice of each image
            tl.frame()
            frames.append(time.perf_counter() - start)
        whole.append(time.perf_counter() - begin)
        longest.append(max(frames))
    for layer in layers:
        layer.progressive, layer.settle_ms = False, SETTLE_MS
    return median_ms(longest), median_ms(whole)


def drags(tl: Timeline, move, repeat: int) -> float:
    """Median ms of a drag step: the movement moved 5 more minutes, and a frame."""
    tl.look(T0, T0 + DAYS * DAY)
    tl.frame()
    samples = []
    for i in range(1, repeat + 1):
        start = time.perf_counter()
        move(300.0 * i)
        tl.frame()
        samples.append(time.perf_counter() - start)
    move(0.0)
    return median_ms(samples)


def run(repeat: int = 15) -> tuple[str, dict[str, float]]:
    from app.gui.app import application

    application()
    d = data(np.random.default_rng(1))
    out: dict[str, float] = {"bars": len(d["bars"][0]), "passages": len(d["passages"][0]),
                             "conflicts": len(d["conflicts"][0])}  # fmt: skip
    views = {"full": (T0, T0 + DAYS * DAY), "day": (T0 + DAY, T0 + 2 * DAY)}

    tl = Timeline()
    start = time.perf_counter()
    layers = batched(tl, d)
    out["batched_build_s"] = time.perf_counter() - start
    for name, (x0, x1) in views.items():
        for kind in ("pan", "glide", "zoom"):
            for layer in layers:  # "zoom": no settling, the image made afresh every step
                layer.settle_ms = 0 if kind == "zoom" else SETTLE_MS
            out[f"batched_{name}_{kind}"] = frames(tl, x0, x1, repeat, kind != "pan")
        out[f"batched_{name}_progressive"], out[f"batched_{name}_whole"] = progressive(
            tl, layers, x0, x1, repeat)

    def shift(seconds: float) -> None:
        for layer in layers:
            layer.set_shift([DRAGGED], seconds)

    out["batched_drag"] = drags(tl, shift, repeat)
    out["batched_painted_full"] = sum(layer.painted for layer in layers)
    tl.close()

    tl = Timeline()
    start = time.perf_counter()
    dragged = per_item(tl, d)["items"]
    out["items_build_s"] = time.perf_counter() - start
    few = max(3, repeat // 5)
    for name, (x0, x1) in views.items():
        for kind in ("pan", "zoom"):
            out[f"items_{name}_{kind}"] = frames(tl, x0, x1, few, kind == "zoom")
        out[f"items_{name}_glide"] = out[f"items_{name}_zoom"]  # nothing to reuse

    def move_items(seconds: float) -> None:
        for item in dragged:
            item.setPos(seconds, 0.0)

    out["items_drag"] = drags(tl, move_items, few)
    tl.close()

    rows = []
    for key, title in (("full_pan", "full range (3 days), pan"),
                       ("full_glide", "full range, zoom, mid-gesture"),
                       ("full_zoom", "full range, zoom, image made afresh"),
                       ("day_pan", "one-day zoom, pan"),
                       ("day_glide", "one-day zoom, zoom, mid-gesture"),
                       ("day_zoom", "one-day zoom, zoom, image made afresh"),
                       ("drag", "dragging a movement, full range")):  # fmt: skip
        b, i = out[f"batched_{key}"], out[f"items_{key}"]
        rows.append((title, f"{b:.1f}", f"{i:.1f}", f"{i / b:.1f}x", f"< {TARGET_MS:.0f}"))
        if key.endswith("_zoom"):
            name = key.split("_")[0]
            for what, label, target in (("progressive", "longest frame", f"< {TARGET_MS:.0f}"),
                                        ("whole", "until every bar is in", "")):
                b = out[f"batched_{name}_{what}"]
                rows.append((f"{'full range' if name == 'full' else 'one-day zoom'}, zoom, "
                             f"progressive: {label}", f"{b:.1f}", f"{i:.1f}", f"{i / b:.1f}x",
                             target))  # fmt: skip
    rows.append(("build (set_bars / add items), s", f"{out['batched_build_s']:.2f}",
                 f"{out['items_build_s']:.2f}",
                 f"{out['items_build_s'] / out['batched_build_s']:.1f}x", ""))  # fmt: skip
    text = table(f"Timeline frames, {SIZE[0]}x{SIZE[1]} offscreen: {MOVEMENTS:,} movements, "
                 f"{out['bars']:,} serial bars, {out['passages']:,} passages, "
                 f"{out['conflicts']:,} conflicts over {DAYS} days; median of {repeat} "
                 f"(per item: of {few})",
                 rows, ("frame", "batched ms", "per item ms", "ratio", "target ms"))
    return text, out


if __name__ == "__main__":
    print(run()[0])
