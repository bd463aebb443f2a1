"""Deciding a permit: approve, approve with conditions, or deny with its reason.

The standard conditions are offered as one-click lines, their blanks filled from the plan:
the crossing into the host nation with the column's window there, and the bridge to avoid.
Nothing is written here; the inbox takes the decision the dialog returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from string import Formatter
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from app.core.permits.decisions import STANDARD_CONDITIONS
from app.gui.host_part import HostPart

OUTCOME_TEXT = {"approve": "Approve", "conditions": "Approve with conditions", "deny": "Deny"}
# Why a standard condition cannot be filled in, per blank.
_MISSING = {"crossing": "the plan shows no border crossing into {host}",
            "start": "the plan gives no time at the crossing into {host}",
            "end": "the plan gives no time at the crossing into {host}",
            "bridge": "the route crosses no known bridge in {host}"}  # fmt: skip


@dataclass(frozen=True)
class Decision:
    outcome: str  # approve | conditions | deny
    conditions: tuple[str, ...]
    reason: str


def fill_condition(template: str, values: Mapping[str, str | None]) -> str | None:
    """The template with its blanks filled; None when one of them is unknown."""
    names = [name for _, name, _, _ in Formatter().parse(template) if name]
    if any(not values.get(name) for name in names):
        return None
    return template.format(**{name: values[name] for name in names})


def _plain_text(editor: QPlainTextEdit, lines: int) -> None:
    editor.setTabChangesFocus(True)  # Tab moves on, as in every other field
    editor.setMinimumHeight(editor.fontMetrics().lineSpacing() * lines + 12)


def _ctrl_enter_accepts(dialog: QDialog, ok: QPushButton) -> None:
    # Enter starts a new line in a text box; Ctrl+Enter still confirms from anywhere.
    for key in ("Ctrl+Return", "Ctrl+Enter"):
        QShortcut(QKeySequence(key), dialog, activated=lambda: ok.isEnabled() and ok.click())
    ok.setToolTip("Ctrl+Enter")


class DecisionDialog(QDialog):
    """Asks for one decision on one permit; OK stays off until the decision is complete."""

    def __init__(self, summary: str, part: HostPart | None, host_name: str,
                 outcome: str = "approve", conditions: Sequence[str] = (),
                 planning: bool = False, parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle("Decide permit")
        self.setMinimumWidth(560)
        self.summary = QLabel(summary)
        self.summary.setWordWrap(True)
        self.summary.setTextFormat(Qt.TextFormat.RichText)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        box = QGroupBox("Decision")
        row = QHBoxLayout(box)
        self.outcomes = QButtonGroup(self)
        self.radios: dict[str, QRadioButton] = {}
        for key, text in (("approve", "&Approve"), ("conditions", "Approve with &conditions"),
                          ("deny", "&Deny")):  # fmt: skip
            radio = QRadioButton(text)
            self.radios[key] = radio
            self.outcomes.addButton(radio)
            row.addWidget(radio)
        row.addStretch(1)

        self.conditions_label = QLabel("C&onditions, one per line:")
        self.conditions = QPlainTextEdit()
        self.conditions.setPlaceholderText("Type a condition, or add a standard one below")
        _plain_text(self.conditions, 4)
        self.conditions_label.setBuddy(self.conditions)
        self.conditions.setPlainText("\n".join(conditions))
        self.standard_label = QLabel("Standard conditions (click to add):")
        self.standard_buttons: list[QPushButton] = []
        standard = QVBoxLayout()
        standard.setSpacing(2)
        values = part.condition_values() if part else {}
        for template in STANDARD_CONDITIONS:
            text = fill_condition(template, values)
            button = QPushButton(f"+  {text or template}")
            button.setStyleSheet("QPushButton { text-align: left; padding: 3px 8px; }")
            button.setAutoDefault(False)  # Enter keeps meaning OK
            if text is None:
                button.setEnabled(False)
                blanks = [n for _, n, _, _ in Formatter().parse(template) if n]
                why = ("the plan is still being computed" if planning else
                       "; ".join(dict.fromkeys(_MISSING[n].format(host=host_name)
                                               for n in blanks if not values.get(n))))
                button.setToolTip(f"Cannot be filled in: {why}")
            else:
                button.setToolTip(text)
                button.clicked.connect(lambda _=False, t=text: self.add_condition(t))
            self.standard_buttons.append(button)
            standard.addWidget(button)

        self.reason_label = QLabel("&Reason for the denial (the owner nation reads it):")
        self.reason = QPlainTextEdit()
        _plain_text(self.reason, 2)
        self.reason.setMaximumHeight(self.reason.fontMetrics().lineSpacing() * 4 + 12)
        self.reason_label.setBuddy(self.reason)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.hint = QLabel()
        self.hint.setWordWrap(True)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(box)
        layout.addWidget(self.conditions_label)
        layout.addWidget(self.conditions, 1)
        layout.addWidget(self.standard_label)
        layout.addLayout(standard)
        layout.addSpacing(6)
        layout.addWidget(self.reason_label)
        layout.addWidget(self.reason)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)

        _ctrl_enter_accepts(self, self.ok)
        self.outcomes.buttonToggled.connect(self._update)
        self.conditions.textChanged.connect(self._update)
        self.reason.textChanged.connect(self._update)
        self.set_outcome(outcome if outcome in OUTCOME_TEXT else "approve")

    # -- public -------------------------------------------------------------------------
    @property
    def outcome(self) -> str:
        return next((key for key, radio in self.radios.items() if radio.isChecked()),
                    "approve")  # fmt: skip

    def set_outcome(self, outcome: str) -> None:
        self.radios[outcome].setChecked(True)
        self._update()
        focus = {"conditions": self.conditions, "deny": self.reason}.get(outcome)
        (focus or self.radios[outcome]).setFocus()

    def add_condition(self, text: str) -> None:
        """Append a condition line (once) and make the decision an approval with conditions."""
        lines = self.condition_lines()
        if text not in lines:
            self.conditions.setPlainText("\n".join([*lines, text]))
        self.radios["conditions"].setChecked(True)
        self.conditions.setFocus()

    def condition_lines(self) -> list[str]:
        return [line.strip() for line in self.conditions.toPlainText().splitlines()
                if line.strip()]  # fmt: skip

    def decision(self) -> Decision:
        outcome = self.outcome
        return Decision(outcome,
                        tuple(self.condition_lines()) if outcome == "conditions" else (),
                        self.reason.toPlainText().strip() if outcome == "deny" else "")

    # -- reactions ----------------------------------------------------------------------
    def _update(self, *_: Any) -> None:
        outcome = self.outcome
        with_conditions = outcome == "conditions"
        for widget in (self.conditions_label, self.conditions, self.standard_label):
            widget.setEnabled(with_conditions)
        for widget in (self.reason_label, self.reason):
            widget.setEnabled(outcome == "deny")
        # The standard lines stay clickable: a click chooses "with conditions" as well.
        if with_conditions and not self.condition_lines():
            problem = "Add at least one condition."
        elif outcome == "deny" and not self.reason.toPlainText().strip():
            problem = "A denial needs its reason."
        else:
            problem = ""
        self.ok.setEnabled(not problem)
        self.ok.setText(OUTCOME_TEXT[outcome])
        self.hint.setText(problem)


class ReasonDialog(QDialog):
    """A confirmation that asks why: for a denial, or for withdrawing a request."""

    def __init__(self, title: str, question: str, ok_text: str, required: bool = True,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(460)
        self.required = required
        self.question = QLabel(question)
        self.question.setWordWrap(True)
        self.question.setTextFormat(Qt.TextFormat.RichText)
        label = QLabel("&Reason:" if required else "&Reason (optional):")
        self.reason = QPlainTextEdit()
        _plain_text(self.reason, 3)
        label.setBuddy(self.reason)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)  # fmt: skip
        self.ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok.setText(ok_text)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.question)
        layout.addWidget(label)
        layout.addWidget(self.reason, 1)
        layout.addWidget(self.buttons)
        _ctrl_enter_accepts(self, self.ok)
        self.reason.textChanged.connect(self._update)
        self.reason.setFocus()
        self._update()

    def text(self) -> str:
        return self.reason.toPlainText().strip()

    def _update(self) -> None:
        self.ok.setEnabled(bool(self.text()) or not self.required)
