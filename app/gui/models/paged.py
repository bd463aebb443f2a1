"""A flat table model read from SQL a page at a time, sorted by the database.

Subclasses say how to count and read rows (`_count`, `_page`); this class keeps the loaded
rows, fetches more as the view scrolls, and re-sorts keeping the selection on its rows.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex

Index = QModelIndex | QPersistentModelIndex
ROOT = QModelIndex()  # the invisible parent of every row of a flat table


class PagedTableModel(QAbstractTableModel):
    _page_size: int
    _order: str
    _descending: bool

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._rows: list[dict[str, Any]] = []
        self._total = 0

    # -- what a subclass provides ---------------------------------------------------------
    def _count(self) -> int:
        raise NotImplementedError

    def _page(self, order: str, descending: bool, limit: int, offset: int = 0,
              ) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _needs_reset(self, rows: list[dict[str, Any]], old_ids: list[str]) -> bool:
        """Whether a re-sorted read cannot be shown as a reorder of the rows loaded."""
        return len(rows) != len(old_ids)

    # -- shared ---------------------------------------------------------------------------
    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def canFetchMore(self, parent: Index = ROOT) -> bool:
        return not parent.isValid() and len(self._rows) < self._total

    def fetchMore(self, parent: Index = ROOT) -> None:
        if parent.isValid():
            return
        more = self._page(self._order, self._descending, self._page_size, len(self._rows))
        if not more:
            self._total = len(self._rows)  # rows vanished under us; stop asking
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(more) - 1)
        self._rows.extend(more)
        self.endInsertRows()

    def _load(self, limit: int) -> None:
        self._total = self._count()
        self._rows = self._page(self._order, self._descending, limit)

    def _resort(self, key: str, descending: bool) -> None:
        """Sort by `key` in SQL, as many rows loaded as before, persistent indexes moved."""
        if (key, descending) == (self._order, self._descending):
            return
        self._order, self._descending = key, descending
        loaded = len(self._rows)
        rows = self._page(key, descending, max(self._page_size, loaded))
        old_ids = [item["id"] for item in self._rows]
        if self._needs_reset(rows, old_ids):
            # The store changed since the last read: a reorder cannot express that.
            self.beginResetModel()
            self._rows, self._total = rows, self._count()
            self.endResetModel()
            return
        self.layoutAboutToBeChanged.emit()
        new_row = {item["id"]: row for row, item in enumerate(rows)}
        persistent = self.persistentIndexList()
        moved = []
        for old in persistent:
            row = new_row.get(old_ids[old.row()])
            moved.append(QModelIndex() if row is None else self.index(row, old.column()))
        self._rows = rows
        self.changePersistentIndexList(persistent, moved)
        self.layoutChanged.emit()
