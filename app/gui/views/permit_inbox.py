"""The permit inbox: the requests this nation decides and those it made of others.

The table lists them (sorted and filtered in SQL); the side panel gives what a decision rests
on: the movement, the host nation's part of its route with the column's times there, the
clearance violations and conflicts at those points, the deadline and the agreement. Keys act
on the selected permit: A approves, C approves with conditions, D denies, Enter opens the
decision, Ctrl+Z undoes a decision not yet exported (Ctrl+Shift+Z decides it again), W
withdraws a request of ours.
Paperwork: Ctrl+P saves the movement credit of an approved permit, Ctrl+Shift+P a draft
Form 302 for a request of ours, Ctrl+Shift+E the list as filtered and sorted, as CSV.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QFont,
    QFontMetrics,
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.commands import UndoStack
from app.core.domain import vocabulary
from app.core.permits import decisions, inbox
from app.core.permits.export import write_csv
from app.core.permits.inbox import InboxFilter
from app.core.permits.paperwork import CREDIT_STATUSES, NO_FORM302_STATUSES, PaperworkError
from app.gui import display, files
from app.gui.host_part import HostPart
from app.gui.models.permit_table import DEFAULT_ORDER, PermitTableModel
from app.gui.paperwork import credit_pdf, form302_pdf
from app.gui.planning import PlanSet
from app.gui.readout import Readout
from app.gui.views.decision_dialog import DecisionDialog, ReasonDialog
from app.gui.views.form302_dialog import Form302Dialog
from app.gui.views.permit_rules import PermitRulesDialog
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from datetime import tzinfo

    from app.core.store import Store
    from app.gui.selection import Selection
    from app.gui.settings import DisplayChoices

FILTER_DELAY_MS = 200
CHECK_INTERVAL_MS = 60_000  # deadlines are checked once a minute
# Whether Undo applies is looked up when the selection rests, not on every arrow key.
UNDO_CHECK_DELAY_MS = 150
DUE_SOON_HOURS = 24
# (label, statuses): the open requests first, as an inbox is worked from them.
STATUS_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Open (undecided)", inbox.OPEN_STATUSES),
    ("All", ()),
    *((label, (key,)) for key, label in vocabulary.PERMIT_STATUSES.items()),
)
_SAMPLES = {"movement": "Leopard battalion to Rukla", "owner": "Owner", "host": "Host",
            "route": "US → LT, LV, PL", "vehicles": "26 · MLC 105",
            "window": "10 Jun 04:00–11 Jun 12:00Z", "deadline": "overdue 10 d 22 h",
            "status": "Approved with conditions", "flags": "◷ 2 conflicts"}  # fmt: skip
_PROBLEM = "#c0392b"  # the red the plan view uses for what needs attention
# A window to measure the window column by, in whatever form the settings give.
_SAMPLE_WINDOW = ("2026-12-28T23:50:00Z", "2026-12-29T23:50:00Z")


def _mute(label: QLabel) -> None:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), display.muted(palette))
    label.setPalette(palette)


def _sentence(message: str) -> str:
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _write_problem(path: Path, exc: OSError) -> str:
    """A failed save in one line, naming the file the user chose (not a temporary one)."""
    if exc.strerror:
        return f"Cannot write {path}: {exc.strerror}."
    return _sentence(str(exc))


@contextlib.contextmanager
def _busy() -> Iterator[None]:
    # Laying out a PDF takes a moment; the cursor says the console has not hung.
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


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
        _mute(self.empty)
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
        _mute(self.subtitle)
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
            _mute(caption)
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
            f"color: {_PROBLEM}; font-weight: bold;" if crisis else "")
        overdue = self.values["deadline"].text().startswith("overdue")
        self.values["deadline"].setStyleSheet(
            f"color: {_PROBLEM}; font-weight: bold;" if overdue else "")
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
        self.route_title.setText(f"<b>Route in {_html(name)} ({host})</b>")
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
            lines.append(f"<b style='color:{_PROBLEM}'>⚠ Clearance in {_html(name)}</b>")
            lines += [f"{_html(v.vehicle_type)} may not pass {_html(v.point)}: "
                      f"{_html(_rule(v.rule))} limit {_amount(v.limit)}, has {_amount(v.value)}"
                      for v in part.violations]  # fmt: skip
        else:
            lines.append(f"✓ Every vehicle clears every point in {_html(name)}.")
        others = sorted({m for c in part.conflicts for m in c.movements})
        movements = dict(self._store.conn.execute(
            f"SELECT id, name FROM movements WHERE id IN ({', '.join('?' * len(others))})",
            others).fetchall()) if others else {}
        if part.conflicts:
            lines.append(f"<b style='color:{_PROBLEM}'>◷ Conflicts in {_html(name)}</b>")
            for c in part.conflicts:
                others = ", ".join(movements.get(m, m) for m in c.movements
                                   if m != part.plan.movement_id) or "alone"  # fmt: skip
                why = ("exclusive point" if c.reason == "exclusive"
                       else f"{c.load} vehicles an hour, room for {c.capacity}")
                lines.append(f"{_html(c.point)}, {self.readout.span(c.start, c.end)}: "
                             f"{_html(why)}; with {_html(others)}")
        else:
            lines.append(f"✓ No conflict at points in {_html(name)}.")
        return "<br>".join(lines)


def _rule(rule: str) -> str:
    return {"mlc": "MLC", "dangerous_goods": "dangerous goods", "gauge": "track gauge"}.get(
        rule, rule)


def _amount(raw: object) -> str:
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        return display.number(raw)
    return _html(display.value(raw))


@dataclass(frozen=True)
class _Undone:
    """A decision undone in this inbox, kept to be decided again by Redo."""

    permit_id: str
    movement: str
    outcome: str
    conditions: tuple[str, ...]
    reason: str


_OUTCOME_OF = {status: outcome for outcome, status in decisions.OUTCOMES.items()}


class PermitInbox(QWidget):
    """Incoming and outgoing permits, the decision keys, and the deadline watch."""

    changed = Signal()  # this view wrote: a decision, an undo or a withdrawal
    attention = Signal(int)  # requests to this nation due within 24 h (overdue included)
    overdue_found = Signal(list)  # inbox rows that became overdue; each once per session
    permit_selected = Signal(object)
    reveal = Signal()  # paperwork asked for from elsewhere (a menu): show the inbox

    def __init__(self, store: Store, plans: PlanSet | None = None,
                 now: Callable[[], datetime] | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._store = store
        self._now = now or (lambda: datetime.now(timefmt.UTC))
        self._nations = display.nation_names(store)
        self._selected: str | None = None
        self._selection: Selection | None = None  # shared with the map and the movement list
        self._following = False  # showing the shared selection: not the user's choice
        self._notified: set[str] = set()
        self._everything: dict[str, int] = {}  # permits per direction, before filtering
        self.due_count = 0
        self.rules_dialog: PermitRulesDialog | None = None  # made when first asked for
        self._redo: list[_Undone] = []  # decisions undone here, the last first to redo
        self.undo_stack: UndoStack | None = None  # the console's, for the agreements
        self.save_folder = files.documents_folder()  # then where the last file went
        # () -> (text, colour): the classification marking the paperwork and the exported
        # list carry (the console sets it, as for the timeline); None or no text: unmarked.
        self.marking_source: Callable[[], tuple[str, str]] | None = None

        # A two-way switch rather than a second row of tabs under the window's tabs.
        self.incoming_button = QPushButton(checkable=True, checked=True)
        self.outgoing_button = QPushButton(checkable=True)
        self.incoming_button.setToolTip(f"Requests to {store.nation} for other nations' "
                                        "movements: yours to decide (Alt+I)")  # fmt: skip
        self.outgoing_button.setToolTip(f"{store.nation}'s requests to other nations (Alt+O)")
        self.direction = QButtonGroup(self)
        self.direction.setExclusive(True)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        for index, btn in enumerate((self.incoming_button, self.outgoing_button)):
            self.direction.addButton(btn, index)
            btn.setAutoDefault(False)
            btn.setStyleSheet("QPushButton:checked { font-weight: bold; }")
            switch.addWidget(btn)
        self.filter_text = QLineEdit(placeholderText="Filter: movement, unit, nation, reference…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.setToolTip("Words to look for in every permit (Ctrl+F)")
        hint = self.filter_text.fontMetrics().horizontalAdvance(self.filter_text.placeholderText())
        self.filter_text.setMinimumWidth(min(hint + 48, 320))
        self.status_combo = QComboBox()
        for label, statuses in STATUS_CHOICES:
            self.status_combo.addItem(label, statuses)
        self.status_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        status_label = QLabel("&Status")
        status_label.setBuddy(self.status_combo)
        self.shown = QLabel()
        self.shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.shown.setMinimumWidth(1)
        self.model = PermitTableModel(store, self._current_filter(), now=self._now, parent=self)
        self.model.set_plans(plans)
        self.table = QTableView()
        self._build_actions()
        self.export_button = self._button("Export list…", self.export_action)
        self.rules_button = self._button("Agreements…", self.rules_action)

        bar = QHBoxLayout()
        bar.addLayout(switch)
        bar.addSpacing(8)
        bar.addWidget(self.filter_text, 3)
        bar.addSpacing(6)
        bar.addWidget(status_label)
        bar.addWidget(self.status_combo)
        bar.addStretch(1)
        bar.addWidget(self.shown)

        self._setup_table()
        self.panel = PermitPanel(store)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        table_side = QWidget()
        table_layout = QVBoxLayout(table_side)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self._button_row = self._build_buttons()
        table_layout.addLayout(self._button_row)
        table_layout.addWidget(self.table, 1)
        splitter.addWidget(table_side)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([1020, 360])
        self.splitter = splitter

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() + 6)

        # The list as a whole, and the rules behind it, beside the status line: they need no
        # selection, and there they cost the table and the panel no width.
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        footer.addWidget(self.rules_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addLayout(footer)

        self._delay = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._delay.timeout.connect(self.apply_filter)
        self.filter_text.textChanged.connect(self._delay.start)
        self.filter_text.returnPressed.connect(self.apply_filter)
        self.status_combo.currentIndexChanged.connect(self.apply_filter)
        self.direction.idToggled.connect(lambda _id, on: on and self.apply_filter())
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_filter)

        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._after_reset)
        self.model.layoutChanged.connect(self._selection_changed)
        self.model.dataChanged.connect(self._data_changed)

        self._undo_check = QTimer(self, singleShot=True, interval=UNDO_CHECK_DELAY_MS)
        self._undo_check.timeout.connect(self._check_undoable)
        self._clock = QTimer(self, interval=CHECK_INTERVAL_MS)
        self._clock.timeout.connect(self.check_deadlines)
        self._clock.start()
        self._show_counts()
        self._show_waiting()
        self._update_buttons()
        self._show_due()
        self.say("")
        # Buttons hidden before the first show leave stale sizes in the layouts' caches; a
        # size asked before then (the snapshot's check of the smallest layout) must not
        # count them.
        self._button_row.invalidate()
        table_layout.invalidate()
        splitter.updateGeometry()

    # -- public -------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        return self._selected

    def selected_item(self) -> dict[str, Any] | None:
        row = self.model.row_of(self._selected) if self._selected else None
        return self.model.item(row) if row is not None else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)  # fmt: skip
            self.table.scrollTo(index)

    def select_permit(self, permit_id: str) -> bool:
        row = self.model.row_of(permit_id)
        if row is None:
            return False
        self.select_row(row)
        return True

    def bind_selection(self, selection: Selection) -> None:
        """A permit chosen here selects its movement everywhere; a movement chosen elsewhere
        selects its permits here."""
        self._selection = selection
        selection.changed.connect(self._follow)
        # Only the table's own signal shares: a re-sort or a re-read is no one's choice.
        self.table.selectionModel().selectionChanged.connect(self._share)
        self._show_shared(selection.movements)

    def set_direction(self, direction: str) -> None:
        button = self.outgoing_button if direction == "outgoing" else self.incoming_button
        button.setChecked(True)

    def focus_filter(self) -> None:
        self.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_text.selectAll()

    def apply_filter(self) -> None:
        self._delay.stop()
        direction = self.model.inbox_filter.direction
        self.model.set_filter(self._current_filter())
        if self.model.inbox_filter.direction != direction:
            self.say("")  # the keys differ
        self._sync_sort_indicator()
        self._show_counts()
        self._update_buttons()

    def refresh(self) -> None:
        """Re-read after a write elsewhere or an import."""
        self._nations = display.nation_names(self._store)
        self._everything.clear()
        self.model.refresh()
        self._fit_window_column()  # the settings may have changed the form of the times
        self._show_counts()
        self._show_waiting()
        self._show_due()
        self._update_buttons()
        if self.rules_dialog is not None:
            self.rules_dialog.refresh()

    def set_plans(self, plans: PlanSet | None) -> None:
        """A new plan of the whole store arrived (from the planning worker)."""
        self.model.set_plans(plans)
        self._fill_panel()

    def use_settings(self, settings: DisplayChoices, local_zone: tzinfo | None = None) -> None:
        """Write times as `settings` say, in the table and the panel, now and at every
        refresh. Sorting and filtering stay on the stored values."""
        readout = Readout(settings, local_zone)
        self.model.set_readout(readout)
        self.panel.readout = readout
        self._fit_window_column()
        self._fill_panel()

    def marking(self) -> tuple[str, str] | None:
        """The classification marking (text, colour) for the files saved here, or None."""
        found = self.marking_source() if self.marking_source is not None else None
        return found if found and found[0] else None

    def stop(self) -> None:
        """Stop the clocks: the store is about to close (the window closes or switches)."""
        for timer in (self._clock, self._delay, self._undo_check):
            timer.stop()
        if self.rules_dialog is not None:
            self.rules_dialog.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    def say(self, text: str, problem: bool = False) -> None:
        """The status area: what was done, or why it was not; the keys when quiet."""
        palette = self.palette()
        if not text:
            palette.setColor(self.message.foregroundRole(), display.muted(palette))
            outgoing = self.model.inbox_filter.direction == "outgoing"
            text = ("Keys: W withdraw · Ctrl+P credit · Ctrl+Shift+P Form 302 · Ctrl+F filter"
                    if outgoing else
                    "Keys: A approve · C with conditions · D deny · R review · Enter decide · "
                    "Ctrl+Z undo · Ctrl+Shift+Z redo · Ctrl+P credit · Ctrl+F filter")  # fmt: skip
        self.message.setPalette(palette)
        self.message.setText(f"⚠ {text}" if problem else text)
        self.message.setStyleSheet(f"color: {_PROBLEM}; font-weight: bold;" if problem else "")
        self.message.setProperty("problem", problem)

    def check_deadlines(self) -> None:
        """Once a minute: countdowns move on, and a request that became overdue is told."""
        self.model.tick()
        self._fill_panel()
        self._show_due()
        fresh = [r for r in self._overdue() if r["id"] not in self._notified]
        if fresh:
            self._notified.update(r["id"] for r in fresh)
            self.overdue_found.emit(fresh)

    def _overdue(self) -> list[dict[str, Any]]:
        """`inbox.overdue` without its computed columns (route, vehicles): this runs every
        minute, and a large store may hold thousands of overdue requests."""
        flt = InboxFilter("incoming", statuses=inbox.OPEN_STATUSES,
                          due_before=timefmt.iso(self._now()))
        where, params = flt.where(self._store.nation)
        rows = self._store.conn.execute(
            "SELECT p.id, m.name, m.owner, p.deadline FROM permits p JOIN movements m"
            f" ON m.id = p.movement_id WHERE {where} ORDER BY p.deadline, p.id", params)
        return [{"id": i, "movement": name, "owner": owner, "deadline": deadline}
                for i, name, owner, deadline in rows]

    # -- decisions ----------------------------------------------------------------------
    def approve(self) -> None:
        item = self._decidable()
        if item is None:
            return
        if item["status"] in ("approved_with_conditions", "denied"):
            # Changing a decision (and dropping its conditions or reason) is confirmed.
            self.open_decision("approve")
            return
        self._decide(item, "approve")

    def take_under_review(self) -> None:
        item = self._decidable()
        if item is None:
            return
        try:
            decisions.review(self._store, item["id"])
        except decisions.DecisionError as exc:
            self.say(_sentence(str(exc)), True)
            return
        self.model.reload_permit(item["id"])
        self.say(f"Under review: “{item['movement']}”.")
        self._after_write()

    def expire_lapsed(self) -> None:
        count = decisions.expire_lapsed(self._store, now=self._now())
        self.say(f"{count} approval{'s' if count != 1 else ''} past "
                 f"{'their' if count != 1 else 'its'} validity marked expired.")
        if count:
            self.refresh()
            self._after_write()

    def approve_with_conditions(self) -> None:
        self.open_decision("conditions")

    def open_decision(self, outcome: str = "") -> None:
        """The decision dialog for the selected permit (Enter; C opens it on conditions)."""
        item = self._decidable()
        if item is None:
            return
        permit = self._store.get("permits", item["id"]) or {}
        if not outcome:
            outcome = {"approved_with_conditions": "conditions", "denied": "deny"}.get(
                item["status"], "approve")
        host = self._nations.get(item["host"], item["host"])
        dialog = DecisionDialog(self._summary(item), self.model.host_part(self._row(item)),
                                host, outcome, permit.get("conditions") or (),
                                planning=self.model.plans is None, parent=self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.decision()
        self._decide(item, choice.outcome, choice.conditions, choice.reason)

    def deny(self) -> None:
        item = self._decidable()
        if item is None:
            return
        owner = self._nations.get(item["owner"], item["owner"])
        dialog = ReasonDialog("Deny permit",
                              f"Deny <b>{_html(item['movement'])}</b> ({_html(owner)}) passage "
                              f"through {_html(self._nations.get(item['host'], item['host']))}?"
                              "<br>The owner nation reads the reason.", "&Deny",
                              parent=self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._decide(item, "deny", reason=dialog.text())

    def undo(self) -> None:
        item = self._selection_or_say()
        if item is None:
            return
        if item["host"] != self._store.nation:
            self.say("There is no decision of yours to undo on a request you made.", True)
            return
        if (not decisions.undoable(self._store, item["id"])
                and item["status"] not in vocabulary.DECIDED_PERMIT_STATUSES):  # fmt: skip
            self.say("Nothing to undo: this permit has no decision.", True)
            return
        permit = self._store.get("permits", item["id"]) or {}
        try:
            decisions.undo(self._store, item["id"])
        except decisions.DecisionError as exc:
            self.say(_sentence(str(exc)), True)
            return
        outcome = _OUTCOME_OF.get(permit.get("status", ""))
        if outcome is not None:  # what Redo decides again
            self._redo.append(_Undone(item["id"], item["movement"], outcome,
                                      tuple(permit.get("conditions") or ()),
                                      permit.get("remarks") or ""))  # fmt: skip
        self.model.reload_permit(item["id"])
        now = self.model.item(self._row(item)) or item
        status = vocabulary.PERMIT_STATUSES.get(now["status"], now["status"]).lower()
        self.say(f"Decision undone: “{item['movement']}” is {status} again. Ctrl+Shift+Z "
                 "decides it again.")  # fmt: skip
        self._after_write(keep_redo=True)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def redo(self) -> None:
        """Decide again the decision undone last (Ctrl+Shift+Z), as it was decided."""
        if not self._redo:
            self.say("Nothing to redo: no decision was undone here since the last one made.",
                     True)  # fmt: skip
            return
        undone = self._redo.pop()
        try:
            status = decisions.decide(self._store, undone.permit_id, undone.outcome,
                                      undone.conditions, undone.reason, now=self._now())
        except decisions.DecisionError as exc:
            self.say(f"Cannot redo the decision on “{undone.movement}”: {exc}.", True)
            return
        self.model.reload_permit(undone.permit_id)
        done = vocabulary.PERMIT_STATUSES.get(status, status)
        self.say(f"Redone: “{undone.movement}” is {done.lower()} again.")
        self._after_write(keep_redo=True)

    def withdraw(self) -> None:
        item = self._selection_or_say()
        if item is None:
            return
        if item["owner"] != self._store.nation:
            owner = self._nations.get(item["owner"], item["owner"])
            self.say(f"Only {owner} can withdraw its request; yours is the decision "
                     "(A approve, C with conditions, D deny).", True)  # fmt: skip
            return
        if item["status"] not in vocabulary.ACTIVE_PERMIT_STATUSES:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: there is nothing to withdraw.", True)
            return
        host = self._nations.get(item["host"], item["host"])
        dialog = ReasonDialog("Withdraw request",
                              f"Withdraw the request to {_html(host)} for "
                              f"<b>{_html(item['movement'])}</b>?<br>{_html(host)} is told "
                              "with the next bundle.", "&Withdraw", required=False,
                              parent=self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            decisions.withdraw(self._store, item["id"], dialog.text())
        except decisions.DecisionError as exc:
            self.say(_sentence(str(exc)), True)
            return
        self.model.reload_permit(item["id"])
        self.say(f"Withdrawn: the request to {host} for “{item['movement']}”.")
        self._after_write()

    def approve_preauthorised(self) -> None:
        waiting = self.preauthorised_waiting()
        if not waiting:
            self.say("No request waits under a pre-authorisation.", True)
            return
        try:
            approved = decisions.approve_preauthorised(self._store, now=self._now())
        except decisions.DecisionError as exc:
            self.say(_sentence(str(exc)), True)
            self.refresh()
            return
        self.model.refresh()
        left = waiting - approved
        text = f"Approved {approved} request{'s' if approved != 1 else ''} under pre-authorisation."
        if left:
            verb = "s" if left == 1 else ""
            text += (f" {left} no longer fit{verb} a pre-authorisation and wait{verb} for your "
                     "decision.")
        self.say(text, problem=bool(left) and not approved)
        self._after_write()

    def preauthorised_waiting(self) -> int:
        """Requests to this nation made under a pre-authorisation, not yet approved."""
        return self._store.conn.execute(
            "SELECT count(*) FROM permits WHERE deleted = 0 AND host_nation = ? AND status ="
            " 'requested' AND mode = 'preauthorised'", (self._store.nation,)).fetchone()[0]

    # -- paperwork and rules -------------------------------------------------------------
    def save_credit(self) -> None:
        """Save the selected approved permit's movement credit as a PDF (Ctrl+P)."""
        self.reveal.emit()
        item = self._selection_or_say()
        if item is None:
            return
        if item["status"] not in CREDIT_STATUSES:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: a movement credit is only for an approved "
                     "permit.", True)  # fmt: skip
            return
        permit = self._store.get("permits", item["id"]) or {}
        number = permit.get("movement_number") or item["reference"] or item["movement"]
        path = files.ask_save_path(self, "Save movement credit", self.save_folder,
                                   files.safe_name(f"Movement credit {number}") + ".pdf",
                                   "PDF documents", ".pdf")  # fmt: skip
        if path is None:
            return
        try:
            with _busy():
                credit_pdf(self._store, item["id"], path, now=self._now(),
                           marking=self.marking())
        except PaperworkError as exc:
            self.say(_sentence(str(exc)), True)
            return
        except OSError as exc:
            self.say(_write_problem(path, exc), True)
            return
        self.save_folder = path.parent
        self.say(f"Movement credit saved: {path}")
        files.offer_open(self, "Movement credit saved",
                         f"The movement credit for “{item['movement']}” is saved.", path)

    def save_form302(self) -> None:
        """Save a draft Form 302 for the selected request of this nation (Ctrl+Shift+P); the
        serial it is issued under is recorded on the permit."""
        self.reveal.emit()
        item = self._selection_or_say()
        if item is None:
            return
        if item["owner"] != self._store.nation:
            owner = self._nations.get(item["owner"], item["owner"])
            self.say(f"{owner} issues the Form 302 of its own movements; draft one for a "
                     "request of yours (Outgoing).", True)  # fmt: skip
            return
        if item["status"] in NO_FORM302_STATUSES:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: no goods move under it, so there is nothing to "
                     "declare.", True)  # fmt: skip
            return
        serial = (self._store.get("permits", item["id"]) or {}).get("form302_serial") or ""
        dialog = Form302Dialog(item["movement"], serial, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        customs, activity = dialog.choice()
        same = serial and serial[10:12] == customs + activity
        path = files.ask_save_path(self, "Save Form 302 draft", self.save_folder,
                                   files.safe_name(f"Form 302 draft "
                                                   f"{serial if same else item['movement']}")
                                   + ".pdf", "PDF documents", ".pdf")  # fmt: skip
        if path is None:
            return
        problem = ""
        try:
            with _busy():
                form302_pdf(self._store, item["id"], path, customs, activity, now=self._now(),
                            marking=self.marking())
        except PaperworkError as exc:
            problem = _sentence(str(exc))
        except OSError as exc:
            problem = _write_problem(path, exc)
        # The serial is recorded before the file is written: it may be, even on a failure.
        issued = (self._store.get("permits", item["id"]) or {}).get("form302_serial") or ""
        if issued != serial:
            self.model.reload_permit(item["id"])
            self._after_write()  # the serial waits to be exported with the next bundle
        if problem:
            self.say(problem, True)
            return
        self.save_folder = path.parent
        self.say(f"Form 302 draft {issued} saved: {path}")
        files.offer_open(self, "Form 302 draft saved",
                         f"The draft Form 302 {issued} for “{item['movement']}” is saved.",
                         path)  # fmt: skip

    def export_csv(self) -> None:
        """Save every permit the filter matches, in the inbox's order, as CSV
        (Ctrl+Shift+E): all of them, not only those scrolled to."""
        self.reveal.emit()
        self.apply_filter()  # a filter still being typed counts
        flt = self.model.inbox_filter
        if not self.model.total:
            self.say("No permit matches the filter: there is nothing to export.", True)
            return
        name = f"Permits {self._store.nation} {flt.direction} {self._now():%Y-%m-%d}"
        path = files.ask_save_path(self, "Export permit list", self.save_folder,
                                   files.safe_name(name) + ".csv", "CSV files", ".csv")
        if path is None:
            return
        order, descending = self.model.order
        marking = self.marking()
        try:
            with _busy():
                count = write_csv(inbox.page(self._store, flt, order, descending), path,
                                  marking[0] if marking else None)
        except OSError as exc:
            self.say(_write_problem(path, exc), True)
            return
        self.save_folder = path.parent
        noun = "permit" if count == 1 else "permits"
        self.say(f"Exported {count:,} {noun} to {path}")
        files.offer_open(self, "Permit list exported",
                         f"{count:,} {noun} exported, as filtered and sorted.", path)

    def show_rules(self) -> None:
        """The agreements and pre-authorisations, in a window beside the console."""
        if self.rules_dialog is None:
            self.rules_dialog = PermitRulesDialog(self._store, now=self._now, parent=self,
                                                  undo=self.undo_stack)  # fmt: skip
            self.rules_dialog.changed.connect(self._rules_changed)
        self.rules_dialog.show()
        self.rules_dialog.raise_()
        self.rules_dialog.activateWindow()

    def _rules_changed(self) -> None:
        # A pre-authorisation the panel names may have changed; the sync status counts it.
        self.refresh()
        self.changed.emit()

    # -- building -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, keys: tuple[str | QKeySequence.StandardKey, ...],
                   slot: Callable[[], None], tip: str) -> QAction:  # fmt: skip
            act = QAction(text, self.table)
            act.setShortcuts([QKeySequence(k) for k in keys])
            # Only while the table has the focus: typing in the filter stays typing.
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.table.addAction(act)
            return act

        self.approve_action = action("&Approve", ("A",), self.approve,
                                     "Approve the selected request (A)")  # fmt: skip
        self.conditions_action = action(
            "Approve with &conditions…", ("C",), self.approve_with_conditions,
            "Approve with conditions: choose or type them (C)")
        self.deny_action = action("&Deny…", ("D",), self.deny,
                                  "Deny the selected request, giving the reason (D)")
        self.decide_action = action("D&ecide…", ("Return", "Enter"), lambda: self.open_decision(),
                                    "Open the decision for the selected request (Enter)")
        self.undo_action = action("&Undo decision", (QKeySequence.StandardKey.Undo,),
                                  self.undo, "Undo your last decision on the selected permit "
                                  "while it has not left this laptop (Ctrl+Z)")  # fmt: skip
        self.redo_action = action("&Redo decision", (QKeySequence("Ctrl+Shift+Z"),),
                                  self.redo, "Decide again the decision undone last "
                                  "(Ctrl+Shift+Z)")  # fmt: skip
        self.withdraw_action = action("&Withdraw request…", ("W",), self.withdraw,
                                      "Withdraw a request this nation made (W)")
        self.review_action = action("Take under &review", ("R",), self.take_under_review,
                                    "Tell the requesting nation this request is being "
                                    "looked at (R)")  # fmt: skip

        def paper(text: str, keys: tuple[str, ...], slot: Callable[[], None],
                  tip: str) -> QAction:  # fmt: skip
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            # Anywhere in the inbox, the filter too: these keys type nothing there.
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.credit_action = paper("&Movement credit (PDF)…", ("Ctrl+P",), self.save_credit,
                                   "Save the movement credit of the selected approved permit "
                                   "as a PDF to print (Ctrl+P)")  # fmt: skip
        self.form302_action = paper("&Form 302 draft (PDF)…", ("Ctrl+Shift+P",),
                                    self.save_form302, "Save a draft EU Form 302 for the "
                                    "selected request of yours as a PDF (Ctrl+Shift+P)")
        self.export_action = paper("E&xport list (CSV)…", ("Ctrl+Shift+E",), self.export_csv,
                                   "Save every permit the filter shows, in this order, as a "
                                   "CSV file for a spreadsheet (Ctrl+Shift+E)")  # fmt: skip
        self.expire_action = paper("Mark &lapsed approvals expired", (), self.expire_lapsed,
                                   "This nation's approvals whose validity has ended become "
                                   "expired")  # fmt: skip
        self.rules_action = paper("A&greements and pre-authorisations…", (), self.show_rules,
                                  "The agreements that set the deadlines, and the standing "
                                  "pre-authorisations")  # fmt: skip
        separator = QAction(self.table)
        separator.setSeparator(True)
        self.table.addActions([separator, self.credit_action, self.form302_action])
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _button(self, text: str, act: QAction) -> QPushButton:
        btn = QPushButton(text)
        btn.setToolTip(act.toolTip())
        btn.clicked.connect(act.trigger)
        btn.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus in the table
        return btn

    def _build_buttons(self) -> QHBoxLayout:
        button = self._button
        self.approve_button = button("Approve  (A)", self.approve_action)
        self.conditions_button = button("With conditions…  (C)", self.conditions_action)
        self.deny_button = button("Deny…  (D)", self.deny_action)
        self.undo_button = button("Undo  (Ctrl+Z)", self.undo_action)
        self.withdraw_button = button("Withdraw…  (W)", self.withdraw_action)
        # The keys are in the tooltips and the status line: the labels stay short.
        self.credit_button = button("Movement credit…", self.credit_action)
        self.form302_button = button("Form 302 draft…", self.form302_action)
        self.preauth_button = QPushButton()
        self.preauth_button.setToolTip("Approve every request to this nation made under a "
                                       "standing pre-authorisation that it still fits")
        self.preauth_button.clicked.connect(self.approve_preauthorised)
        row = QHBoxLayout()
        row.setSpacing(4)
        for btn in (self.approve_button, self.conditions_button, self.deny_button,
                    self.undo_button, self.withdraw_button):  # fmt: skip
            row.addWidget(btn)
        row.addSpacing(8)  # the paperwork apart from the decisions
        row.addWidget(self.credit_button)
        row.addWidget(self.form302_button)
        row.addStretch(1)
        row.addWidget(self.preauth_button)
        return row

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setCornerButtonEnabled(False)
        table.doubleClicked.connect(lambda _index: self.open_decision())
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        metrics = header.fontMetrics()
        bold = QFont(table.font())
        bold.setBold(True)
        cells = {False: table.fontMetrics(), True: QFontMetrics(bold)}
        for column, key in enumerate(self.model.keys):
            heading = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            # An overdue deadline is bold: measure it so.
            sample = cells[key == "deadline"].horizontalAdvance(_SAMPLES.get(key, heading))
            header.resizeSection(column, max(metrics.horizontalAdvance(heading) + 24,
                                             sample + 14))
        header.setSortIndicator(self.model.column_of(DEFAULT_ORDER), Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_requested)

    def _fit_window_column(self) -> None:
        """Widen the window column for a longer form of time (local ISO); never narrow it:
        the user may have dragged it wider."""
        header = self.table.horizontalHeader()
        column = self.model.column_of("window")
        text = self.model.readout.span(*_SAMPLE_WINDOW)
        wanted = self.table.fontMetrics().horizontalAdvance(text) + 14
        if header.sectionSize(column) < wanted:
            header.resizeSection(column, wanted)

    # -- reactions ----------------------------------------------------------------------
    def _current_filter(self) -> InboxFilter:
        return InboxFilter("outgoing" if self.outgoing_button.isChecked() else "incoming",
                           text=self.filter_text.text().strip(),
                           statuses=tuple(self.status_combo.currentData() or ()))

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        if not self.model.sortable(column):
            self._sync_sort_indicator()  # the flags come from the plan: not sortable

    def _sync_sort_indicator(self) -> None:
        key, descending = self.model.order
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self.model.column_of(key), Qt.SortOrder.DescendingOrder
                                if descending else Qt.SortOrder.AscendingOrder)  # fmt: skip
        header.blockSignals(False)
        header.viewport().update()

    def _after_reset(self) -> None:
        if self._selection is not None:
            self._show_shared(self._selection.movements)  # the same permit stays current
            return
        row = self.model.row_of(self._selected) if self._selected else None
        if row is not None:
            self.select_row(row)
        self._selection_changed()

    def _selection_changed(self) -> None:
        model = self.table.selectionModel()
        rows = model.selectedRows()
        current = model.currentIndex()
        # Following a movement may select several rows: the keys act on the current one.
        if current.isValid() and model.isRowSelected(current.row()):
            permit_id = self.model.permit_id(current.row())
        else:
            permit_id = self.model.permit_id(min(r.row() for r in rows)) if rows else None
        if permit_id != self._selected:
            self._selected = permit_id
            self.say("")
            self.permit_selected.emit(permit_id)
        self._fill_panel()
        self._update_buttons()

    def _share(self) -> None:
        item = self.selected_item()
        if item and self._selection is not None and not self._following:
            self._selection.set_movements({item["movement_id"]}, source=self)

    def _follow(self, ids: frozenset[str]) -> None:
        if self._selection is not None and self._selection.source is not self:
            self._show_shared(ids)

    def _show_shared(self, ids: frozenset[str]) -> None:
        """Select the permits of these movements the inbox lists (none if it lists none)."""
        expected = self._listed_permits(ids)
        rows: list[int] = []
        checked = 0
        while True:
            rows += [row for row in range(checked, self.model.rowCount())
                     if self.model.item(row)["movement_id"] in ids]  # fmt: skip
            checked = self.model.rowCount()
            if len(rows) >= expected or not self.model.canFetchMore():
                break
            self.model.fetchMore()
            if self.model.rowCount() == checked:
                break
        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row, 0),
                             self.model.index(row, self.model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag
        self._following = True
        try:
            self.table.selectionModel().select(selection, flags.ClearAndSelect)
            if rows:
                own = self.model.row_of(self._selected) if self._selected else None
                current = self.model.index(own if own in rows else rows[0], 0)
                self.table.selectionModel().setCurrentIndex(current, flags.NoUpdate)
                self.table.scrollTo(current)
            self._selection_changed()
        finally:
            self._following = False

    def _listed_permits(self, ids: frozenset[str]) -> int:
        """How many permits of these movements the filter lists, loaded or not."""
        movements, total = sorted(ids), 0
        for start in range(0, len(movements), 500):  # under SQLite's oldest parameter limit
            chunk = movements[start:start + 500]
            permits = tuple(row[0] for row in self._store.conn.execute(
                "SELECT id FROM permits WHERE deleted = 0 AND movement_id IN "
                f"({', '.join('?' * len(chunk))})", chunk))  # fmt: skip
            if permits:
                total += inbox.count(self._store, replace(self.model.inbox_filter, ids=permits))
        return total

    def _data_changed(self, *_: Any) -> None:
        self._update_buttons()

    def _fill_panel(self) -> None:
        item = self.selected_item()
        part = self.model.host_part(self._row(item)) if item else None
        self.panel.show_permit(item, part, self.model.plans is None, self._now())

    def _update_buttons(self) -> None:
        incoming = self.model.inbox_filter.direction != "outgoing"
        for btn in (self.approve_button, self.conditions_button, self.deny_button,
                    self.undo_button):  # fmt: skip
            btn.setVisible(incoming)
        self.withdraw_button.setVisible(not incoming)
        self.preauth_button.setVisible(incoming)
        item = self.selected_item()
        decidable = bool(item) and incoming and item["status"] in decisions.DECIDABLE
        for btn in (self.approve_button, self.conditions_button, self.deny_button):
            btn.setEnabled(decidable)
        self.undo_button.setEnabled(False)
        if item and incoming and item["status"] in vocabulary.DECIDED_PERMIT_STATUSES:
            self._undo_check.start()  # once the selection settles: the check reads the log
        self.withdraw_button.setEnabled(
            bool(item) and item["status"] in vocabulary.ACTIVE_PERMIT_STATUSES)
        self.credit_button.setEnabled(bool(item) and item["status"] in CREDIT_STATUSES)
        self.form302_button.setVisible(not incoming)
        self.form302_button.setEnabled(bool(item) and item["status"] not in NO_FORM302_STATUSES)
        self.export_button.setEnabled(self.model.total > 0)

    def _check_undoable(self) -> None:
        item = self.selected_item()
        self.undo_button.setEnabled(
            bool(item) and self.model.inbox_filter.direction != "outgoing"
            and decisions.undoable(self._store, item["id"]))  # fmt: skip

    def _show_counts(self) -> None:
        flt = self.model.inbox_filter
        for btn, direction in ((self.incoming_button, "incoming"),
                               (self.outgoing_button, "outgoing")):  # fmt: skip
            # The model has just counted its own direction; a large store counts slowly.
            n = (self.model.total if direction == flt.direction
                 else inbox.count(self._store, replace(flt, direction=direction)))
            btn.setText(f"&{direction.capitalize()} ({n:,})")
        if flt.direction not in self._everything:
            self._everything[flt.direction] = inbox.count(self._store, InboxFilter(flt.direction))
        everything = self._everything[flt.direction]
        shown = self.model.total
        noun = "permit" if everything == 1 else "permits"
        self.shown.setText(f"{everything:,} {noun}" if shown == everything
                           else f"{shown:,} of {everything:,} {noun}")  # fmt: skip

    def _show_waiting(self) -> None:
        waiting = self.preauthorised_waiting()
        self.preauth_button.setText(f"Approve pre-authorised ({waiting})")
        self.preauth_button.setEnabled(waiting > 0)

    def _show_due(self) -> None:
        self.due_count = inbox.due_soon(self._store, DUE_SOON_HOURS, self._now())
        self.attention.emit(self.due_count)

    def _after_write(self, keep_redo: bool = False) -> None:
        if not keep_redo:
            self._redo.clear()  # a new decision: what was undone before stays undone
        self._everything.clear()
        self._show_counts()
        self._show_waiting()
        self._show_due()
        self._fill_panel()
        self._update_buttons()
        self.changed.emit()

    # -- helpers ------------------------------------------------------------------------
    def _row(self, item: dict[str, Any] | None) -> int:
        row = self.model.row_of(item["id"]) if item else None
        return -1 if row is None else row

    def _selection_or_say(self) -> dict[str, Any] | None:
        item = self.selected_item()
        if item is None:
            self.say("Select a permit first.", True)
        return item

    def _decidable(self) -> dict[str, Any] | None:
        """The selected permit if this nation may decide it now; else say why not."""
        item = self._selection_or_say()
        if item is None:
            return None
        if item["host"] != self._store.nation:
            host = self._nations.get(item["host"], item["host"])
            self.say(f"{host} decides this request, not {self._store.nation}; you can only "
                     "withdraw it (W).", True)  # fmt: skip
            return None
        if item["status"] not in decisions.DECIDABLE:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: there is nothing to decide.", True)
            return None
        return item

    def _decide(self, item: dict[str, Any], outcome: str, conditions: tuple[str, ...] = (),
                reason: str = "") -> None:  # fmt: skip
        if outcome == "approve" and item["status"] == "approved":
            self.say("Already approved: nothing changed.")
            return
        try:
            status = decisions.decide(self._store, item["id"], outcome, conditions, reason,
                                      now=self._now())  # fmt: skip
        except decisions.DecisionError as exc:
            self.say(_sentence(str(exc)), True)
            return
        self.model.reload_permit(item["id"])
        permit = self._store.get("permits", item["id"]) or {}
        owner = self._nations.get(item["owner"], item["owner"])
        done = vocabulary.PERMIT_STATUSES.get(status, status)
        number = (f"; movement number {permit['movement_number']}"
                  if status != "denied" and permit.get("movement_number") else "")
        self.say(f"{done}: “{item['movement']}” for {owner}{number}. Ctrl+Z undoes it until "
                 "the next bundle export.")  # fmt: skip
        self._after_write()

    def _summary(self, item: dict[str, Any]) -> str:
        names = self._nations
        owner = names.get(item["owner"], item["owner"])
        host = names.get(item["host"], item["host"])
        mlc = (f", the heaviest MLC {display.number(item['max_mlc'])}"
               if item["max_mlc"] is not None else "")
        due = ""
        if item["deadline"] and item["status"] in inbox.OPEN_STATUSES:
            deadline = timefmt.parse_utc(item["deadline"])
            due = (f"<br>Decision due {self.model.readout.day_time(deadline)}: "
                   f"{display.countdown(deadline, self._now())}")
        mode = vocabulary.PERMIT_MODES.get(item["mode"] or "")
        status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"])
        window = self.model.readout.span(item["window"], item["valid_until"] or item["arrive_by"])
        return (f"<b style='font-size:large'>{_html(item['movement'])}</b><br>"
                f"{_html(owner)} asks {_html(host)}"
                f"{' (' + _html(item['reference']) + ')' if item['reference'] else ''}<br>"
                f"{item['vehicles'] or 0:,} vehicles{mlc}; valid "
                f"{window}"
                f"{due}<br>Now: {_html(status)}{' · ' + mode if mode else ''}")


def due_title(count: int) -> str:
    """The words the window and the Permits tab add while requests are due soon."""
    return f"{count} permit{'s' if count != 1 else ''} due" if count else ""


def overdue_text(rows: list[dict[str, Any]]) -> str:
    """One line naming the requests that became overdue (a few, then how many more)."""
    named = [f"{r['movement']} ({r['owner']})" for r in rows[:3]]
    more = len(rows) - len(named)
    listed = ", ".join(named) + (f" and {more} more" if more else "")
    head = ("A permit decision is overdue" if len(rows) == 1
            else f"{len(rows)} permit decisions are overdue")
    return f"{head}: {listed}."


class OverdueBanner(QFrame):
    """A bar across the window for overdue decisions, where no desktop notification can go."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overdueBanner")
        self.setStyleSheet("#overdueBanner { background: rgba(220, 40, 40, 40);"
                           f" border: 1px solid {_PROBLEM}; border-radius: 3px; }}")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.show_button = QPushButton("Show permits")
        self.show_button.clicked.connect(self.show_requested)
        self.show_button.clicked.connect(self.hide)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.show_button)
        row.addWidget(close)
        self.hide()

    def tell(self, text: str) -> None:
        self.text.setText(f"⚠ {text}")
        self.show()

