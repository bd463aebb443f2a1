"""Ctrl+F on the map and the timeline: find a movement or a critical point by name."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.find_box import FindBox, fold
from app.gui.main_window import MainWindow
from app.gui.map_view import MapView
from app.gui.planning import plan_store
from app.gui.timeline_view import TimelineView
from tests.conftest import DEMO_NOW


@pytest.fixture
def demo_store(demo_copy: Path) -> Iterator[Store]:
    s = Store.open(demo_copy)
    yield s
    s.close()


def _point(store: Store, key: str) -> str:
    return next(p["id"] for p in store.rows("critical_points") if p["key"] == key)


def _movement(store: Store, name: str) -> str:
    return next(m["id"] for m in store.rows("movements") if m["name"] == name)


def test_names_are_found_without_their_accents_and_a_whole_name_comes_first(
    demo_store: Store, qtbot: QtBot
) -> None:
    assert fold("Ādaži Pabradė Šiauliai") == "adazi pabrade siauliai"
    box = FindBox(demo_store)
    qtbot.addWidget(box)
    found = box.matches("adazi")
    assert found[0].text == "Ādaži · garrison (LV)" and found[0].kind == "point"
    assert {f.kind for f in found[1:]} == {"movement", "point"}  # movements to Ādaži, its bridge
    assert all("Ādaži" in f.text for f in found)
    # Every word counts, in any order; case does not.
    assert [f.text for f in box.matches("STRYKER pabr")] == \
        ["Stryker squadron to Pabradė — 2/2 CR (US)"]
    assert box.matches("no such place") == []
    movements_only = FindBox(demo_store, points=False)
    qtbot.addWidget(movements_only)
    assert {f.kind for f in movements_only.matches("adazi")} == {"movement"}


def test_typing_offers_the_ranked_suggestions(demo_store: Store, qtbot: QtBot) -> None:
    box = FindBox(demo_store)
    qtbot.addWidget(box)
    box.show()
    qtbot.keyClicks(box, "kalv")
    texts = [box.suggestions.item(r).text() for r in range(box.suggestions.rowCount())]
    assert texts == ["Kalviai – Meitene · road crossing (LT)",  # the name begins so
                     "Budzisko – Kalvarija · road crossing (LT)"]  # a word of it does
    box.clear()
    box._suggest("")
    assert box.suggestions.rowCount() == 0


def test_the_map_selects_and_zooms_to_what_is_found(demo_store: Store, qtbot: QtBot) -> None:
    view = MapView(demo_store)
    qtbot.addWidget(view)
    view.resize(1000, 700)
    view.show()
    qtbot.waitExposed(view)
    (x0, x1), _ = view.view_box.viewRange()
    view.find_box.setText("Ādaži")
    assert view.find_box.find_first().kind == "point"
    assert view.selection.point == _point(demo_store, "adazi")
    (z0, z1), _ = view.view_box.viewRange()
    assert (z1 - z0) < (x1 - x0) / 10  # closed in on it
    view.find_box.setText("Stryker squadron")
    view.find_box.find_first()
    assert view.selection.movements == {_movement(demo_store, "Stryker squadron to Pabradė")}
    view.find_box.setText("Atlantis")
    assert view.find_box.find_first() is None
    assert view.status.text() == "No movement or critical point is named “Atlantis”."


def test_the_timeline_brings_the_movement_found_into_view(demo_store: Store,
                                                          qtbot: QtBot) -> None:  # fmt: skip
    view = TimelineView(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(view)
    view.resize(1200, 500)
    view.show()
    qtbot.waitExposed(view)
    view.plan_now()
    view.view_box.setYRange(0, 5, padding=0)  # the first rows only
    wanted = _movement(demo_store, "HIMARS return to Suwałki")
    row = view.rows.row_of(wanted)
    assert row is not None and row > 10
    view.find_box.setText("himars return")
    view.find_box.find_first()
    assert view.selection.movements == {wanted}
    _, (y0, y1) = view.view_box.viewRange()
    assert y0 <= row <= y1


def test_ctrl_f_goes_to_the_filter_or_the_find_box_of_the_view_in_front(
    demo_store: Store, qtbot: QtBot
) -> None:
    window = MainWindow(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.planning._done(plan_store(demo_store.path))
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    for show, box in ((window.show_movements, window.movement_list.filter_text),
                      (window.show_permits, window.permit_inbox.filter_text),
                      (window.show_map, window.map_view.find_box),
                      (window.show_timeline, window.timeline_view.find_box)):  # fmt: skip
        show()
        window.find_action.trigger()
        assert window.focusWidget() is box
    # Esc leaves the find box for the map, whose keys work again.
    window.show_map()
    window.find_action.trigger()
    qtbot.keyClicks(window.map_view.find_box, "rukla")
    qtbot.keyClick(window.map_view.find_box, Qt.Key.Key_Escape)
    assert window.map_view.find_box.text() == ""
    assert window.focusWidget() is window.map_view.plot
