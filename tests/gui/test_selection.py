"""The shared selection: the movement list and the permit inbox follow each other and any
other view (the map) through one Selection, without echoes or repeated emissions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from pytestqt.qtbot import QtBot

from app.core import movements
from app.core.store import Store
from app.gui.models.movement_table import PAGE_SIZE
from app.gui.selection import Selection
from app.gui.views.movement_list import MovementList
from app.gui.views.permit_inbox import PermitInbox
from tests.conftest import DEMO_NOW
from tests.gui.movement_data import request

MAP = object()  # stands for another view (the map) that writes the selection


class Views:
    def __init__(self, selection: Selection, movement_list: MovementList,
                 permit_inbox: PermitInbox | None) -> None:  # fmt: skip
        self.selection = selection
        self.list = movement_list
        self.inbox = permit_inbox
        self.emitted: list[frozenset[str]] = []
        selection.changed.connect(self.emitted.append)


@pytest.fixture
def demo_store(demo_copy: Path) -> Iterator[Store]:
    with Store.open(demo_copy) as store:
        yield store


def _show(qtbot: QtBot, widget: MovementList | PermitInbox) -> None:
    qtbot.addWidget(widget)
    widget.resize(1200, 600)
    widget.show()
    qtbot.waitExposed(widget)


def _bound(qtbot: QtBot, store: Store, with_inbox: bool = True) -> Views:
    selection = Selection()
    movement_list = MovementList(store)
    _show(qtbot, movement_list)
    movement_list.bind_selection(selection)
    permit_inbox = None
    if with_inbox:
        permit_inbox = PermitInbox(store, now=lambda: DEMO_NOW)
        _show(qtbot, permit_inbox)
        permit_inbox.bind_selection(selection)
    return Views(selection, movement_list, permit_inbox)


def _list_row(view: MovementList, movement_id: str) -> int:
    """The list row of a movement, reading pages as a scrolling user would."""
    while (row := view.model.row_of(movement_id)) is None:
        assert view.model.canFetchMore(), f"{movement_id} is not listed"
        view.model.fetchMore()
    return row


def _click(qtbot: QtBot, view: MovementList, row: int,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    index = view.model.index(row, view.model.column_of("name"))
    view.table.scrollTo(index)
    qtbot.mouseClick(view.table.viewport(), Qt.MouseButton.LeftButton, modifier,
                     view.table.visualRect(index).center())


def _inbox_movements(inbox: PermitInbox) -> set[str]:
    """The movements of the permits selected in the inbox."""
    rows = inbox.table.selectionModel().selectedRows()
    return {inbox.model.item(index.row())["movement_id"] for index in rows}


def _inbox_permits_of(inbox: PermitInbox, movement_ids: set[str]) -> set[str]:
    return {item["id"] for row in range(inbox.model.rowCount())
            if (item := inbox.model.item(row))["movement_id"] in movement_ids}  # fmt: skip


# -- the Selection itself ------------------------------------------------------------------
def test_the_selection_emits_once_per_real_change_and_remembers_the_source(
    qtbot: QtBot,
) -> None:
    selection = Selection()
    emitted: list[frozenset[str]] = []
    points: list[str | None] = []
    selection.changed.connect(emitted.append)
    selection.point_changed.connect(points.append)
    assert selection.set_movements(["a", "b"], source=MAP)
    assert not selection.set_movements(("b", "a", "a"), source=None)  # the same set
    assert emitted == [frozenset({"a", "b"})]
    assert selection.movements == frozenset({"a", "b"})
    assert selection.source is MAP
    assert selection.set_point("CP-7")
    assert not selection.set_point("CP-7")
    assert points == ["CP-7"]
    selection.clear()
    assert emitted[-1] == frozenset() and points[-1] is None
    assert (len(emitted), len(points)) == (2, 2)
    assert selection.movements == frozenset() and selection.point is None


# -- the movement list and the inbox ---------------------------------------------------------
def test_selecting_a_row_in_the_list_selects_the_movement_and_its_permit(
    demo_store: Store, qtbot: QtBot
) -> None:
    views = _bound(qtbot, demo_store)
    assert views.inbox is not None and views.inbox.model.rowCount() > 0
    movement_id = views.inbox.model.item(0)["movement_id"]
    reported: list[str | None] = []
    views.list.movement_selected.connect(reported.append)
    _click(qtbot, views.list, _list_row(views.list, movement_id))
    assert views.selection.movements == {movement_id}
    assert views.selection.source is views.list
    assert views.emitted == [frozenset({movement_id})]  # once: neither view echoed it
    assert _inbox_movements(views.inbox) == {movement_id}
    assert views.inbox.selected_item()["movement_id"] == movement_id
    assert reported == [movement_id]  # the detail pane still hears of it


def test_selecting_a_permit_selects_its_movement_in_the_list(
    demo_store: Store, qtbot: QtBot
) -> None:
    views = _bound(qtbot, demo_store)
    assert views.inbox is not None
    item = views.inbox.model.item(1)
    views.inbox.table.setFocus()
    assert views.inbox.select_permit(item["id"])
    assert views.selection.movements == {item["movement_id"]}
    assert views.selection.source is views.inbox
    assert len(views.emitted) == 1
    assert views.list.selected_ids() == [item["movement_id"]]
    assert views.list.selected_id() == item["movement_id"]
    assert views.inbox.selected_id() == item["id"]  # still the permit chosen, not a sibling
    # Choosing the same permit again changes nothing and emits nothing.
    views.inbox.select_permit(item["id"])
    assert len(views.emitted) == 1


def test_a_selection_made_elsewhere_selects_rows_in_both_without_echo(
    demo_store: Store, qtbot: QtBot
) -> None:
    views = _bound(qtbot, demo_store)
    assert views.inbox is not None
    views.inbox.status_combo.setCurrentIndex(views.inbox.status_combo.findText("All"))
    assert views.emitted == []  # re-reading the inbox chose nothing
    inbox_movements = [views.inbox.model.item(r)["movement_id"] for r in range(3)]
    without_permit = next(r["id"] for r in movements.page(demo_store)
                          if r["id"] not in set(inbox_movements)
                          and not _inbox_permits_of(views.inbox, {r["id"]}))  # fmt: skip
    wanted = {*inbox_movements[:2], without_permit}
    assert views.selection.set_movements(wanted, source=MAP)
    assert views.emitted == [frozenset(wanted)]  # neither view wrote back
    assert set(views.list.selected_ids()) == wanted
    expected = _inbox_permits_of(views.inbox, wanted)
    selected = {views.inbox.model.permit_id(i.row())
                for i in views.inbox.table.selectionModel().selectedRows()}  # fmt: skip
    assert selected == expected and len(expected) >= 2
    assert views.inbox.selected_item()["movement_id"] in wanted
    # The topmost selected movement is in view.
    first = min(_list_row(views.list, m) for m in wanted)
    rect = views.list.table.visualRect(views.list.model.index(first, 0))
    assert views.list.table.viewport().rect().intersects(rect)
    # A movement with no permit listed clears the inbox's selection, not the list's.
    assert views.selection.set_movements({without_permit}, source=MAP)
    assert views.inbox.table.selectionModel().selectedRows() == []
    assert views.inbox.selected_id() is None
    assert views.list.selected_ids() == [without_permit]
    assert len(views.emitted) == 2


def test_several_rows_chosen_in_the_list_make_one_selection(
    store: Store, add_movements: Callable[[int], list[str]], qtbot: QtBot
) -> None:
    add_movements(10)
    views = _bound(qtbot, store, with_inbox=False)
    _click(qtbot, views.list, 1)
    _click(qtbot, views.list, 4, Qt.KeyboardModifier.ControlModifier)
    ids = {views.list.model.movement_id(1), views.list.model.movement_id(4)}
    assert views.selection.movements == ids
    _click(qtbot, views.list, 6, Qt.KeyboardModifier.ShiftModifier)
    assert views.selection.movements == {views.list.model.movement_id(r) for r in (1, 4, 5, 6)}
    assert views.emitted[-1] == views.selection.movements
    assert len(views.emitted) == 3  # one emission per click


def test_a_movement_not_yet_read_is_found_and_one_the_filter_hides_is_not(
    store: Store, add_movements: Callable[[int], list[str]], qtbot: QtBot
) -> None:
    ids = add_movements(650)  # a priority lists over a page of them
    priority = {m: request(i)["priority"] for i, m in enumerate(ids)}
    order = [r["id"] for r in movements.page(store)]  # the list's order, by departure
    views = _bound(qtbot, store, with_inbox=False)
    assert views.list.model.rowCount() == PAGE_SIZE
    last = order[-1]  # in the fourth page
    views.selection.set_movements({last}, source=MAP)
    assert views.list.selected_ids() == [last]
    assert views.list.selected_id() == last
    assert views.list.model.rowCount() > 3 * PAGE_SIZE  # read on to it
    # Hidden by the filter: the table selection stays empty, the shared one is kept, and
    # the list does not read page after page looking for it.
    shown = next(p for p in ("routine", "exercise", "crisis") if p != priority[last])
    combo = views.list.priority_combo
    combo.setCurrentIndex(combo.findData(shown))
    assert views.list.model.total > PAGE_SIZE
    assert views.list.selected_ids() == []
    assert views.selection.movements == {last}
    assert views.list.model.rowCount() == PAGE_SIZE
    hidden = next(m for m in reversed(order) if priority[m] != shown and m != last)
    views.selection.set_movements({hidden}, source=MAP)
    assert views.list.selected_ids() == []
    assert views.list.model.rowCount() == PAGE_SIZE
    # What the filter lists is selected, however deep; clearing the filter keeps it all.
    first = views.list.model.movement_id(0)
    deep = next(m for m in reversed(order) if priority[m] == shown)
    views.selection.set_movements({first, deep, last}, source=MAP)
    assert views.list.selected_ids() == [first, deep]
    combo.setCurrentIndex(combo.findData(""))
    assert set(views.list.selected_ids()) == {first, deep, last}
    assert views.selection.movements == {first, deep, last}
    assert len(views.emitted) == 3  # all by the map; the list never wrote


def test_sorting_keeps_the_selection_and_emits_nothing(
    store: Store, add_movements: Callable[[int], list[str]], qtbot: QtBot
) -> None:
    ids = add_movements(12)
    views = _bound(qtbot, store, with_inbox=False)
    views.selection.set_movements({ids[2], ids[7]}, source=MAP)
    views.list.table.sortByColumn(views.list.model.column_of("name"),
                                  Qt.SortOrder.DescendingOrder)  # fmt: skip
    assert views.list.model.order == ("name", True)
    assert set(views.list.selected_ids()) == {ids[2], ids[7]}
    assert len(views.emitted) == 1


def test_the_inbox_shows_the_selection_again_after_switching_direction(
    demo_store: Store, qtbot: QtBot
) -> None:
    views = _bound(qtbot, demo_store, with_inbox=False)
    inbox = PermitInbox(demo_store, now=lambda: DEMO_NOW)
    _show(qtbot, inbox)
    inbox.set_direction("outgoing")
    ours = inbox.model.item(0)["movement_id"]
    inbox.set_direction("incoming")
    views.selection.set_movements({ours}, source=MAP)
    inbox.bind_selection(views.selection)  # binding shows what is already selected
    assert inbox.selected_id() is None  # LT's own movement: nothing to decide here
    inbox.set_direction("outgoing")
    assert _inbox_movements(inbox) == {ours}
    assert inbox.selected_item()["movement_id"] == ours
    assert views.selection.movements == {ours} and len(views.emitted) == 1
    # Back to the requests to decide: the user's choice of a row is shared.
    inbox.set_direction("incoming")
    assert inbox.selected_id() is None and views.selection.movements == {ours}
    inbox.table.selectionModel().setCurrentIndex(
        inbox.model.index(1, 0),
        QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows)  # fmt: skip
    theirs = inbox.model.item(1)["movement_id"]
    assert views.selection.movements == {theirs}
    assert views.list.selected_ids() == [theirs]
    assert len(views.emitted) == 2
