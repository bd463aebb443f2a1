"""Agreements (the deadline rules) and standing pre-authorisations, as a cell edits them.

Every change goes through the write path, which checks it and refuses what this nation may
not change: an agreement is its members' (the general rule, without members, anyone's), a
pre-authorisation its host nation's. The refusal is shown as the write path words it and
nothing is written; a form stays open on a refusal so that nothing typed is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QSize, Qt, QTimeZone, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.commands import UndoError, UndoStack
from app.core.domain.records import table
from app.core.domain.validation import ValidationError
from app.core.domain.vocabulary import ADR_CLASSES
from app.core.permits.deadlines import rule_for
from app.core.store import Store
from app.core.store.writer import Writer
from app.gui import display
from app.gui.views.record_table import RecordTable

EXPLAIN_AGREEMENTS = ("A permit's deadline follows the agreement both nations share with the "
                      "shortest deadline; without one, the general rule. Requests already sent "
                      "keep their deadline.")  # fmt: skip
# Short names for the ADR classes: the cells know them by number, the names help the rest.
ADR_NAMES = {
    "1": "explosives", "1.1": "mass explosion", "1.2": "projection", "1.3": "fire hazard",
    "1.4": "minor hazard", "1.5": "very insensitive", "1.6": "extremely insens.",
    "2": "gases", "2.1": "flammable gas", "2.2": "non-flammable gas", "2.3": "toxic gas",
    "3": "flammable liquids", "4.1": "flammable solids", "4.2": "self-igniting",
    "4.3": "dangerous when wet", "5.1": "oxidisers", "5.2": "organic peroxides",
    "6.1": "toxic", "6.2": "infectious", "7": "radioactive", "8": "corrosive",
    "9": "miscellaneous",
}  # fmt: skip
_PROBLEM = "#c0392b"  # the red the inbox uses for what needs attention
_UTC_FORMAT = "yyyy-MM-dd HH:mm 'UTC'"


def _sentence(message: str) -> str:
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _mute(label: QLabel) -> None:
    palette = label.palette()
    palette.setColor(label.foregroundRole(), display.muted(palette))
    label.setPalette(palette)


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    _mute(label)
    return label


def _same(a: Any, b: Any) -> bool:
    """Equal as a person reads a form: an empty text, list or nothing are all 'none'."""
    return (a or None) == (b or None)


def refusal(store: Store, table_name: str, record: Mapping[str, Any]) -> str | None:
    """Why this site may not change `record`, in the write path's words; None if it may."""
    from app.core.trust.authority import local_check

    problem = local_check(store, store.authority(store.site_id), table_name, record["id"],
                          {"deleted": True}, record)  # fmt: skip
    return f"refused: {problem}" if problem else None


def explain(exc: ValidationError, table_name: str) -> str:
    """A write path refusal as one sentence that names the field in the form's words."""
    message = exc.message
    if message.startswith("refused:"):
        return _sentence(message)
    spec = table(table_name)
    f = spec.by_name.get(exc.field.split("[")[0].split(".")[0])
    title = f.title if f else exc.field
    if message.lower().startswith(title.lower()):
        return _sentence(message)
    if message.startswith(("must ", "is ")):
        return _sentence(f"{title} {message}")
    return _sentence(f"{title}: {message}")


# -- editors ------------------------------------------------------------------------------
class CheckGrid(QListWidget):
    """Choices with check boxes, in a grid wide enough for each: arrows move, Space ticks.

    As tall as its rows need at its width, so no choice hides behind a scroll bar.
    `values()` keeps the order the record had, so saving an unchanged list changes nothing.
    """

    def __init__(self, choices: Sequence[tuple[str, str, str]], columns: int,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(True)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setMovement(QListView.Movement.Static)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        # The tick is the choice: a highlighted row would read as a second kind of choice.
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self._initial: list[str] = []
        metrics = self.fontMetrics()
        widest = 0
        for value, text, tip in choices:
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, value)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            if tip:
                item.setToolTip(tip)
            self.addItem(item)
            widest = max(widest, metrics.horizontalAdvance(text))
        # Room for the check box and the text: nothing is cut short.
        self._cell = QSize(widest + 40, metrics.height() + 10)
        self.setGridSize(self._cell)
        for i in range(self.count()):
            self.item(i).setSizeHint(self._cell)
        self.setMinimumWidth(columns * self._cell.width() + self._frame())
        self._fit(self.minimumWidth())
        if self.count():
            self.setCurrentRow(0)

    def _frame(self) -> int:
        return 2 * self.frameWidth() + 2

    def _fit(self, width: int) -> None:
        columns = max(1, (width - self._frame()) // self._cell.width())
        rows = max(1, math.ceil(self.count() / columns))
        self.setFixedHeight(rows * self._cell.height() + self._frame())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(self.width())  # the event may be the viewport's, narrower by the frame

    def set_values(self, values: Iterable[str] | None) -> None:
        self._initial = list(values or ())
        for i in range(self.count()):
            item = self.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in self._initial
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def values(self) -> list[str]:
        ticked = [self.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.count())
                  if self.item(i).checkState() == Qt.CheckState.Checked]  # fmt: skip
        return [v for v in self._initial if v in ticked] + \
            [v for v in ticked if v not in self._initial]  # fmt: skip

    def set_checked(self, value: str, on: bool = True) -> None:
        for i in range(self.count()):
            item = self.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == value:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def utc_editor() -> QDateTimeEdit:
    editor = QDateTimeEdit()
    editor.setTimeZone(QTimeZone.utc())
    editor.setDisplayFormat(_UTC_FORMAT)
    editor.setCalendarPopup(True)
    return editor


def set_utc(editor: QDateTimeEdit, moment: datetime | str) -> None:
    when = timefmt.parse_utc(moment) if isinstance(moment, str) else moment
    editor.setDateTime(QDateTime.fromSecsSinceEpoch(int(when.timestamp()), QTimeZone.utc()))


def utc_text(editor: QDateTimeEdit) -> str:
    seconds = editor.dateTime().toSecsSinceEpoch()
    return timefmt.iso(datetime.fromtimestamp(seconds, timefmt.UTC))


def _plain_text(lines: int) -> QPlainTextEdit:
    editor = QPlainTextEdit()
    editor.setTabChangesFocus(True)  # Tab moves on, as in every other field
    editor.setFixedHeight(editor.fontMetrics().lineSpacing() * lines + 12)
    return editor


class RecordForm(QDialog):
    """A form for one record; Save writes it, and a refusal keeps the form open to fix."""

    TABLE = ""
    NOUN = "record"
    NAME_FIELD = "name"

    def __init__(self, store: Store, record: Mapping[str, Any] | None, title: str,
                 parent: QWidget | None = None, undo: UndoStack | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.store = store
        self.undo = undo or UndoStack(store)
        self.current = dict(record) if record else None
        self.record_id: str | None = record["id"] if record else None
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self.widgets: dict[str, QWidget] = {}
        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setStyleSheet(f"color: {_PROBLEM}; font-weight: bold;")
        self.message.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.ok.setToolTip("Save (Enter, or Ctrl+Enter in a text box)")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self, activated=self.ok.click)

    def add_row(self, label: str, name: str, widget: QWidget) -> None:
        caption = QLabel(label)
        caption.setBuddy(widget)
        self.form.addRow(caption, widget)
        self.widgets[name] = widget

    def values(self) -> dict[str, Any]:
        raise NotImplementedError

    def label(self, values: Mapping[str, Any]) -> str:
        """How the edit reads in Edit › Undo: "New agreement BMMA", "Edit …"."""
        name = values.get(self.NAME_FIELD) or (self.current or {}).get(self.NAME_FIELD) or ""
        verb = "New" if self.current is None else "Edit"
        return f"{verb} {self.NOUN} {name}".strip()

    def changes(self) -> dict[str, Any]:
        """The values to write: all for a new record, those that differ for an existing one."""
        values = self.values()
        if self.current is None:
            return values
        return {k: v for k, v in values.items() if not _same(v, self.current.get(k))}

    def problem(self, text: str) -> None:
        self.message.setText(f"⚠ {text}")
        self.message.show()

    def save(self) -> bool:
        """Write the form; on a refusal say why, point at the field and stay open."""
        values = self.changes()
        if not values:
            self.accept()  # nothing changed: nothing to write
            return True
        record_id = self.record_id

        def write(w: Writer) -> str:
            if record_id is None:
                return w.insert(self.TABLE, values)
            w.update(self.TABLE, record_id, values)
            return record_id

        try:
            # One command on the console's undo stack: Ctrl+Z puts the old values back.
            new_id = self.undo.run(self.label(values), write)
        except ValidationError as exc:
            self.problem(explain(exc, self.TABLE))
            widget = self.widgets.get(exc.field.split("[")[0].split(".")[0])
            if widget is not None:
                widget.setFocus(Qt.FocusReason.OtherFocusReason)
            return False
        self.record_id = new_id
        self.accept()
        return True


class AgreementForm(RecordForm):
    TABLE = "agreements"
    NOUN = "agreement"

    def __init__(self, store: Store, record: Mapping[str, Any] | None = None,
                 parent: QWidget | None = None, undo: UndoStack | None = None) -> None:
        super().__init__(store, record, "Edit agreement" if record else "New agreement",
                         parent, undo)  # fmt: skip
        spec = table(self.TABLE).by_name
        names = display.nation_names(store)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. BMMA (Baltic Military Mobility Area)")
        self.members = CheckGrid([(c, f"{c}  {n}", n) for c, n in names.items()], 4)
        self.working_days = QSpinBox()
        days = spec["working_days"]
        self.working_days.setRange(int(days.low or 0), int(days.high or 60))
        self.working_days.setSuffix(" working days")
        self.crisis_hours = QDoubleSpinBox()
        hours = spec["crisis_hours"]
        self.crisis_hours.setDecimals(1)
        self.crisis_hours.setRange(0.1, hours.high or 720.0)  # more than 0: a deadline at all
        self.crisis_hours.setSuffix(" h")
        self.source = _plain_text(3)
        self.source.setPlaceholderText("Where the rule comes from: the agreement, its date")
        self.add_row("&Name:", "name", self.name)
        self.add_row("&Members:", "members", self.members)
        self.form.addRow("", _note("None ticked: the general rule, for any two nations that "
                                   "share no agreement."))  # fmt: skip
        self.add_row("&Peacetime deadline:", "working_days", self.working_days)
        self.form.addRow("", _note("Counted on the host nation's public-holiday calendar."))
        self.add_row("&Crisis fast track:", "crisis_hours", self.crisis_hours)
        self.add_row("&Source:", "source", self.source)
        if record:
            self.name.setText(record["name"] or "")
            self.members.set_values(record["members"])
            self.working_days.setValue(int(record["working_days"]))
            self.crisis_hours.setValue(float(record["crisis_hours"]))
            self.source.setPlainText(record["source"] or "")
        else:
            self.members.set_checked(store.nation)  # an agreement binds its members
            self.working_days.setValue(5)
            self.crisis_hours.setValue(6.0)
        self.name.setFocus()
        self.resize(max(self.sizeHint().width(), 640), self.sizeHint().height())

    def values(self) -> dict[str, Any]:
        return {"name": self.name.text().strip(), "members": self.members.values(),
                "working_days": self.working_days.value(),
                "crisis_hours": round(self.crisis_hours.value(), 1),
                "source": self.source.toPlainText().strip()}


class PreauthorisationForm(RecordForm):
    TABLE = "preauthorisations"
    NOUN = "pre-authorisation"
    NAME_FIELD = "reference"
    NO_MLC = -1.0  # the spin box's "not set" value: a limit is always chosen on purpose

    def __init__(self, store: Store, record: Mapping[str, Any] | None = None,
                 now: datetime | None = None, parent: QWidget | None = None,
                 undo: UndoStack | None = None) -> None:  # fmt: skip
        super().__init__(store, record, "Edit pre-authorisation" if record
                         else "New pre-authorisation", parent, undo)  # fmt: skip
        names = display.nation_names(store)
        host = record["host_nation"] if record else store.nation
        self.host = host
        host_label = QLabel(f"{names.get(host, host)} ({host})")
        self.reference = QLineEdit()
        self.reference.setPlaceholderText(f"e.g. {host}-PA-{(now or datetime.now()).year}-001")
        self.holders = CheckGrid([(c, f"{c}  {n}", n) for c, n in names.items() if c != host],
                                 4)  # fmt: skip
        categories = self._categories(record)
        self.categories = CheckGrid([(c, c, "") for c in categories], 5)
        self.max_mlc = QDoubleSpinBox()
        self.max_mlc.setDecimals(1)
        self.max_mlc.setRange(self.NO_MLC, 200.0)
        self.max_mlc.setSpecialValueText("not set")
        self.max_mlc.setPrefix("MLC ")
        adr = [(c, f"{c}  {ADR_NAMES.get(c, '')}".strip(), f"ADR class {c}") for c in ADR_CLASSES]
        self.dangerous_goods = CheckGrid(adr, 4)
        self.valid_from = utc_editor()
        self.valid_until = utc_editor()
        self.remarks = _plain_text(2)
        self.form.addRow("Host nation:", host_label)
        self.add_row("&Reference:", "reference", self.reference)
        self.add_row("For &nations:", "holders", self.holders)
        self.form.addRow("", _note("None ticked: any nation's movements."))
        self.add_row("&Vehicle categories:", "categories", self.categories)
        self.form.addRow("", _note("None ticked: any vehicle. A vehicle without a known type "
                                   "counts as wheeled or tracked."))  # fmt: skip
        self.add_row("Maximum &MLC:", "max_mlc", self.max_mlc)
        self.add_row("&Dangerous goods allowed:", "dangerous_goods", self.dangerous_goods)
        self.form.addRow("", _note("ADR classes; none ticked: no dangerous goods."))
        self.add_row("Valid &from:", "valid_from", self.valid_from)
        self.add_row("Valid &until:", "valid_until", self.valid_until)
        self.add_row("Re&marks:", "remarks", self.remarks)
        if record:
            self.reference.setText(record["reference"] or "")
            self.holders.set_values(record["holders"])
            self.categories.set_values(record["categories"])
            self.max_mlc.setValue(float(record["max_mlc"]))
            self.dangerous_goods.set_values(record["dangerous_goods"])
            set_utc(self.valid_from, record["valid_from"])
            set_utc(self.valid_until, record["valid_until"])
            self.remarks.setPlainText(record["remarks"] or "")
        else:
            # A standing permission is usually annual: from today for a year.
            start = (now or datetime.now(timefmt.UTC)).astimezone(timefmt.UTC).replace(
                hour=0, minute=0, second=0, microsecond=0)
            self.max_mlc.setValue(self.NO_MLC)
            set_utc(self.valid_from, start)
            set_utc(self.valid_until, start + timedelta(days=365))
        self.reference.setFocus()
        self.resize(max(self.sizeHint().width(), 680), self.sizeHint().height())

    def _categories(self, record: Mapping[str, Any] | None) -> list[str]:
        known = {r["category"] for r in self.store.rows("vehicle_types") if r["category"]}
        held = set(record["categories"] or ()) if record else set()
        return sorted(known | held | {"wheeled", "tracked"})

    def values(self) -> dict[str, Any]:
        mlc = self.max_mlc.value()
        values = {"reference": self.reference.text().strip(),
                  "holders": self.holders.values(), "categories": self.categories.values(),
                  "max_mlc": None if mlc <= self.NO_MLC else round(mlc, 1),
                  "dangerous_goods": self.dangerous_goods.values(),
                  "valid_from": utc_text(self.valid_from),
                  "valid_until": utc_text(self.valid_until),
                  "remarks": self.remarks.toPlainText().strip()}  # fmt: skip
        if self.current is None:
            values["host_nation"] = self.host
        return values


# -- the dialog ---------------------------------------------------------------------------
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
            self.say(_sentence(str(exc)), True)
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
        self.message.setStyleSheet(f"color: {_PROBLEM}; font-weight: bold;" if problem else "")
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
            self.say(_sentence(problem), True)
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
