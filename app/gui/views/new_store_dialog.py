"""Asking for what a new store needs: the nation it serves, the site's name and a file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from app.core.paths import data_dir
from app.core.store import baseline


@dataclass(frozen=True)
class NewStore:
    nation: str
    site_name: str
    path: Path


class NewStoreDialog(QDialog):
    """Nation (from the shipped reference list), site name and file; OK once all are set."""

    def __init__(self, parent: QWidget | None = None, nation: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("New store")
        self.nation = QComboBox()
        for n in sorted(baseline.nations(), key=lambda n: n["name"]):
            self.nation.addItem(f"{n['name']} ({n['code']})", n["code"])
        if nation:
            self.nation.setCurrentIndex(max(0, self.nation.findData(nation)))
        self.site_name = QLineEdit(placeholderText="e.g. Vilnius NMCC")
        self.file = QLineEdit(placeholderText="Where to keep the store (*.db)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        file_row = QHBoxLayout()
        file_row.addWidget(self.file, 1)
        file_row.addWidget(browse)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout(self)
        form.addRow("&Nation:", self.nation)
        form.addRow("&Site name:", self.site_name)
        file_label = QLabel("&File:")
        file_label.setBuddy(self.file)  # a label beside a layout gets no buddy by itself
        form.addRow(file_label, file_row)
        note = QLabel("The store starts with the shipped reference data: nations, border "
                      "crossings, corridors and vehicle types.")  # fmt: skip
        note.setWordWrap(True)
        form.addRow(note)
        form.addRow(self.buttons)
        self.site_name.textChanged.connect(self._check)
        self.file.textChanged.connect(self._check)
        self._check()
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    def choice(self) -> NewStore:
        return NewStore(self.nation.currentData(), self.site_name.text().strip(),
                        Path(self.file.text().strip()).expanduser())  # fmt: skip

    def _check(self) -> None:
        ready = bool(self.site_name.text().strip() and self.file.text().strip())
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ready)

    def _browse(self) -> None:
        start = self.file.text().strip() or str(data_dir() / "movcon.db")
        path, _ = QFileDialog.getSaveFileName(self, "New store file", start,
                                              "MovCon stores (*.db)")  # fmt: skip
        if path:
            self.file.setText(path if path.endswith(".db") else f"{path}.db")


def ask_new_store(parent: QWidget | None = None, nation: str = "") -> NewStore | None:
    dialog = NewStoreDialog(parent, nation)
    return dialog.choice() if dialog.exec() == QDialog.DialogCode.Accepted else None
