"""The first start on a laptop with no store: the wizard that sets one up.

One page asks everything (nation, site name, where the store lives, empty or the demo
exercise) and checks it before anything is written; Cancel leaves the laptop as it was.
Both contents make the store and this site's key at once, so the second page shows the key
words and saves the key file for the nation's key officer before the console opens.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from functools import partial
from itertools import pairwise
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.store import Store, baseline
from app.core.sync import exchange, keys
from app.gui.views import site_keys
from app.gui.views.key_parts import (
    EXPECTED,
    Background,
    Status,
    colour,
    note,
    problem_text,
    selectable,
    words_label,
    write_problem,
)

STORE_FILTER = "MovCon stores (*.db)"


class Refused(Exception):
    """A choice the wizard will not act on; the text says why, for the Status line."""


def store_site(path: Path) -> tuple[str, str] | None:
    """(site name, nation) of the MovCon store at `path`, or None if it is not one.

    Read-only: Store.open could migrate or tune the file, and the wizard promises to leave
    an existing store as it found it.
    """
    # A store on a write-protected drive cannot take a reader's WAL index: read it as is.
    for query in ("mode=ro", "mode=ro&immutable=1"):
        try:
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?{query}", uri=True)
        except (sqlite3.Error, OSError, ValueError):
            continue
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta WHERE key IN "
                                     "('site_id', 'site_name', 'nation')"))
        except sqlite3.DatabaseError as exc:
            if "not a database" in str(exc) or "no such table" in str(exc):
                return None  # readable, and not a store
            continue
        finally:
            conn.close()
        if "site_id" not in meta or "nation" not in meta:
            return None
        return str(meta.get("site_name") or ""), str(meta["nation"])
    return None


def missing_folders(path: Path) -> list[Path]:
    """The folders above `path` that creating it would make, nearest the root first."""
    made: list[Path] = []
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        made.append(folder)
        folder = folder.parent
    return made[::-1]


def check_new_store(path: Path) -> None:
    """Refuse a place a new store cannot be written, before writing anything."""
    if path.is_dir():
        raise Refused(f"{path} is a folder; add a file name, e.g. {path / 'movcon.db'}")
    if path.exists():
        raise Refused(f"{path} exists and is not a MovCon store; choose another file name")
    made = missing_folders(path)
    base = made[0].parent if made else path.parent
    if not base.is_dir():
        # A file where a folder should be (or a broken link): nothing can go under it.
        raise Refused(f"cannot make the folder {path.parent}: {base} is not a folder")
    if not os.access(base, os.W_OK | os.X_OK):
        raise Refused(f"cannot write in the folder {base}; choose a folder you may write to")


def _remove_made(path: Path, made: list[Path]) -> None:
    """Undo a failed creation: the store's files, then the folders made for it."""
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(OSError):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    for folder in reversed(made):
        with contextlib.suppress(OSError):
            folder.rmdir()  # only if empty: never anything the user put there


def _write_demo(path: Path, nation: str, site_name: str, made: list[Path]) -> Path:
    from app.core import demo

    try:
        demo.write(path, nation, site_name=site_name)
    except BaseException:
        _remove_made(path, made)  # a half-written demo would pass for a store next time
        raise
    return path


def _noted(field: QWidget, text: str) -> QWidget:
    """A field with its explanation just under it (closer than the next row)."""
    box = QWidget()
    column = QVBoxLayout(box)
    column.setContentsMargins(0, 0, 0, 0)
    column.setSpacing(2)
    column.addWidget(field)
    column.addWidget(note(text))
    return box


class FirstRunDialog(QDialog):
    """Two pages: the choices, then (once the store is made) this site's key words.

    `path` is the store to propose; after success it is the store to open (the new one, or
    an existing store the user chose to open instead) and `ready` is True.
    """

    def __init__(self, path: Path, missing: Path | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.path = path
        self.missing = missing  # the store last used, now gone (a drive taken out)
        self.store: Store | None = None  # the store made here, open until the dialog ends
        self.ready = False  # a store is at `path`: the console may start on it
        self.existing: tuple[str, str] | None = None  # (site, nation) of a store at the path
        self.background = Background(self)
        self.setWindowTitle("Welcome to MovCon")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_choice())
        self.pages.addWidget(self._build_ready())
        self.status = Status()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Close without writing anything.")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self.ok_button.setDefault(True)  # once in the dialog: only then does it stay so
        self._order_tabs()
        self._path_changed()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_moved)
        self.resize(max(720, self.sizeHint().width()), self.sizeHint().height())
        self.nation.setFocus()

    # -- public -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.background.busy

    @property
    def with_demo(self) -> bool:
        return self.demo_choice.isChecked()

    def choose_demo(self) -> None:
        self.demo_choice.setChecked(True)

    def chosen_path(self) -> Path | None:
        text = self.path_edit.text().strip()
        return Path(text).expanduser() if text else None

    def set_path(self, path: Path | str) -> None:
        self.path_edit.setText(str(path))

    def accept(self) -> None:
        if self.busy:
            return
        if self.ready:
            self._close_store()
            super().accept()
        else:
            self.create()

    def reject(self) -> None:
        if self.busy:
            return  # the demo is being written: it finishes in a moment
        if self.ready:
            self.accept()  # the store exists now: closing starts the console on it
            return
        super().reject()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.busy:
            event.ignore()
            return
        super().closeEvent(event)

    def create(self) -> None:
        """Check every choice, then make the store (or open the one found at the path)."""
        path = self.chosen_path()
        if path is None:
            self._refuse("type where to keep the store, or choose Browse…", self.path_edit)
            return
        path = path.absolute()
        offered = self.existing is not None
        self._path_changed()  # the file may have come or gone since the path was typed
        if self.existing is not None and not offered:
            return  # a store appeared there meanwhile: say so before opening it
        if self.existing is not None:
            self.path, self.ready = path, True  # open it as it is: nothing written
            super().accept()
            return
        if self.nation.currentIndex() < 0:
            self._refuse("choose the nation this cell serves", self.nation)
            return
        name = self.site_name.text().strip()
        if not name:
            self._refuse("type a name for this site, e.g. LT NMCC Vilnius", self.site_name)
            return
        try:
            check_new_store(path)
        except Refused as exc:
            self._refuse(str(exc), self.path_edit)
            return
        made = missing_folders(path)
        nation = self.nation.currentData()
        if self.with_demo:
            self._write_demo(path, nation, name, made)
            return
        try:
            store = Store.create(path, nation, name)
        except EXPECTED as exc:
            _remove_made(path, made)
            self.status.problem(problem_text(exc))
            return
        self._show_key(store, "")

    def save_key_file(self, path: Path | None = None) -> Path | None:
        """Save this site's key file for the key officer (asking where if no `path`)."""
        if self.store is None:
            return None
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save this site's key file",
                str(Path.home() / site_keys.key_file_name(self.store)), site_keys.KEY_FILTER)
            if not name:
                return None
            path = Path(name)
        try:
            site_keys.write_key(self.store, path)
        except OSError as exc:
            self.status.problem(write_problem(path, exc))
            return None
        self.status.ok(f"Saved {path}. Give it to your nation's key officer.")
        return path

    # -- steps --------------------------------------------------------------------------
    def _refuse(self, text: str, widget: QWidget) -> None:
        self.status.problem(text)
        widget.setFocus()

    def _write_demo(self, path: Path, nation: str, name: str, made: list[Path]) -> None:
        """The demo takes a second or so: written in a worker, the dialog held meanwhile."""
        self.status.working("Writing the demo exercise…")
        self.pages.setEnabled(False)
        self.buttons.setEnabled(False)

        def written(_: Path) -> None:
            self.pages.setEnabled(True)
            self.buttons.setEnabled(True)
            try:
                store = Store.open(path, check="quick")  # just written: intact
            except EXPECTED as exc:
                self.status.problem(problem_text(exc))
                return
            self._show_key(store, " with the demo exercise")

        def refused(text: str) -> None:
            self.pages.setEnabled(True)
            self.buttons.setEnabled(True)
            self.status.problem(text)

        self.background.start(partial(_write_demo, path, nation, name, made), written,
                              refused)  # fmt: skip

    def _show_key(self, store: Store, contents: str) -> None:
        self.store, self.path, self.ready = store, store.path, True
        self.status.clear()
        self.summary.setText(f"This laptop is set up as {store.site_name} ({store.nation})"
                             f"{contents}.\nThe store is {store.path}.")
        self.words.setText(keys.fingerprint(exchange.site_public_key(store)))
        self.pages.setCurrentIndex(1)
        self.cancel_button.hide()
        self.ok_button.setText("&Start MovCon")
        self.ok_button.setFocus()

    def _browse(self) -> None:
        current = self.chosen_path() or self.path
        name, _ = QFileDialog.getSaveFileName(self, "Where to keep the store", str(current),
                                              STORE_FILTER)  # fmt: skip
        if not name:
            return
        chosen = Path(name)
        if chosen.suffix.lower() != ".db":
            chosen = chosen.with_name(chosen.name + ".db")
        self.set_path(chosen)
        self.path_edit.setFocus()

    def _path_changed(self) -> None:
        """Offer to open a store already at the path instead of making one."""
        path = self.chosen_path()
        found = store_site(path) if path is not None and path.is_file() else None
        self.existing = found
        for widget in (self.nation, self.site_name, self.empty_choice, self.demo_choice):
            widget.setEnabled(found is None)  # not asked of a store that exists
        if found is None:
            self.ok_button.setText("&Create store")
            self.status.clear()
            return
        site, nation = found
        self.ok_button.setText("&Open this store")
        self.status.ok(f"{path} is a MovCon store already ({site}, {nation}): open it as it "
                       "is, or choose another file to make a new store.")

    # -- building -----------------------------------------------------------------------
    def _build_choice(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        if self.missing is not None:
            gone = selectable(f"The store last used, {self.missing}, cannot be found: is its "
                              "drive connected?")
            colour(gone, good=False)
            layout.addWidget(gone)
            layout.addSpacing(6)
        title = QLabel("Set up MovCon on this laptop")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        title.setFont(font)
        layout.addWidget(title)
        layout.addWidget(note("Nothing is written until you choose Create store."))
        layout.addSpacing(6)

        self.nation = QComboBox()
        for n in sorted(baseline.nations(), key=lambda n: n["name"]):
            self.nation.addItem(f"{n['name']} ({n['code']})", n["code"])
        # No nation chosen for the user: the first of the list would pass unnoticed.
        self.nation.setPlaceholderText("Choose the nation this cell serves")
        self.nation.setCurrentIndex(-1)
        self.site_name = QLineEdit()
        self.site_name.setPlaceholderText("e.g. LT NMCC Vilnius")
        self.site_name.setMaxLength(200)
        self.path_edit = QLineEdit(str(self.path))
        self.path_edit.setToolTip("The store file: on this laptop or on a removable drive.")
        self.path_edit.textChanged.connect(self._path_changed)
        self.browse_button = QPushButton("B&rowse…")
        self.browse_button.clicked.connect(self._browse)
        place = QWidget()
        row = QHBoxLayout(place)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.path_edit, 1)
        row.addWidget(self.browse_button)

        self.empty_choice = QRadioButton(
            "Start &empty (this nation's reference data: border crossings, bridges, routes)")
        self.demo_choice = QRadioButton(
            "Load the &demo exercise (example movements and permits, to try things out)")
        group = QButtonGroup(page)
        group.addButton(self.empty_choice)
        group.addButton(self.demo_choice)
        self.empty_choice.setChecked(True)
        contents = QWidget()
        column = QVBoxLayout(contents)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.empty_choice)
        column.addWidget(self.demo_choice)

        form = QFormLayout()
        # Wrapped notes take the field's whole width, not their narrow preferred one.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setVerticalSpacing(10)
        named = _noted(self.site_name, "How other cells will see this site.")
        where = _noted(place, "On this laptop or a removable drive. A store already there "
                              "is opened as it is.")
        for text, field, buddy in (("&Nation:", self.nation, self.nation),
                                   ("Site na&me:", named, self.site_name),
                                   ("&Store file:", where, self.path_edit),
                                   ("Contents:", contents, None)):  # fmt: skip
            label = QLabel(text)
            if buddy is not None:
                label.setBuddy(buddy)
            form.addRow(label, field)
        layout.addLayout(form)
        layout.addStretch(1)
        layout.addSpacing(6)
        return page

    def _build_ready(self) -> QWidget:
        page = QWidget()
        self.summary = selectable()
        self.words = words_label()
        self.save_key_button = QPushButton("Sa&ve key file for your key officer…")
        self.save_key_button.clicked.connect(lambda: self.save_key_file())
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addSpacing(6)
        layout.addWidget(QLabel("This site's key words:"))
        layout.addWidget(self.words)
        layout.addSpacing(6)
        layout.addWidget(note(
            "Your nation's key officer certifies this laptop: save its key file, give it to "
            "them (on a USB stick) and read them these words over the phone. Install the "
            "enrolment file they give back under Sync › Keys and Trust. You can also do all "
            "this later from there."))
        layout.addWidget(self.save_key_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(1)
        return page

    def _order_tabs(self) -> None:
        chain = [self.nation, self.site_name, self.path_edit, self.browse_button,
                 self.empty_choice, self.demo_choice, *self.buttons.buttons()]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        # Qt leaves Cancel the default once Tab has passed it, so Enter in a field would
        # cancel: back in a field, Enter is the main button again.
        if new is not None and not isinstance(new, QPushButton) and self.isAncestorOf(new):
            self.ok_button.setDefault(True)

    def _close_store(self) -> None:
        if self.store is not None:
            self.store.close()  # the console opens the file afresh
            self.store = None

    def done(self, result: int) -> None:
        self._close_store()
        super().done(result)


def first_run(path: Path, missing: Path | None = None) -> Path | None:
    """Ask where and how to set up a store, proposing `path`; the store to open, or None
    if the user cancelled. `missing`: the store last used, which cannot be found now."""
    from app.gui.app import application

    application()
    dialog = FirstRunDialog(path, missing)
    dialog.exec()
    return dialog.path if dialog.ready else None
