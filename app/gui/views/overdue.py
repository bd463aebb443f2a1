"""Overdue permit decisions, told across the console's window.

The permit inbox finds the requests that became overdue (its deadline watch); the window
says so with these: the words of the Permits tab and the window title while requests are
due (`due_title`), the line naming the overdue ones (`overdue_text`), and the banner that
carries it where no desktop notification can go (`OverdueBanner`).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from app.gui.views.inbox_panel import PROBLEM


def due_title(count: int) -> str:
    """The words the window and the Permits tab add while requests are due soon."""
    return f"{count} permit{'s' if count != 1 else ''} due" if count else ""


def overdue_text(rows: list[dict[str, Any]]) -> str:
    """One line naming the requests that became overdue (a few, then how many more)."""
    named = [f"{r['movement']} ({r['owner']})" for r in rows[:3]]
    more = len(rows) - len(named)
    listed = ", ".join(named) + (f" and {more} more" if more else "")
    head = ("A permit decision is overdue" if len(rows) == 1
            else f"{len(rows)} permit decisions are overdue")
    return f"{head}: {listed}."


class OverdueBanner(QFrame):
    """A bar across the window for overdue decisions, where no desktop notification can go."""

    show_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("overdueBanner")
        self.setStyleSheet("#overdueBanner { background: rgba(220, 40, 40, 40);"
                           f" border: 1px solid {PROBLEM}; border-radius: 3px; }}")
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.show_button = QPushButton("Show permits")
        self.show_button.clicked.connect(self.show_requested)
        self.show_button.clicked.connect(self.hide)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 4, 4, 4)
        row.addWidget(self.text, 1)
        row.addWidget(self.show_button)
        row.addWidget(close)
        self.hide()

    def tell(self, text: str) -> None:
        self.text.setText(f"⚠ {text}")
        self.show()

