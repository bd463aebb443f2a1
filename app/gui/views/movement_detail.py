"""The detail pane: one movement in full — its plan, serials, permits and change history."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import history, movements
from app.core.domain import vocabulary
from app.core.domain.records import MOVEMENTS
from app.gui import display
from app.gui.planning import PlanSet
from app.gui.readout import Readout
from app.gui.views.change_history import ChangeHistory
from app.gui.views.movement_plan import MovementPlanView
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from datetime import tzinfo

    from pyproj import Geod

    from app.core.store import Store
    from app.gui.settings import DisplayChoices

# (key, label) of the plan fields, top to bottom.
_FIELDS = (("domain", "Domain"), ("priority", "Priority"), ("status", "Status"),
           ("exercise", "Exercise"), ("requested_at", "Requested"),
           ("depart", "Planned departure"), ("arrive_by", "Arrive by"),
           ("speed_kmh", "Speed"), ("vehicle_interval_m", "Vehicle interval"),
           ("personnel", "Personnel"), ("vehicles", "Vehicles"),
           ("route_length", "Route length"), ("start", "Start"), ("end", "End"))  # fmt: skip
_LABELS = {"domain": vocabulary.DOMAINS, "priority": vocabulary.PRIORITIES,
           "status": vocabulary.MOVEMENT_STATUSES}  # fmt: skip


@cache
def _geod() -> Geod:
    from pyproj import Geod  # only needed once a movement is opened

    return Geod(ellps="WGS84")


def route_length_km(route: list[list[float]]) -> float:
    """Length of the route along the WGS84 ellipsoid, in kilometres."""
    lons, lats = [p[0] for p in route], [p[1] for p in route]
    return _geod().line_length(lons, lats) / 1000.0


class _Fields(QScrollArea):
    """The header and fields: as tall as they are, scrolling only when the pane is short."""

    def sizeHint(self) -> QSize:
        inner = self.widget().sizeHint() if self.widget() is not None else QSize(0, 0)
        # (QScrollArea's own hint stops at 24 lines: the last fields would scroll away.)
        return QSize(inner.width(), inner.height() + 2 * self.frameWidth())


class _Tabs(QTabWidget):
    """The tabs take the height left below the fields: their wrapped texts ask for none."""

    def hasHeightForWidth(self) -> bool:
        # Otherwise the page's layout sizes the tabs to their texts' height first and the
        # fields above, though shorter, scroll.
        return False


class MovementDetail(QStackedWidget):
    """Read-only view of the selected movement; an explanatory empty state otherwise."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._nations = display.nation_names(store)
        self.movement_id: str | None = None
        self.readout = Readout()  # ISO in UTC and latitude/longitude until told otherwise

        self.empty = QLabel("Select a movement\n\nIts plan, serials, permits and change "
                            "history appear here.")  # fmt: skip
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        display.mute(self.empty)
        self.addWidget(self.empty)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 4, 4, 4)
        # The fields scroll when the window is short (a 768-line laptop screen), so that the
        # console's smallest size is not set by this pane's dozen rows.
        fields = QWidget()
        fields_layout = QVBoxLayout(fields)
        fields_layout.setContentsMargins(0, 0, 0, 0)
        fields_layout.addLayout(self._build_header())
        fields_layout.addLayout(self._build_form())
        self.fields = _Fields()
        self.fields.setWidget(fields)
        self.fields.setWidgetResizable(True)
        self.fields.setFrameShape(QFrame.Shape.NoFrame)
        self.fields.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.fields.setMinimumHeight(120)
        layout.addWidget(self.fields)
        self.tabs = _Tabs()
        self.tabs.setDocumentMode(True)
        self.serials = RecordTable(
            ("Serial", "Vehicle type", "Count", "MLC", "Weight (t)", "Tracked", "DG"),
            "No vehicles listed.",
            numeric=(0, 2, 3, 4),
            stretch=(1,),
        )
        self.serials.table.horizontalHeaderItem(6).setToolTip("Dangerous goods (ADR class)")
        self.permits = RecordTable(("Host nation", "Status", "Deadline", "Decided by"),
                                   "No permits requested yet.")  # fmt: skip
        self.history = ChangeHistory(_field_title, self._history_value)
        self.plan = MovementPlanView()
        self._plans: PlanSet | None = None
        self.tabs.addTab(self.plan, "Plan")
        for table in (self.serials, self.permits, self.history):
            self.tabs.addTab(table, "")
        # The fields first, whole when they fit; the tabs take the rest.
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Ignored)
        self.tabs.setMinimumHeight(260)  # the plan tab's sections, none squeezed
        layout.addWidget(self.tabs, 1)
        self.addWidget(page)
        self._page = page
        self.show_movement(None)

    # -- public -------------------------------------------------------------------------
    def show_movement(self, movement_id: str | None) -> None:
        movement = movements.detail(self._store, movement_id) if movement_id else None
        self.movement_id = movement["id"] if movement else None
        if movement is None:
            self.setCurrentWidget(self.empty)
            return
        self._fill_header(movement)
        self._fill_form(movement)
        self._fill_serials(movement["serials"])
        self._fill_permits(movement["permits"])
        self._fill_history(movement["id"])
        self._fill_plan()
        self.fields.updateGeometry()  # its hint follows the texts; the scroll area's own won't
        self.setCurrentWidget(self._page)

    def set_plans(self, plans: PlanSet) -> None:
        """A new plan of the whole store arrived (from the planning worker)."""
        self._plans = plans
        if self.movement_id is not None:
            self._fill_plan()

    def use_settings(self, settings: DisplayChoices, local_zone: tzinfo | None = None) -> None:
        """Write times and positions as `settings` say, now and at every `show_movement`."""
        self.readout = Readout(settings, local_zone)
        self.plan.readout = self.readout
        self.history.time_text = self.readout.time
        self.show_movement(self.movement_id)

    def field_text(self, key: str) -> str:
        return self._values[key].text()

    # -- building -----------------------------------------------------------------------
    def _build_header(self) -> QVBoxLayout:
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.owner = QLabel()
        # A bordered tag, like the nation code on a vehicle plate; palette colours so it
        # follows light and dark themes.
        self.owner.setStyleSheet("QLabel { border: 1px solid palette(mid); border-radius: 3px;"
                                 " padding: 0px 5px; font-weight: bold; }")  # fmt: skip
        self.unit = QLabel()
        self.unit.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        line = QHBoxLayout()
        line.addWidget(self.owner)
        line.addWidget(self.unit, 1)
        header = QVBoxLayout()
        header.setSpacing(4)
        header.addWidget(self.title)
        header.addLayout(line)
        header.addSpacing(6)
        return header

    def _build_form(self) -> QFormLayout:
        self._values: dict[str, QLabel] = {}
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        for key, label in _FIELDS:
            value = QLabel()
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            value.setWordWrap(True)  # a narrow pane wraps the long values rather than clip
            self._values[key] = value
            caption = QLabel(f"{label}:")
            display.mute(caption)
            form.addRow(caption, value)
        return form

    # -- filling ------------------------------------------------------------------------
    def _fill_header(self, m: dict[str, Any]) -> None:
        self.title.setText(m["name"])
        self.owner.setText(m["owner"])
        self.owner.setToolTip(self._nations.get(m["owner"], m["owner"]))
        self.unit.setText(f"{m['unit']}  ·  {self._nations.get(m['owner'], m['owner'])}")

    def _fill_form(self, m: dict[str, Any]) -> None:
        totals = m["totals"]
        route = m["route"] or []
        vehicles = f"{totals['vehicles']:,} in {len(m['serials'])} serial" + (
            "s" if len(m["serials"]) != 1 else ""
        )
        if totals["max_mlc"] is not None:
            vehicles += f" · MLC ≤ {display.number(totals['max_mlc'])}"
        if totals["dangerous_goods"]:
            vehicles += f" · ADR {', '.join(totals['dangerous_goods'])}"
        texts = {
            "domain": _LABELS["domain"].get(m["domain"], m["domain"]),
            "priority": _LABELS["priority"].get(m["priority"], m["priority"]),
            "status": _LABELS["status"].get(m["status"], m["status"]),
            "exercise": m["exercise"] or display.MISSING,
            "requested_at": self.readout.time(m["requested_at"]),
            "depart": self.readout.both(m["depart"]),
            "arrive_by": self.readout.both(m["arrive_by"]),
            "speed_kmh": display.number(m["speed_kmh"], "km/h"),
            "vehicle_interval_m": display.number(m["vehicle_interval_m"], "m"),
            "personnel": display.number(m["personnel"]),
            "vehicles": vehicles,
            "route_length": (display.number(round(route_length_km(route), 1), "km")
                             if len(route) >= 2 else display.MISSING),
            "start": self.readout.position(route[0] if route else None),
            "end": self.readout.position(route[-1] if route else None),
        }  # fmt: skip
        for key, text in texts.items():
            self._values[key].setText(text)

    def _fill_serials(self, serials: list[dict[str, Any]]) -> None:
        rows = [[str(s["number"]), v["type"], f"{v['count']:,}", display.number(v["mlc"]),
                 display.number(v["weight_t"]), "yes" if v.get("tracked") else "no",
                 v.get("dangerous_goods") or display.MISSING]
                for s in serials for v in s["vehicles"]]  # fmt: skip
        self.serials.set_rows(rows)
        self.tabs.setTabText(self.tabs.indexOf(self.serials), f"Serials ({len(serials)})")

    def _fill_permits(self, permits: list[dict[str, Any]]) -> None:
        rows = [[f"{p['host_nation']}  {self._nations.get(p['host_nation'], '')}".rstrip(),
                 vocabulary.PERMIT_STATUSES.get(p["status"], p["status"]),
                 self.readout.time(p["deadline"]), p["decided_by"] or display.MISSING]
                for p in permits]  # fmt: skip
        self.permits.set_rows(rows)
        self.tabs.setTabText(self.tabs.indexOf(self.permits), f"Permits ({len(permits)})")

    def _fill_history(self, movement_id: str) -> None:
        self.history.set_entries(history.history(self._store, movement_id))
        self.tabs.setTabText(self.tabs.indexOf(self.history),
                             f"History ({self.history.edit_count})")

    def _fill_plan(self) -> None:
        mid = self.movement_id
        if mid is None:
            return
        plans = self._plans
        plan = plans.plans.get(mid) if plans else None
        conflicts = plans.conflicts_of(mid) if plans else []
        names = {r["id"]: r["name"] for r in self._store.conn.execute(
            "SELECT id, name FROM movements WHERE deleted = 0")}
        self.plan.show_plan(plan, conflicts, names, plans.notes.get(mid) if plans else None,
                            pending=plans is None)
        flags = len(plan.violations) + len(conflicts) if plan else 0
        self.tabs.setTabText(self.tabs.indexOf(self.plan), f"Plan ({flags} ⚠)" if flags
                             else "Plan")

    def _history_value(self, name: str, raw: Any) -> str:
        if raw is None:
            return display.MISSING
        if name in _LABELS:
            return _LABELS[name].get(raw, str(raw))
        spec = MOVEMENTS.by_name.get(name)
        kind = spec.kind if spec else ""
        if kind == "time":
            return self.readout.time(raw)
        if kind in ("real", "int"):
            return display.number(raw)
        if kind == "line":
            where = self.readout.position
            return f"{len(raw)} points, {where(raw[0])} → {where(raw[-1])}"
        if kind == "ref" and spec and spec.ref:
            # Show what the id points at, as a person knows it.
            target = self._store.get(spec.ref, raw, include_deleted=True)
            if target and target.get("name"):
                return str(target["name"])
        return display.value(raw)


def _field_title(name: str) -> str:
    spec = MOVEMENTS.by_name.get(name)
    return spec.title if spec else name.replace("_", " ").capitalize()


