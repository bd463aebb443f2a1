"""The movement list as a Qt table model: filtered, sorted and paged in SQL.

Only the rows the view has scrolled to are read (a page at a time through `fetchMore`), so
a store with 10,000 movements opens as fast as one with ten.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QObject,
    Qt,
)
from PySide6.QtGui import QFont

from app.core import movements
from app.core.domain import vocabulary
from app.core.movements import LIST_COLUMNS, MovementFilter
from app.gui import display
from app.gui.models.paged import ROOT, Index, PagedTableModel
from app.gui.readout import Readout

if TYPE_CHECKING:
    from app.core.store import Store

PAGE_SIZE = 200
DEFAULT_ORDER = "depart"

_KEYS = tuple(key for key, _, _ in LIST_COLUMNS)
_NUMERIC = frozenset({"vehicles", "max_mlc"})
_LABELS: dict[str, dict[str, str]] = {
    "domain": vocabulary.DOMAINS,
    "priority": vocabulary.PRIORITIES,
    "status": vocabulary.MOVEMENT_STATUSES,
}
_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter



class MovementTableModel(PagedTableModel):
    """Movements as rows, LIST_COLUMNS as columns; the SQL does the sorting and filtering."""

    def __init__(
        self, store: Store, page_size: int = PAGE_SIZE, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._store = store
        self._page_size = page_size
        self._filter = MovementFilter()
        self._order = DEFAULT_ORDER
        self._descending = False
        self._nations = display.nation_names(store)
        self._bold = QFont()
        self._bold.setBold(True)
        self.readout = Readout()  # how times read; the list passes on the settings
        self._load(self._page_size)

    # -- what the rest of the console asks --------------------------------------------
    @property
    def total(self) -> int:
        """How many movements match the filter (loaded or not)."""
        return self._total

    @property
    def movement_filter(self) -> MovementFilter:
        return self._filter

    @property
    def order(self) -> tuple[str, bool]:
        return self._order, self._descending

    def movement_id(self, row: int) -> str | None:
        return self._rows[row]["id"] if 0 <= row < len(self._rows) else None

    def row_of(self, movement_id: str) -> int | None:
        """The row of a movement among those loaded so far, or None."""
        for row, item in enumerate(self._rows):
            if item["id"] == movement_id:
                return row
        return None

    def column_of(self, key: str) -> int:
        return _KEYS.index(key)

    def set_filter(self, flt: MovementFilter) -> None:
        if flt == self._filter:
            return
        self._filter = flt
        self.beginResetModel()
        self._load(self._page_size)
        self.endResetModel()

    def refresh(self) -> None:
        """Re-read after a write, keeping as many rows loaded as before."""
        self._nations = display.nation_names(self._store)
        self.beginResetModel()
        self._load(max(self._page_size, len(self._rows)))
        self.endResetModel()

    def set_readout(self, readout: Readout) -> None:
        """Write times as `readout` says; the rows stay where they are (no re-read)."""
        self.readout = readout
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(_KEYS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(_KEYS) - 1))

    # -- Qt model interface -------------------------------------------------------------
    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(_KEYS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(_KEYS):
            return None
        key = _KEYS[section]
        if role == Qt.ItemDataRole.DisplayRole:
            heading = LIST_COLUMNS[section][1]
            # The heading names the clock: "Departure (UTC)", or (local) in local time.
            return heading.replace("(UTC)", self.readout.zone_note())
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if key in _NUMERIC else _LEFT
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        key = _KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, key)
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return _RIGHT if key in _NUMERIC else _LEFT
        if item["priority"] == "crisis":
            if role == Qt.ItemDataRole.BackgroundRole:
                return display.CRISIS_TINT
            # Bold as well as tinted: the cue survives a colour-blind eye or a grey screen.
            if role == Qt.ItemDataRole.FontRole and key == "priority":
                return self._bold
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(_KEYS):
            return
        self._resort(_KEYS[column], Qt.SortOrder(order) == Qt.SortOrder.DescendingOrder)

    # -- internals ----------------------------------------------------------------------
    def _count(self) -> int:
        return movements.count(self._store, self._filter)

    def _page(self, order: str, descending: bool, limit: int, offset: int = 0,
              ) -> list[dict[str, Any]]:
        return movements.page(self._store, self._filter, order, descending, limit=limit,
                              offset=offset)

    def _text(self, item: dict[str, Any], key: str) -> str:
        raw = item[key]
        if raw is None:
            return ""
        if key in _LABELS:
            return _LABELS[key].get(raw, raw)
        if key == "depart":
            return self.readout.time(raw)
        if key in _NUMERIC:
            return display.number(raw)
        return str(raw)

    def _tooltip(self, item: dict[str, Any], key: str) -> str:
        if key == "owner":
            return self._nations.get(item["owner"], item["owner"])
        if key == "depart" and item["depart"]:
            return self.readout.other(item["depart"])
        return f"{item['name']}\n{item['unit']}"
