"""The timeline's marks that are not bars: night shading behind them and the time cursor.

`NightShading` paints sunset-to-sunrise bands as one path behind the bars; `TimeCursorLine`
is the draggable red line of the shared time cursor, labelled with its UTC time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF, Signal
from PySide6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPen
from PySide6.QtWidgets import QStyleOptionGraphicsItem, QWidget

from app.core import timefmt


class NightShading(pg.GraphicsObject):
    """Translucent vertical bands over given (start, end) intervals, the full height of the
    view, as one path; put it behind the bars (a lower z value)."""

    def __init__(self, brush: QBrush | QColor | str | None = None,
                 parent: Any = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.brush = QBrush(QColor(20, 30, 80, 40) if brush is None else brush)
        self._starts = self._ends = np.empty(0)
        self.painted = 0  # bands painted by the last paint

    def set_intervals(self, intervals: Iterable[tuple[float, float]]) -> None:
        pairs = np.asarray(list(intervals), dtype=float).reshape(-1, 2)
        self.prepareGeometryChange()
        self._starts, self._ends = pairs.min(axis=1), pairs.max(axis=1)
        self.informViewBoundsChanged()
        self.update()

    @property
    def intervals(self) -> list[tuple[float, float]]:
        """The (start, end) intervals shaded, start <= end."""
        return list(zip(self._starts.tolist(), self._ends.tolist(), strict=True))

    def dataBounds(self, ax: int, frac: float = 1.0,
                   orthoRange: Any = None) -> tuple[float | None, float | None]:
        # The bands span whatever rows are shown: they bound time only.
        if ax != 0 or len(self._starts) == 0:
            return None, None
        return float(self._starts.min()), float(self._ends.max())

    def viewRangeChanged(self) -> None:
        # The bands' height is the view's: the bounds follow it.
        self.prepareGeometryChange()
        super().viewRangeChanged()

    def boundingRect(self) -> QRectF:
        view = self.viewRect()
        if view is None or len(self._starts) == 0:
            return QRectF()
        x0, x1 = float(self._starts.min()), float(self._ends.max())
        return QRectF(x0, view.top(), x1 - x0, view.height()).normalized()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:  # fmt: skip
        self.painted = 0
        view = self.viewRect()
        if view is None or len(self._starts) == 0:
            return
        y0, y1 = min(view.top(), view.bottom()), max(view.top(), view.bottom())
        keep = np.flatnonzero((self._ends >= view.left()) & (self._starts <= view.right()))
        path = QPainterPath()
        for a, b in zip(self._starts[keep].tolist(), self._ends[keep].tolist(), strict=True):
            # Clipped to the view: a band far outside it is not filled to its end.
            a, b = max(a, view.left()), min(b, view.right())
            path.addRect(QRectF(a, y0, b - a, y1 - y0))
        self.painted = len(keep)
        painter.fillPath(path, self.brush)


def _utc_label(seconds: float) -> str:
    return timefmt.short(datetime.fromtimestamp(seconds, timezone.utc))


class TimeCursorLine(pg.InfiniteLine):
    """A vertical line at a time (s since the epoch) that the user drags; `moved` carries
    the new time during the drag, `released` the time where the drag ended."""

    moved = Signal(float)
    released = Signal(float)

    def __init__(self, at: float = 0.0, pen: QPen | QColor | str = "#d40000",
                 label: Callable[[float], str] = _utc_label,
                 parent: Any = None) -> None:  # fmt: skip
        super().__init__(pos=at, angle=90, movable=True, pen=pen,
                         hoverPen=pg.mkPen(pen, width=3))  # fmt: skip
        if parent is not None:
            self.setParentItem(parent)
        self._format = label
        self.label = pg.InfLineLabel(self, text=label(at), position=0.02,
                                     anchors=[(0, 0), (0, 0)],
                                     fill=pg.mkBrush(255, 255, 255, 200), color="#000000")
        self.sigPositionChanged.connect(self._relabel)
        self.sigDragged.connect(lambda _line: self.moved.emit(self.time))
        self.sigPositionChangeFinished.connect(lambda _line: self.released.emit(self.time))

    @property
    def time(self) -> float:
        return float(self.value())

    def set_time(self, seconds: float) -> None:
        """Move the line without emitting `moved` (as a time cursor elsewhere moved)."""
        self.setValue(seconds)

    def _relabel(self) -> None:
        self.label.setText(self._format(self.time))
