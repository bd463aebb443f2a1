"""The plan of one movement: route summary, clearance violations, conflicts, march table."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QSplitter, QVBoxLayout, QWidget

from app.core.planning.model import Conflict, MovementPlan
from app.gui import display
from app.gui.readout import Readout
from app.gui.views.record_table import RecordTable

RULES = {"mlc": "MLC", "width": "width", "height": "height", "weight": "weight",
         "dangerous_goods": "dangerous goods", "closed": "closed", "gauge": "track gauge"}


def _amount(raw: object) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return display.number(raw)
    return display.value(raw)


class MovementPlanView(QWidget):
    """Shows a MovementPlan; says so when the plan is still being computed or impossible."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.readout = Readout()  # how times read; the detail passes on the settings
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.violations = RecordTable(("km", "Point", "Vehicle type", "Rule", "Limit", "Value"),
                                      "Every vehicle type clears every point on the route.",
                                      numeric=(0, 4, 5), stretch=(1, 2))  # fmt: skip
        self.conflicts = RecordTable(("Window (UTC)", "Point", "With", "Why"),
                                     "No conflict at any critical point.",
                                     stretch=(1, 2))  # fmt: skip
        self.march = RecordTable(("Serial", "Point", "km", "Head", "Tail clear"),
                                 "No march table.", numeric=(0, 2), stretch=(1,))  # fmt: skip
        # A splitter lets the user give the march table the room, and keeps the pane's
        # smallest height small: the sections shrink to their headings.
        sections = QSplitter(Qt.Orientation.Vertical)
        sections.setChildrenCollapsible(False)
        for caption, table in (("Clearance", self.violations), ("Conflicts", self.conflicts),
                               ("March table (forecast)", self.march)):
            box = QWidget()
            inner = QVBoxLayout(box)
            inner.setContentsMargins(0, 2, 0, 0)
            inner.setSpacing(2)
            inner.addWidget(QLabel(f"<b>{caption}</b>"))
            table.setMinimumHeight(table.fontMetrics().height() * 3)
            inner.addWidget(table, 1)
            sections.addWidget(box)
        sections.setStretchFactor(2, 3)
        self.sections = sections
        layout.addWidget(self.summary)
        layout.addWidget(sections, 1)

    def show_plan(self, plan: MovementPlan | None, conflicts: list[Conflict],
                  names: Mapping[str, str], notes: list[str] | None = None,
                  pending: bool = False) -> None:
        if plan is None:
            self.summary.setText("Planning…" if pending else
                                 "This movement cannot be planned: "
                                 + "; ".join(notes or ["no route"]))  # fmt: skip
            for table in (self.violations, self.conflicts, self.march):
                table.set_rows([])
            return
        route = plan.route
        crossings = ", ".join(c.point.name for c in route.crossings if c.point) or "none"
        lines = [f"<b>{route.length_km:,.1f} km</b> through {' › '.join(route.nations) or '—'}",
                 f"Crossings: {crossings}"]
        for c in route.unknown_crossings:
            lines.append(f"<span style='color:#c0392b'>Border {c.from_nation or 'sea'}›"
                         f"{c.to_nation or 'sea'} crossed at km {c.km:,.1f} where no crossing "
                         "point is known</span>")
        lines += [f"<span style='color:#c0392b'>{n}</span>" for n in plan.notes]
        self.summary.setText("<br>".join(lines))
        when = self.readout
        self.conflicts.table.horizontalHeaderItem(0).setText(f"Window {when.zone_note()}")
        self.violations.set_rows([
            [display.number(round(v.km, 1)) if v.km is not None else "", v.point,
             v.vehicle_type, RULES.get(v.rule, v.rule), _amount(v.limit),
             _amount(v.value)] for v in plan.violations])  # fmt: skip
        self.conflicts.set_rows([
            [f"{when.month_day(c.start)} – {when.clock(c.end)}", c.point,
             ", ".join(names.get(m, m) for m in c.movements if m != plan.movement_id)
             or "alone",
             "exclusive point" if c.reason == "exclusive"
             else f"{c.load} veh/h > {c.capacity}"] for c in conflicts])  # fmt: skip
        self.march.set_rows([
            [str(r.serial), r.point, display.number(round(r.km, 1)),
             when.month_day(r.head_arrive), when.month_day(r.tail_clear)]
            for r in plan.forecast.rows])  # fmt: skip
        self._share_height()

    def _share_height(self) -> None:
        """Give the short lists what they need (up to six rows) and the march table the rest."""
        line = self.march.table.verticalHeader().defaultSectionSize()
        wanted = []
        for table in (self.violations, self.conflicts):
            rows = min(table.row_count, 6)
            wanted.append(line * (rows + 2) if rows else line * 3)
        total = sum(self.sections.sizes()) or 600
        self.sections.setSizes([*wanted, max(total - sum(wanted), line * 4)])
