"""The frame the map and the timeline share: a side column beside the chart's column (its
toolbar, the chart, status lines, the time bar), split so that the person sets the width."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QSplitter, QVBoxLayout, QWidget


def column(*items: QWidget | tuple[QWidget, int] | None) -> QWidget:
    """Widgets stacked without margins; a (widget, stretch) pair takes the spare height,
    None is left out (a part the view does not have)."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    for item in items:
        if item is None:
            continue
        widget, stretch = item if isinstance(item, tuple) else (item, 0)
        layout.addWidget(widget, stretch)
    return box


def side_by_side(owner: QWidget, first: QWidget, second: QWidget, grows: int) -> QSplitter:
    """`first` and `second` in a splitter filling `owner`; the one at index `grows` takes the
    width a resize adds or removes. Neither can be collapsed away."""
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.setChildrenCollapsible(False)
    splitter.addWidget(first)
    splitter.addWidget(second)
    splitter.setStretchFactor(grows, 1)
    layout = QHBoxLayout(owner)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(splitter)
    return splitter
