"""Pieces the key and trust dialogs share: fingerprint words, a status line, a file field,
slow key steps in a worker, and the small form dialog that does one thing on OK."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core.store import StoreError
from app.core.sync.exchange import SyncError
from app.core.sync.keys import KeyFileError
from app.core.trust.certificates import DocumentError
from app.core.trust.nation_keys import NationKeyError
from app.core.trust.registry import TrustError
from app.gui import display, workers

# Refusals the core words for the user: shown as they are, never as a traceback.
EXPECTED = (NationKeyError, DocumentError, TrustError, KeyFileError, SyncError, StoreError,
            ValueError, OSError)  # fmt: skip
NATION_KEY_FILTER = "MovCon nation keys (*.json);;All files (*)"
ENROLMENT_FILTER = "MovCon enrolment files (*.json);;All files (*)"
WORDS_TIP = ("The key's fingerprint: six words two officers read to each other over the "
             "phone to make sure they hold the same key.")


def problem_text(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        where = f" {exc.filename}" if exc.filename else ""
        return f"cannot use{where}: {exc.strerror}; nothing was written"
    return str(exc)


def write_problem(path: Path, exc: OSError) -> str:
    """The file the user chose, not the temporary one beside it that the error names."""
    return f"cannot write {path}: {exc.strerror or exc}; nothing was written"


def words_label(text: str = "") -> QLabel:
    """Fingerprint words: large and selectable, on one line (six words always fit)."""
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.35)
    font.setBold(True)
    label.setFont(font)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse
                                  | Qt.TextInteractionFlag.TextSelectableByKeyboard)
    label.setToolTip(WORDS_TIP)
    return label


def selectable(text: str = "", wrap: bool = True) -> QLabel:
    """Text to copy from; `wrap=False` for paths (wrapping breaks them at any slash)."""
    label = QLabel(text)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def note(text: str) -> QLabel:
    """An explanatory line in the secondary colour."""
    label = QLabel(text)
    label.setWordWrap(True)
    display.mute(label)
    return label


def colour(label: QLabel, good: bool) -> None:
    # Darker shades on a light window, lighter ones on a dark window: readable on both.
    dark = label.palette().color(QPalette.ColorRole.Window).lightness() < 128
    shade = (("#1b6e2a", "#b3261e"), ("#81c995", "#f28b82"))[dark][0 if good else 1]
    label.setStyleSheet(f"color: {shade};")


class Status(QLabel):
    """One line saying what the last step did, or what stopped it (in red)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.good: bool | None = None  # None: nothing said, or work under way
        self.hide()

    def ok(self, text: str) -> None:
        self._say(text, good=True)

    def problem(self, text: str) -> None:
        text = text[:1].upper() + text[1:]
        self._say(text if text.endswith((".", "?", ")")) else f"{text}.", good=False)

    def working(self, text: str) -> None:
        self.good = None
        self.setText(text)
        display.mute(self)
        self.show()

    def clear(self) -> None:
        self.good = None
        self.setText("")
        self.hide()

    def _say(self, text: str, good: bool) -> None:
        self.good = good
        self.setText(text)
        colour(self, good)
        self.show()
        window = self.window()
        if isinstance(window, TaskDialog):
            window.fit()


class FileField(QWidget):
    """A path typed or chosen with Browse…; `changed` once the path is settled."""

    changed = Signal()

    def __init__(self, caption: str, file_filter: str, save: bool = False,
                 folder: Callable[[], Path] | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._caption, self._filter, self._save = caption, file_filter, save
        self._folder = folder or Path.home
        self.edit = QLineEdit()
        self.edit.setPlaceholderText("Type a path or choose Browse…")
        self.edit.editingFinished.connect(self.changed)
        self.browse = QPushButton("Browse…")
        self.browse.setAutoDefault(False)
        self.browse.clicked.connect(self._browse)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.edit, 1)
        row.addWidget(self.browse)
        self.setFocusProxy(self.edit)

    def path(self) -> Path | None:
        text = self.edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str) -> None:
        self.edit.setText(str(path))
        self.changed.emit()

    def _browse(self) -> None:
        current = self.path()
        start = str(current if current else self._folder())
        if self._save:
            name, _ = QFileDialog.getSaveFileName(self, self._caption, start, self._filter)
        else:
            name, _ = QFileDialog.getOpenFileName(self, self._caption, start, self._filter)
        if name:
            self.set_path(name)


class Background(QObject):
    """One slow step at a time (Argon2id takes up to a second) in a worker thread, with a
    busy cursor. The step must not touch the store: its connection stays in this thread."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._job: workers.Job | None = None

    @property
    def busy(self) -> bool:
        return self._job is not None

    def start(self, work: Callable[[], Any], then: Callable[[Any], None],
              problem: Callable[[str], None]) -> None:  # fmt: skip
        """`then(result)` after `work()`, or `problem(text)` if the core refused."""
        if self._job is not None:
            return

        def guarded() -> tuple[bool, Any]:
            try:
                return True, work()
            except EXPECTED as exc:
                return False, problem_text(exc)

        def finished(outcome: tuple[bool, Any]) -> None:
            self._end()
            ok, value = outcome
            (then if ok else problem)(value)

        def failed(details: str) -> None:
            self._end()
            problem(f"failed unexpectedly: {details.splitlines()[0]}")

        self._job = workers.Job(guarded, self)
        self._job.done.connect(finished)
        self._job.failed.connect(failed)
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        self._job.start()

    def _end(self) -> None:
        self._job = None
        QApplication.restoreOverrideCursor()


class TaskDialog(QDialog):
    """A small form that does one thing on OK (the default button; Esc cancels).

    A refusal is shown inside the dialog, which stays open with everything typed; after
    success `done_text` says what happened, for the window that opened it.
    """

    def __init__(self, title: str, ok_text: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.done_text = ""
        self._result_shown = False
        self.background = Background(self)
        self.body = QWidget()
        self.form = QFormLayout(self.body)
        self.form.setContentsMargins(0, 0, 0, 0)
        # Wrapped labels take the field's whole width, not their narrow preferred one.
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.outcome = QWidget()
        self.outcome_layout = QVBoxLayout(self.outcome)
        self.outcome_layout.setContentsMargins(0, 0, 0, 0)
        self.outcome.hide()
        self.status = Status()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText(ok_text)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.body)
        layout.addWidget(self.outcome)
        layout.addWidget(self.status)
        layout.addStretch(1)
        layout.addWidget(self.buttons)

    @property
    def busy(self) -> bool:
        return self.background.busy

    def accept(self) -> None:
        if self._result_shown:
            super().accept()
            return
        if self.busy:
            return
        self.status.clear()
        try:
            self.go()
        except EXPECTED as exc:
            self.status.problem(problem_text(exc))

    def reject(self) -> None:
        if self._result_shown:
            super().accept()  # the work is done: closing is not cancelling it
        elif not self.busy:  # a key step half done cannot be called back
            super().reject()

    def go(self) -> None:
        """Check the input and do the work (or start it with `slow`); raise what refuses."""
        raise NotImplementedError

    def slow(self, text: str, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        self.status.working(text)
        self._set_enabled(False)

        def problem(message: str) -> None:
            self._set_enabled(True)
            self.status.problem(message)

        def done(result: Any) -> None:
            self._set_enabled(True)
            self.status.clear()
            try:
                then(result)
            except EXPECTED as exc:
                self.status.problem(problem_text(exc))

        self.background.start(work, done, problem)

    def finish(self, text: str) -> None:
        self.done_text = text
        super().accept()

    def show_result(self, text: str, *widgets: QWidget) -> None:
        """Replace the form by what was done; only Close is left."""
        self.done_text = text
        self._result_shown = True
        self.body.hide()
        self.outcome_layout.addWidget(selectable(text))
        for widget in widgets:
            self.outcome_layout.addWidget(widget)
        self.outcome.show()
        self.cancel_button.hide()
        self.ok_button.setText("Close")
        self.ok_button.setFocus()
        self.fit()

    def fit(self) -> None:
        """Grow to show what was added or unhidden (never shrink under the user's hands)."""
        layout = self.layout()
        layout.activate()
        height = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() \
            else layout.totalSizeHint().height()  # fmt: skip
        if height > self.height():
            self.resize(self.width(), height)

    def _set_enabled(self, enabled: bool) -> None:
        self.body.setEnabled(enabled)
        self.ok_button.setEnabled(enabled)
        self.cancel_button.setEnabled(enabled)
