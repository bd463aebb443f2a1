"""Recording an incident at a critical point: when it closes, until when, and why."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from app.core import timefmt

FORMAT = "yyyy-MM-dd HH:mm 'UTC'"


def _edit(moment: datetime) -> QDateTimeEdit:
    edit = QDateTimeEdit(QDateTime.fromSecsSinceEpoch(int(moment.timestamp()),
                                                      QTimeZone.utc()))  # fmt: skip
    edit.setTimeZone(QTimeZone.utc())
    edit.setDisplayFormat(FORMAT)
    edit.setCalendarPopup(True)
    return edit


def _value(edit: QDateTimeEdit) -> datetime:
    return datetime.fromtimestamp(edit.dateTime().toSecsSinceEpoch(), timefmt.UTC)


class IncidentDialog(QDialog):
    def __init__(self, point: dict[str, Any], at: datetime | None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(f"Incident at {point['name']}")
        start = (at or datetime.now(timefmt.UTC)).replace(second=0, microsecond=0)
        self.start = _edit(start)
        self.until = _edit(start + timedelta(hours=6))
        self.has_end = QCheckBox("Reopens at")
        self.has_end.setChecked(True)
        self.has_end.toggled.connect(self.until.setEnabled)
        self.details = QLineEdit()
        self.details.setPlaceholderText("What happened, e.g. bridge damaged, inspection")
        self.problem = QLabel("")
        self.problem.setStyleSheet("color: #b00020")
        form = QFormLayout(self)
        form.addRow(QLabel(f"<b>{point['name']}</b> ({point['kind'].replace('_', ' ')}, "
                           f"{point['nation']}) is closed:"))
        form.addRow("Closed from", self.start)
        form.addRow(self.has_end, self.until)
        form.addRow("Details", self.details)
        form.addRow(self.problem)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Record closure")
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[datetime, datetime | None, str]:
        until = _value(self.until) if self.has_end.isChecked() else None
        return _value(self.start), until, self.details.text().strip()

    def _accept(self) -> None:
        start, until, _ = self.values()
        if until is not None and until <= start:
            self.problem.setText("The point must reopen after it closes.")
            return
        self.accept()
