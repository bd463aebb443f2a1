"""Batched, view-culled items for the movement timeline (a Gantt chart).

x is time in float seconds since the epoch, y the row index (one row per movement, row 0 at
the top when the view's y axis is inverted). A `BarLayer` holds all its rectangles in numpy
arrays sorted by style and row, and paints only those meeting the view. The same class
serves the serial bars, the critical point passages inside them and the conflict overlays:
only the styles and the inset differ.

At full range 10,000 rows share 1,000 pixels and a segment of a few minutes is under a pixel
wide; handing Qt one rectangle each costs about 250 ns a rectangle (60 ms for 240,000), so a
layer rasterises into an image of the view itself. Bars at most `NARROW_PX` wide and one
pixel tall (nearly all of them when zoomed out) are written into the image's pixels with
numpy, where bars of a row and style falling in the same pixel column merge for free; the
wider or taller ones are filled by Qt (`drawRects`) into the same image, style by style, so
later styles cover earlier ones whichever way a bar is drawn. Every bar is at least a pixel
each way, so nothing in view vanishes however far the view is zoomed out. Within a layer a
later bar replaces what it covers (translucent brushes do not add up); the layer's image is
then composited over the items below it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Hashable, Iterable, Iterator, Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt.internals import PrimitiveArray  # numpy-backed Qt arrays, as pyqtgraph
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QColor, QImage, QPainter, QPen, QTransform
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

# Bars up to this wide (and a pixel tall) are written by numpy, not by Qt: Qt pays about
# 250 ns a rectangle, numpy a few ns a pixel.
NARROW_PX = 48
SETTLE_MS = 150  # a zoom shows the last image scaled until it rests this long
MAX_STRETCH = 2.0  # ... unless that image would be scaled more than this: it is too coarse
CACHE_MARGIN = 0.25  # of the view's size, each side: pans of a quarter view reuse the image
DIRECT_MAX = 2_000  # layers of at most this many bars are filled by Qt, without an image
RASTER_SLICE = 6_000  # bars rasterised at a time by a progressive image
RASTER_BUDGET_S = 0.0025  # per layer and event-loop turn: three layers and a frame fit
OUTLINE_MIN_PX = 4  # style pens outline bars only at least this tall: thinner, all outline


def _premultiplied(colour: QColor) -> int:
    """A colour as the 32-bit pixel of a premultiplied ARGB image."""
    a = colour.alpha()
    r, g, b = (round(c * a / 255) for c in (colour.red(), colour.green(), colour.blue()))
    return (a << 24) | (r << 16) | (g << 8) | b


def _rects(x: np.ndarray, y: np.ndarray, w: np.ndarray, h: np.ndarray) -> PrimitiveArray:
    """Rectangles as one array of QRectF for `QPainter.drawRects`, filled from numpy."""
    rects = PrimitiveArray(QRectF, 4)
    rects.resize(len(x))
    rects.ndarray()[:] = np.column_stack([x, y, w, h])
    return rects


class BarLayer(pg.GraphicsObject):
    """Rectangles [start, end] x [row + inset, row + 1 - inset], a brush (and optionally a
    pen) per style key.

    Styles are painted in the order of `brushes` (later over earlier); a style missing from
    it is painted last with `default_brush`. Selected bars are outlined with `highlight_pen`
    over everything. `painted` counts the bars that met the view in the last paint. The
    brushes and pens are read by `set_bars`.

    The image is kept while the view, the bars and the set of dragged ids stay the same: a
    repaint, a selection and each step of a drag (`set_shift`: the dragged bars are left out
    of the image and filled over it) reuse it.
    """

    def __init__(self, brushes: Mapping[Hashable, QBrush | QColor | str] | None = None,
                 pens: Mapping[Hashable, QPen] | None = None, inset: float = 0.15,
                 default_brush: QBrush | QColor | str = "#7a7a7a",
                 highlight_pen: QPen | None = None, settle_ms: int = SETTLE_MS,
                 progressive: bool = False,
                 parent: Any = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.settle_ms = settle_ms  # 0: make the image afresh at every zoom step
        self._settled = False
        self.progressive = progressive
        self._job: _Raster | None = None
        self._step = QTimer(self)
        self._step.setSingleShot(True)
        self._step.setInterval(0)
        self._step.timeout.connect(self._advance)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.timeout.connect(self._settle_now)
        if not 0.0 <= inset < 0.5:
            raise ValueError("inset must be in [0, 0.5)")
        self.inset = inset
        self.brushes = {k: QBrush(v) for k, v in (brushes or {}).items()}
        self.pens: dict[Hashable, QPen] = dict(pens or {})
        self.default_brush = QBrush(default_brush)
        self.highlight_pen = highlight_pen or _cosmetic("#ff2d00", 2.0)
        self._seen: tuple[QRectF, float, float] | None = None  # last view painted, scale
        self.renders = 0  # images made (not reused) so far
        self.ids: np.ndarray = np.empty(0, dtype=object)  # as given to set_bars
        # Sorted by (style, row); `_order[k]` is the caller's index of sorted bar k.
        self._order = np.empty(0, dtype=np.int64)
        self._row = np.empty(0, dtype=np.int64)
        self._start = self._end = self._start0 = self._end0 = np.empty(0)
        self._bounds = np.zeros(1, dtype=np.int64)  # where each style's slice starts
        self._style_brush: list[QBrush] = []
        self._style_pen: list[QPen | None] = []
        self._selected = np.empty(0, dtype=np.int64)  # sorted positions
        self._shifted = np.empty(0, dtype=np.int64)  # sorted positions
        self._shift = 0.0
        self._shift_ids: list[Hashable] = []
        self._box: tuple[float, float, float, float] | None = None  # xmin, ymin, xmax, ymax
        self._box0: tuple[float, float, float, float] | None = None  # without the shift
        self._pixels = np.empty((0, 0), dtype=np.uint32)  # the layer's image, reused
        self._image = QImage()  # over `_pixels`
        self._version = 0  # bumped when what the image shows changes
        # The image's scale, version, extent (data) and the data point at its top left.
        self._cache: tuple[tuple[float, float], int, QRectF, QPointF] | None = None
        self._by_id: dict[Hashable, list[int]] | None = None  # id: sorted positions

    # -- data ---------------------------------------------------------------------------
    def set_bars(self, rows: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                 styles: Iterable[Hashable], ids: Iterable[Hashable]) -> None:  # fmt: skip
        """Replace the bars: a row, start and end time (s), style key and id each."""
        rows = np.asarray(rows, dtype=np.int64)
        starts, ends = np.asarray(starts, dtype=float), np.asarray(ends, dtype=float)
        styles, n = list(styles), len(rows)
        ids_list = list(ids)
        ids_arr = np.empty(len(ids_list), dtype=object)
        for k, i in enumerate(ids_list):  # one by one: a tuple id stays one id
            ids_arr[k] = i
        if not len(starts) == len(ends) == len(styles) == len(ids_arr) == n:
            raise ValueError("rows, starts, ends, styles and ids must be as many")
        order = list(self.brushes)
        extra = [s for s in dict.fromkeys(styles) if s not in self.brushes]
        index = {s: i for i, s in enumerate(order + extra)}
        self._style_brush = [self.brushes[s] for s in order] + [self.default_brush] * len(extra)
        self._style_pen = [self.pens.get(s) for s in order + extra]
        style = np.fromiter((index[s] for s in styles), dtype=np.int64, count=n)
        # Sorted by style then row: a style is one slice, and the rows in view a sub-slice.
        self._order = np.lexsort((rows, style))
        self.ids = ids_arr
        self._row = rows[self._order].astype(np.int32)  # halves what a frame reads
        lo, hi = np.minimum(starts, ends), np.maximum(starts, ends)
        self._start0, self._end0 = lo[self._order], hi[self._order]
        self._start, self._end = self._start0.copy(), self._end0.copy()
        self._bounds = np.searchsorted(style[self._order], np.arange(len(self._style_brush) + 1))
        self._selected = self._shifted = np.empty(0, dtype=np.int64)
        self._shift, self._shift_ids = 0.0, []
        self._by_id = None
        self._box0 = None
        if n:
            self._box0 = (float(lo.min()), float(rows.min() + self.inset),
                          float(hi.max()), float(rows.max() + 1 - self.inset))  # fmt: skip
        self._seen = None
        self._version += 1
        self._set_box(self._box0)

    def _positions(self, ids: Iterable[Hashable]) -> np.ndarray:
        """Sorted positions of the bars with any of `ids`."""
        if self._by_id is None:  # made at the first selection or drag, kept until set_bars
            rank = np.empty(len(self._order), dtype=np.int64)
            rank[self._order] = np.arange(len(self._order))
            by_id: dict[Hashable, list[int]] = {}
            for i, k in zip(self.ids.tolist(), rank.tolist(), strict=True):
                by_id.setdefault(i, []).append(k)
            self._by_id = by_id
        found = [k for i in dict.fromkeys(ids) for k in self._by_id.get(i, ())]
        return np.sort(np.array(found, dtype=np.int64))

    def set_selected(self, ids: Iterable[Hashable]) -> None:
        """Bars (by id) to outline with the highlight pen, over all the others."""
        self._selected = self._positions(ids)
        self.update()

    def selected(self) -> list[Hashable]:
        return self.ids[self._order[self._selected]].tolist()

    def set_shift(self, ids: Iterable[Hashable], seconds: float) -> None:
        """Draw the bars of `ids` moved by `seconds` (a drag preview); the others as given.

        Only those bars' times change, so a drag step costs a frame, not a rebuild; a new set
        of ids, or none, puts the previous ones back first.
        """
        ids = list(ids)
        if self._shifted.size:
            self._start[self._shifted] = self._start0[self._shifted]
            self._end[self._shifted] = self._end0[self._shifted]
        if self._shift_ids != ids:
            self._shifted = self._positions(ids)
            self._shift_ids = ids
            self._version += 1  # the image leaves the dragged bars out
        self._shift = float(seconds) if self._shifted.size else 0.0
        box = self._box0
        if self._shifted.size:
            self._start[self._shifted] += self._shift
            self._end[self._shifted] += self._shift
            if box is not None:
                box = (min(box[0], float(self._start[self._shifted].min())), box[1],
                       max(box[2], float(self._end[self._shifted].max())), box[3])  # fmt: skip
        if box != self._box:
            self._set_box(box)
        self.update()

    @property
    def shift(self) -> float:
        return self._shift

    def _painted(self) -> np.ndarray:
        """Sorted positions of the bars that met the view of the last paint."""
        if self._seen is None:
            return np.empty(0, dtype=np.int64)
        view, sx, sy = self._seen
        parts = [np.arange(a, b) if keep is None else a + keep
                 for _, a, b, keep in self._culled(view, sx, sy)]  # fmt: skip
        if self._shifted.size:
            parts.append(self._shifted[self._meets(self._shifted, view)])
        return np.sort(np.concatenate(parts)) if parts else np.empty(0, dtype=np.int64)

    @property
    def painted(self) -> int:
        """How many bars met the view in the last paint (counted when asked: the image of a
        paint covers a margin round the view)."""
        return len(self._painted())

    @property
    def painted_ids(self) -> np.ndarray:
        """The ids of the bars painted last (one per bar, so an id may repeat)."""
        return self.ids[self._order[self._painted()]]

    # -- queries -------------------------------------------------------------------------
    def _under(self, x: float, y: float, tolerance: float) -> np.ndarray:
        """Sorted positions of the bars under (x, y), the topmost (last painted) first."""
        row = math.floor(y)
        inside = y - row
        if len(self._row) == 0 or not self.inset <= inside <= 1 - self.inset:
            return np.empty(0, dtype=np.int64)
        out = []
        for s in range(len(self._style_brush)):
            lo, hi = self._bounds[s], self._bounds[s + 1]
            a = lo + np.searchsorted(self._row[lo:hi], row, side="left")
            b = lo + np.searchsorted(self._row[lo:hi], row, side="right")
            hit = (self._start[a:b] - tolerance <= x) & (x <= self._end[a:b] + tolerance)
            out.append(a + np.flatnonzero(hit))
        return np.concatenate(out)[::-1]

    def bar_at(self, x: float, y: float, tolerance: float = 0.0) -> int | None:
        """The index (as given to `set_bars`) of the topmost bar under (x, y), or None.

        `tolerance` (seconds) widens the bars in x, so a bar a pixel wide can be hit.
        """
        under = self._under(x, y, tolerance)
        return int(self._order[under[0]]) if len(under) else None

    def ids_at(self, x: float, y: float, tolerance: float = 0.0) -> list[Hashable]:
        """The ids of every bar under (x, y), the topmost first, each once."""
        return list(dict.fromkeys(self.ids[self._order[self._under(x, y, tolerance)]]))

    # -- bounds --------------------------------------------------------------------------
    def _set_box(self, box: tuple[float, float, float, float] | None) -> None:
        self.prepareGeometryChange()
        self._box = box
        self.informViewBoundsChanged()

    def dataBounds(self, ax: int, frac: float = 1.0,
                   orthoRange: Any = None) -> tuple[float | None, float | None]:
        if self._box is None:
            return None, None
        return (self._box[0], self._box[2]) if ax == 0 else (self._box[1], self._box[3])

    def pixelPadding(self) -> float:
        # A bar is at least a pixel and its outline a pen's width round it.
        return 1.0 + self.highlight_pen.widthF()

    def boundingRect(self) -> QRectF:
        if self._box is None:
            return QRectF()
        px, py = self.pixelVectors()
        pad = self.pixelPadding()
        dx = 0.0 if px is None else px.length() * pad
        dy = 0.0 if py is None else py.length() * pad
        xmin, ymin, xmax, ymax = self._box
        return QRectF(xmin - dx, ymin - dy, xmax - xmin + 2 * dx, ymax - ymin + 2 * dy)

    def viewTransformChanged(self) -> None:
        # The pixel padding in data units changes with the zoom.
        super().viewTransformChanged()
        self.prepareGeometryChange()

    # -- painting ------------------------------------------------------------------------
    def viewRangeChanged(self) -> None:
        # Qt skips the paint of an item whose bounds miss the view: no bar is painted then.
        super().viewRangeChanged()
        self._seen = None

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:  # fmt: skip
        view = self.viewRect()
        t = painter.transform()
        self._seen = None
        if view is None or len(self._row) == 0 or t.m12() != 0 or t.m21() != 0:
            return  # the timeline never rotates; an empty layer paints nothing
        self._seen = (QRectF(view), t.m11(), t.m22())
        left, top, width, height = _device(t, view)
        if width <= 0 or height <= 0:
            return
        # Data to pixels of the view: x' = sx * x + ox (likewise y); either may be flipped.
        frame = (t.m11(), t.dx() - left, t.m22(), t.dy() - top, width, height)
        painter.save()
        painter.resetTransform()
        if len(self._row) > DIRECT_MAX:
            self._draw_image(painter, t, view)
        painter.translate(left, top)
        if len(self._row) <= DIRECT_MAX:
            self._direct(painter, frame, view)
        self._draw_moved(painter, frame, view)
        if self._selected.size:
            self._outline(painter, frame, view)
        painter.restore()

    def _draw_image(self, painter: QPainter, t: QTransform, view: QRectF) -> None:
        """The image of the bars, made afresh unless the last one covers the view at this
        scale (a pan, a repaint, a selection or a drag step). Mid-zoom the last image is
        shown scaled, and made afresh once the zoom has rested for `settle_ms`."""
        scale = (t.m11(), t.m22())
        cached = self._cache
        fresh = cached is not None and cached[1] == self._version
        same = fresh and all(map(_close, cached[0], scale))
        if fresh and not same and self.settle_ms > 0 and not self._settled \
                and _stretch(cached[0], scale) <= MAX_STRETCH:  # fmt: skip
            assert cached is not None
            _draw_mapped(painter, t, cached, self._image)
            self._settle.start(self.settle_ms)
            return
        if not same or cached is None or not cached[2].contains(view):
            mx, my = view.width() * CACHE_MARGIN, view.height() * CACHE_MARGIN
            extent = view.adjusted(-mx, -my, mx, my)
            left, top, width, height = _device(t, extent)
            frame = (t.m11(), t.dx() - left, t.m22(), t.dy() - top, width, height)
            origin = t.inverted()[0].map(QPointF(left, top))
            if self.progressive and cached is not None:
                # The last image stays up, mapped to the view, while the new one is made a
                # slice per event-loop turn: no frame waits for every bar to be drawn.
                job = self._job
                if job is None or job.version != self._version or job.scale != scale \
                        or not job.extent.contains(view):  # fmt: skip
                    self._job = _Raster(self, frame, extent, scale, origin)
                    self._step.start()
                _draw_mapped(painter, t, cached, self._image)
                return
            self._job = None
            self._render(frame, extent)
            cached = self._cache = (scale, self._version, extent, origin)
            self._settled = False
        at = t.map(cached[3])
        painter.drawImage(QPointF(round(at.x()), round(at.y())), self._image)

    def _advance(self) -> None:
        """A slice of the image being made; when it is done, it replaces the shown one."""
        job = self._job
        if job is None:
            return
        if job.version != self._version:  # the bars changed: the next paint starts anew
            self._job = None
            self.update()
            return
        deadline = time.perf_counter() + RASTER_BUDGET_S
        while True:
            try:
                next(job.steps)
            except StopIteration:
                self._job = None
                self._pixels, self._image = job.pixels, job.image
                self._cache = (job.scale, job.version, job.extent, job.origin)
                self._settled = False
                self.update()
                return
            if time.perf_counter() >= deadline:
                break
        self._step.start()

    @property
    def stroking(self) -> bool:
        """Whether a progressive image is being made (the last one is shown meanwhile)."""
        return self._job is not None

    def _settle_now(self) -> None:
        self._settled = True
        self.update()

    def _direct(self, painter: QPainter, frame: tuple[float, float, float, float, int, int],
                view: QRectF) -> None:  # fmt: skip
        """Few bars (conflicts, say): filled by Qt straight onto the view, no image."""
        sx, _, sy, _, _, _ = frame
        painter.setPen(Qt.PenStyle.NoPen)
        for s, a, b, keep in self._culled(view, sx, sy):
            where = np.arange(a, b) if keep is None else a + keep
            self._fill(painter, s, *self._moved_pixels(frame, where))

    def _culled(self, view: QRectF, sx: float, sy: float,
                ) -> list[tuple[int, int, int, np.ndarray | None]]:  # fmt: skip
        """Per style with bars in view: (style, a, b, keep), the bars' sorted positions
        a + keep (or a..b if keep is None); the bars being dragged left out."""
        # A bar meets the view if it does, or if the pixel it is widened to does: half a
        # pixel's margin each way.
        mx, my = 0.5 / abs(sx), 0.5 / abs(sy)
        x0, x1 = view.left() - mx, view.right() + mx
        r0 = math.ceil(min(view.top(), view.bottom()) - my - 1 + self.inset)
        r1 = math.floor(max(view.top(), view.bottom()) + my - self.inset)
        box = self._box
        every_time = box is not None and x0 <= box[0] and box[2] <= x1
        out = []
        moving = self._shifted if self._shifted.size else None
        for s in range(len(self._style_brush)):
            lo, hi = int(self._bounds[s]), int(self._bounds[s + 1])
            rows = self._row[lo:hi]
            a = lo + int(np.searchsorted(rows, r0, side="left"))
            b = lo + int(np.searchsorted(rows, r1, side="right"))
            if b <= a:
                continue
            keep = None
            if not every_time:
                keep = np.flatnonzero((self._end[a:b] >= x0) & (self._start[a:b] <= x1))
            if moving is not None:
                mine = moving[(moving >= a) & (moving < b)] - a
                if len(mine):
                    if keep is None:
                        keep = np.arange(b - a)
                    keep = np.setdiff1d(keep, mine, assume_unique=True)
            if keep is None or len(keep):
                out.append((s, a, b, keep))
        return out

    def _render(self, frame: tuple[float, float, float, float, int, int], view: QRectF,
                ) -> None:  # fmt: skip
        """Rasterise the bars in view (but those being dragged) into the layer's image."""
        _, _, _, _, width, height = frame
        if self._pixels.shape != (height, width):
            self._pixels = np.empty((height, width), dtype=np.uint32)
            self._image = QImage(self._pixels.data, width, height, width * 4,
                                 QImage.Format.Format_ARGB32_Premultiplied)  # fmt: skip
        for _ in self._raster(frame, view, self._pixels, self._image):
            pass

    def _raster(self, frame: tuple[float, float, float, float, int, int], view: QRectF,
                pixels: np.ndarray, image: QImage, clear: bool = True) -> Iterator[None]:
        """Rasterise into `pixels` (under `image`), pausing after each slice of bars: the
        synchronous render runs it through, a progressive one a slice per event-loop turn."""
        sx, ox, sy, oy, width, height = frame
        self.renders += 1
        culled = self._culled(view, sx, sy)
        if clear:
            pixels.fill(0)
        if not culled:
            return
        flat = pixels.reshape(-1)
        # Each row's pixel span, once: the bars look theirs up.
        r0 = min(int(self._row[a]) for _, a, _, _ in culled)
        r1 = max(int(self._row[b - 1]) for _, _, b, _ in culled)
        rows = np.arange(r0, r1 + 1, dtype=float)
        ylo, yhi = _span((rows + self.inset) * sy + oy, (rows + 1 - self.inset) * sy + oy,
                         height)  # fmt: skip
        ybase, tall = (ylo * width).astype(np.int32), (yhi - ylo) != 1
        any_tall = bool(tall.any())
        slices = []
        for s, a, b, keep in culled:
            positions = np.arange(a, b) if keep is None else a + keep
            slices += [(s, positions[i:i + RASTER_SLICE])
                       for i in range(0, len(positions), RASTER_SLICE)]  # fmt: skip
        for s, where in slices:
            start, end, row = self._start[where], self._end[where], self._row[where]
            lo, hi = _pixel_span(start, end, sx, ox, width)
            r = row - r0
            w = hi - lo
            base = ybase[r]
            base += lo
            # One pixel tall and a few wide: written straight into the pixels (a row's
            # bars in the same pixel column land on the same pixel). Zoomed out, that is
            # every bar, and no mask is needed.
            if any_tall or int(w.min()) <= 0 or int(w.max()) > NARROW_PX:
                narrow = w <= NARROW_PX
                narrow &= w > 0
                if any_tall:
                    narrow &= ~tall[r]
                wide = np.flatnonzero(~narrow & (w > 0) & (yhi[r] > ylo[r]))
                if len(wide):
                    rw = r[wide]
                    inner = QPainter(image)
                    inner.setCompositionMode(QPainter.CompositionMode.CompositionMode_Source)
                    inner.setPen(Qt.PenStyle.NoPen)
                    self._fill(inner, s, lo[wide], ylo[rw], w[wide], yhi[rw] - ylo[rw])
                    inner.end()
                n = np.flatnonzero(narrow)
                base, w = base[n], w[n]
            if len(base):
                _write_spans(flat, base, w, _premultiplied(self._style_brush[s].color()))
            yield

    def _fill(self, painter: QPainter, style: int, x: np.ndarray, y: np.ndarray,
              w: np.ndarray, h: np.ndarray) -> None:  # fmt: skip
        """Fill pixel rectangles with a style's brush, and outline the tall ones with its
        pen; one-pixel-tall ones of a pixel row that overlap are merged first."""
        one = h == 1
        if one.sum() > 64:
            x, y, w, h = _merged(x[one], y[one], w[one], x[~one], y[~one], w[~one], h[~one])
        painter.setBrush(self._style_brush[style])
        painter.drawRects(*_rects(x, y, w, h).drawargs())
        pen = self._style_pen[style]
        if pen is not None:
            big = np.flatnonzero((h >= OUTLINE_MIN_PX) & (w >= 2))
            if len(big):
                painter.setPen(pen)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.drawRects(*_rects(x[big] + 0.5, y[big] + 0.5, w[big] - 1,
                                          h[big] - 1).drawargs())  # fmt: skip
                painter.setPen(Qt.PenStyle.NoPen)

    def _moved_pixels(self, frame: tuple[float, float, float, float, int, int],
                      where: np.ndarray) -> tuple[np.ndarray, ...]:
        """Pixel rectangles (x, y, w, h; unclipped) of the bars at sorted positions."""
        sx, ox, sy, oy, _, _ = frame
        row = self._row[where].astype(float)
        x0, x1 = _span(self._start[where] * sx + ox, self._end[where] * sx + ox, None)
        y0, y1 = _span((row + self.inset) * sy + oy, (row + 1 - self.inset) * sy + oy, None)
        return x0, y0, x1 - x0, y1 - y0

    def _draw_moved(self, painter: QPainter, frame: tuple[float, float, float, float, int, int],
                    view: QRectF) -> int:  # fmt: skip
        """The bars being dragged, over the image; returns how many met the view."""
        where = self._shifted
        if where.size == 0:
            return 0
        where = where[self._meets(where, view)]
        if where.size == 0:
            return 0
        x, y, w, h = self._moved_pixels(frame, where)
        style = np.searchsorted(self._bounds, where, side="right") - 1
        painter.setPen(Qt.PenStyle.NoPen)
        for s in np.unique(style).tolist():
            mine = style == s
            self._fill(painter, s, x[mine], y[mine], w[mine], h[mine])
        return len(where)

    def _meets(self, where: np.ndarray, view: QRectF) -> np.ndarray:
        """Which of the bars at sorted positions `where` meet the view."""
        top, bottom = min(view.top(), view.bottom()), max(view.top(), view.bottom())
        row = self._row[where]
        return (self._end[where] >= view.left()) & (self._start[where] <= view.right()) \
            & (row + 1 - self.inset >= top) & (row + self.inset <= bottom)  # fmt: skip

    def _outline(self, painter: QPainter, frame: tuple[float, float, float, float, int, int],
                 view: QRectF) -> None:  # fmt: skip
        """The selected bars' outlines round their pixels (a thin bar stays visible)."""
        where = self._selected[self._meets(self._selected, view)]
        if where.size == 0:
            return
        x, y, w, h = self._moved_pixels(frame, where)
        pad = 0.5 * self.highlight_pen.widthF()
        painter.setPen(self.highlight_pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawRects(*_rects(x - pad, y - pad, w + 2 * pad, h + 2 * pad).drawargs())


def _merged(x: np.ndarray, y: np.ndarray, w: np.ndarray, *rest: np.ndarray,
            ) -> tuple[np.ndarray, ...]:  # fmt: skip
    """One-pixel-tall rectangles (x, y, w) of one style merged where they overlap in a pixel
    row, followed by the `rest` (x, y, w, h) as they are: at full range a pixel row holds
    the bars of ten rows, and Qt pays per rectangle."""
    stride = int((x + w).max()) + 1  # a row's spans never reach the next row's
    start = y.astype(np.int64) * stride + x
    order = np.argsort(start, kind="stable")
    start, end = start[order], start[order] + w[order]
    reach = np.maximum.accumulate(end)
    new = np.ones(len(start), dtype=bool)
    new[1:] = start[1:] > reach[:-1]
    first = np.flatnonzero(new)
    last = np.append(first[1:] - 1, len(start) - 1)
    s, e = start[first], reach[last]
    my, mx = np.divmod(s, stride)
    rx, ry, rw, rh = rest if rest else (np.empty(0, dtype=np.int64),) * 4
    return (np.concatenate([mx, rx]), np.concatenate([my, ry]),
            np.concatenate([e - s, rw]), np.concatenate([np.ones(len(s), np.int64), rh]))


class _Raster:
    """A progressive image under way: its own pixels, and the steps still to run."""

    def __init__(self, layer: BarLayer, frame: tuple[float, float, float, float, int, int],
                 extent: QRectF, scale: tuple[float, float], origin: QPointF) -> None:
        width, height = frame[4], frame[5]
        # Zeroed pages come from the system untouched: no frame pays to clear a new image.
        self.pixels = np.zeros((height, width), dtype=np.uint32)
        self.image = QImage(self.pixels.data, width, height, width * 4,
                            QImage.Format.Format_ARGB32_Premultiplied)  # fmt: skip
        self.extent, self.scale, self.origin = QRectF(extent), scale, origin
        self.version = layer._version
        self.steps = layer._raster(frame, extent, self.pixels, self.image, clear=False)


def _draw_mapped(painter: QPainter, t: QTransform, cached: tuple[Any, ...],
                 image: QImage) -> None:  # fmt: skip
    """An image made at another scale or place, mapped onto the view as it is now."""
    scale = (t.m11(), t.m22())
    at = t.map(cached[3])
    painter.save()
    if all(map(_close, cached[0], scale)):
        painter.drawImage(QPointF(round(at.x()), round(at.y())), image)
    else:
        painter.setTransform(QTransform(scale[0] / cached[0][0], 0.0, 0.0,
                                        scale[1] / cached[0][1], at.x(), at.y()))
        painter.drawImage(0, 0, image)
    painter.restore()


def _span(a: np.ndarray, b: np.ndarray, size: int | None) -> tuple[np.ndarray, np.ndarray]:
    """The pixels [lo, hi) a span from a to b covers (either order): those whose centres it
    holds, and at least one; clipped to [0, size) when given."""
    lo = np.floor(np.minimum(a, b) + 0.5)
    hi = np.maximum(np.floor(np.maximum(a, b) + 0.5), lo + 1)
    if size is not None:
        lo, hi = np.clip(lo, 0, size), np.clip(hi, 0, size)
    return lo.astype(np.int64), hi.astype(np.int64)


def _write_spans(flat: np.ndarray, base: np.ndarray, width: np.ndarray, colour: int) -> None:
    """Set `width` pixels from each flat index in `base` to `colour`."""
    widest = int(width.max())
    if widest <= 6:
        # Zoomed out, spans are a few pixels: a pass per column, the short spans writing
        # their last pixel again (no masks to build).
        last = width - 1
        for k in range(widest):
            flat[base + np.minimum(last, k)] = colour
        return
    flat[np.repeat(base - (np.cumsum(width, dtype=np.int32) - width), width)
         + np.arange(int(width.sum()), dtype=np.int32)] = colour


def _device(t: QTransform, rect: QRectF) -> tuple[int, int, int, int]:
    """The whole device pixels (left, top, width, height) a data rectangle covers."""
    device = t.mapRect(rect)
    left, top = math.floor(device.left()), math.floor(device.top())
    return left, top, math.ceil(device.right()) - left, math.ceil(device.bottom()) - top


def _stretch(before: tuple[float, float], after: tuple[float, float]) -> float:
    """How far a scale moved, as a factor of at least 1 either way, on either axis."""
    ratios = [abs(b / a) for a, b in zip(before, after, strict=True)]
    return max(max(r, 1 / r) for r in ratios)


def _close(a: float, b: float) -> bool:
    # A pan recomputes the view's transform: its scale may move in the last digit.
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-300)


def _pixel_span(start: np.ndarray, end: np.ndarray, sx: float, ox: float,
                size: int) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """As `_span` for x = sx * t + ox over many bars with start <= end, in fewer passes."""
    if sx < 0:
        start, end = end, start
    lo = start * sx
    lo += ox + 0.5
    np.floor(lo, out=lo)
    hi = end * sx
    hi += ox + 0.5
    np.floor(hi, out=hi)
    np.maximum(hi, lo + 1, out=hi)
    np.clip(lo, 0, size, out=lo)
    np.clip(hi, 0, size, out=hi)
    return lo.astype(np.int32), hi.astype(np.int32)


def _cosmetic(colour: QColor | str, width: float) -> QPen:
    pen = QPen(QColor(colour), width)
    pen.setCosmetic(True)  # width in pixels whatever the zoom
    return pen

