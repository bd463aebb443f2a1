"""The first start on a laptop with no store: set it up for a cell, or open the demo.

Nothing is written until the user chooses; Cancel leaves the laptop as it was. Setting up
makes the store and this site's key at once, so the key file for the nation's key officer
can be saved before the console opens.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
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
    note,
    problem_text,
    selectable,
    words_label,
    write_problem,
)


def _write_demo(path: Path) -> Path:
    from app.core import demo

    demo.write(path)
    return path


class FirstRunDialog(QDialog):
    """Two pages: the choice, then (after setting up) this site's key words."""

    def __init__(self, path: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.store: Store | None = None  # the store set up here, open until the dialog ends
        self.ready = False  # a store is at `path`: the console may start on it
        self.background = Background(self)
        self.setWindowTitle("Welcome to MovCon")
        self.pages = QStackedWidget()
        self.pages.addWidget(self._build_choice())
        self.pages.addWidget(self._build_ready())
        self.status = Status()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setDefault(True)
        self.cancel_button = self.buttons.button(QDialogButtonBox.StandardButton.Cancel)
        self.cancel_button.setToolTip("Close without writing anything.")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)
        self._choice_changed()
        self.resize(640, self.sizeHint().height())
        self.nation.setFocus()

    # -- public -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.background.busy

    @property
    def setting_up(self) -> bool:
        return self.setup_choice.isChecked()

    def choose_demo(self) -> None:
        self.demo_choice.setChecked(True)

    def accept(self) -> None:
        if self.busy:
            return
        if self.ready:
            self._close_store()
            super().accept()
        elif self.setting_up:
            self.set_up()
        else:
            self.open_demo()

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

    def set_up(self) -> None:
        """Create the store and this site's key; then show the key words."""
        name = self.site_name.text().strip()
        if self.nation.currentIndex() < 0:
            self.status.problem("choose the nation this cell serves")
            self.nation.setFocus()
            return
        if not name:
            self.status.problem("type a name for this site, e.g. LT NMCC Vilnius")
            self.site_name.setFocus()
            return
        try:
            store = Store.create(self.path, self.nation.currentData(), name)
        except EXPECTED as exc:
            self.status.problem(problem_text(exc))
            return
        self.store = store
        self.ready = True
        self.status.clear()
        self.summary.setText(f"This laptop is set up as {store.site_name} "
                             f"({store.nation}).\nThe store is {store.path}.")
        self.words.setText(keys.fingerprint(exchange.site_public_key(store)))
        self.pages.setCurrentIndex(1)
        self.cancel_button.hide()
        self.ok_button.setText("&Start MovCon")
        self.ok_button.setFocus()

    def open_demo(self) -> None:
        """Write the demo exercise (a second or so, in a worker) and finish."""
        self.status.working("Writing the demo exercise…")
        self.pages.setEnabled(False)
        self.buttons.setEnabled(False)

        def written(_: Path) -> None:
            self.ready = True
            self.status.clear()
            super(FirstRunDialog, self).accept()

        def refused(text: str) -> None:
            self.pages.setEnabled(True)
            self.buttons.setEnabled(True)
            self.status.problem(text)

        self.background.start(partial(_write_demo, self.path), written, refused)

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

    # -- building -----------------------------------------------------------------------
    def _build_choice(self) -> QWidget:
        page = QWidget()
        title = QLabel("This laptop has no MovCon store yet.")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        title.setFont(font)
        self.setup_choice = QRadioButton("Set up this &laptop for my coordination cell")
        self.demo_choice = QRadioButton("Open the &demo exercise (ready-made example data, to "
                                        "look around)")
        group = QButtonGroup(page)
        group.addButton(self.setup_choice)
        group.addButton(self.demo_choice)
        self.setup_choice.setChecked(True)
        group.buttonToggled.connect(self._choice_changed)

        self.nation = QComboBox()
        for n in sorted(baseline.nations(), key=lambda n: n["name"]):
            self.nation.addItem(f"{n['name']} ({n['code']})", n["code"])
        # No nation chosen for the user: the first of the list would pass unnoticed.
        self.nation.setPlaceholderText("Choose the nation this cell serves")
        self.nation.setCurrentIndex(-1)
        self.site_name = QLineEdit()
        self.site_name.setPlaceholderText("e.g. LT NMCC Vilnius")
        self.site_name.setMaxLength(200)
        self.details = QWidget()
        form = QFormLayout(self.details)
        form.setContentsMargins(24, 0, 0, 0)
        nation_label = QLabel("&Nation:")
        nation_label.setBuddy(self.nation)
        name_label = QLabel("Site na&me:")
        name_label.setBuddy(self.site_name)
        form.addRow(nation_label, self.nation)
        form.addRow(name_label, self.site_name)
        form.addRow(note("The nation this cell serves and how other cells will see this site. "
                         "The store starts with the shipped reference data."))

        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addSpacing(6)
        layout.addWidget(self.setup_choice)
        layout.addWidget(self.details)
        layout.addSpacing(6)
        layout.addWidget(self.demo_choice)
        layout.addSpacing(6)
        layout.addWidget(note(f"The store is kept at {self.path}."))
        layout.addStretch(1)
        return page

    def _build_ready(self) -> QWidget:
        page = QWidget()
        self.summary = selectable()
        self.words = words_label()
        self.save_key_button = QPushButton("Sa&ve key file for your key officer…")
        self.save_key_button.setAutoDefault(False)
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

    def _choice_changed(self) -> None:
        self.details.setEnabled(self.setting_up)
        self.ok_button.setText("&Set up" if self.setting_up else "&Open demo")
        self.status.clear()

    def _close_store(self) -> None:
        if self.store is not None:
            self.store.close()  # the console opens the file afresh
            self.store = None

    def done(self, result: int) -> None:
        self._close_store()
        super().done(result)


def first_run(path: Path) -> bool:
    """Ask how to start when there is no store at `path`; True once one is there."""
    from app.gui.app import application

    application()
    dialog = FirstRunDialog(path)
    dialog.exec()
    return dialog.ready
