"""Agreements (the deadline rules) and standing pre-authorisations, as a cell edits them.

Every change goes through the write path, which checks it and refuses what this nation may
not change: an agreement is its members' (the general rule, without members, anyone's), a
pre-authorisation its host nation's. The refusal is shown as the write path words it and
nothing is written; a form stays open on a refusal so that nothing typed is lost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.commands import UndoError, UndoStack
from app.core.domain.validation import ValidationError
from app.core.permits.deadlines import rule_for
from app.core.store import Store
from app.gui import display
from app.gui.views.permit_rule_forms import (
    PROBLEM_COLOUR,
    AgreementForm,
    PreauthorisationForm,
    RecordForm,
    explain,
    refusal,
    sentence,
)
from app.gui.views.record_table import RecordTable

EXPLAIN_AGREEMENTS = ("A permit's deadline follows the agreement both nations share with the "
                      "shortest deadline; without one, the general rule. Requests already sent "
                      "keep their deadline.")  # fmt: skip


def _members(record: Mapping[str, Any]) -> str:
    return ", ".join(record["members"]) if record["members"] else "general rule: any two nations"


def _day(iso: str) -> str:
    """A date alone when the time is midnight (an annual permission), else date and time."""
    text = timefmt.short(iso)
    return text[:10] if text.endswith("00:00Z") else text


def _hours(value: float) -> str:
    return f"{value:g}"


class PermitRulesDialog(QDialog):
    """The agreements and the standing pre-authorisations, each on a tab, with their forms."""

    changed = Signal()  # an agreement or a pre-authorisation was written

    def __init__(self, store: Store, now: Callable[[], datetime] | None = None,
                 parent: QWidget | None = None, undo: UndoStack | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Agreements and pre-authorisations")
        self.store = store
        # The console's stack: an agreement edited here is undone here or from the console.
        self.undo = undo or UndoStack(store)
        self._now = now or (lambda: datetime.now(timefmt.UTC))
        self._nations = display.nation_names(store)
        self.agreement_ids: list[str] = []
        self.preauth_ids: list[str] = []

        self.tabs = QTabWidget()
        self.tabs.addTab(self._build_agreements(), "&Agreements")
        self.tabs.addTab(self._build_preauths(), "&Pre-authorisations")
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() * 2 + 4)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        self.undo_button = QPushButton("&Undo")
        self.redo_button = QPushButton("Re&do")
        for button, slot, key in ((self.undo_button, self.undo_last, "Ctrl+Z"),
                                  (self.redo_button, self.redo_last, "Ctrl+Shift+Z")):
            button.setAutoDefault(False)
            button.clicked.connect(slot)
            QShortcut(QKeySequence(key), self, activated=slot)
        self.undo.listeners.append(self._undo_changed)
        self.destroyed.connect(lambda: self._forget_stack())
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(self.undo_button, 0, Qt.AlignmentFlag.AlignBottom)
        bottom.addWidget(self.redo_button, 0, Qt.AlignmentFlag.AlignBottom)
        bottom.addWidget(close, 0, Qt.AlignmentFlag.AlignBottom)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(bottom)
        self.tabs.currentChanged.connect(lambda _index: self.say(""))  # about the other tab
        self.refresh()
        self._undo_changed()
        self.agreements.table.setFocus()  # arrows choose, Enter edits
        self.resize(1100, 540)

    # -- undo ---------------------------------------------------------------------------
    def undo_last(self) -> None:
        self._step(self.undo.undo, "Undone")

    def redo_last(self) -> None:
        self._step(self.undo.redo, "Redone")

    def _step(self, step: Callable[[], Any], done: str) -> None:
        try:
            outcome = step()
        except UndoError as exc:
            self.say(sentence(str(exc)), True)
            return
        kept = (f" Kept as changed since: {', '.join(outcome.kept)}." if outcome.kept
                else "")  # fmt: skip
        self.refresh()
        self.say(f"{done}: {outcome.command.label}.{kept}")
        self.changed.emit()

    def _undo_changed(self) -> None:
        stack = self.undo
        if self.isVisible() and hasattr(self, "agreements"):
            self.refresh()  # undone from the console: the lists show it
        self.undo_button.setEnabled(stack.can_undo)
        self.redo_button.setEnabled(stack.can_redo)
        self.undo_button.setToolTip(f"Undo {stack.undo_label} (Ctrl+Z)" if stack.can_undo
                                    else "Nothing to undo")  # fmt: skip
        self.redo_button.setToolTip(f"Redo {stack.redo_label} (Ctrl+Shift+Z)"
                                    if stack.can_redo else "Nothing to redo")  # fmt: skip

    def _forget_stack(self) -> None:
        if self._undo_changed in self.undo.listeners:
            self.undo.listeners.remove(self._undo_changed)

    # -- building -----------------------------------------------------------------------
    def _table_actions(self, records: RecordTable, add: Callable[[], Any],
                       edit: Callable[[], Any], delete: Callable[[], Any],
                       noun: str) -> tuple[QHBoxLayout, list[QPushButton]]:  # fmt: skip
        view = records.table
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.doubleClicked.connect(lambda _index: edit())
        for keys, slot in ((("Return", "Enter", "F2"), edit), (("Ins",), add),
                           (("Del",), delete)):  # fmt: skip
            act = QAction(view)
            act.setShortcuts([QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.triggered.connect(slot)
            view.addAction(act)
        row = QHBoxLayout()
        buttons = []
        for text, slot, tip in ((f"&New {noun}…", add, "Insert"), ("&Edit…", edit, "Enter"),
                                ("De&lete…", delete, "Delete")):  # fmt: skip
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            buttons.append(button)
        row.addStretch(1)
        return row, buttons

    def _build_agreements(self) -> QWidget:
        page = QWidget()
        self.agreements = RecordTable(
            ("Name", "Members", "Working days", "Crisis hours", "Source"),
            "No agreement: every permit follows the built-in general rule (5 working days, "
            "crisis 6 h).", numeric=(2, 3), stretch=(4,))
        header = self.agreements.table.horizontalHeader().model()
        for column, tip in ((2, "Peacetime deadline: working days on the host nation's "
                                "public-holiday calendar"),
                            (3, "Crisis fast track: hours of calendar time")):  # fmt: skip
            header.setHeaderData(column, Qt.Orientation.Horizontal, tip,
                                 Qt.ItemDataRole.ToolTipRole)
        explain_line = QLabel(EXPLAIN_AGREEMENTS)
        explain_line.setWordWrap(True)
        buttons, self.agreement_buttons = self._table_actions(
            self.agreements, self.add_agreement, self.edit_agreement, self.delete_agreement,
            "agreement")
        self.host_combo, self.owner_combo = QComboBox(), QComboBox()
        for combo in (self.host_combo, self.owner_combo):
            for code, name in self._nations.items():
                combo.addItem(f"{code}  {name}", code)
        self.host_combo.setCurrentIndex(max(self.host_combo.findData(self.store.nation), 0))
        other = next((c for c in self._nations if c != self.store.nation), self.store.nation)
        self.owner_combo.setCurrentIndex(max(self.owner_combo.findData(other), 0))
        self.rule_text = QLabel()
        self.rule_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for combo in (self.host_combo, self.owner_combo):
            combo.currentIndexChanged.connect(self.show_rule)
        host_label, owner_label = QLabel("Requests &to"), QLabel("f&rom")
        host_label.setBuddy(self.host_combo)
        owner_label.setBuddy(self.owner_combo)
        check = QHBoxLayout()
        check.addWidget(host_label)
        check.addWidget(self.host_combo)
        check.addWidget(owner_label)
        check.addWidget(self.owner_combo)
        check.addSpacing(6)
        check.addWidget(self.rule_text, 1)
        layout = QVBoxLayout(page)
        layout.addWidget(explain_line)
        layout.addWidget(self.agreements, 1)
        layout.addLayout(buttons)
        layout.addSpacing(4)
        layout.addLayout(check)
        return page

    def _build_preauths(self) -> QWidget:
        page = QWidget()
        self.preauths = RecordTable(
            ("Host", "Reference", "For nations", "Vehicle categories", "Max MLC",
             "Dangerous goods allowed", "Valid", "Remarks"),
            "No standing pre-authorisation in this store.", numeric=(4,), stretch=(7,))
        explain_line = QLabel(
            "A host nation's standing permission: a request that fits it is approved on "
            f"receipt. {self.store.nation} changes its own; other nations' are shown for "
            "reference.")
        explain_line.setWordWrap(True)
        buttons, self.preauth_buttons = self._table_actions(
            self.preauths, self.add_preauth, self.edit_preauth, self.delete_preauth,
            "pre-authorisation")
        layout = QVBoxLayout(page)
        layout.addWidget(explain_line)
        layout.addWidget(self.preauths, 1)
        layout.addLayout(buttons)
        return page

    # -- showing ------------------------------------------------------------------------
    def refresh(self) -> None:
        """Re-read both lists (after a write here, or an import), keeping the selections."""
        self._nations = display.nation_names(self.store)
        keep_a, keep_p = self.selected_agreement(), self.selected_preauth()
        rows = sorted(self.store.rows("agreements"),
                      key=lambda a: (not a["members"], a["name"].lower()))  # fmt: skip
        self.agreement_ids = [a["id"] for a in rows]
        self.agreements.set_rows(
            [[a["name"], _members(a), str(a["working_days"]), _hours(a["crisis_hours"]),
              a["source"] or ""] for a in rows],
            [self._agreement_tip(a) for a in rows])
        own = self.store.nation
        pres = sorted(self.store.rows("preauthorisations"),
                      key=lambda p: (p["host_nation"] != own, p["host_nation"],
                                     p["reference"]))  # fmt: skip
        self.preauth_ids = [p["id"] for p in pres]
        self.preauths.set_rows([self._preauth_cells(p) for p in pres],
                               [self._preauth_tip(p) for p in pres])
        self._select(self.agreements, self.agreement_ids, keep_a)
        self._select(self.preauths, self.preauth_ids, keep_p)
        self.show_rule()

    def show_rule(self) -> None:
        host, owner = self.host_combo.currentData(), self.owner_combo.currentData()
        if not host or not owner:
            return
        if host == owner:
            self.rule_text.setText("a nation needs no permit of its own.")
            return
        rule = rule_for(self.store, host, owner)
        self.rule_text.setText(f"→ {rule.name}: {rule.working_days} working days; crisis "
                               f"{_hours(rule.crisis_hours)} h")

    def _agreement_tip(self, a: Mapping[str, Any]) -> str:
        members = (", ".join(f"{self._nations.get(c, c)} ({c})" for c in a["members"])
                   if a["members"] else "Any two nations that share no other agreement")
        return (f"{a['name']}\n{members}\n{a['working_days']} working days; crisis "
                f"{_hours(a['crisis_hours'])} h\n{a['source'] or ''}").rstrip()

    def _preauth_cells(self, p: Mapping[str, Any]) -> list[str]:
        expired = p["valid_until"] < timefmt.iso(self._now())
        valid = f"{_day(p['valid_from'])} – {_day(p['valid_until'])}"
        return [p["host_nation"], p["reference"], ", ".join(p["holders"] or ()) or "any",
                ", ".join(p["categories"] or ()) or "any", display.number(p["max_mlc"]),
                ", ".join(p["dangerous_goods"] or ()) or "none",
                f"{valid} (expired)" if expired else valid, p["remarks"] or ""]

    def _preauth_tip(self, p: Mapping[str, Any]) -> str:
        host = self._nations.get(p["host_nation"], p["host_nation"])
        lines = [f"{p['reference']}, granted by {host}"]
        if p["host_nation"] != self.store.nation:
            lines.append(f"Read-only here: only {host} changes it.")
        if p["remarks"]:
            lines.append(p["remarks"])
        return "\n".join(lines)

    @staticmethod
    def _select(records: RecordTable, ids: list[str], wanted: str | None) -> None:
        if not ids:
            return
        row = ids.index(wanted) if wanted in ids else 0
        records.table.setCurrentCell(row, 0)
        records.table.selectRow(row)

    def say(self, text: str, problem: bool = False) -> None:
        self.message.setText(f"⚠ {text}" if problem else text)
        self.message.setStyleSheet(f"color: {PROBLEM_COLOUR}; font-weight: bold;" if problem
                                   else "")  # fmt: skip
        self.message.setProperty("problem", problem)

    # -- selection ----------------------------------------------------------------------
    def selected_agreement(self) -> str | None:
        return self._selected(self.agreements, self.agreement_ids)

    def selected_preauth(self) -> str | None:
        return self._selected(self.preauths, self.preauth_ids)

    @staticmethod
    def _selected(records: RecordTable, ids: list[str]) -> str | None:
        rows = records.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else -1
        return ids[row] if 0 <= row < len(ids) else None

    def select_agreement(self, record_id: str) -> None:
        self.tabs.setCurrentIndex(0)
        self._select(self.agreements, self.agreement_ids, record_id)

    def select_preauth(self, record_id: str) -> None:
        self.tabs.setCurrentIndex(1)
        self._select(self.preauths, self.preauth_ids, record_id)

    # -- agreements ---------------------------------------------------------------------
    def add_agreement(self) -> None:
        self._run(AgreementForm(self.store, parent=self, undo=self.undo), "agreements", "Added")

    def edit_agreement(self) -> None:
        record = self._editable("agreements", self.selected_agreement(), "an agreement")
        if record is not None:
            self._run(AgreementForm(self.store, record, parent=self, undo=self.undo),
                      "agreements", "Saved")  # fmt: skip

    def delete_agreement(self) -> None:
        record = self._editable("agreements", self.selected_agreement(), "an agreement")
        if record is None:
            return
        self._delete("agreements", record, f"Delete the agreement “{record['name']}”?",
                     "Requests already sent keep their deadline; new requests between its "
                     "members follow another agreement they share, or the general rule.")

    # -- pre-authorisations ---------------------------------------------------------------
    def add_preauth(self) -> None:
        self._run(PreauthorisationForm(self.store, now=self._now(), parent=self,
                                       undo=self.undo), "preauthorisations", "Added")

    def edit_preauth(self) -> None:
        record = self._editable("preauthorisations", self.selected_preauth(),
                                "a pre-authorisation")  # fmt: skip
        if record is not None:
            self._run(PreauthorisationForm(self.store, record, now=self._now(), parent=self,
                                           undo=self.undo), "preauthorisations", "Saved")

    def delete_preauth(self) -> None:
        record = self._editable("preauthorisations", self.selected_preauth(),
                                "a pre-authorisation")  # fmt: skip
        if record is None:
            return
        self._delete("preauthorisations", record,
                     f"Delete the pre-authorisation {record['reference']}?",
                     "Requests approved under it stay approved; new requests are no longer "
                     "approved on receipt under it.")  # fmt: skip

    # -- the common steps -----------------------------------------------------------------
    def _editable(self, table_name: str, record_id: str | None,
                  noun: str) -> dict[str, Any] | None:  # fmt: skip
        """The selected record if this nation may change it; otherwise say why."""
        record = self.store.get(table_name, record_id) if record_id else None
        if record is None:
            self.say(f"Select {noun} first.", True)
            return None
        problem = refusal(self.store, table_name, record)
        if problem:
            self.say(sentence(problem), True)
            return None
        return record

    def _run(self, form: RecordForm, table_name: str, done: str) -> None:
        self.say("")
        if form.exec() != QDialog.DialogCode.Accepted or form.record_id is None:
            return
        self._written(table_name, form.record_id, done)

    def _delete(self, table_name: str, record: Mapping[str, Any], question: str,
                consequence: str) -> None:  # fmt: skip
        answer = QMessageBox.question(self, "Delete", f"{question}\n\n{consequence}",
                                      QMessageBox.StandardButton.Yes
                                      | QMessageBox.StandardButton.No,
                                      QMessageBox.StandardButton.No)  # fmt: skip
        if answer != QMessageBox.StandardButton.Yes:
            return
        noun = "agreement" if table_name == "agreements" else "pre-authorisation"
        name = record.get("name") or record.get("reference") or ""
        try:
            self.undo.run(f"Delete {noun} {name}".strip(),
                          lambda w: w.delete(table_name, record["id"]))
        except ValidationError as exc:
            self.say(explain(exc, table_name), True)
            return
        self._written(table_name, None, "Deleted")

    def _written(self, table_name: str, record_id: str | None, done: str) -> None:
        self.refresh()
        if record_id and table_name == "agreements":
            self.select_agreement(record_id)
        elif record_id:
            self.select_preauth(record_id)
        what = "Agreement" if table_name == "agreements" else "Pre-authorisation"
        after = ("Requests made from now on follow it. " if table_name == "agreements"
                 and done != "Deleted" else "")  # fmt: skip
        self.say(f"{what} {done.lower()}. {after}The other nations see the change after the "
                 "next bundle.")
        self.changed.emit()
