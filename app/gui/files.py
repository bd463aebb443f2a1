"""Saving a document the console made: where to offer it, under which name, and opening it
afterwards with the desktop's own program."""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs
from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

# Characters no file system of the cells' laptops accepts in a name, and control characters.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def documents_folder() -> Path:
    """The user's documents folder, or the home folder where there is none."""
    folder = Path(platformdirs.user_documents_dir())
    return folder if folder.is_dir() else Path.home()


def safe_name(text: str, limit: int = 120) -> str:
    """`text` as a file name: unsafe characters become '-', no leading dot, not too long."""
    name = _UNSAFE.sub("-", text).strip(" .-")
    return name[:limit].rstrip(" .-") or "document"


def ask_save_path(parent: QWidget, title: str, folder: Path, name: str,
                  kind: str, suffix: str) -> Path | None:  # fmt: skip
    """Ask where to save (the dialog confirms overwriting); None if the user cancelled.
    `suffix` (".pdf") is added when the typed name lacks it."""
    chosen, _ = QFileDialog.getSaveFileName(parent, title, str(folder / name),
                                            f"{kind} (*{suffix});;All files (*)")
    if not chosen:
        return None
    path = Path(chosen)
    return path if path.suffix.lower() == suffix else path.with_name(path.name + suffix)


def offer_open(parent: QWidget, title: str, text: str, path: Path) -> None:
    """Say what was saved where, and offer to open the file or the folder holding it."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setInformativeText(str(path))
    open_file = box.addButton("Open &file", QMessageBox.ButtonRole.AcceptRole)
    open_folder = box.addButton("Open f&older", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(open_file)
    box.exec()
    clicked = box.clickedButton()
    if clicked is open_file:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
    elif clicked is open_folder:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path.parent)))
