"""The audit log window: filters, the chain check and the keyboard."""

from __future__ import annotations

import sqlite3
import time

import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.core import audit
from app.core.store import Store
from app.gui.views.audit_log import AuditLogDialog, AuditLogView


@pytest.fixture
def logged(store: Store) -> Store:
    decisions = [
        ("permit_decided", "Permit LT-2026-0042 for Iron Wolf",
         {"status": "approved", "conditions": "night moves only"}, "Maj. Ona Kairė"),
        ("movement_approved", "Iron Wolf 2 to Rukla", {"serials": 3}, "Capt. Jonas Petraitis"),
        ("key_trusted", "Riga NMCC (LV)",
         {"fingerprint": "wisdom pelican orbit gravity attend sunny"}, "Maj. Ona Kairė"),
        ("conflict_resolved", "Movement Iron Wolf 2: departure",
         {"kept": "other", "value": "2026-06-10T04:00:00Z"}, "Lt. Rasa Vaitkutė"),
    ]
    for day, (action, subject, detail, person) in enumerate(decisions, start=1):
        audit.record(store, action, subject, detail, person=person,
                     at=f"2026-06-0{day}T09:30:00Z")
    return store


def _wait(view: AuditLogView, timeout_s: float = 10.0) -> None:
    # By hand: qtbot.waitUntil's nested loops can return at once after a test quit the loop.
    deadline = time.monotonic() + timeout_s
    while view.verifying and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()
    assert not view.verifying, "the verification did not finish"


def _subjects(view: AuditLogView) -> list[str]:
    return [view.table.cell(r, 4) for r in range(view.table.row_count)]


def test_the_log_lists_newest_first_and_filters(qtbot: QtBot, logged: Store) -> None:
    view = AuditLogView(logged)
    qtbot.addWidget(view)
    assert view.table.row_count == 4 and view.count_label.text() == "4 entries"
    assert [view.table.cell(0, c) for c in range(6)] == [
        "2026-06-04 09:30Z", "Lt. Rasa Vaitkutė", "Vilnius NMCC (LT)", "Conflict resolved",
        "Movement Iron Wolf 2: departure", "kept: other; value: 2026-06-10T04:00:00Z"]

    view.action.setCurrentIndex(view.action.findData("permit_decided"))
    assert _subjects(view) == ["Permit LT-2026-0042 for Iron Wolf"]
    assert view.count_label.text() == "1 of 4 entries match"

    view.action.setCurrentIndex(0)
    view.text.setText("ONA KAIRĖ")
    view.refresh()  # as the pause after typing does
    assert _subjects(view) == ["Riga NMCC (LV)", "Permit LT-2026-0042 for Iron Wolf"]
    view.text.setText("NIGHT")
    qtbot.waitUntil(lambda: view.table.row_count == 1)  # the typing pause refreshes alone

    view.text.clear()
    view.refresh()
    view.date_from.setDate(QDate(2026, 6, 2))
    view.date_to.setDate(QDate(2026, 6, 3))
    assert view.table.row_count == 4  # the dates count only once switched on
    view.dates.setChecked(True)
    assert _subjects(view) == ["Riga NMCC (LV)", "Iron Wolf 2 to Rukla"]

    view.text.setText("nothing like this")
    view.refresh()
    assert view.table.currentWidget() is view.table.empty
    assert view.table.empty.text() == "No entries match these filters"


def test_an_empty_log_says_so(qtbot: QtBot, store: Store) -> None:
    view = AuditLogView(store)
    qtbot.addWidget(view)
    assert view.table.currentWidget() is view.table.empty
    assert view.table.empty.text() == "No decisions recorded yet"
    assert view.count_label.text() == "0 entries"


def test_verify_reports_intact_then_tampered(qtbot: QtBot, logged: Store) -> None:
    view = AuditLogView(logged)
    qtbot.addWidget(view)
    qtbot.mouseClick(view.verify_button, Qt.MouseButton.LeftButton)
    _wait(view)
    report = audit.verify(logged)
    assert view.report is not None and view.report.ok
    assert view.result.text() == f"Intact: 4 entries, head words “{audit.head_words(report)}”"
    assert "#1b6e2a" in view.result.styleSheet() or "#81c995" in view.result.styleSheet()
    assert report.head in view.result.toolTip()

    with sqlite3.connect(logged.path) as conn:
        conn.execute("UPDATE audit_log SET person = 'Someone else' WHERE seq = 2")
        conn.execute("DELETE FROM audit_log WHERE seq = 4")
    view.verify()
    assert not view.verify_button.isEnabled()
    _wait(view)
    assert view.verify_button.isEnabled()
    lines = view.result.text().splitlines()
    assert lines == ["Not intact: 2 problems in 3 entries",
                     "entry 2: its contents do not match its hash (edited)",
                     "the audit head names entry 4 but the log ends at entry 3 (the last entry "
                     "was removed)"]
    assert "#b3261e" in view.result.styleSheet() or "#f28b82" in view.result.styleSheet()
    assert view.table.row_count == 3  # the list was read again


def test_the_view_can_open_its_own_connection(qtbot: QtBot, logged: Store) -> None:
    view = AuditLogView(logged.path)
    qtbot.addWidget(view)
    assert view.store is not logged and view.table.row_count == 4


def test_the_dialog_is_keyboard_friendly(qtbot: QtBot, logged: Store) -> None:
    dialog = AuditLogDialog(logged)
    qtbot.addWidget(dialog)
    with qtbot.waitActive(dialog):
        dialog.show()
        dialog.activateWindow()
    assert dialog.windowTitle() == "Audit log"
    qtbot.waitUntil(dialog.view.text.hasFocus, timeout=1000)
    # Enter in the search box filters at once and leaves the dialog open.
    qtbot.keyClicks(dialog.view.text, "riga")
    qtbot.keyClick(dialog.view.text, Qt.Key.Key_Return)
    assert dialog.isVisible() and _subjects(dialog.view) == ["Riga NMCC (LV)"]
    dialog.view.table.table.setFocus()
    qtbot.keyClick(dialog.view.table.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.text.hasFocus()
    assert dialog.view.text.selectedText() == "riga"
    qtbot.keyClick(dialog.view.text, Qt.Key.Key_Escape)
    assert not dialog.isVisible()
