"""Convoy positions against the march tables they come from."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
import shapely

from app.core.geography import GEOD
from app.core.mapdata import project
from app.core.planning.convoys import Tracks
from app.core.planning.march import march_table
from app.core.planning.model import Halt, MovementPlan, Point, PointOnRoute, RouteAnalysis
from app.core.planning.planner import Planner
from app.core.store import Store

T0 = datetime(2026, 6, 8, 6, 0, tzinfo=timezone.utc)
KM_TOL = 0.001  # 1 m along the line
# A bent line across Lithuania with uneven vertex spacing (lon, lat).
LINE = np.array([[23.90, 54.90], [24.05, 54.95], [24.10, 54.96], [24.60, 55.10],
                 [24.62, 55.30], [25.28, 54.69]])  # fmt: skip


def line_km(line: np.ndarray) -> float:
    return float(GEOD.line_length(line[:, 0], line[:, 1])) / 1000.0


def projected(line: np.ndarray) -> shapely.LineString:
    return shapely.LineString(np.column_stack(project(line[:, 0], line[:, 1])))


def hand_plan(movement_id: str = "m1", serials: tuple[int, ...] = (20, 30),
              halts: tuple[Halt, ...] = (), depart: datetime = T0,
              line: np.ndarray = LINE) -> MovementPlan:  # fmt: skip
    length = line_km(line)
    points = tuple(PointOnRoute(Point(f"p{i}", f"P{i}", "bridge", "LT", 24.0, 55.0), km, 0.0)
                   for i, km in enumerate((length * 0.2, length * 0.55, length * 0.8)))
    route = RouteAnalysis(length, ("LT",), (), points)
    table = march_table(movement_id, depart, 40, 100, list(serials), route, 5, halts)
    return MovementPlan(movement_id, route, (), table, table)


def check_rows(tracks: Tracks, plan: MovementPlan) -> int:
    """Head and tail at every row's times are at the row's km; returns the rows checked."""
    mine = np.flatnonzero(tracks.movement_id == plan.movement_id)
    index = {int(tracks.serial[i]): int(i) for i in mine}
    for row in plan.forecast.rows:
        i = index[row.serial]
        assert tracks.at(row.head_arrive).head_km[i] == pytest.approx(row.km, abs=KM_TOL)
        assert tracks.at(row.tail_clear).tail_km[i] == pytest.approx(row.km, abs=KM_TOL)
    return len(plan.forecast.rows)


def test_head_and_tail_pass_each_station_at_the_table_times() -> None:
    plan = hand_plan()
    tracks = Tracks.build([plan], {"m1": LINE})
    assert len(tracks) == 2
    assert check_rows(tracks, plan) == 10


def test_head_runs_at_the_march_speed_between_stations() -> None:
    plan = hand_plan(serials=(20,))
    tracks = Tracks.build([plan], {"m1": LINE})
    pos = tracks.at(T0 + timedelta(minutes=30))  # 40 km/h: 20 km in
    assert pos.head_km[0] == pytest.approx(20.0, abs=KM_TOL)
    assert pos.tail_km[0] == pytest.approx(18.0, abs=KM_TOL)  # 20 veh at 100 m: 2 km


def test_a_halt_holds_head_and_tail_still_and_keeps_to_the_table() -> None:
    halt = Halt(30.0, 45.0, "rest")
    plan = hand_plan(serials=(20,), halts=(halt,))
    tracks = Tracks.build([plan], {"m1": LINE})
    reach = T0 + timedelta(minutes=45)  # 30 km at 40 km/h
    for minutes in (0, 10, 30, 45):
        pos = tracks.at(reach + timedelta(minutes=minutes))
        assert pos.head_km[0] == pytest.approx(30.0, abs=KM_TOL)
        assert pos.tail_km[0] == pytest.approx(28.0, abs=KM_TOL)  # road space behind
    after = tracks.at(reach + timedelta(minutes=60))
    assert after.head_km[0] == pytest.approx(40.0, abs=KM_TOL)
    check_rows(tracks, plan)


def test_a_halt_at_a_station_and_one_before_the_tail_leaves() -> None:
    # A halt 1 km out holds the tail short of the SP; one at a point's km is taken after it.
    plan = hand_plan(serials=(20, 10), halts=(Halt(1.0, 20.0), Halt(line_km(LINE) * 0.55, 15)))
    tracks = Tracks.build([plan], {"m1": LINE})
    check_rows(tracks, plan)
    pos = tracks.at(T0 + timedelta(minutes=1.5 + 10))
    assert pos.head_km[0] == pytest.approx(1.0, abs=KM_TOL)
    assert pos.tail_km[0] == pytest.approx(0.0, abs=KM_TOL)


def test_not_on_the_road_before_the_start_or_after_the_release() -> None:
    plan = hand_plan()
    tracks = Tracks.build([plan], {"m1": LINE})
    length = plan.route.length_km
    before = tracks.at(T0 - timedelta(seconds=1))
    assert not before.on_road.any()
    assert before.head_km == pytest.approx([0, 0])
    assert len(before.x) == 0
    first, second = plan.forecast.serials
    between = tracks.at(first.release + timedelta(seconds=1))
    assert between.on_road.tolist() == [False, True]
    assert between.head_km[0] == between.tail_km[0] == pytest.approx(length)
    after = tracks.at(second.release + timedelta(hours=1))
    assert not after.on_road.any()
    assert after.tail_km == pytest.approx([length, length])
    assert tracks.at(first.start).on_road[0]
    assert not tracks.at(first.release).on_road[0]


def test_positions_and_columns_lie_on_the_route_line() -> None:
    plan = hand_plan(serials=(200, 150))  # columns of 20 and 15 km: they span vertices
    tracks = Tracks.build([plan], {"m1": LINE})
    line = projected(LINE)
    start, end = plan.forecast.serials[0].start, plan.forecast.serials[-1].release
    spanned = 0
    for k in range(41):
        pos = tracks.at(start + (end - start) * k / 40)
        for xy in (pos.head_xy, pos.tail_xy):
            assert shapely.distance(line, shapely.points(xy)).max() < 1.0
        if len(pos.x):
            assert shapely.distance(line, shapely.points(pos.x, pos.y)).max() < 1.0
            spanned = max(spanned, int(np.diff(np.flatnonzero(~pos.connect), prepend=-1).max()))
        # A column runs from its tail to its head: its length along the line is the gap.
        ends = np.flatnonzero(~pos.connect)
        starts = np.concatenate([[0], ends[:-1] + 1]) if len(ends) else ends
        for s, e in zip(starts, ends, strict=True):
            serial = pos.column[s]
            assert (pos.x[s], pos.y[s]) == pytest.approx(tuple(pos.tail_xy[serial]))
            assert (pos.x[e], pos.y[e]) == pytest.approx(tuple(pos.head_xy[serial]))
            a = line.project(shapely.Point(pos.tail_xy[serial]))
            b = line.project(shapely.Point(pos.head_xy[serial]))
            xy = np.column_stack([pos.x[s:e + 1], pos.y[s:e + 1]])
            assert np.hypot(*np.diff(xy, axis=0).T).sum() == pytest.approx(b - a, abs=1.0)
    assert spanned > 2  # some column bent round at least one vertex


def test_km_maps_to_the_line_as_the_planner_measures_it() -> None:
    # The RP lies at the line's end and km 0 at its start, whatever the spacing of vertices.
    plan = hand_plan(serials=(20,))
    tracks = Tracks.build([plan], {"m1": LINE})
    x, y = project(LINE[:, 0], LINE[:, 1])
    done = tracks.at(plan.forecast.serials[0].release)
    assert tuple(done.head_xy[0]) == pytest.approx((x[-1], y[-1]), abs=0.01)
    assert tuple(tracks.at(T0).head_xy[0]) == pytest.approx((x[0], y[0]), abs=0.01)


def test_a_plan_without_a_route_is_left_out_and_an_empty_build_answers() -> None:
    tracks = Tracks.build([hand_plan("a"), hand_plan("b")], {"b": LINE})
    assert set(tracks.movement_id) == {"b"}
    empty = Tracks.build([], {}).at(T0)
    assert len(empty) == 0 and len(empty.x) == 0


def test_many_serials_at_once_equal_one_at_a_time() -> None:
    rng = np.random.default_rng(3)
    plans, routes = [], {}
    for n in range(30):
        line = LINE + rng.normal(0, 0.02, LINE.shape)
        mid = f"m{n}"
        halts = (Halt(float(rng.uniform(5, 60)), float(rng.uniform(5, 40))),) if n % 3 else ()
        plans.append(hand_plan(mid, tuple(rng.integers(5, 120, size=1 + n % 3)), halts,
                               T0 + timedelta(minutes=float(rng.uniform(0, 300))), line))
        routes[mid] = line
    together = Tracks.build(plans, routes)
    alone = [Tracks.build([p], {p.movement_id: routes[p.movement_id]}) for p in plans]
    for moment in (T0 + timedelta(minutes=m) for m in range(0, 900, 37)):
        pos = together.at(moment)
        parts = [a.at(moment) for a in alone]
        for field in ("head_km", "tail_km", "on_road"):
            assert getattr(pos, field) == pytest.approx(
                np.concatenate([getattr(p, field) for p in parts]), abs=1e-6)
        assert pos.head_xy == pytest.approx(np.concatenate([p.head_xy for p in parts]), abs=1e-3)
        assert pos.x == pytest.approx(np.concatenate([p.x for p in parts]), abs=1e-3)
        assert pos.connect.tolist() == np.concatenate([p.connect for p in parts]).tolist()
    for plan in plans:
        check_rows(together, plan)


@pytest.fixture(scope="module")
def demo_plans(demo_path: Path) -> tuple[list[MovementPlan], dict[str, list]]:
    with Store.open(demo_path) as store:
        planner = Planner(store)
        planner.plan_all()
        plans = [p for m in planner.movement_ids() if (p := planner.plan(m)) is not None]
        routes = {m["id"]: m["route"] for m in store.rows("movements")}
    return plans, routes


def test_demo_serials_keep_to_their_forecasts(demo_plans) -> None:
    plans, routes = demo_plans
    tracks = Tracks.build(plans, routes)
    assert len(tracks) == sum(len(p.forecast.serials) for p in plans) > 10
    assert sum(check_rows(tracks, p) for p in plans) > 100


def test_demo_heads_stand_on_the_critical_points_at_their_times(demo_plans) -> None:
    # The head at a point's row time is the point's foot on the line: as far from the
    # point as the route analysis measured (km along the line as the planner counts it).
    plans, routes = demo_plans
    tracks = Tracks.build(plans, routes)
    checked = 0
    for plan in plans:
        mine = {int(tracks.serial[i]): int(i)
                for i in np.flatnonzero(tracks.movement_id == plan.movement_id)}  # fmt: skip
        offsets = {p.point.id: (p.point, p.offset_m) for p in plan.route.points}
        for row in plan.forecast.rows:
            if row.point_id is None:
                continue
            point, offset = offsets[row.point_id]
            head = tracks.at(row.head_arrive).head_xy[mine[row.serial]]
            px, py = project(point.lon, point.lat)
            assert np.hypot(head[0] - px, head[1] - py) == pytest.approx(offset, abs=1.0)
            checked += 1
    assert checked > 20


def test_demo_columns_lie_on_their_routes(demo_plans) -> None:
    plans, routes = demo_plans
    tracks = Tracks.build(plans, routes)
    lines = {m: projected(np.asarray(r, dtype=float)[:, :2]) for m, r in routes.items() if r}
    starts = [s.start for p in plans for s in p.forecast.serials]
    moment = min(starts) + (max(starts) - min(starts)) / 2
    seen = 0
    for k in range(-5, 6):
        pos = tracks.at(moment + timedelta(hours=3 * k))
        owner = pos.movement_id[pos.column]
        for mid in set(owner):
            near = shapely.distance(lines[mid], shapely.points(pos.x[owner == mid],
                                                              pos.y[owner == mid]))
            assert near.max() < 1.0
        seen += int(pos.on_road.sum())
    assert seen > 5


def test_a_forecast_with_reports_is_followed_row_by_row() -> None:
    from dataclasses import replace

    from app.core.planning.progress import Delay, Passage, forecast

    plan = hand_plan(serials=(40, 30), halts=(Halt(25.0, 20.0),))
    table = plan.march
    p1 = next(r for r in table.rows if r.point_id == "p0" and r.serial == 1)
    ahead = forecast(table, [Passage("p0", p1.head_arrive + timedelta(minutes=12))],
                     [Delay(p1.head_arrive + timedelta(minutes=40), 25.0, 2)])
    assert ahead.rows != table.rows
    plan = replace(plan, forecast=ahead)
    tracks = Tracks.build([plan], {"m1": LINE})
    assert check_rows(tracks, plan) == 10
    late = tracks.at(p1.head_arrive + timedelta(minutes=6))
    assert late.head_km[0] < p1.km  # the head is behind the plan: it passed p0 12 min late


def test_demo_has_reported_forecasts(demo_plans) -> None:
    # The demo's check above covers forecasts that differ from the plan, not only plans.
    plans, _ = demo_plans
    assert any(p.forecast.rows != p.march.rows for p in plans)
