"""The movement table model: SQL sorting, filtering and paging, and what each cell shows."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QPersistentModelIndex, Qt
from PySide6.QtGui import QColor, QFont
from pytestqt.qtbot import QtBot

from app.core import movements
from app.core.movements import COLUMN_KEYS, MovementFilter
from app.core.store import Store
from app.gui.models.movement_table import PAGE_SIZE, MovementTableModel
from tests.gui.movement_data import add, request

Adder = Callable[[int], list[str]]


def _ids(model: MovementTableModel) -> list[str | None]:
    return [model.movement_id(row) for row in range(model.rowCount())]


def _column(model: MovementTableModel, key: str) -> list[str]:
    column = model.column_of(key)
    return [model.index(row, column).data() for row in range(model.rowCount())]


@pytest.mark.parametrize("key", COLUMN_KEYS)
def test_sorting_by_each_column_both_ways_matches_the_sql_order(
    store: Store, add_movements: Adder, qtbot: QtBot, key: str
) -> None:
    add_movements(30)
    model = MovementTableModel(store)
    for order, descending in (
        (Qt.SortOrder.AscendingOrder, False),
        (Qt.SortOrder.DescendingOrder, True),
    ):
        model.sort(model.column_of(key), order)
        truth = [r["id"] for r in movements.page(store, order=key, descending=descending)]
        assert _ids(model) == truth
        assert model.order == (key, descending)


def test_sorting_by_name_and_departure_gives_the_order_a_person_expects(
    store: Store, add_movements: Adder
) -> None:
    add_movements(25)
    docs = [request(i) for i in range(25)]
    model = MovementTableModel(store)
    model.sort(model.column_of("name"), Qt.SortOrder.DescendingOrder)
    assert _column(model, "name") == sorted((d["name"] for d in docs), reverse=True)
    model.sort(model.column_of("depart"), Qt.SortOrder.AscendingOrder)
    departures = [d["depart"].replace("T", " ")[:16] + "Z" for d in docs]
    assert _column(model, "depart") == sorted(departures)


def test_a_sort_is_a_layout_change_that_keeps_the_selected_movement(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    add_movements(12)
    model = MovementTableModel(store)
    kept = QPersistentModelIndex(model.index(3, 0))
    movement_id = model.movement_id(3)
    with qtbot.waitSignals([model.layoutAboutToBeChanged, model.layoutChanged], timeout=500):
        model.sort(model.column_of("name"), Qt.SortOrder.DescendingOrder)
    assert kept.isValid()
    assert model.movement_id(kept.row()) == movement_id


def test_a_text_filter_keeps_exactly_the_matching_movements(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    add_movements(40)
    model = MovementTableModel(store)
    with qtbot.waitSignal(model.modelReset, timeout=500):
        model.set_filter(MovementFilter(text="Convoy 001"))
    # Every word must match: "001" is in 0001 and 0010-0019, and "Convoy" is in all.
    wanted = [1, *range(10, 20)]
    assert sorted(_column(model, "name")) == [f"Convoy {i:04d} to Rukla" for i in wanted]
    assert model.total == len(wanted)


def test_an_owner_filter_keeps_exactly_that_nations_movements(
    store: Store, add_movements: Adder
) -> None:
    ids = add_movements(40)
    model = MovementTableModel(store)
    model.set_filter(MovementFilter(owner="PL"))
    expected = {ids[i] for i in range(40) if request(i)["owner"] == "PL"}
    assert set(_ids(model)) == expected
    assert set(_column(model, "owner")) == {"PL"}


def test_rows_are_fetched_a_page_at_a_time(store: Store, add_movements: Adder) -> None:
    add_movements(450)
    model = MovementTableModel(store)
    assert model.total == 450
    assert model.rowCount() == PAGE_SIZE
    assert model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 2 * PAGE_SIZE
    model.fetchMore()
    assert model.rowCount() == 450
    assert not model.canFetchMore()
    assert _ids(model) == [r["id"] for r in movements.page(store)]


def test_sorting_after_fetching_keeps_as_many_rows_loaded(
    store: Store, add_movements: Adder
) -> None:
    add_movements(450)
    model = MovementTableModel(store)
    model.fetchMore()
    model.sort(model.column_of("vehicles"), Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == 2 * PAGE_SIZE
    truth = movements.page(store, order="vehicles", descending=True, limit=2 * PAGE_SIZE)
    assert _ids(model) == [r["id"] for r in truth]


def test_cells_show_labels_short_times_and_right_aligned_numbers(store: Store) -> None:
    add(
        store,
        request(
            7,
            name="Leopard company to Rukla",
            status="under_way",
            priority="crisis",
            owner="DE",
            depart="2027-03-02T14:30:00Z",
        ),
    )
    model = MovementTableModel(store)

    def cell(key: str, role: Qt.ItemDataRole = Qt.ItemDataRole.DisplayRole) -> object:
        return model.index(0, model.column_of(key)).data(role)

    assert cell("status") == "Under way"
    assert cell("priority") == "Crisis"
    assert cell("domain") == "Road"
    assert cell("depart") == "2027-03-02 14:30Z"
    assert cell("vehicles") == "8"
    assert cell("max_mlc") == "70"
    right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
    assert cell("vehicles", Qt.ItemDataRole.TextAlignmentRole) == right
    assert cell("name", Qt.ItemDataRole.ToolTipRole).startswith("Leopard company to Rukla")
    assert cell("owner", Qt.ItemDataRole.ToolTipRole) == "Germany"
    assert cell("depart", Qt.ItemDataRole.ToolTipRole) == "021430ZMAR27"


def test_crisis_rows_are_tinted_and_their_priority_bold(store: Store) -> None:
    add(store, request(1, priority="crisis"))
    add(store, request(2, priority="routine", depart="2027-12-01T00:00:00Z", arrive_by=None))
    model = MovementTableModel(store)
    crisis, routine = model.index(0, 0), model.index(1, 0)
    tint = crisis.data(Qt.ItemDataRole.BackgroundRole)
    assert isinstance(tint, QColor) and 0 < tint.alpha() < 128  # a tint, not a fill
    assert routine.data(Qt.ItemDataRole.BackgroundRole) is None
    font = model.index(0, model.column_of("priority")).data(Qt.ItemDataRole.FontRole)
    assert isinstance(font, QFont) and font.bold()


def test_refresh_shows_a_movement_written_after_opening(
    store: Store, add_movements: Adder, qtbot: QtBot
) -> None:
    add_movements(3)
    model = MovementTableModel(store)
    add(store, request(99))
    assert model.rowCount() == 3
    with qtbot.waitSignal(model.modelReset, timeout=500):
        model.refresh()
    assert model.rowCount() == 4
    assert model.total == 4
