"""The change history of one record, grouped into the edits that made it, newest first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import groupby

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTreeWidget,
    QTreeWidgetItem,
    QWidget,
)

from app.core.history import Entry
from app.gui import display

# How a field's name and value read on screen: (field) -> title, (field, value) -> text.
TitleOf = Callable[[str], str]
TextOf = Callable[[str, object], str]


class ChangeHistory(QStackedWidget):
    """One heading line per edit (when, which site), its field changes beneath it."""

    def __init__(self, title_of: TitleOf, text_of: TextOf, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._title_of = title_of
        self._text_of = text_of
        # How an edit's time reads; the detail sets it to follow the display settings.
        self.time_text: Callable[[str], str] = display.time_text
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Field", "Was", "Now"])
        self.tree.setRootIsDecorated(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideRight)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._bold = QFont(self.tree.font())
        self._bold.setBold(True)

        self.empty = QLabel("No recorded changes.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        palette = self.empty.palette()
        palette.setColor(self.empty.foregroundRole(), display.muted(palette))
        self.empty.setPalette(palette)
        self.addWidget(self.empty)
        self.addWidget(self.tree)

    def set_entries(self, entries: Sequence[Entry]) -> None:
        """Show `entries` (in the causal order `history.history` gives them)."""
        self.tree.clear()
        edits = [list(group) for _, group in groupby(entries, key=lambda e: (e.hlc, e.origin))]
        for edit in reversed(edits):
            first = edit[0]
            created = all(e.old is None for e in edit) and any(e.field == "name" for e in edit)
            what = "created" if created else f"{len(edit)} field{'s' if len(edit) > 1 else ''}"
            heading = QTreeWidgetItem(
                [f"{self.time_text(first.time)}  ·  {first.site}  ·  {what}"]
            )
            heading.setFont(0, self._bold)
            for e in edit:
                was, now = self._text_of(e.field, e.old), self._text_of(e.field, e.new)
                child = QTreeWidgetItem([self._title_of(e.field), was, now])
                child.setToolTip(1, display.value(e.old, 2000))
                child.setToolTip(2, display.value(e.new, 2000))
                heading.addChild(child)
            self.tree.addTopLevelItem(heading)
            heading.setFirstColumnSpanned(True)  # only takes effect once in the tree
        self.tree.expandAll()
        # Sized to the field names only: the spanned edit headings must not widen it.
        titles = {self._title_of(e.field) for e in entries}
        metrics = self.tree.fontMetrics()
        widest = max((metrics.horizontalAdvance(t) for t in titles), default=40)
        self.tree.header().resizeSection(0, widest + 2 * self.tree.indentation() + 16)
        # Old values are often empty ("—" for a new record): no wider than they need, and
        # never so wide that the new values are squeezed out.
        self.tree.resizeColumnToContents(1)
        cap = max(self.tree.viewport().width(), 300) * 2 // 5
        self.tree.header().resizeSection(1, min(self.tree.header().sectionSize(1) + 16, cap))
        self.setCurrentWidget(self.tree if edits else self.empty)

    @property
    def edit_count(self) -> int:
        return self.tree.topLevelItemCount()

    def edit(self, index: int) -> QTreeWidgetItem:
        return self.tree.topLevelItem(index)
