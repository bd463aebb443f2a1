"""Conflicts at critical points, and the retimings that clear them."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.planning.deconfliction import (
    find_conflicts,
    find_conflicts_naive,
    occupancies_of,
)
from app.core.planning.march import march_table
from app.core.planning.model import (
    Conflict,
    Halt,
    Occupancy,
    Point,
    PointOnRoute,
    RouteAnalysis,
)
from app.core.planning.suggestion import resolve, suggest

T0 = datetime(2026, 6, 8, tzinfo=timezone.utc)
TOL = timedelta(milliseconds=5)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def point(pid: str, capacity: int | None = None, exclusive: bool = False) -> Point:
    return Point(pid, f"Point {pid}", "bridge", "LT", 23.0, 54.0,
                 capacity_per_hour=capacity, exclusive=exclusive)  # fmt: skip


def occ(mid: str, pid: str, start: float, end: float, vehicles: int = 10,
        priority: str = "exercise") -> Occupancy:
    return Occupancy(mid, pid, at(start), at(end), vehicles, priority)


def shifted(occs: list[Occupancy], mid: str, delta: timedelta) -> list[Occupancy]:
    return [replace(o, start=o.start + delta, end=o.end + delta) if o.movement_id == mid
            else o for o in occs]  # fmt: skip


BRIDGE = {"x": point("x", exclusive=True)}
CROSSING = {"k": point("k", capacity=90)}


# -- the rules -----------------------------------------------------------------------------
def test_overlapping_windows_on_an_exclusive_point_are_one_conflict() -> None:
    (c,) = find_conflicts([occ("a", "x", 0, 30), occ("b", "x", 20, 50)], BRIDGE)
    assert (c.reason, c.movements, c.start, c.end) == ("exclusive", ("a", "b"), at(20), at(30))
    assert c.point == "Point x" and c.load is None


def test_windows_that_only_touch_do_not_conflict() -> None:
    assert find_conflicts([occ("a", "x", 0, 30), occ("b", "x", 30, 50)], BRIDGE) == []


def test_two_columns_within_an_hour_over_capacity() -> None:
    # The demo clash: 48 and 50 vehicles through a 90 vehicles/h crossing within the hour.
    occs = [occ("pl", "k", 36, 47, 48), occ("us", "k", 56, 72, 50)]
    (c,) = find_conflicts(occs, CROSSING)
    assert (c.reason, c.movements, c.load, c.capacity) == ("capacity", ("pl", "us"), 98, 90)
    assert abs(c.start - at(36)) < TOL and abs(c.end - at(72)) < TOL


def test_the_same_columns_an_hour_and_a_half_apart_are_clear() -> None:
    occs = [occ("pl", "k", 36, 47, 48), occ("us", "k", 126, 142, 50)]
    assert find_conflicts(occs, CROSSING) == []


def test_a_movement_alone_over_capacity_is_reported_alone() -> None:
    # 120 vehicles in 20 min: any hour holding more than 15 of its minutes exceeds 90.
    (c,) = find_conflicts([occ("big", "k", 0, 20, 120)], CROSSING)
    assert (c.movements, c.load, c.capacity) == (("big",), 120, 90)
    assert (c.start, c.end) == (at(0), at(20))


def test_capacity_load_is_the_share_of_each_window_in_the_busiest_hour() -> None:
    # 60 vehicles over 120 min hold 30 in any hour; with 70 more inside one hour: 100.
    occs = [occ("long", "k", 0, 120, 60), occ("short", "k", 30, 40, 70)]
    (c,) = find_conflicts(occs, CROSSING)
    assert c.load == 100 and c.movements == ("long", "short")


def test_overlapping_busy_hours_merge_into_one_conflict() -> None:
    occs = [occ("a", "k", 0, 10, 50), occ("b", "k", 40, 50, 50), occ("c", "k", 80, 90, 50)]
    (c,) = find_conflicts(occs, CROSSING)
    assert c.movements == ("a", "b", "c") and c.load == 100


def test_unrated_and_unknown_points_are_not_checked() -> None:
    points = {"n": point("n"), "z": point("z", capacity=0)}
    occs = [occ("a", p, 0, 30, 500) for p in ("n", "z", "unknown")]
    occs += [occ("b", p, 0, 30, 500) for p in ("n", "z", "unknown")]
    assert find_conflicts(occs, points) == []


def test_an_exclusive_point_with_a_capacity_checks_both() -> None:
    points = {"s": point("s", capacity=40, exclusive=True)}
    reasons = [c.reason for c in find_conflicts([occ("a", "s", 0, 30, 30),
                                                 occ("b", "s", 20, 40, 30)], points)]
    assert sorted(reasons) == ["capacity", "exclusive"]


def test_windows_of_no_duration_still_meet_on_an_exclusive_point() -> None:
    (c,) = find_conflicts([occ("t1", "x", 10, 10), occ("t2", "x", 10, 10)], BRIDGE)
    assert c.movements == ("t1", "t2")


def test_occupancies_of_a_march_table_span_its_serials() -> None:
    route = RouteAnalysis(100, ("LT",), (), (PointOnRoute(point("k", 90), 50, 0),))
    table = march_table("m", at(0), 50, 100, [24, 24], route)
    (o,) = occupancies_of(table, "crisis")
    assert (o.point_id, o.vehicles, o.priority) == ("k", 48, "crisis")
    assert (o.start, o.end) == table.windows()["k"]


def test_stop_facilities_are_held_only_at_the_ends_and_the_halts() -> None:
    def on(pid: str, kind: str, km: float) -> PointOnRoute:
        return PointOnRoute(replace(point(pid, capacity=40), kind=kind), km, 0)

    stops = (on("start", "staging_area", 1), on("passed", "rest_point", 30),
             on("halt", "rest_point", 61), on("bridge", "bridge", 70), on("end", "garrison", 100))
    route = RouteAnalysis(100, ("LT",), (), stops)
    table = march_table("m", at(0), 50, 100, [24], route, halts=[Halt(60, 30)])
    held = occupancies_of(table, "exercise", {p.point.id: p.point for p in stops})
    assert {o.point_id for o in held} == {"start", "halt", "bridge", "end"}
    assert len(occupancies_of(table, "exercise")) == 5  # without the points: every one


def random_occupancies(rng: random.Random, movements: int, points: int,
                       ) -> tuple[list[Occupancy], dict[str, Point]]:
    catalogue = {f"p{i}": point(f"p{i}", capacity=rng.choice([None, 40, 90, 150]),
                                exclusive=rng.random() < 0.3) for i in range(points)}
    out = []
    for m in range(movements):
        for pid in rng.sample(sorted(catalogue), rng.randint(1, min(4, points))):
            start = rng.randrange(0, 24 * 60)
            out.append(occ(f"m{m:03d}", pid, start, start + rng.randrange(0, 45),
                           rng.randint(1, 80)))
    return out, catalogue


def same(a: list[Conflict], b: list[Conflict]) -> None:
    assert [(c.point_id, c.reason, c.movements, c.load) for c in a] == \
        [(c.point_id, c.reason, c.movements, c.load) for c in b]
    for x, y in zip(a, b, strict=True):
        assert abs(x.start - y.start) < TOL and abs(x.end - y.end) < TOL


@pytest.mark.parametrize("seed", range(12))
def test_the_sweep_agrees_with_the_pairwise_reference(seed: int) -> None:
    rng = random.Random(seed)
    occs, points = random_occupancies(rng, rng.randint(5, 120), rng.randint(1, 8))
    same(find_conflicts(occs, points), find_conflicts_naive(occs, points))


@pytest.mark.parametrize("seed", range(8))
def test_capacity_loads_agree_with_a_minute_by_minute_count(seed: int) -> None:
    # With whole-minute windows the load only bends on whole minutes, so its busiest hour
    # is found by counting every minute.
    rng = random.Random(100 + seed)
    occs = [occ(f"m{i}", "k", s, s + rng.randrange(1, 40), rng.randint(1, 40))
            for i, s in enumerate(rng.randrange(0, 600) for _ in range(25))]
    s = np.array([(o.start - T0).total_seconds() / 60 for o in occs])
    e = np.array([(o.end - T0).total_seconds() / 60 for o in occs])
    v = np.array([o.vehicles for o in occs], dtype=float)
    loads = [float((v * np.clip(np.minimum(e, t + 60) - np.maximum(s, t), 0, None)
                    / (e - s)).sum()) for t in range(-60, 700)]
    conflicts = find_conflicts(occs, CROSSING)
    busiest = max(loads)
    if busiest > 90 + 1e-6:
        assert max(c.load or 0 for c in conflicts) == int(np.ceil(busiest - 1e-6))
    else:
        assert conflicts == []


# -- suggestions ---------------------------------------------------------------------------
def test_the_suggested_departure_is_clear() -> None:
    occs = [occ("pl", "k", 36, 47, 48), occ("us", "k", 56, 72, 50, priority="exercise"),
            occ("us", "x", 80, 90), occ("dk", "x", 100, 160)]
    points = {**CROSSING, **BRIDGE}
    s = suggest("us", occs, points, {"pl": "exercise", "us": "exercise", "dk": "routine"},
                depart=at(20))
    assert s.current == at(20) and s.suggested is not None
    assert [c.movements for c in s.clears] == [("pl", "us")]
    assert s.gives_way_to == ("pl",)
    after = find_conflicts(shifted(occs, "us", s.suggested - s.current), points)
    assert not any("us" in c.movements for c in after)
    # Clear of the crossing from 27 min on, but dk holds the bridge until 160: 80 min.
    assert s.delay_min == 80
    assert "80 min later" in s.note


def test_a_movement_with_no_conflict_stays() -> None:
    s = suggest("a", [occ("a", "k", 0, 10, 10)], CROSSING, {})
    assert s.suggested == s.current == at(0) and s.clears == () and s.delay_min == 0


def test_when_the_others_have_lower_priority_the_note_says_they_should_give_way() -> None:
    occs = [occ("qrf", "x", 0, 30), occ("fuel", "x", 10, 20)]
    s = suggest("qrf", occs, BRIDGE, {"qrf": "crisis", "fuel": "routine"})
    assert s.gives_way_to == () and s.suggested == at(20)
    assert "should give way instead" in s.note


def test_a_movement_alone_over_capacity_cannot_be_retimed() -> None:
    s = suggest("big", [occ("big", "k", 0, 20, 120)], CROSSING, {})
    assert s.suggested is None and s.delay_min is None and len(s.clears) == 1
    assert "alone exceed" in s.note and "90 vehicles/h" in s.note


def test_retiming_clears_what_it_shares_and_says_what_it_cannot() -> None:
    # big alone exceeds the crossing; small passes within one of its busy hours.
    occs = [occ("big", "k", 0, 20, 120), occ("small", "k", 30, 40, 5)]
    s = suggest("big", occs, CROSSING, {})
    assert s.suggested is not None and "alone exceed" in s.note
    after = find_conflicts(shifted(occs, "big", s.suggested - s.current), CROSSING)
    assert [c.movements for c in after] == [("big",)]


def test_no_slot_within_the_horizon() -> None:
    occs = [occ("a", "x", 0, 30), occ("wall", "x", 0, 100 * 60)]
    s = suggest("a", occs, BRIDGE, {}, horizon_h=24)
    assert s.suggested is None and "within 24 h" in s.note


def test_resolve_moves_the_lowest_priority_then_the_later_departure() -> None:
    occs = [occ("a", "x", 0, 30), occ("b", "x", 10, 40), occ("c", "x", 20, 50)]
    conflict = Conflict("x", "Point x", ("a", "b"), at(10), at(30), "exclusive")
    assert resolve(conflict, occs, BRIDGE, {"a": "routine", "b": "exercise"}).movement_id == "a"
    assert resolve(conflict, occs, BRIDGE, {}).movement_id == "b"
    departs = {"a": at(5), "b": at(0)}
    assert resolve(conflict, occs, BRIDGE, {}, departs=departs).movement_id == "a"


@st.composite
def situations(draw: st.DrawFn) -> tuple[list[Occupancy], dict[str, Point]]:
    n_points = draw(st.integers(1, 3))
    points = {f"p{i}": point(f"p{i}", capacity=draw(st.sampled_from([None, 30, 60, 120])),
                             exclusive=draw(st.booleans())) for i in range(n_points)}
    occs = []
    for m in range(draw(st.integers(2, 7))):
        used = draw(st.lists(st.sampled_from(sorted(points)), min_size=1, unique=True))
        base = draw(st.integers(0, 300))
        vehicles = draw(st.integers(1, 60))
        for pid in used:
            start = base + draw(st.integers(0, 90))
            occs.append(occ(f"m{m}", pid, start, start + draw(st.integers(0, 50)), vehicles))
    return occs, points


def covered(c: Conflict, before: list[Conflict]) -> bool:
    return any(b.point_id == c.point_id and b.reason == c.reason
               and set(c.movements) <= set(b.movements) and b.start <= c.start + TOL
               and c.end <= b.end + TOL and (b.load or 0) >= (c.load or 0) for b in before)


@settings(max_examples=300, deadline=None)
@given(situations(), st.data())
def test_applying_a_suggestion_clears_it_and_creates_no_new_conflict(situation, data) -> None:
    occs, points = situation
    before = find_conflicts(occs, points)
    involved = sorted({m for c in before for m in c.movements})
    if not involved:
        return
    mid = data.draw(st.sampled_from(involved))
    s = suggest(mid, occs, points, {}, step_min=5, horizon_h=24)
    assert set(s.clears) == {c for c in before if mid in c.movements}
    if s.suggested is None:
        return
    after = find_conflicts(shifted(occs, mid, s.suggested - s.current), points)
    # What it caused alone moves with it; it shares nothing, and the rest only shrank.
    assert not any(mid in c.movements and len(c.movements) > 1 for c in after)
    assert all(covered(c, before) for c in after if c.movements != (mid,))


@pytest.mark.parametrize("seed", range(6))
def test_the_local_recheck_agrees_with_a_full_search_at_every_shift(seed: int) -> None:
    from app.core.planning.suggestion import _PointCheck

    rng = random.Random(500 + seed)
    occs, points = random_occupancies(rng, 40, 3)
    mid = "m000"
    mine = {o.point_id: o for o in occs if o.movement_id == mid}
    checks = [_PointCheck.build(points[p], o, [x for x in occs if x.point_id == p
                                               and x.movement_id != mid])
              for p, o in mine.items() if points[p].exclusive or points[p].capacity_per_hour]
    for shift in range(-600, 600, 7):
        full = find_conflicts(shifted(occs, mid, timedelta(minutes=shift)), points)
        sharing = any(mid in c.movements and len(c.movements) > 1 for c in full)
        assert all(check.clear(shift) for check in checks) == (not sharing), shift
