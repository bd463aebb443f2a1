"""The permit inbox's side panel: what a decision on the selected permit rests on.

PermitPanel shows the permit's summary (status, nations, deadline, agreement, validity), its
route in the host nation with the column's times there, and the clearance violations and
conflicts at those points. It is a widget of its own, apart from the list beside it. The
words and the colour the inbox's other modules share (escaping, sentences, the problem red)
are here too, the panel being their first user.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QLabel,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.domain import vocabulary
from app.core.permits import inbox
from app.gui import display
from app.gui.host_part import HostPart
from app.gui.readout import Readout
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from app.core.store import Store

PROBLEM = "#c0392b"  # the red the plan view uses for what needs attention


def sentence(message: str) -> str:
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class PermitPanel(QStackedWidget):
    """Decision support for the selected permit; an explanatory empty state otherwise."""

    _FIELDS = (("status", "Status"), ("nations", "Nations"), ("deadline", "Decision due"),
               ("requested", "Requested"), ("mode", "Mode"), ("agreement", "Agreement"),
               ("preauth", "Pre-authorisation"), ("window", "Valid"),
               ("vehicles", "Vehicles"), ("priority", "Priority"), ("decided", "Decided"),
               ("number", "Movement number"), ("conditions", "Conditions"),
               ("remarks", "Remarks"))  # fmt: skip
    _OPTIONAL = frozenset({"preauth", "decided", "number", "conditions", "remarks"})

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._nations = display.nation_names(store)
        self.readout = Readout()  # how times read; the inbox passes on the settings
        self.empty = QLabel("Select a permit\n\nThe movement, the route through the host "
                            "nation and the problems found there appear here.")  # fmt: skip
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        display.mute(self.empty)
        self.addWidget(self.empty)

        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(8, 4, 8, 4)
        self.title = QLabel()
        font = QFont(self.title.font())
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.title.setFont(font)
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.subtitle = QLabel()
        self.subtitle.setWordWrap(True)
        self.subtitle.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        display.mute(self.subtitle)
        layout.addWidget(self.title)
        layout.addWidget(self.subtitle)
        layout.addSpacing(4)

        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setHorizontalSpacing(10)
        self.form.setVerticalSpacing(3)
        self.values: dict[str, QLabel] = {}
        for key, label in self._FIELDS:
            value = QLabel()
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            caption = QLabel(f"{label}:")
            display.mute(caption)
            self.values[key] = value
            self.form.addRow(caption, value)
        layout.addLayout(self.form)
        layout.addSpacing(8)

        self.route_title = QLabel()
        self.route = RecordTable(("km", "Point", "Head", "Tail clear"),
                                 "The route has no known point in this nation.",
                                 numeric=(0,), stretch=(1,))  # fmt: skip
        self.issues = QLabel()
        self.issues.setWordWrap(True)
        self.issues.setTextFormat(Qt.TextFormat.RichText)
        self.issues.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.route_title)
        layout.addWidget(self.route)
        layout.addWidget(self.issues)
        layout.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(page)
        self.addWidget(scroll)
        self._page = scroll
        self.permit_id: str | None = None

    def text(self, key: str) -> str:
        return self.values[key].text()

    def show_permit(self, item: dict[str, Any] | None, part: HostPart | None,
                    planning: bool, now: datetime) -> None:  # fmt: skip
        permit = self._store.get("permits", item["id"]) if item else None
        self.permit_id = permit["id"] if permit else None
        if item is None or permit is None:
            self.setCurrentWidget(self.empty)
            return
        movement = self._store.get("movements", item["movement_id"]) or {}
        names = self._nations
        host, owner = item["host"], item["owner"]
        self.title.setText(item["movement"])
        unit = movement.get("unit") or ""
        reference = f"Permit {item['reference']}" if item["reference"] else "Permit"
        self.subtitle.setText(f"{reference}  ·  {unit}" if unit else reference)

        status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"])
        if item["host"] == self._store.nation:
            nations = f"{names.get(owner, owner)} ({owner}) asks {names.get(host, host)}"
        else:
            nations = f"{names.get(owner, owner)} asks {names.get(host, host)} ({host})"
        texts: dict[str, str] = {
            "status": status,
            "nations": nations,
            "deadline": self._deadline(item, now),
            "requested": self.readout.both(item["requested_at"]),
            "mode": vocabulary.PERMIT_MODES.get(item["mode"] or "", display.MISSING),
            "agreement": self._agreement(permit["agreement"]),
            "preauth": self._preauth(permit["preauthorisation_id"]),
            "window": self.readout.span(item["window"],
                                        item["valid_until"] or item["arrive_by"]),
            "vehicles": (f"{item['vehicles'] or 0:,}"
                         + (f", the heaviest MLC {display.number(item['max_mlc'])}"
                            if item["max_mlc"] is not None else "")),
            "priority": vocabulary.PRIORITIES.get(movement.get("priority") or "",
                                                  display.MISSING),
            "decided": (f"{self.readout.time(permit['decided_at'])} by {permit['decided_by']}"
                        if permit["decided_at"] else ""),
            "number": permit["movement_number"] or "",
            "conditions": "\n".join(f"• {c}" for c in permit["conditions"] or ()),
            "remarks": permit["remarks"] or "",
        }  # fmt: skip
        for key, text in texts.items():
            self.values[key].setText(text or display.MISSING)
            if key in self._OPTIONAL:
                self.form.setRowVisible(self.values[key], bool(text))
        crisis = movement.get("priority") == "crisis"
        self.values["priority"].setStyleSheet(
            f"color: {PROBLEM}; font-weight: bold;" if crisis else "")
        overdue = self.values["deadline"].text().startswith("overdue")
        self.values["deadline"].setStyleSheet(
            f"color: {PROBLEM}; font-weight: bold;" if overdue else "")
        self._show_part(host, part, planning)
        self.setCurrentWidget(self._page)

    # -- filling ------------------------------------------------------------------------
    def _deadline(self, item: dict[str, Any], now: datetime) -> str:
        if not item["deadline"]:
            return "none yet: the request has not been sent"
        due = timefmt.parse_utc(item["deadline"])
        self.values["deadline"].setToolTip(self.readout.both(due, "  "))
        if item["status"] in inbox.OPEN_STATUSES:
            return f"{display.countdown(due, now)} (due {self.readout.day_time(due)})"
        return f"{self.readout.day_time(due)}, no longer counting"

    def _agreement(self, name: str | None) -> str:
        if not name:
            return display.MISSING
        long_name = vocabulary.AGREEMENTS.get(name)
        return f"{name}, {long_name}" if long_name else name

    def _preauth(self, preauth_id: str | None) -> str:
        if not preauth_id:
            return ""
        pre = self._store.get("preauthorisations", preauth_id, include_deleted=True)
        if pre is None:
            return "a standing pre-authorisation (not held here)"
        return (f"{pre['reference']}, valid {self.readout.time(pre['valid_from'])} to "
                f"{self.readout.time(pre['valid_until'])}, up to MLC "
                f"{display.number(pre['max_mlc'])}")  # fmt: skip

    def _show_part(self, host: str, part: HostPart | None, planning: bool) -> None:
        name = self._nations.get(host, host)
        self.route_title.setText(f"<b>Route in {html(name)} ({host})</b>")
        if part is None:
            self.route.set_rows([])
            self.route.empty.setText("Planning… the route appears when the plan is ready."
                                     if planning else "This movement has no plan: its route "
                                     "could not be analysed.")  # fmt: skip
            self.route.setFixedHeight(self.route.fontMetrics().height() * 3)
            self.issues.setText("")
            return
        self.route.empty.setText("The route has no known point in this nation.")
        rows, tips = [], []
        for p in part.points:
            head, tail = self.readout.day_time(p.head), self.readout.clock(p.tail)
            rows.append([display.number(round(p.km)), p.name, head, tail])
            tips.append(f"{p.name}\n{vocabulary.POINT_KINDS.get(p.kind, p.kind)}"
                        f"\nHead {self.readout.time(p.head)}"
                        f", tail clear {self.readout.time(p.tail)}")
        self.route.set_rows(rows, tips)
        line = self.route.table.verticalHeader().defaultSectionSize()
        header = self.route.table.horizontalHeader().sizeHint().height()
        shown = min(len(rows), 8)
        self.route.setFixedHeight(header + line * shown + 4 if rows
                                  else self.route.fontMetrics().height() * 3)  # fmt: skip
        self.issues.setText(self._issues(name, part))

    def _issues(self, name: str, part: HostPart) -> str:
        lines = []
        if part.violations:
            lines.append(f"<b style='color:{PROBLEM}'>⚠ Clearance in {html(name)}</b>")
            lines += [f"{html(v.vehicle_type)} may not pass {html(v.point)}: "
                      f"{html(_rule(v.rule))} limit {_amount(v.limit)}, has {_amount(v.value)}"
                      for v in part.violations]  # fmt: skip
        else:
            lines.append(f"✓ Every vehicle clears every point in {html(name)}.")
        others = sorted({m for c in part.conflicts for m in c.movements})
        movements = dict(self._store.conn.execute(
            f"SELECT id, name FROM movements WHERE id IN ({', '.join('?' * len(others))})",
            others).fetchall()) if others else {}
        if part.conflicts:
            lines.append(f"<b style='color:{PROBLEM}'>◷ Conflicts in {html(name)}</b>")
            for c in part.conflicts:
                others = ", ".join(movements.get(m, m) for m in c.movements
                                   if m != part.plan.movement_id) or "alone"  # fmt: skip
                why = ("exclusive point" if c.reason == "exclusive"
                       else f"{c.load} vehicles an hour, room for {c.capacity}")
                lines.append(f"{html(c.point)}, {self.readout.span(c.start, c.end)}: "
                             f"{html(why)}; with {html(others)}")
        else:
            lines.append(f"✓ No conflict at points in {html(name)}.")
        return "<br>".join(lines)


def _rule(rule: str) -> str:
    return {"mlc": "MLC", "dangerous_goods": "dangerous goods", "gauge": "track gauge"}.get(
        rule, rule)


def _amount(raw: object) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return display.number(raw)
    return html(display.value(raw))
