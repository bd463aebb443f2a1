"""What a draft EU Form 302 declares before its serial is issued: the customs status of the
goods and the activity they move for. The serial carries both, so they are asked first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.permits.paperwork import CUSTOMS_STATUSES, OPERATIONS

# Plain words first, the code the serial carries after; any code the core adds still shows.
_WORDS = {"U": "Union goods: in free circulation in the EU",
          "N": "Non-Union goods: not in free circulation in the EU"}  # fmt: skip
_ACTIVITY_WORDS = {"N": "NATO activity", "E": "EU common security and defence policy (CSDP)",
                   "O": "Other national activity"}  # fmt: skip
CUSTOMS_TEXT = {c: f"{_WORDS.get(c, label)}  ({c})" for c, label in CUSTOMS_STATUSES.items()}
OPERATION_TEXT = {c: f"{_ACTIVITY_WORDS.get(c, label)}  ({c})" for c, label in OPERATIONS.items()}


class Form302Dialog(QDialog):
    """Asks the customs status (U/N) and the activity (N/E/O); OK goes on to the file."""

    def __init__(self, movement: str, serial: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Form 302 draft")
        intro = QLabel(
            f"Draft EU Form 302 for <b>{_html(movement)}</b>.<br>"
            + (f"Serial {serial} is recorded on this permit; the same choices print it again."
               if serial else "Its serial is issued now and recorded on the permit; the host "
               "nation sees it after the next bundle."))
        intro.setWordWrap(True)
        intro.setTextFormat(Qt.TextFormat.RichText)
        self.customs = self._group("Customs status of the goods", CUSTOMS_TEXT)
        self.operation = self._group("Activity", OPERATION_TEXT)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Save &as…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.customs[0])
        layout.addWidget(self.operation[0])
        layout.addWidget(buttons)
        # A re-print keeps the recorded choices (another choice issues another serial).
        self.set_choice(serial[10:11] or "U", serial[11:12] or "N")
        self.setMinimumWidth(460)

    def _group(self, title: str, choices: dict[str, str]) -> tuple[QGroupBox, QButtonGroup]:
        box = QGroupBox(title)
        group = QButtonGroup(self)
        layout = QVBoxLayout(box)
        for code, text in choices.items():
            radio = QRadioButton(text)
            radio.setProperty("code", code)
            group.addButton(radio)
            layout.addWidget(radio)
        return box, group

    @staticmethod
    def _pick(group: QButtonGroup, code: str) -> None:
        for radio in group.buttons():
            radio.setChecked(radio.property("code") == code)

    def set_choice(self, customs_status: str, operation: str) -> None:
        self._pick(self.customs[1], customs_status)
        self._pick(self.operation[1], operation)
        checked = self.customs[1].checkedButton()
        if checked is not None:
            checked.setFocus()

    def choice(self) -> tuple[str, str]:
        """(customs status, activity) as the serial writes them."""
        customs = self.customs[1].checkedButton()
        operation = self.operation[1].checkedButton()
        return (customs.property("code") if customs else "U",
                operation.property("code") if operation else "N")


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
