"""The permit inbox as a Qt table model: filtered, sorted and paged in SQL (`permits.inbox`).

Like the movement list, only the rows the view has scrolled to are read, a page at a time.
A decision taken here updates its row in place rather than re-reading the inbox, so the
permit stays in view (and can be undone) even when the filter no longer matches it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QObject,
    Qt,
)
from PySide6.QtGui import QColor, QFont, QGuiApplication

from app.core import timefmt
from app.core.domain import vocabulary
from app.core.permits import inbox
from app.core.permits.inbox import InboxFilter
from app.gui import display
from app.gui.host_part import HostPart, host_part
from app.gui.models.paged import ROOT, Index, PagedTableModel
from app.gui.planning import PlanSet
from app.gui.readout import Readout

if TYPE_CHECKING:
    from app.core.store import Store

PAGE_SIZE = 200
DEFAULT_ORDER = "deadline"
PERMIT_ID_ROLE = Qt.ItemDataRole.UserRole
# Under this share of the allowed time left, an open request's deadline is flagged.
WARN_FRACTION = 0.25
# Amber and red laid over the row background, translucent so both palettes keep them legible.
WARN_TINT = QColor(240, 170, 0, 90)
OVERDUE_TINT = QColor(220, 40, 40, 80)

# (key, heading); the second column names the other nation: the owner of a request to us,
# the host of a request we made.
_INCOMING = (("movement", "Movement"), ("owner", "Owner"), ("route", "Route"),
             ("vehicles", "Vehicles"), ("window", "Window"), ("deadline", "Deadline"),
             ("status", "Status"), ("flags", "Flags"))  # fmt: skip
_OUTGOING = tuple(("host", "Host") if key == "owner" else (key, h) for key, h in _INCOMING)
_UNSORTABLE = frozenset({"flags"})  # from the plan, which the database does not hold
# What a decision changes in a row (the movement's columns stay as they were).
_PERMIT_FIELDS = ("status", "deadline", "requested_at", "mode", "valid_until", "reference",
                  "preauthorisation_id")  # fmt: skip



class PermitTableModel(PagedTableModel):
    """Permits as rows of the inbox; SQL does the sorting and filtering."""

    def __init__(self, store: Store, flt: InboxFilter | None = None,
                 now: Callable[[], datetime] | None = None, page_size: int = PAGE_SIZE,
                 parent: QObject | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._store = store
        self._now = now or (lambda: datetime.now(timefmt.UTC))
        self._page_size = page_size
        self._filter = flt or InboxFilter()
        self._order = DEFAULT_ORDER
        self._descending = False
        self._nations = display.nation_names(store)
        self._plans: PlanSet | None = None
        self._parts: dict[tuple[str, str], HostPart | None] = {}
        self._bold = QFont()
        self._bold.setBold(True)
        self.readout = Readout()  # how times read; the inbox passes on the settings
        self._load(self._page_size)

    # -- what the rest of the console asks --------------------------------------------
    @property
    def total(self) -> int:
        return self._total

    @property
    def inbox_filter(self) -> InboxFilter:
        return self._filter

    @property
    def order(self) -> tuple[str, bool]:
        return self._order, self._descending

    @property
    def plans(self) -> PlanSet | None:
        return self._plans

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(key for key, _ in self._columns())

    def now(self) -> datetime:
        return self._now()

    def permit_id(self, row: int) -> str | None:
        return self._rows[row]["id"] if 0 <= row < len(self._rows) else None

    def item(self, row: int) -> dict[str, Any] | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, permit_id: str) -> int | None:
        for row, item in enumerate(self._rows):
            if item["id"] == permit_id:
                return row
        return None

    def column_of(self, key: str) -> int:
        return self.keys.index(key)

    def sortable(self, column: int) -> bool:
        return 0 <= column < len(self.keys) and self.keys[column] not in _UNSORTABLE

    def host_part(self, row: int) -> HostPart | None:
        item = self.item(row)
        return self._part(item) if item else None

    def set_filter(self, flt: InboxFilter) -> None:
        if flt == self._filter:
            return
        if flt.direction != self._filter.direction:
            # The other nation's column is the owner or the host: a sort by one means the
            # other now.
            swap = {"owner": "host", "host": "owner"}
            self._order = swap.get(self._order, self._order)
        self._filter = flt
        self.beginResetModel()
        self._load(self._page_size)
        self.endResetModel()

    def refresh(self) -> None:
        """Re-read after a write or an import, keeping as many rows loaded as before."""
        self._nations = display.nation_names(self._store)
        self.beginResetModel()
        self._load(max(self._page_size, len(self._rows)))
        self.endResetModel()

    def reload_permit(self, permit_id: str) -> None:
        """Show what a decision wrote to one permit, keeping the row where it is."""
        row = self.row_of(permit_id)
        permit = self._store.get("permits", permit_id)
        if row is None or permit is None:
            return
        item = self._rows[row]
        for name in _PERMIT_FIELDS:
            item[name] = permit[name]
        item["window"] = permit["valid_from"] or item["depart"]
        self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    def set_plans(self, plans: PlanSet | None) -> None:
        self._plans = plans
        self._parts.clear()
        if self._rows:
            column = self.column_of("flags")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    def set_readout(self, readout: Readout) -> None:
        """Write times as `readout` says; the rows stay where they are (no re-read)."""
        self.readout = readout
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, self.columnCount() - 1))

    def tick(self) -> None:
        """Time passed: the countdowns and their colours change."""
        if self._rows:
            column = self.column_of("deadline")
            self.dataChanged.emit(self.index(0, column), self.index(len(self._rows) - 1, column))

    # -- Qt model interface -------------------------------------------------------------
    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(_INCOMING)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # fmt: skip
        columns = self._columns()
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return columns[section][1]
        if role == Qt.ItemDataRole.ToolTipRole and columns[section][0] in _UNSORTABLE:
            return "From the plan: problems at points in the host nation (cannot be sorted)"
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        item = self._rows[index.row()]
        key = self.keys[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(item, key)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item, key)
        if role == PERMIT_ID_ROLE:
            return item["id"]
        if key == "deadline" and role in (Qt.ItemDataRole.BackgroundRole,
                                          Qt.ItemDataRole.FontRole):  # fmt: skip
            urgency = self._urgency(item)
            if role == Qt.ItemDataRole.BackgroundRole and urgency:
                return OVERDUE_TINT if urgency == "overdue" else WARN_TINT
            # Bold as well as red: the cue survives a colour-blind eye or a grey screen.
            if role == Qt.ItemDataRole.FontRole and urgency == "overdue":
                return self._bold
        if (role == Qt.ItemDataRole.ForegroundRole and key == "deadline"
                and item["status"] not in inbox.OPEN_STATUSES):  # fmt: skip
            return display.muted(QGuiApplication.palette())
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not self.sortable(column):
            return
        self._resort(self.keys[column], Qt.SortOrder(order) == Qt.SortOrder.DescendingOrder)

    # -- internals ----------------------------------------------------------------------
    def _columns(self) -> tuple[tuple[str, str], ...]:
        return _OUTGOING if self._filter.direction == "outgoing" else _INCOMING

    def _count(self) -> int:
        return inbox.count(self._store, self._filter)

    def _page(self, order: str, descending: bool, limit: int, offset: int = 0,
              ) -> list[dict[str, Any]]:
        return inbox.page(self._store, self._filter, order, descending, limit=limit,
                          offset=offset)

    def _needs_reset(self, rows: list[dict[str, Any]], old_ids: list[str]) -> bool:
        # Also when a decided row no longer matches the filter.
        return len(rows) != len(old_ids) or {r["id"] for r in rows} != set(old_ids)

    def _part(self, item: dict[str, Any]) -> HostPart | None:
        key = (item["movement_id"], item["host"])
        if key not in self._parts:
            self._parts[key] = host_part(self._plans, *key)
        return self._parts[key]

    def _urgency(self, item: dict[str, Any]) -> str | None:
        """'overdue', 'soon' (under a quarter of the allowed time left) or None."""
        if item["status"] not in inbox.OPEN_STATUSES:
            return None  # decided, withdrawn or a draft: no clock runs
        left = inbox.left_fraction(item["requested_at"], item["deadline"], self._now())
        if left is None:
            return None
        if left < 0:
            return "overdue"
        return "soon" if left < WARN_FRACTION else None

    def _text(self, item: dict[str, Any], key: str) -> str:
        if key == "vehicles":
            text = f"{item['vehicles'] or 0:,}"
            mlc = item["max_mlc"]
            return f"{text} · MLC {display.number(mlc)}" if mlc is not None else text
        if key == "window":
            return self.readout.span(item["window"], item["valid_until"] or item["arrive_by"])
        if key == "deadline":
            if not item["deadline"]:
                return ""
            if item["status"] in inbox.OPEN_STATUSES:
                return display.countdown(timefmt.parse_utc(item["deadline"]), self._now())
            return self.readout.day_time(item["deadline"])  # no clock runs: the date alone
        if key == "status":
            return vocabulary.PERMIT_STATUSES.get(item["status"], item["status"])
        if key == "flags":
            part = self._part(item)
            return part.flags if part else ""
        raw = item[key]
        return "" if raw is None else str(raw)

    def _tooltip(self, item: dict[str, Any], key: str) -> str:
        names = self._nations
        if key in ("owner", "host"):
            return names.get(item[key], item[key])
        if key == "route":
            owner, _, hosts = item["route"].partition(" → ")
            words = [names.get(owner, owner)]
            if hosts:
                words.append(", ".join(names.get(h, h) for h in hosts.split(", ")))
            return (f"{item['route']}\n{' → '.join(words)}\n(owner, then the nations asked; "
                    "the plan gives the order of travel)")
        if key == "vehicles":
            mlc = item["max_mlc"]
            heaviest = f", the heaviest MLC {display.number(mlc)}" if mlc is not None else ""
            return f"{item['vehicles'] or 0:,} vehicles{heaviest}"
        if key == "window":
            end = item["valid_until"] or item["arrive_by"]
            return (f"Valid from {self.readout.both(item['window'])}\n"
                    f"until {self.readout.both(end)}")
        if key == "deadline":
            return self._deadline_tip(item)
        if key == "status":
            mode = vocabulary.PERMIT_MODES.get(item["mode"] or "", "")
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"])
            return f"{status}\n{mode}" if mode else status
        if key == "flags":
            return self._flags_tip(item)
        reference = f"\nPermit {item['reference']}" if item["reference"] else ""
        return f"{item['movement']}{reference}"

    def _deadline_tip(self, item: dict[str, Any]) -> str:
        if not item["deadline"]:
            return "No deadline: the request has not been sent"
        lines = [f"Decision due {self.readout.both(item['deadline'])}"]
        if item["requested_at"]:
            lines.append(f"Requested {self.readout.both(item['requested_at'])}")
        urgency = self._urgency(item)
        if urgency == "overdue":
            lines.append("The decision is overdue.")
        elif urgency == "soon":
            lines.append("Less than a quarter of the allowed time is left.")
        elif item["status"] not in inbox.OPEN_STATUSES:
            lines.append("No longer counting: "
                         + vocabulary.PERMIT_STATUSES.get(item["status"], "").lower())
        return "\n".join(lines)

    def _flags_tip(self, item: dict[str, Any]) -> str:
        if self._plans is None:
            return "Planning… the flags appear when the plan is ready."
        part = self._part(item)
        if part is None:
            return "This movement has no plan."
        host = self._nations.get(item["host"], item["host"])
        if not (part.violations or part.conflicts):
            return f"No clearance violation or conflict in {host}."
        lines = [f"In {host}:"]
        lines += [f"⚠ {v.vehicle_type} may not pass {v.point} ({v.rule})"
                  for v in part.violations]  # fmt: skip
        lines += [f"◷ {c.point}: "
                  + ("exclusive point" if c.reason == "exclusive"
                     else f"{c.load} vehicles an hour, room for {c.capacity}")
                  for c in part.conflicts]  # fmt: skip
        return "\n".join(lines)
