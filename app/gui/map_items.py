"""Batched, view-culled map layers: thousands of routes and convoys as one item each.

One `QGraphicsItem` per feature costs Qt a bounding-rect query, a transform and a paint call
per feature and frame; these layers keep their features in flat numpy arrays instead and
paint only the features whose boxes meet the view, one `drawLines` batch per style. Qt's
raster engine strokes a pen wider than a pixel over one long path about seven times slower
than over the same segments passed apart, hence segments, not a path; the price is that a
dash pattern restarts at each vertex. Zoomed out, lines are simplified to half a pixel (each
tolerance computed once and cached); zoomed in, only the segments meeting the view are
stroked.

Stroking is still the cost of a frame, so `LineLayer` keeps what it stroked, the view and a
margin round it, as an image and repaints from it while the scale, the data and the
selection stay the same: a pan or a time-cursor step that moves only convoys does not
re-stroke the routes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import pyqtgraph as pg
import shapely
from pyqtgraph.Qt.internals import PrimitiveArray  # numpy-backed Qt arrays, as pyqtgraph
from PySide6.QtCore import QLineF, QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from app.core.planning.convoys import Positions

LOD_PX = 0.5  # simplification tolerance, in pixels: below what the eye can tell
MIN_TOLERANCE = 1.0  # data units; finer levels draw the lines as given
CACHE_MARGIN = 0.25  # of the view's size, each side: pans of a quarter view repaint nothing
SETTLE_MS = 150  # a zoom shows the last image scaled until it rests this long
MAX_STRETCH = 2.0  # ... unless that image would be scaled more than this: it is too coarse
PROGRESSIVE_SLICE = 4_000  # segments stroked at a time (a few ms on a software renderer)
PROGRESSIVE_BUDGET_S = 0.007  # stroking per event-loop turn, leaving room for the frame


def cosmetic_pen(colour: QColor | str, width: float,
                 style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:  # fmt: skip
    pen = QPen(QColor(colour), width, style)
    pen.setCosmetic(True)  # width in pixels whatever the zoom
    return pen


def _pixel_size(painter: QPainter) -> float:
    """Data units per device pixel under the painter's transform."""
    t = painter.transform()
    det = abs(t.m11() * t.m22() - t.m12() * t.m21())
    return 1.0 / math.sqrt(det) if det > 0 else 0.0


def _ranges(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Concatenated index ranges first[i] .. first[i] + counts[i] - 1."""
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int64)
    starts = np.repeat(first - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return np.arange(total, dtype=np.int64) + starts


def _segments(x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray,
              ) -> PrimitiveArray:  # fmt: skip
    """Line segments as one array of QLineF for `QPainter.drawLines`, filled from numpy."""
    lines = PrimitiveArray(QLineF, 4)
    lines.resize(len(x0))
    lines.ndarray()[:] = np.column_stack([x0, y0, x1, y1])
    return lines


class _BoxedLayer(pg.GraphicsObject):
    """Bounds from a data box plus a pixel margin for cosmetic pens (as pyqtgraph's items)."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._box: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax
        self._rect: QRectF | None = None
        self._pad_px = 0.0

    def _set_box(self, box: tuple[float, float, float, float] | None, pad_px: float) -> None:
        self.prepareGeometryChange()
        self._box, self._pad_px, self._rect = box, pad_px, None
        self.informViewBoundsChanged()

    def dataBounds(self, ax: int, frac: float = 1.0,
                   orthoRange: Any = None) -> tuple[float | None, float | None]:
        if self._box is None:
            return None, None
        return (self._box[0], self._box[2]) if ax == 0 else (self._box[1], self._box[3])

    def pixelPadding(self) -> float:
        return self._pad_px

    def boundingRect(self) -> QRectF:
        if self._box is None:
            return QRectF()
        if self._rect is None:
            px, py = self.pixelVectors()
            dx = 0.0 if px is None else px.length() * self._pad_px
            dy = 0.0 if py is None else py.length() * self._pad_px
            xmin, ymin, xmax, ymax = self._box
            self._rect = QRectF(xmin - dx, ymin - dy, xmax - xmin + 2 * dx,
                                ymax - ymin + 2 * dy)  # fmt: skip
        return self._rect

    def viewTransformChanged(self) -> None:
        # The pixel margin in data units changes with the zoom.
        super().viewTransformChanged()
        self.prepareGeometryChange()
        self._rect = None

    def _view(self) -> tuple[float, float, float, float] | None:
        rect = self.viewRect()
        if rect is None:
            return None
        return rect.left(), rect.top(), rect.right(), rect.bottom()


class LineLayer(_BoxedLayer):
    """Many polylines, a pen per style, culled to the view, simplified when zoomed out.

    Styles are painted in the order of `pens` (later over earlier); a style missing from
    `pens` is painted last with `default_pen`. Selected features are painted over all of
    them with `highlight_pen`. The pens are read by `set_lines`.

    With `cache`, a paint strokes the view and a margin round it into an image and later
    paints reuse it (see the module note); mid-zoom the image is shown scaled, and the lines
    are stroked afresh `settle_ms` after the last zoom step.
    """

    def __init__(self, pens: Mapping[Hashable, QPen] | None = None,
                 default_pen: QPen | None = None, highlight_pen: QPen | None = None,
                 lod_px: float = LOD_PX, cache: bool = True, settle_ms: int = SETTLE_MS,
                 progressive: bool = False,
                 parent: Any = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.settle_ms = settle_ms  # 0: stroke every zoom frame afresh
        self._settled = False
        # Progressive strokes: a fresh image is stroked a slice per event-loop turn while
        # the last one is shown scaled, so no frame waits for a dense region to be stroked.
        self.progressive = progressive
        self._job: _Job | None = None
        self._stale: _Cached | None = None  # the last image, shown while a job runs
        self._step = QTimer(self)
        self._step.setSingleShot(True)
        self._step.setInterval(0)
        self._step.timeout.connect(self._advance)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self._settle_now)
        self.pens: dict[Hashable, QPen] = dict(pens or {})
        self.default_pen = default_pen or cosmetic_pen("#555555", 1.5)
        self.highlight_pen = highlight_pen or cosmetic_pen("#ff2d00", 4.0)
        self.lod_px = lod_px
        self.cache = cache
        self.ids: np.ndarray = np.empty(0, dtype=object)
        self.painted = 0  # features painted by the last paint (selection not counted)
        self.painted_ids: np.ndarray = np.empty(0, dtype=object)
        self._x = self._y = np.empty(0)
        self._first = self._count = np.empty(0, dtype=np.int64)
        self._bbox = np.empty((0, 4))
        self._style = np.empty(0, dtype=np.int64)
        self._style_pens: list[QPen] = []
        self._selected = np.empty(0, dtype=bool)
        self._levels: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self._spacing = 0.0  # median distance between a line's consecutive vertices
        self._seg_cache: dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._paths: tuple[Any, list[tuple[QPen, np.ndarray]]] | None = None
        self._image: _Cached | None = None
        self.renders = 0  # times the lines were stroked (not repainted from the image)
        self.stroked = 0  # segments stroked by the last render (selection included)
        self._version = 0

    # -- data ---------------------------------------------------------------------------
    def set_lines(self, lines: Sequence[tuple[np.ndarray, np.ndarray]],
                  styles: Sequence[Hashable] | None = None,
                  ids: Sequence[Hashable] | None = None) -> None:  # fmt: skip
        """Replace the features: (x, y) arrays, a style key and an id for each."""
        n = len(lines)
        styles = [None] * n if styles is None else list(styles)
        self.ids = np.array(range(n) if ids is None else list(ids), dtype=object)
        if len(styles) != n or len(self.ids) != n:
            raise ValueError("lines, styles and ids must be as many")
        counts = np.fromiter((len(x) for x, _ in lines), dtype=np.int64, count=n)
        self._count = counts
        self._first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        if counts.sum():
            self._x = np.concatenate([np.asarray(x, dtype=float) for x, _ in lines])
            self._y = np.concatenate([np.asarray(y, dtype=float) for _, y in lines])
        else:
            self._x = self._y = np.empty(0)
        self._bbox = np.full((n, 4), np.nan)
        has = counts > 0
        if has.any():
            f = self._first[has]
            self._bbox[has] = np.column_stack([np.minimum.reduceat(self._x, f),
                                               np.minimum.reduceat(self._y, f),
                                               np.maximum.reduceat(self._x, f),
                                               np.maximum.reduceat(self._y, f)])  # fmt: skip
        order = list(self.pens)
        extra = [s for s in dict.fromkeys(styles) if s not in self.pens]
        self._style_pens = [self.pens[s] for s in order] + [self.default_pen] * len(extra)
        index = {s: i for i, s in enumerate(order + extra)}
        self._style = np.fromiter((index[s] for s in styles), dtype=np.int64, count=n)
        self._selected = np.zeros(n, dtype=bool)
        self._levels = {0: (self._x, self._y, self._first, self._count)}
        self._seg_cache = {}
        step = np.hypot(np.diff(self._x), np.diff(self._y))
        inner = np.ones(len(step), dtype=bool)
        inner[(self._first + self._count - 1)[(self._count > 0) & (self._first + self._count
                                                                    - 1 < len(step))]] = False
        self._spacing = float(np.median(step[inner])) if inner.any() else 0.0
        box = None
        if has.any():
            box = (float(np.nanmin(self._bbox[:, 0])), float(np.nanmin(self._bbox[:, 1])),
                   float(np.nanmax(self._bbox[:, 2])), float(np.nanmax(self._bbox[:, 3])))
        pad = max([p.widthF() for p in [*self._style_pens, self.highlight_pen]] + [1.0])
        self._set_box(box, pad * 0.7072)
        self.painted, self.painted_ids = 0, self.ids[:0]  # until painted again
        self._changed()

    def set_selected(self, ids: Iterable[Hashable]) -> None:
        """Features to draw highlighted, over the others."""
        wanted = set(ids)
        self._selected = np.fromiter((i in wanted for i in self.ids), dtype=bool,
                                     count=len(self.ids))  # fmt: skip
        self._changed()

    def selected(self) -> list[Hashable]:
        return self.ids[self._selected].tolist()

    def _changed(self) -> None:
        self._version += 1
        self._paths = None
        if self._image is not None:
            self._stale = self._image
        self._image = None
        self.update()

    # -- level of detail -----------------------------------------------------------------
    def _level(self, px: float) -> int:
        """The coarsest cached tolerance (a power of two, data units) within `lod_px`."""
        tolerance = px * self.lod_px
        # Finer than the lines' own vertex spacing, simplifying removes next to nothing: the
        # lines are drawn as given (and a close view pays no simplification of every line).
        if tolerance < max(MIN_TOLERANCE, self._spacing / 8) or len(self._x) == 0:
            return 0
        return math.floor(math.log2(tolerance)) + 1  # level L: tolerance 2 ** (L - 1)

    def _geometry(self, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if level not in self._levels:
            has = np.flatnonzero(self._count > 0)
            own = self._count[has]
            # A one-vertex feature becomes a zero-length line (shapely needs two).
            counts = np.maximum(own, 2)
            index = np.repeat(_ranges(self._first[has], own),
                              np.where(np.repeat(own, own) == 1, 2, 1))
            coords = np.column_stack([self._x[index], self._y[index]])
            lines = shapely.linestrings(coords, indices=np.repeat(np.arange(len(has)), counts))
            simple = shapely.simplify(lines, 2.0 ** (level - 1), preserve_topology=False)
            xy, owner = shapely.get_coordinates(simple, return_index=True)
            count = np.zeros(len(self._count), dtype=np.int64)
            count[has] = np.bincount(owner, minlength=len(has))
            first = np.concatenate([[0], np.cumsum(count)[:-1]]).astype(np.int64)
            self._levels[level] = (xy[:, 0].copy(), xy[:, 1].copy(), first, count)
        return self._levels[level]

    # -- queries -------------------------------------------------------------------------
    def in_rect(self, xmin: float, ymin: float, xmax: float, ymax: float) -> np.ndarray:
        """Indices of the features whose boxes meet the rectangle."""
        b = self._bbox
        with np.errstate(invalid="ignore"):
            hit = (b[:, 2] >= xmin) & (b[:, 0] <= xmax) & (b[:, 3] >= ymin) & (b[:, 1] <= ymax)
        return np.flatnonzero(hit)

    def feature_at(self, x: float, y: float, tolerance: float) -> Hashable | None:
        """The id of the line nearest to (x, y) within `tolerance` (data units), or None."""
        near = self.in_rect(x - tolerance, y - tolerance, x + tolerance, y + tolerance)
        if len(near) == 0:
            return None
        counts = self._count[near]
        index = _ranges(self._first[near], counts)
        owner = np.repeat(np.arange(len(near)), counts)
        # Segments within each feature: a vertex and the next one of the same feature; a
        # lone vertex is a segment of length 0.
        nxt = np.minimum(np.arange(1, len(index) + 1), len(index) - 1)
        same = np.append(owner[1:] == owner[:-1], False)
        j = np.where(same, index[nxt], index)
        x0, y0 = self._x[index], self._y[index]
        dx, dy = self._x[j] - x0, self._y[j] - y0
        length2 = dx * dx + dy * dy
        t = np.divide((x - x0) * dx + (y - y0) * dy, length2, out=np.zeros_like(dx),
                      where=length2 > 0)  # fmt: skip
        t = np.clip(t, 0.0, 1.0)
        dist = np.hypot(x0 + t * dx - x, y0 + t * dy - y)
        best = np.full(len(near), np.inf)
        np.minimum.at(best, owner, dist)
        k = int(np.argmin(best))
        return self.ids[near[k]] if best[k] <= tolerance else None

    # -- painting ------------------------------------------------------------------------
    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:  # fmt: skip
        view = self._view()
        if view is None or len(self.ids) == 0:
            self.painted, self.painted_ids = 0, self.ids[:0]
            return
        t = painter.transform()
        px = _pixel_size(painter)
        if not self.cache or px == 0:
            self._draw(painter, view, px)
            return
        scale = (t.m11(), t.m12(), t.m21(), t.m22())
        cached = self._image
        fresh = cached is not None and cached.version == self._version
        if fresh and not all(map(_close, cached.scale, scale)) and self.settle_ms > 0 \
                and not self._settled and _stretch(cached.scale, scale) <= MAX_STRETCH:
            # Mid-zoom: the last image scaled to the new view now, the lines stroked afresh
            # once the zoom has rested for `settle_ms` (or has gone too far for the image).
            assert cached is not None
            _draw_cached(painter, cached, scale)
            self._settle.start(self.settle_ms)
            return
        if not fresh or not cached.covers(view) or not all(map(_close, cached.scale, scale)):
            shown = cached or self._stale
            if self.progressive and shown is not None:
                self._progress(painter, view, px, scale)
                _draw_cached(painter, shown, scale)
                return
            cached = self._image = self._render(painter, view, px)
            self._settled = False
        assert cached is not None
        at = t.map(cached.origin)
        painter.save()
        painter.resetTransform()
        painter.drawImage(QPointF(round(at.x()), round(at.y())), cached.image)
        painter.restore()

    def _settle_now(self) -> None:
        self._settled = True
        self.update()

    def _target(self, painter: QPainter, view: tuple[float, float, float, float],
                ) -> tuple[QImage, QTransform, QPointF, tuple[float, float, float, float]]:
        """An image of the view and a margin round it (pans reuse it), the transform that
        paints into it, the data point at its top-left pixel, and the extent it covers."""
        t = painter.transform()
        mx, my = (view[2] - view[0]) * CACHE_MARGIN, (view[3] - view[1]) * CACHE_MARGIN
        extent = (view[0] - mx, view[1] - my, view[2] + mx, view[3] + my)
        device = t.mapRect(QRectF(extent[0], extent[1], extent[2] - extent[0],
                                  extent[3] - extent[1]))  # fmt: skip
        left, top = math.floor(device.left()), math.floor(device.top())
        width = math.ceil(device.right()) - left
        height = math.ceil(device.bottom()) - top
        ratio = painter.device().devicePixelRatioF() if painter.device() else 1.0
        image = QImage(max(1, round(width * ratio)), max(1, round(height * ratio)),
                       QImage.Format.Format_ARGB32_Premultiplied)  # fmt: skip
        image.setDevicePixelRatio(ratio)
        image.fill(0)
        origin = t.inverted()[0].map(QPointF(left, top))
        return image, t * QTransform.fromTranslate(-left, -top), origin, extent

    def _render(self, painter: QPainter, view: tuple[float, float, float, float],
                px: float) -> _Cached:  # fmt: skip
        """Paint the view and a margin round it into an image, at once."""
        image, into, origin, extent = self._target(painter, view)
        inner = QPainter(image)
        inner.setRenderHints(painter.renderHints())
        inner.setTransform(into)
        self._draw(inner, extent, px)
        inner.end()
        t = painter.transform()
        return _Cached(image, origin, (t.m11(), t.m12(), t.m21(), t.m22()), self._version,
                       extent)  # fmt: skip

    def _progress(self, painter: QPainter, view: tuple[float, float, float, float],
                  px: float, scale: tuple[float, float, float, float]) -> None:  # fmt: skip
        """Start (or keep running) the job that strokes the image this view needs."""
        job = self._job
        if job is not None and job.version == self._version and job.covers(view) \
                and all(map(_close, job.scale, scale)):  # fmt: skip
            return
        image, into, origin, extent = self._target(painter, view)
        # The segments are gathered in the job's first turn, not in this frame; each turn
        # opens its own painter on the image, so none is left open between turns.
        self._job = _Job(image, (into, painter.renderHints()), origin, scale, self._version,
                         extent, None, px)  # fmt: skip
        self._step.start()

    def _advance(self) -> None:
        """Stroke slices for about one frame's budget; when all are done, show the image."""
        job = self._job
        if job is None:
            return
        if job.slices is None:
            batches = self._batches(job.extent, job.px)
            job.slices = [(pen, lines[i:i + PROGRESSIVE_SLICE]) for pen, lines in batches
                          for i in range(0, len(lines), PROGRESSIVE_SLICE)]  # fmt: skip
            self._step.start()
            return
        deadline = time.perf_counter() + PROGRESSIVE_BUDGET_S
        into, hints = job.setup
        inner = QPainter(job.image)
        inner.setRenderHints(hints)
        inner.setTransform(into)
        while job.slices:  # at least one slice a turn, however short the budget
            pen, lines = job.slices.pop(0)
            inner.setPen(pen)
            inner.drawLines(*_segments(*lines.T).drawargs())
            if time.perf_counter() >= deadline:
                break
        inner.end()
        if job.slices:
            self._step.start()
            return
        self._job = None
        self._image = _Cached(job.image, job.origin, job.scale, job.version, job.extent)
        self._stale = None
        self._settled = False
        self.renders += 1
        self.update()

    @property
    def stroking(self) -> bool:
        """Whether a progressive stroke is under way (the view shows the last image)."""
        return self._job is not None

    def _batches(self, view: tuple[float, float, float, float],
                 px: float) -> list[tuple[QPen, np.ndarray]]:  # fmt: skip
        """The segments to stroke for `view`, a (n, 4) array per pen (cached per view)."""
        pad = self._pad_px * px
        view = (view[0] - pad, view[1] - pad, view[2] + pad, view[3] + pad)
        visible = self.in_rect(*view)
        self.painted, self.painted_ids = len(visible), self.ids[visible]
        level = self._level(px)
        inside = self._box is not None and view[0] <= self._box[0] and view[1] <= self._box[1] \
            and view[2] >= self._box[2] and view[3] >= self._box[3]  # fmt: skip
        key = (level, visible.tobytes(), self._version, None if inside else view)
        if self._paths is None or self._paths[0] != key:
            self._paths = (key, self._make_batches(level, visible, None if inside else view))
        self.stroked = sum(len(lines) for _, lines in self._paths[1])
        return self._paths[1]

    def _draw(self, painter: QPainter, view: tuple[float, float, float, float],
              px: float) -> None:  # fmt: skip
        self.renders += 1
        for pen, lines in self._batches(view, px):
            painter.setPen(pen)
            painter.drawLines(*_segments(*lines.T).drawargs())

    def _make_batches(self, level: int, visible: np.ndarray,
                      clip: tuple[float, float, float, float] | None,
                      ) -> list[tuple[QPen, np.ndarray]]:  # fmt: skip
        """The segments (x0, y0, x1, y1 rows) of the visible features, a batch per style
        (and one of the selection); with `clip`, only the segments that meet it (a route
        crossing a close view is not stroked end to end)."""
        seg, owner, bounds = self._segments_of(level)
        keep = np.zeros(len(self._count), dtype=bool)
        keep[visible] = True
        mask = keep[owner]
        if clip is not None:
            x0, y0, x1, y1 = seg.T
            mask &= (np.maximum(x0, x1) >= clip[0]) & (np.minimum(x0, x1) <= clip[2]) \
                & (np.maximum(y0, y1) >= clip[1]) & (np.minimum(y0, y1) <= clip[3])
        batches = []
        # Segments are stored grouped by style: each batch is one slice, masked.
        for s, pen in enumerate(self._style_pens):
            lo, hi = bounds[s], bounds[s + 1]
            if hi > lo:
                part = seg[lo:hi][mask[lo:hi]]
                if len(part):
                    batches.append((pen, part))
        if self._selected.any():
            chosen = mask & self._selected[owner]
            if chosen.any():
                batches.append((self.highlight_pen, seg[chosen]))
        return batches

    def _segments_of(self, level: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every segment of a level of detail as (x0, y0, x1, y1) rows, grouped by style,
        the feature each belongs to and where each style's group starts; made once per
        level, so a view only masks them."""
        if level not in self._seg_cache:
            x, y, first, count = self._geometry(level)
            has = np.flatnonzero(count > 0)
            index = _ranges(first[has], count[has])
            owner = np.repeat(has, count[has])
            drawn = np.ones(len(index), dtype=bool)  # a segment from this vertex to the next
            drawn[np.cumsum(count[has]) - 1] = False
            start = np.flatnonzero(drawn)
            owner = owner[start]
            order = np.argsort(self._style[owner], kind="stable")
            a, b, owner = index[start][order], index[start + 1][order], owner[order]
            bounds = np.searchsorted(self._style[owner], np.arange(len(self._style_pens) + 1))
            self._seg_cache[level] = (np.column_stack([x[a], y[a], x[b], y[b]]), owner, bounds)
        return self._seg_cache[level]


def _stretch(before: tuple[float, ...], after: tuple[float, ...]) -> float:
    """How far a scale moved, as a factor of at least 1 either way."""
    a = abs(before[0] * before[3] - before[1] * before[2])
    b = abs(after[0] * after[3] - after[1] * after[2])
    if a <= 0 or b <= 0:
        return math.inf
    ratio = math.sqrt(b / a)
    return max(ratio, 1 / ratio)


def _close(a: float, b: float) -> bool:
    # A pan recomputes the view's transform: its scale may move in the last digit.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


def _draw_cached(painter: QPainter, cached: _Cached,
                 scale: tuple[float, float, float, float]) -> None:  # fmt: skip
    """An image made at another scale or place, mapped onto the view as it is now."""
    t = painter.transform()
    at = t.map(cached.origin)
    painter.save()
    if all(map(_close, cached.scale, scale)):
        painter.resetTransform()
        painter.drawImage(QPointF(round(at.x()), round(at.y())), cached.image)
    else:
        old = QTransform(*cached.scale, 0.0, 0.0).inverted()[0]
        painter.setTransform(old * QTransform(*scale, at.x(), at.y()))
        painter.drawImage(0, 0, cached.image)
    painter.restore()


class _Job:
    """A progressive stroke under way: its image, how to paint into it, and the slices still
    to stroke."""

    def __init__(self, image: QImage, setup: tuple[QTransform, Any], origin: QPointF,
                 scale: tuple[float, float, float, float], version: int,
                 extent: tuple[float, float, float, float],
                 slices: list[tuple[QPen, np.ndarray]] | None, px: float) -> None:  # fmt: skip
        self.image, self.setup, self.origin = image, setup, origin  # setup: transform, hints
        self.scale, self.version, self.extent, self.slices = scale, version, extent, slices
        self.px = px

    def covers(self, view: tuple[float, float, float, float]) -> bool:
        e = self.extent
        return e[0] <= view[0] and e[1] <= view[1] and view[2] <= e[2] and view[3] <= e[3]


class _Cached(NamedTuple):
    image: QImage
    origin: QPointF  # the data point at the image's top-left pixel
    scale: tuple[float, float, float, float]
    version: int
    extent: tuple[float, float, float, float]

    def covers(self, view: tuple[float, float, float, float]) -> bool:
        e = self.extent
        return e[0] <= view[0] and e[1] <= view[1] and view[2] <= e[2] and view[3] <= e[3]


class ConvoyLayer(_BoxedLayer):
    """Convoys at one moment: each column a thick line from tail to head, the head a dot.

    Only serials on the road whose column box meets the view are painted: the columns as
    one batch of segments, the heads as one batch of copies of a small pre-drawn disc.
    """

    def __init__(self, column_pen: QPen | None = None, head_colour: QColor | str = "#ffd400",
                 head_px: int = 9, parent: Any = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.column_pen = column_pen or cosmetic_pen("#1b1b1b", 5.0)
        self.head_px = head_px
        self._sprite = _disc(QColor(head_colour), self.column_pen.color(), head_px)
        self.painted = 0  # columns painted by the last paint
        self.painted_serials: np.ndarray = np.empty(0, dtype=np.int64)
        self._x = self._y = np.empty(0)
        self._first = self._count = self._serial = np.empty(0, dtype=np.int64)
        self._bbox = np.empty((0, 4))
        self._head = np.empty((0, 2))
        self._fragments = PrimitiveArray(QPainter.PixmapFragment, 10)

    def set_positions(self, positions: Positions) -> None:
        """Show the serials on the road at `positions` (from `Tracks.at`)."""
        ends = np.flatnonzero(~positions.connect)
        self._first = np.concatenate([[0], ends[:-1] + 1]).astype(np.int64) \
            if len(ends) else np.empty(0, dtype=np.int64)  # fmt: skip
        self._count = ends - self._first + 1
        self._x, self._y = positions.x, positions.y
        self._serial = positions.column[self._first] if len(ends) else self._first
        self._head = positions.head_xy[self._serial]
        box = None
        self._bbox = np.empty((0, 4))
        if len(ends):
            f = self._first
            self._bbox = np.column_stack([np.minimum.reduceat(self._x, f),
                                          np.minimum.reduceat(self._y, f),
                                          np.maximum.reduceat(self._x, f),
                                          np.maximum.reduceat(self._y, f)])  # fmt: skip
            box = (float(self._bbox[:, 0].min()), float(self._bbox[:, 1].min()),
                   float(self._bbox[:, 2].max()), float(self._bbox[:, 3].max()))
        if box != self._box:
            self._set_box(box, max(self.column_pen.widthF(), self.head_px) * 0.7072)
        self.painted, self.painted_serials = 0, self._serial[:0]  # until painted again
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:  # fmt: skip
        view = self._view()
        self.painted, self.painted_serials = 0, self._serial[:0]
        if view is None or len(self._first) == 0:
            return
        pad = self._pad_px * _pixel_size(painter)
        b = self._bbox
        hit = np.flatnonzero((b[:, 2] >= view[0] - pad) & (b[:, 0] <= view[2] + pad)
                             & (b[:, 3] >= view[1] - pad) & (b[:, 1] <= view[3] + pad))
        if len(hit) == 0:
            return
        self.painted, self.painted_serials = len(hit), self._serial[hit]
        index = _ranges(self._first[hit], self._count[hit] - 1)  # each vertex but the head
        painter.setPen(self.column_pen)
        painter.drawLines(*_segments(self._x[index], self._y[index], self._x[index + 1],
                                     self._y[index + 1]).drawargs())  # fmt: skip
        # The heads in device pixels: a disc per head, drawn as pixmap fragments.
        t = painter.transform()
        hx, hy = self._head[hit, 0], self._head[hit, 1]
        self._fragments.resize(len(hit))
        frag = self._fragments.ndarray()
        frag[:, 0] = t.m11() * hx + t.m21() * hy + t.dx()
        frag[:, 1] = t.m12() * hx + t.m22() * hy + t.dy()
        frag[:, 2:4] = 0.0  # source rectangle: the whole sprite
        frag[:, 4:6] = self._sprite.width()
        frag[:, 6:8] = 1.0  # scale
        frag[:, 8] = 0.0  # rotation
        frag[:, 9] = 1.0  # opacity
        painter.save()
        painter.resetTransform()
        painter.drawPixmapFragments(*self._fragments.drawargs(), self._sprite)
        painter.restore()

    def serial_at(self, x: float, y: float, tolerance: float) -> int | None:
        """Index (into the positions) of the serial whose head is nearest, within tolerance."""
        if len(self._head) == 0:
            return None
        d = np.hypot(self._head[:, 0] - x, self._head[:, 1] - y)
        k = int(np.argmin(d))
        return int(self._serial[k]) if d[k] <= tolerance else None


def _disc(fill: QColor, outline: QColor, px: int) -> QPixmap:
    sprite = QPixmap(px + 2, px + 2)
    sprite.fill(Qt.GlobalColor.transparent)
    painter = QPainter(sprite)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(outline, 1.0))
    painter.setBrush(fill)
    painter.drawEllipse(QRectF(1, 1, px, px))
    painter.end()
    return sprite
