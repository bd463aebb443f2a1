"""The map's interaction: selection shared with the list, convoys at the time cursor, the
measure tool, route drawing and incidents that re-plan."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from pytestqt.qtbot import QtBot

from app.core import mapdata
from app.core.geography import GEOD
from app.core.store import Store
from app.gui.main_window import MainWindow
from app.gui.map_view import MapView
from tests.conftest import DEMO_NOW

UTC = timezone.utc


@pytest.fixture
def copy_store(demo_copy: Path) -> Iterator[Store]:
    s = Store.open(demo_copy)
    yield s
    s.close()


@pytest.fixture
def planned_view(copy_store: Store, qtbot: QtBot, tmp_path: Path) -> MapView:
    view = MapView(copy_store, layers_dir=tmp_path / "layers")
    qtbot.addWidget(view)
    view.resize(1200, 800)
    view.show()
    qtbot.waitExposed(view)
    view.plan_now()
    return view


def _movement(store: Store, name: str) -> dict:
    return next(m for m in store.rows("movements") if m["name"] == name)


def _point(store: Store, prefix: str) -> dict:
    return next(p for p in store.rows("critical_points") if p["name"].startswith(prefix))


def test_selection_travels_from_the_list_to_the_map_and_back(copy_store: Store,
                                                             qtbot: QtBot) -> None:
    window = MainWindow(copy_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    # List -> map.
    window.movement_list.select_row(2)
    chosen = window.movement_list.selected_ids()
    assert len(chosen) == 1
    assert window.map_view.route_layer.selected() == chosen
    # Map -> list: a click on another movement's route, half-way along it.
    window.show_map()
    other = _movement(copy_store, "Lithuanian battalion to Klaipėda")  # a road of its own
    route = window.map_view._route_by_id[other["id"]]
    mid = len(route.x) // 2
    x = (route.x[mid] + route.x[mid + 1]) / 2
    y = (route.y[mid] + route.y[mid + 1]) / 2
    window.map_view.view_box.setRange(xRange=(x - 20_000, x + 20_000),
                                      yRange=(y - 20_000, y + 20_000), padding=0)
    window.map_view.click_at(x, y)
    assert window.selection.movements == {other["id"]}
    assert window.movement_list.selected_ids() == [other["id"]]
    assert window.map_view.route_layer.selected() == [other["id"]]
    # A click on empty sea clears it everywhere.
    sea_x, sea_y = (float(v) for v in mapdata.project(19.8, 57.5))
    window.map_view.click_at(sea_x, sea_y)
    assert window.selection.movements == frozenset()
    assert window.movement_list.selected_ids() == []
    window.close()


def test_each_convoy_stands_where_its_march_table_says(planned_view: MapView,
                                                      copy_store: Store) -> None:
    view = planned_view
    plan = view.plans.plans[_movement(copy_store, "Stryker troop to Ādaži")["id"]]
    rows = [r for r in plan.forecast.rows if r.serial == 1 and r.point_id]
    checked = 0
    for row in rows[:4]:
        view.time_cursor.set_time(row.head_arrive)
        pos = view.positions
        k = int(np.flatnonzero((pos.movement_id == plan.movement_id) & (pos.serial == 1))[0])
        assert pos.head_km[k] == pytest.approx(row.km, abs=0.01)
        assert pos.on_road[k]
        # On the map the head is at the point (within the point's offset from the road).
        offset = next(p.offset_m for p in plan.route.points if p.point.id == row.point_id)
        i = view.point_data.ids.index(row.point_id)
        gap = np.hypot(pos.head_xy[k, 0] - view.point_data.x[i],
                       pos.head_xy[k, 1] - view.point_data.y[i])
        assert gap <= offset + 10.0
        view.time_cursor.set_time(row.tail_clear)
        pos = view.positions
        assert pos.tail_km[k] == pytest.approx(row.km, abs=0.01)
        checked += 1
    assert checked >= 2
    # Before it leaves and after its release it is not on the road.
    timing = plan.forecast.serials[0]
    view.time_cursor.set_time(max(view.time_cursor.start, timing.start - timedelta(minutes=5)))
    pos = view.positions
    k = int(np.flatnonzero((pos.movement_id == plan.movement_id) & (pos.serial == 1))[0])
    assert not pos.on_road[k]


def test_convoys_on_the_road_are_painted(planned_view: MapView) -> None:
    planned_view.time_cursor.set_time(DEMO_NOW)
    assert planned_view.convoys_on_road() > 0
    planned_view.grab()  # paints
    assert planned_view.convoys.painted > 0
    planned_view.set_layer_visible("convoys", False)
    assert not planned_view.convoys.isVisible()


def test_the_measure_tool_agrees_with_pyproj(planned_view: MapView) -> None:
    view = planned_view
    view.set_tool("measure")
    clicks = [(25.28, 54.69), (23.90, 54.90), (24.11, 56.95)]  # Vilnius, Kaunas, Riga
    for lon, lat in clicks:
        x, y = (float(v) for v in mapdata.project(lon, lat))
        view.click_at(x, y)
    lons = [p[0] for p in view.tool.points]
    lats = [p[1] for p in view.tool.points]
    assert lons == pytest.approx([c[0] for c in clicks], abs=1e-9)
    expected = GEOD.line_length(lons, lats)
    assert view.tool.metres == pytest.approx(expected, rel=1e-12)
    assert f"{expected / 1000:,.1f} km" in view.status.text()
    view._escape()
    assert view.tool is None


def test_the_tooltip_of_a_bridge_names_limits_position_and_next_passages(
        planned_view: MapView, copy_store: Store) -> None:  # fmt: skip
    bridge = _point(copy_store, "Šešupė")
    view = planned_view
    view.time_cursor.set_time(datetime(2026, 6, 10, 0, 0, tzinfo=UTC))
    tip = view.point_tip(view.point_data.ids.index(bridge["id"]))
    assert "Šešupė bridge" in tip and "MLC 100 tracked" in tip and "MLC 110 wheeled" in tip
    assert "MGRS 34U" in tip and "° N" in tip
    assert "Next passages:" in tip and "Leopard company to Tapa" in tip
    assert "Stryker troop" not in tip  # passed on the 9th, before the time shown


def test_the_tooltip_of_a_route_names_its_movement(planned_view: MapView,
                                                   copy_store: Store) -> None:
    view = planned_view
    other = _movement(copy_store, "Lithuanian battalion to Klaipėda")
    route = view._route_by_id[other["id"]]
    mid = len(route.x) // 2  # west of Kaunas, where no other route runs
    x, y = (route.x[mid] + route.x[mid + 1]) / 2, (route.y[mid] + route.y[mid + 1]) / 2
    view.view_box.setRange(xRange=(x - 20_000, x + 20_000), yRange=(y - 20_000, y + 20_000),
                           padding=0)
    tip = view.route_tip(x, y)
    assert tip.startswith("Lithuanian battalion to Klaipėda\nPlanned, exercise priority")
    assert " km, " in tip
    sea_x, sea_y = (float(v) for v in mapdata.project(19.8, 57.5))
    assert view.route_tip(sea_x, sea_y) == ""


def test_an_incident_at_a_bridge_replans_the_movements_that_cross_it(
        planned_view: MapView, copy_store: Store) -> None:  # fmt: skip
    view = planned_view
    bridge = _point(copy_store, "Šešupė")
    dutch = _movement(copy_store, "Dutch Boxer company to Rukla")["id"]
    czech = _movement(copy_store, "Czech logistics to Šiauliai")["id"]

    def closed(movement_id: str) -> bool:
        return any(v.rule == "closed" and v.point_id == bridge["id"]
                   for v in view.plans.plans[movement_id].violations)

    assert not closed(dutch) and not closed(czech)
    start = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    event = view.close_point(bridge["id"], start, start + timedelta(hours=3), "scour damage")
    assert event is not None
    # The Dutch company passes at about 07:08, inside the closure; the Czech at 12:08, after.
    assert closed(dutch) and not closed(czech)
    i = view.point_data.ids.index(bridge["id"])
    marked = np.column_stack(view.violation_marks.getData())
    assert any(np.allclose(m, (view.point_data.x[i], view.point_data.y[i])) for m in marked)
    view.undo_last()
    assert not closed(dutch)
    assert copy_store.get("events", event) is None


def test_an_incident_on_another_nations_point_is_refused(planned_view: MapView,
                                                        copy_store: Store,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append(a[2]))
    gauja = _point(copy_store, "Gauja bridge")  # Latvia's
    before = copy_store.count("events")
    start = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    assert planned_view.close_point(gauja["id"], start, None, "") is None
    assert "only LV may" in told[0]
    assert copy_store.count("events") == before


def test_drawing_a_route_snaps_saves_and_undoes(planned_view: MapView,
                                               copy_store: Store) -> None:
    view = planned_view
    medical = _movement(copy_store, "Medical company to Riga")
    view.selection.set_movements({medical["id"]})
    assert view.draw_action.isEnabled()
    view.zoom_to_baltic()
    view.set_tool("draw")
    # The tool starts from the movement's route: its ends and the points it passes.
    passed = [p.point.id for p in view.plans.plans[medical["id"]].route.points]
    assert [w.point_id for w in view.tool.waypoints if w.point_id] == passed
    view._clear_waypoints()
    assert view.tool.waypoints == []
    start = _point(copy_store, "Rukla")
    end = _point(copy_store, "Saločiai")
    for p in (start, end):
        x, y = (float(v) for v in mapdata.project(p["position"][0] + 0.01,
                                                  p["position"][1] + 0.005))
        view.click_at(x, y)
    assert [w.point_id for w in view.tool.waypoints] == [start["id"], end["id"]]
    assert len(view.tool.route) > 2  # along the corridors between them
    view.finish_route()
    saved = copy_store.get("movements", medical["id"])["route"]
    assert saved[0] == [round(v, 5) for v in start["position"]]
    assert saved[-1] == [round(v, 5) for v in end["position"]]
    assert view.plans.plans[medical["id"]].route.points  # re-planned on the new route
    view.undo_last()
    assert copy_store.get("movements", medical["id"])["route"] == medical["route"]


def test_a_click_on_the_drawn_line_adds_a_via_point_between_its_neighbours(
        planned_view: MapView, copy_store: Store) -> None:  # fmt: skip
    view = planned_view
    medical = _movement(copy_store, "Medical company to Riga")
    view.selection.set_movements({medical["id"]})
    view.set_tool("draw")
    tool = view.tool
    before = list(tool.waypoints)
    assert len(before) >= 3
    # Half-way along the drawn line's longest leg (away from every point on it).
    xs, ys = mapdata.project([p[0] for p in tool.route], [p[1] for p in tool.route])
    k = int(np.argmax(np.hypot(np.diff(xs), np.diff(ys))))
    x, y = float(xs[k] + xs[k + 1]) / 2, float(ys[k] + ys[k + 1]) / 2
    view.view_box.setRange(xRange=(x - 30_000, x + 30_000), yRange=(y - 30_000, y + 30_000),
                           padding=0)
    view.click_at(x, y)
    assert len(tool.waypoints) == len(before) + 1
    added = next(i for i, w in enumerate(tool.waypoints) if w not in before)
    assert 0 < added < len(tool.waypoints) - 1  # a via point, not a new end
    # Far from the line, a click extends the route at its end.
    sx, sy = (float(v) for v in mapdata.project(27.0, 57.5))
    view.click_at(sx, sy)
    assert tool.waypoints[-1].lon == pytest.approx(27.0, abs=0.2)


def test_a_route_across_the_sea_is_refused_with_its_reason(
        planned_view: MapView, copy_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append(a[2]))
    view = planned_view
    medical = _movement(copy_store, "Medical company to Riga")
    view.selection.set_movements({medical["id"]})
    view.set_tool("draw")
    view._clear_waypoints()
    for lon, lat in ((21.2, 55.7), (18.5, 57.6)):  # Klaipėda to Gotland, a road movement
        x, y = (float(v) for v in mapdata.project(lon, lat))
        view.click_at(x, y)
    view.finish_route()
    assert told and "sea" in told[0].lower()
    assert copy_store.get("movements", medical["id"])["route"] == medical["route"]


def test_an_imported_layer_is_listed_drawn_and_toggled(planned_view: MapView) -> None:
    from app.core.paths import resources_dir

    sample = resources_dir() / "geo" / "samples" / "lt-main-roads.geojson"
    keys = planned_view.import_layer(sample)
    assert len(keys) == 1
    key = keys[0]
    assert key in planned_view.layer_order()
    assert planned_view.layer_order().index(key) > planned_view.layer_order().index("routes")
    assert planned_view.layer_visible(key)
    planned_view.set_layer_visible(key, False)
    assert not planned_view.layer_visible(key)


def test_a_bad_layer_file_is_named_and_nothing_is_added(planned_view: MapView, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: told.append(a[2]))
    bad = tmp_path / "roads.geojson"
    bad.write_text('{"type": "FeatureCollection", "features": [', "utf-8")
    before = planned_view.layer_order()
    assert planned_view.import_layer(bad) == []
    assert "roads.geojson" in told[0]
    assert planned_view.layer_order() == before


def test_keys_zoom_and_pan(planned_view: MapView, qtbot: QtBot) -> None:
    view = planned_view
    (x0, x1), _ = view.view_box.viewRange()
    view.zoom(0.5)
    (a0, a1), _ = view.view_box.viewRange()
    assert a1 - a0 == pytest.approx((x1 - x0) / 2, rel=0.02)
    view.pan(0.2, 0)
    (b0, _b1), _ = view.view_box.viewRange()
    assert b0 > a0
    view.zoom_to_baltic()
    (c0, c1), _ = view.view_box.viewRange()
    assert c1 - c0 == pytest.approx(x1 - x0, rel=0.02)


def test_close_zoom_names_towns_points_and_bridge_limits(planned_view: MapView,
                                                         copy_store: Store) -> None:
    view = planned_view
    assert not any(t.isVisible() for t in view.towns)
    assert not any(label.isVisible() for label in view.point_labels)
    view.zoom_to_point(_point(copy_store, "Šešupė")["id"], 20_000)
    assert all(t.isVisible() for t in view.towns)
    shown = [label.toPlainText() for label in view.point_labels if label.isVisible()]
    assert "Šešupė bridge, Marijampolė (E67)\nMLC 100" in shown
    assert all("Kalvarija" not in text for text in shown)  # 40 km away: out of view
    view.zoom_to_baltic()
    assert not any(label.isVisible() for label in view.point_labels)


def test_the_console_shows_the_map_with_its_time_bar_and_plan(copy_store: Store,
                                                              qtbot: QtBot) -> None:
    window = MainWindow(copy_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert not window.time_bar.isVisible()
    window.map_action.trigger()
    assert window.tabs.currentWidget() is window.map_view
    assert window.time_bar.isVisible()
    # The plan the window's planning service delivers, made here: the wiring is what is
    # tested, not the worker thread (an earlier test may have ended an application loop).
    from app.gui.planning import plan_store

    window.planning._done(plan_store(copy_store.path))
    assert window.time_cursor.time == DEMO_NOW
    assert window.map_view.convoys_on_road() > 0
    window.show_movements()
    assert not window.time_bar.isVisible()
    window.close()


def test_the_incident_dialog_refuses_a_reopening_before_the_closure(copy_store: Store,
                                                                    qtbot: QtBot) -> None:
    from PySide6.QtCore import QDateTime, QTimeZone

    from app.gui.incident_dialog import IncidentDialog

    bridge = _point(copy_store, "Šešupė")
    at = datetime(2026, 6, 10, 6, 0, tzinfo=UTC)
    dialog = IncidentDialog(bridge, at)
    qtbot.addWidget(dialog)
    start, until, _ = dialog.values()
    assert (start, until) == (at, at + timedelta(hours=6))
    dialog.until.setDateTime(QDateTime.fromSecsSinceEpoch(int((at - timedelta(hours=1))
                                                              .timestamp()), QTimeZone.utc()))
    dialog._accept()
    assert dialog.result() == 0 and "reopen after it closes" in dialog.problem.text()
    dialog.has_end.setChecked(False)
    dialog.details.setText("  pier scour  ")
    dialog._accept()
    assert dialog.result() == 1
    assert dialog.values() == (at, None, "pier scour")
