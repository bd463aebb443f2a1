"""In-app help (F1): each view and the procedure for officers carrying bundles."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app.core.paths import resources_dir

# The help's headings for each tab of the console, so F1 opens at the one in view.
SECTIONS = {"movements": "Movements (Ctrl+1)", "permits": "Permits (Ctrl+2)",
            "map": "Map (Ctrl+3)", "timeline": "Timeline (Ctrl+4)",
            "sync": "Carrying bundles between cells"}  # fmt: skip


def help_text() -> str:
    return (resources_dir() / "help" / "console.md").read_text("utf-8")


class HelpDialog(QDialog):
    """The help text, searchable with Ctrl+F's find-as-you-type of the text browser."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("MovCon help")
        self.browser = QTextBrowser()
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(help_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
        self.resize(760, 640)

    def show_section(self, key: str) -> bool:
        """Scroll to the section about `key` (a view's name); whether it was found."""
        title = SECTIONS.get(key)
        if title is None:
            return False
        self.browser.moveCursor(self.browser.textCursor().MoveOperation.Start)
        found = self.browser.find(title)
        if found:
            # The heading at the top of the view, not wherever find left it.
            cursor = self.browser.textCursor()
            self.browser.verticalScrollBar().setValue(
                int(self.browser.cursorRect(cursor).top()
                    + self.browser.verticalScrollBar().value()))
            cursor.clearSelection()
            self.browser.setTextCursor(cursor)
        return found

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_F1:
            return  # already here
        super().keyPressEvent(event)
