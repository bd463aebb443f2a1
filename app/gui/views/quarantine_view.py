"""Quarantined changes: received from sites without authority over the record, kept aside.

Nothing is decided here: a change applies by itself once a certificate giving its site that
authority arrives (the import screens the quarantine again), so the view only explains.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.core.domain.records import table
from app.core.sync import exchange
from app.gui import display
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from app.core.store import Store

HEADINGS = ("Received", "Made by", "Through", "Change", "Why")
EXPLANATION = ("Changes from sites without authority over the record: kept, not applied. They "
               "apply by themselves if a certificate that gives that authority arrives.")


class QuarantineView(QWidget):
    """The quarantined changes, newest first, with how many there are."""

    counted = Signal(int)  # how many are held, after each refresh

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[dict[str, Any]] = []
        intro = QLabel(EXPLANATION)
        intro.setWordWrap(True)
        self.count_label = QLabel()
        self.table = RecordTable(HEADINGS, "No change is quarantined", stretch=(3, 4))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        self.refresh()

    def refresh(self) -> None:
        self.rows = exchange.quarantined(self.store)
        self.table.set_rows([_row(q) for q in self.rows], [_tooltip(q) for q in self.rows])
        count = len(self.rows)
        self.count_label.setText(f"{count:,} quarantined change{'s' if count != 1 else ''}"
                                 if count else "")
        self.count_label.setVisible(bool(count))
        self.counted.emit(count)


def _row(q: dict[str, Any]) -> tuple[str, ...]:
    return (display.time_text(q["received_at"]), q["origin_label"], q["sender_label"],
            change_text(q), _sentence(q["reason"]))


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def change_text(q: dict[str, Any]) -> str:
    """`Movement · Status = planned`: what the change would do, in the console's words."""
    value, kind = _value(q["value"]), ""
    try:
        spec = table(q["table"])
    except KeyError:
        what, field = q["table"], q["field"]
    else:
        what = spec.label
        known = spec.by_name.get(q["field"])
        field = known.title if known else q["field"].replace("_", " ").capitalize()
        kind = known.kind if known else ""
    if q["field"] == "deleted":
        return f"{what} · removed" if value else f"{what} · restored"
    if value is None or value == "":
        text = display.MISSING
    elif kind == "time":
        text = display.time_text(value)
    elif kind == "enum" and isinstance(value, str):
        text = value.replace("_", " ").capitalize()
    else:
        text = display.value(value, 120)
    return f"{what} · {field} = {text}"


def _value(raw: str | None) -> Any:
    if raw is None:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _tooltip(q: dict[str, Any]) -> str:
    return (f"Record {q['row_id']} ({q['table']}.{q['field']})\n"
            f"Change no. {q['seq']} of {q['origin_label']}, made "
            f"{display.time_text(q['stamped_at'])}\n"
            f"Came through {q['sender_label']} in bundle {q['bundle_id']}\n"
            f"Why: {q['reason']}")
