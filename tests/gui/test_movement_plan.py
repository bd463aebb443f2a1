"""The plan tab: the store is planned off the GUI thread and the selection shows its plan."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.main_window import MainWindow


def test_the_selected_movement_shows_its_plan(demo_copy: Path, qtbot: QtBot) -> None:
    store = Store.open(demo_copy)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    detail = window.movement_detail
    listing = window.movement_list
    row = next(r for r in range(listing.model.rowCount())
               if listing.model.index(r, 0).data() == "Heavy armour to Ādaži (HET)")
    listing.select_row(row)
    assert "Planning" in detail.plan.summary.text()  # before the worker has answered
    qtbot.waitUntil(lambda: window.planning.current is not None, timeout=30000)
    plan = detail.plan
    assert "370" in plan.summary.text() and "Saločiai – Grenctāle" in plan.summary.text()
    assert plan.violations.row_count == 1
    assert plan.violations.cell(0, 1) == "Mūsa bridge, Bauska (E67/A7)"
    assert (plan.violations.cell(0, 3), plan.violations.cell(0, 4),
            plan.violations.cell(0, 5)) == ("MLC", "85", "105")
    assert plan.march.row_count > 10 and plan.march.cell(0, 1) == "SP"
    assert detail.tabs.tabText(detail.tabs.indexOf(plan)) == "Plan (1 ⚠)"

    row = next(r for r in range(listing.model.rowCount())
               if listing.model.index(r, 0).data() == "Stryker troop to Ādaži")
    listing.select_row(row)
    with_whom = {plan.conflicts.cell(r, 2) for r in range(plan.conflicts.row_count)}
    assert with_whom == {"Mechanised company to Ādaži"}
    window.close()
    store.close()
