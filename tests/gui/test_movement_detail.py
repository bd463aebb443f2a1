"""The detail pane: an empty state, then the selected movement in full."""

from __future__ import annotations

import pytest
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.main_window import MainWindow
from app.gui.views.movement_detail import MovementDetail, route_length_km
from tests.gui.movement_data import LEOPARD, TRUCK, add, request


def test_nothing_selected_shows_the_empty_state(store: Store, qtbot: QtBot) -> None:
    detail = MovementDetail(store)
    qtbot.addWidget(detail)
    assert detail.currentWidget() is detail.empty
    assert "Select a movement" in detail.empty.text()


def test_selecting_a_row_fills_the_detail_pane(store: Store, qtbot: QtBot) -> None:
    vehicles = [{**LEOPARD, "count": 30}, {**TRUCK, "count": 2}]
    movement_id = add(store, request(4, name="Leopard company to Rukla", owner="DE",
                                     unit="PzBtl 393", priority="crisis", status="under_way",
                                     depart="2027-03-02T14:30:00Z",
                                     arrive_by="2027-03-03T06:00:00Z", personnel=120,
                                     vehicles=vehicles))  # fmt: skip
    window = MainWindow(store)
    qtbot.addWidget(window)
    detail = window.movement_detail
    window.movement_list.select_row(0)
    assert detail.movement_id == movement_id
    assert detail.currentWidget() is not detail.empty
    assert detail.title.text() == "Leopard company to Rukla"
    assert detail.owner.text() == "DE"
    assert "PzBtl 393" in detail.unit.text()
    assert detail.field_text("priority") == "Crisis"
    assert detail.field_text("status") == "Under way"
    assert detail.field_text("depart").startswith("2027-03-02 14:30Z")
    assert "021430ZMAR27" in detail.field_text("depart")
    assert detail.field_text("personnel") == "120"
    assert detail.field_text("speed_kmh") == "40 km/h"
    assert detail.field_text("start") == "54.3000° N, 23.1200° E"
    assert detail.field_text("end") == "56.9500° N, 24.1100° E"
    km = route_length_km(request(0)["route"])
    assert detail.field_text("route_length") == f"{km:,.1f} km"
    assert "ADR 3" in detail.field_text("vehicles")
    # 32 vehicles in serials of 24: Leopards 24 + 6, then the two tankers in serial 2.
    serials = detail.serials
    assert serials.row_count == 3
    assert [serials.cell(r, 0) for r in range(3)] == ["1", "2", "2"]
    assert serials.cell(0, 2) == "24" and serials.cell(0, 5) == "yes"
    assert serials.cell(2, 6) == "3"
    assert detail.tabs.tabText(detail.tabs.indexOf(detail.serials)) == "Serials (2)"
    # Written as submitted, the movement asked each nation its route enters for a permit.
    asked = {p["host_nation"] for p in store.rows("permits", "movement_id = ?", (movement_id,))}
    assert asked and "DE" not in asked
    shown = {detail.permits.cell(r, 0)[:2] for r in range(detail.permits.row_count)}
    assert shown == asked
    assert {detail.permits.cell(r, 1) for r in range(detail.permits.row_count)} == {"Requested"}
    assert detail.tabs.tabText(detail.tabs.indexOf(detail.history)) == "History (1)"
    created = detail.history.edit(0)
    assert created.text(0).endswith("DE cell (DE)  ·  created")  # the owner nation wrote it
    fields = {created.child(i).text(0) for i in range(created.childCount())}
    assert {"Name", "Planned departure", "Status"} <= fields
    assert "Exercise" not in fields  # a field never set has no history


def test_an_edit_shows_first_in_the_history_with_old_and_new_values(
    store: Store, qtbot: QtBot
) -> None:
    movement_id = add(store, request(2, status="planned", owner="LT"))  # this site's own
    with store.write() as w:
        w.update("movements", movement_id, {"status": "under_way", "speed_kmh": 35})
    detail = MovementDetail(store)
    qtbot.addWidget(detail)
    detail.show_movement(movement_id)
    assert detail.history.edit_count == 2
    latest = detail.history.edit(0)
    assert latest.text(0).endswith("2 fields")
    changes = {latest.child(i).text(0): (latest.child(i).text(1), latest.child(i).text(2))
               for i in range(latest.childCount())}  # fmt: skip
    assert changes == {"Status": ("Planned", "Under way"), "Speed (km/h)": ("40", "35")}
    assert detail.history.edit(1).text(0).endswith("created")


def test_route_length_follows_the_ellipsoid() -> None:
    # Vilnius to Riga is about 262 km as the crow flies.
    assert route_length_km([[25.28, 54.69], [24.11, 56.95]]) == pytest.approx(262, abs=3)
