"""The movement list: its filter bar, header sorting and the selection it reports."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from app.core import movements
from app.core.store import Store
from app.gui.models.movement_table import PAGE_SIZE
from app.gui.views.movement_list import MovementList
from tests.gui.movement_data import request

Adder = Callable[[int], list[str]]


def _shown(view: MovementList) -> list[str | None]:
    return [view.model.movement_id(r) for r in range(view.model.rowCount())]


def _list(qtbot: QtBot, store: Store) -> MovementList:
    view = MovementList(store)
    qtbot.addWidget(view)
    view.resize(1000, 600)
    view.show()
    qtbot.waitExposed(view)
    return view


def test_clicking_a_heading_sorts_by_it_and_clicking_again_reverses(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    add_movements(20)
    view = _list(qtbot, store)
    header = view.table.horizontalHeader()
    column = view.model.column_of("name")
    where = QPoint(header.sectionViewportPosition(column) + 8, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert header.sortIndicatorSection() == column
    first = header.sortIndicatorOrder()
    descending = first == Qt.SortOrder.DescendingOrder
    assert _shown(view) == [
        r["id"] for r in movements.page(store, order="name", descending=descending)
    ]
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    assert header.sortIndicatorOrder() != first
    assert _shown(view) == [
        r["id"] for r in movements.page(store, order="name", descending=not descending)
    ]


def test_typing_in_the_filter_narrows_the_list(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    ids = add_movements(30)
    view = _list(qtbot, store)
    qtbot.keyClicks(view.filter_text, "Convoy 0017")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=2000)
    assert _shown(view) == [ids[17]]
    assert view.shown.text() == "1 of 30 movements"
    view.filter_text.clear()
    qtbot.waitUntil(lambda: view.model.rowCount() == 30, timeout=2000)
    assert view.shown.text() == "30 movements"


def test_the_owner_combo_lists_all_first_and_filters_by_nation(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    ids = add_movements(30)
    view = _list(qtbot, store)
    combo = view.owner_combo
    assert combo.itemText(0) == "All"
    combo.setCurrentIndex(combo.findData("EE"))
    expected = {ids[i] for i in range(30) if request(i)["owner"] == "EE"}
    assert set(_shown(view)) == expected
    view.status_combo.setCurrentIndex(view.status_combo.findData("planned"))
    expected = {
        ids[i]
        for i in range(30)
        if request(i)["owner"] == "EE" and request(i)["status"] == "planned"
    }
    assert set(_shown(view)) == expected
    combo.setCurrentIndex(0)
    view.status_combo.setCurrentIndex(0)
    assert len(_shown(view)) == 30


def test_status_and_priority_combos_offer_the_vocabulary_labels(store: Store, qtbot: QtBot) -> None:
    view = _list(qtbot, store)
    statuses = [view.status_combo.itemText(i) for i in range(view.status_combo.count())]
    priorities = [view.priority_combo.itemText(i) for i in range(view.priority_combo.count())]
    assert statuses[0] == "All" and "Under way" in statuses
    assert priorities == ["All", "Crisis", "Exercise", "Routine"]


def test_ctrl_f_puts_the_cursor_in_the_filter(store: Store, qtbot: QtBot) -> None:
    view = _list(qtbot, store)
    with qtbot.waitActive(view):
        view.activateWindow()
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(view.filter_text.hasFocus, timeout=1000)


def test_selecting_a_row_reports_its_movement_and_a_hiding_filter_clears_it(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    add_movements(10)
    view = _list(qtbot, store)
    with qtbot.waitSignal(view.movement_selected, timeout=500) as chosen:
        view.select_row(2)
    assert chosen.args == [view.model.movement_id(2)]
    name = view.model.index(2, view.model.column_of("name")).data()
    view.filter_text.setText(name)
    view.apply_filter()
    assert view.selected_id() == chosen.args[0]  # still listed, still selected
    with qtbot.waitSignal(view.movement_selected, timeout=500) as cleared:
        view.filter_text.setText("no such movement")
        view.apply_filter()
    assert cleared.args == [None]


def test_scrolling_to_the_end_fetches_the_next_page(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    add_movements(450)
    view = _list(qtbot, store)
    assert view.model.rowCount() == PAGE_SIZE
    view.table.scrollToBottom()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2 * PAGE_SIZE, timeout=2000)
    assert view.shown.text() == "450 movements"


def test_columns_can_be_hidden_from_the_heading_menu(
    store: Store, qtbot: QtBot, add_movements: Callable[[int], list[str]]
) -> None:
    add_movements(3)
    view = MovementList(store)
    qtbot.addWidget(view)
    header = view.table.horizontalHeader()
    by_text = {a.text(): a for a in view.column_actions}
    assert not by_text["Movement"].isEnabled()
    by_text["Unit"].setChecked(False)
    assert header.isSectionHidden(view.model.column_of("unit"))
    by_text["Unit"].setChecked(True)
    assert not header.isSectionHidden(view.model.column_of("unit"))
