"""Conflicts to review: fields two sites edited before exchanging, and the user's choice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QSize, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from app.core.commands import UndoError, UndoStack
from app.core.domain.records import table
from app.core.sync import conflicts
from app.core.sync.conflicts import Conflict
from app.core.sync.exchange import SyncError
from app.gui import display
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from app.core.store import Store

HEADINGS = ("Record", "Field", "Current value", "Current from", "Other value", "Other from")


class _Roomy(QStyledItemDelegate):
    """Wrapped values need air between rows to read as separate entries."""

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:
        hint = super().sizeHint(option, index)
        return QSize(hint.width(), hint.height() + 8)


class ConflictsView(QWidget):
    """Open conflicts, one per row; the selected one is settled with one of two buttons."""

    resolved = Signal()  # the store changed: the window re-reads and re-plans
    counted = Signal(int)  # how many are open, after each refresh

    def __init__(self, store: Store, parent: QWidget | None = None,
                 undo: UndoStack | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.store = store
        # The console's stack (it sets it): a choice made here is undone here or there.
        self.undo = undo or UndoStack(store)
        self.conflicts: list[Conflict] = []

        intro = QLabel("Two sites changed the same field before they exchanged bundles. The "
                       "newest change is in force; choose which value stays. The choice is "
                       "itself a change, sent with the next bundle.")  # fmt: skip
        intro.setWordWrap(True)
        self.table = RecordTable(HEADINGS, "No conflicts to review", stretch=(2, 4))
        view = self.table.table
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.itemSelectionChanged.connect(self._selection_changed)
        # Whole values, wrapped: the choice between them needs every word of both.
        view.setWordWrap(True)
        view.setItemDelegate(_Roomy(view))
        view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)

        self.keep_current_button = QPushButton("Keep current")
        self.keep_current_button.setToolTip("Leave the value in force; nothing is sent.")
        self.keep_current_button.clicked.connect(lambda: self.resolve_selected("current"))
        self.use_other_button = QPushButton("Use the other value")
        self.use_other_button.setToolTip("Bring back the value that lost; the other sites "
                                         "receive it with the next bundle.")
        self.use_other_button.clicked.connect(lambda: self.resolve_selected("other"))
        self.undo_button = QPushButton("&Undo")
        self.undo_button.setToolTip("Take back the last choice: the conflict is open again "
                                    "(Ctrl+Z)")  # fmt: skip
        self.undo_button.clicked.connect(self.undo_last)
        for key, slot in (("Ctrl+Z", self.undo_last), ("Ctrl+Shift+Z", self.redo_last)):
            QShortcut(QKeySequence(key), self, activated=slot)
        self.message = QLabel()
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.undo_button)
        buttons.addWidget(self.keep_current_button)
        buttons.addWidget(self.use_other_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.refresh()

    # -- public -------------------------------------------------------------------------
    def refresh(self) -> None:
        kept = self.selected()
        self.conflicts = conflicts.open_conflicts(self.store)
        self.table.set_rows([_row(c) for c in self.conflicts],
                            ["\n".join(_details(c)) for c in self.conflicts])  # fmt: skip
        ids = [c.id for c in self.conflicts]
        if ids:  # the one chosen before, else the first: both buttons are ready to use
            self.table.table.selectRow(ids.index(kept.id) if kept and kept.id in ids else 0)
        self._selection_changed()
        self.counted.emit(len(self.conflicts))

    def selected(self) -> Conflict | None:
        rows = self.table.table.selectionModel().selectedRows()
        return self.conflicts[rows[0].row()] if rows and self.conflicts else None

    def resolve_selected(self, keep: str) -> None:
        found = self.selected()
        if found is None:
            return
        try:
            conflicts.resolve(self.store, found.id, keep, undo=self.undo)
        except SyncError as exc:  # settled meanwhile, by an import
            QMessageBox.information(self, "Conflict", str(exc))
        self.message.setText("")
        self.refresh()
        self.resolved.emit()

    def undo_last(self) -> None:
        self._step(self.undo.undo, "Undone")

    def redo_last(self) -> None:
        self._step(self.undo.redo, "Redone")

    def _step(self, step: Any, done: str) -> None:
        try:
            outcome = step()
        except UndoError as exc:
            self.message.setText(f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
            return
        self.message.setText(f"{done}: {outcome.command.label}.")
        self.refresh()
        self.resolved.emit()

    # -- reactions ----------------------------------------------------------------------
    def _selection_changed(self) -> None:
        chosen = self.selected() is not None
        self.keep_current_button.setEnabled(chosen)
        self.use_other_button.setEnabled(chosen)


def _row(c: Conflict) -> tuple[str, ...]:
    spec = table(c.table)
    return (f"{c.record} ({spec.label.lower()})", _field_title(c),
            _value(c, c.current), f"{c.current_site}\n{display.time_text(c.current_time)}",
            _value(c, c.other), f"{c.other_site}\n{display.time_text(c.other_time)}")


def _details(c: Conflict) -> list[str]:
    return [f"{c.record}: {_field_title(c)}",
            f"Current: {display.value(c.current, 2000)}",
            f"Other: {display.value(c.other, 2000)}",
            f"Found {display.time_text(c.detected_at)}"]


def _field_title(c: Conflict) -> str:
    if c.field == "deleted":
        return "Removed"
    spec = table(c.table).by_name.get(c.field)
    return spec.title if spec else c.field.replace("_", " ").capitalize()


def _value(c: Conflict, raw: Any) -> str:
    spec = table(c.table).by_name.get(c.field)
    kind = spec.kind if spec else ""
    if raw is None or raw == "":
        return display.MISSING
    if kind == "time":
        return display.time_text(raw)
    if kind == "enum" and isinstance(raw, str):
        return raw.replace("_", " ").capitalize()
    return display.value(raw, 400)
