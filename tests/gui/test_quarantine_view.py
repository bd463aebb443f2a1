"""The quarantine tab of the Sync window: changes kept aside for lack of authority."""

from __future__ import annotations

import json

import pytest
from pytestqt.qtbot import QtBot

from app.core.clock import pack
from app.core.store import Store
from app.gui import bundle_transfer
from app.gui.bundle_transfer import Outcome
from app.gui.main_window import MainWindow
from app.gui.views.quarantine_view import EXPLANATION, QuarantineView, change_text
from app.gui.views.sync_dialog import SyncDialog

RIGA = "5d1c6a3e-0000-4000-8000-00000000c001"
TALLINN = "5d1c6a3e-0000-4000-8000-00000000c002"
MOVEMENT = "01a20443-0000-7000-8000-000000000042"


@pytest.fixture(autouse=True)
def _no_drives(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle_transfer, "removable_drives", lambda volumes=None: [])


def _quarantine(store: Store, seq: int, field: str, value: object, reason: str,
                received_at: str) -> None:  # fmt: skip
    """A refused change as an import keeps it: made at Riga, brought by Tallinn."""
    with store.conn:
        store.register_site(RIGA, "LV", "Riga NMCC")
        store.register_site(TALLINN, "EE", "Tallinn NMCC")
        store.conn.execute(
            "INSERT INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (store.site_no(RIGA), seq, pack(1_781_000_000_000 + seq), "movements", MOVEMENT,
             field, json.dumps(value), 0, reason, TALLINN, f"bundle-{seq}", received_at))


def test_quarantined_changes_are_listed_newest_first_with_why(
    store: Store, qtbot: QtBot
) -> None:
    view = QuarantineView(store)
    qtbot.addWidget(view)
    assert view.table.currentWidget() is view.table.empty
    assert view.count_label.isHidden()

    reason = "movement belongs to LT: only LT may change it, not LV"
    _quarantine(store, 1, "status", "planned", reason, "2026-06-09T10:00:00Z")
    _quarantine(store, 2, "name", "Iron Wolf 3/2", reason, "2026-06-09T11:30:00Z")
    counts: list[int] = []
    view.counted.connect(counts.append)
    view.refresh()
    assert counts == [2] and view.count_label.text() == "2 quarantined changes"
    rows = [[view.table.cell(r, c) for c in range(5)] for r in range(view.table.row_count)]
    assert rows == [
        ["2026-06-09 11:30Z", "Riga NMCC (LV)", "Tallinn NMCC (EE)",
         "Movement · Name = Iron Wolf 3/2", "Movement belongs to LT: only LT may change it, "
         "not LV"],
        ["2026-06-09 10:00Z", "Riga NMCC (LV)", "Tallinn NMCC (EE)",
         "Movement · Status = Planned", "Movement belongs to LT: only LT may change it, not LV"],
    ]
    tip = view.table.table.item(0, 3).toolTip()
    assert f"Record {MOVEMENT} (movements.name)" in tip and "bundle-2" in tip


def test_changes_read_in_the_consoles_words() -> None:
    base = {"table": "movements", "row_id": MOVEMENT}
    assert change_text(base | {"field": "deleted", "value": "true"}) == "Movement · removed"
    assert change_text(base | {"field": "unit", "value": None}) == "Movement · Unit = —"
    assert change_text({"table": "gadgets", "field": "colour", "value": '"red"',
                        "row_id": "x"}) == "gadgets · colour = red"


def test_the_sync_window_has_a_quarantine_tab_refreshed_after_each_import(
    store: Store, qtbot: QtBot
) -> None:
    dialog = SyncDialog(store)
    qtbot.addWidget(dialog)
    index = dialog.tabs.indexOf(dialog.quarantine)
    assert dialog.tabs.tabText(index) == "&Quarantine"
    _quarantine(store, 1, "status", "planned", "no authority", "2026-06-09T10:00:00Z")
    # An import that applied nothing still may have quarantined changes: the tab re-reads.
    dialog.panel.transfer.finished.emit(Outcome("done", ["bundle.mcb:"], changed=False))
    assert dialog.tabs.tabText(index) == "&Quarantine (1)"
    assert dialog.quarantine.table.row_count == 1


def test_the_sync_menu_shows_the_quarantine(store: Store, qtbot: QtBot) -> None:
    _quarantine(store, 1, "status", "planned", "no authority", "2026-06-09T10:00:00Z")
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.quarantine_action.trigger()
    dialog = window.sync_dialog
    assert dialog.isVisible() and dialog.tabs.currentWidget() is window.quarantine_view
    assert window.quarantine_view.table.row_count == 1
    window.show_sync()
    assert "Quarantined: 1" in window.sync_panel.counts.text()
    explanation = window.quarantine_view.findChildren(type(window.quarantine_view.count_label))
    assert EXPLANATION in [label.text() for label in explanation]

