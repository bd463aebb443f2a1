"""The forms of the agreements dialog: one record each, agreement or pre-authorisation.

Save writes through the console's undo stack (one command); a refusal of the write path is
shown in the form, which stays open on the field at fault so nothing typed is lost. Also the
small editors they share: a grid of check boxes, UTC date-time editors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QSize, Qt, QTimeZone
from PySide6.QtGui import QKeySequence, QResizeEvent, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.commands import UndoStack
from app.core.domain.records import table
from app.core.domain.validation import ValidationError
from app.core.domain.vocabulary import ADR_CLASSES
from app.core.store import Store
from app.core.store.writer import Writer
from app.gui import display

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
PROBLEM_COLOUR = "#c0392b"  # the red the inbox uses for what needs attention
_UTC_FORMAT = "yyyy-MM-dd HH:mm 'UTC'"


def sentence(message: str) -> str:
    text = message.strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _note(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    display.mute(label)
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
        return sentence(message)
    spec = table(table_name)
    f = spec.by_name.get(exc.field.split("[")[0].split(".")[0])
    title = f.title if f else exc.field
    if message.lower().startswith(title.lower()):
        return sentence(message)
    if message.startswith(("must ", "is ")):
        return sentence(f"{title} {message}")
    return sentence(f"{title}: {message}")


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
        self.message.setStyleSheet(f"color: {PROBLEM_COLOUR}; font-weight: bold;")
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
