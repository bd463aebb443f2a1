"""A small read-only table of related records that says so plainly when there are none."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from app.gui import display

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter


class RecordTable(QStackedWidget):
    """Rows of text under fixed headings; an explanatory line instead of an empty grid."""

    def __init__(
        self,
        headings: Sequence[str],
        empty_text: str,
        numeric: Collection[int] = (),
        stretch: Collection[int] = (-1,),
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._numeric = frozenset(numeric)
        self._stretch = frozenset(c % len(headings) for c in stretch)
        self.table = QTableWidget(0, len(headings))
        self.table.setHorizontalHeaderLabels(list(headings))
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        # The `stretch` columns share the slack and are cut short (full text in the tooltip)
        # when the pane is narrow; Stretch mode, unlike stretchLastSection, can also shrink.
        for column in self._stretch:
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        for column in self._numeric:
            self.table.horizontalHeaderItem(column).setTextAlignment(_RIGHT)

        self.empty = QLabel(empty_text)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        palette = self.empty.palette()
        palette.setColor(self.empty.foregroundRole(), display.muted(palette))
        self.empty.setPalette(palette)

        self.addWidget(self.empty)
        self.addWidget(self.table)

    def set_rows(self, rows: Sequence[Sequence[str]],
                 tooltips: Sequence[str | None] | None = None) -> None:  # fmt: skip
        """Show these rows (one tooltip per row if given), or the empty line if none."""
        self.table.setRowCount(len(rows))
        for r, cells in enumerate(rows):
            tip = tooltips[r] if tooltips else None
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if c in self._numeric:
                    item.setTextAlignment(_RIGHT)
                if tip or c in self._stretch:
                    item.setToolTip(tip or text)
                self.table.setItem(r, c, item)
        self.fit_columns()
        self.setCurrentWidget(self.table if rows else self.empty)

    def fit_columns(self) -> None:
        # Rows are few, so size the columns to their contents; one fills what is left.
        header = self.table.horizontalHeader()
        for column in range(self.table.columnCount()):
            if column in self._stretch:
                continue
            self.table.resizeColumnToContents(column)
            header.resizeSection(column, header.sectionSize(column) + 8)

    @property
    def row_count(self) -> int:
        return self.table.rowCount()

    def cell(self, row: int, column: int) -> str:
        item = self.table.item(row, column)
        return item.text() if item else ""
