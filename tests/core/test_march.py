"""March tables and forecasts against hand-computed doctrine examples."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.core.planning.march import format_table, march_table
from app.core.planning.model import Halt, Point, PointOnRoute, RouteAnalysis
from app.core.planning.progress import Delay, Passage, forecast

T0 = datetime(2026, 6, 8, 6, 0, tzinfo=timezone.utc)


def at(hh: int, mm: float = 0) -> datetime:
    return T0.replace(hour=hh, minute=0) + timedelta(minutes=mm)


def point(pid: str, **kw: object) -> Point:
    return Point(pid, f"Point {pid}", "bridge", "LT", 23.0, 54.0, **kw)  # type: ignore[arg-type]


def analysis(length_km: float, *at_km: tuple[str, float]) -> RouteAnalysis:
    points = tuple(PointOnRoute(point(pid), km, 0.0) for pid, km in at_km)
    return RouteAnalysis(length_km, ("LT",), (), points)


def rows_of(table, serial: int) -> dict[str, tuple[datetime, datetime]]:
    return {r.point_id or r.point: (r.head_arrive, r.tail_clear)
            for r in table.rows if r.serial == serial}


def test_serial_timing_follows_the_standard_relations() -> None:
    # 20 vehicles at 100 m: 10 veh/km; at 40 km/h the pass time is 20x60/(10x40) = 3 min
    # and the road space 2 km.
    table = march_table("m", T0, 40, 100, [20], analysis(80, ("a", 60)))
    (timing,) = table.serials
    assert timing.density_per_km == pytest.approx(10)
    assert timing.pass_time_min == pytest.approx(3)
    assert timing.road_space_km == pytest.approx(2)
    assert timing.start == T0
    assert timing.release == at(8, 3)  # 80 km at 40 km/h = 2 h, tail 3 min behind


def test_time_at_a_point_counts_the_halts_before_it() -> None:
    # Point at km 60, a 30-min halt at km 40, depart 06:00: 06:00 + 90 min + 30 = 08:00.
    halts = [Halt(40, 30, "rest")]
    table = march_table("m", T0, 40, 100, [20], analysis(100, ("a", 60)), halts=halts)
    rows = rows_of(table, 1)
    assert rows["SP"] == (T0, at(6, 3))
    assert rows["a"] == (at(8), at(8, 3))
    assert rows["RP"][0] == at(9, 0)  # 150 min + 30 min halt
    assert [r.point for r in table.rows] == ["SP", "Point a", "RP"]


def test_a_halt_at_a_point_is_taken_after_it_and_holds_the_tail_short_of_it() -> None:
    # The head passes the point at km 40 at 07:00 and halts there 30 min with the other
    # 2 km of the column still short of the point: its tail clears it at 07:33.
    table = march_table("m", T0, 40, 100, [20], analysis(80, ("a", 40)), halts=[Halt(40, 30)])
    assert rows_of(table, 1)["a"] == (at(7), at(7, 33))
    # A halt more than a road space beyond the point does not hold the tail there.
    table = march_table("m", T0, 40, 100, [20], analysis(80, ("a", 40)), halts=[Halt(45, 30)])
    assert rows_of(table, 1)["a"] == (at(7), at(7, 3))


def test_the_next_serial_starts_when_the_previous_has_cleared_the_start_plus_the_gap() -> None:
    table = march_table("m", T0, 40, 100, [20, 10], analysis(80, ("a", 60)), serial_gap_min=5)
    first, second = table.serials
    assert second.start == first.start + timedelta(minutes=3 + 5)
    assert second.pass_time_min == pytest.approx(1.5)
    assert rows_of(table, 2)["a"] == (at(7, 38), at(7, 39.5))
    assert table.windows() == {"a": (at(7, 30), at(7, 39.5))}
    assert [r.serial for r in table.rows] == [1, 1, 1, 2, 2, 2]


def test_no_interval_means_no_column_length() -> None:
    table = march_table("ship", T0, 30, 0, [40], analysis(60, ("port", 60)))
    (timing,) = table.serials
    assert timing.density_per_km is None
    assert timing.pass_time_min == 0 and timing.road_space_km == 0
    assert rows_of(table, 1)["port"] == (at(8), at(8))


def test_a_missing_gap_takes_the_default_and_bad_speeds_are_refused() -> None:
    table = march_table("m", T0, 40, 100, [20, 20], analysis(10), serial_gap_min=None)
    assert table.serials[1].start == T0 + timedelta(minutes=8)
    with pytest.raises(ValueError):
        march_table("m", T0, 0, 100, [20], analysis(10))


def test_format_table_prints_the_timings_and_rows() -> None:
    table = march_table("m1", T0, 40, 100, [20, 10], analysis(80, ("a", 60)),
                        halts=[Halt(40, 30, "rest")])
    text = format_table(table, {"m1": "Mechanised battalion", "a": "Šešupė bridge"})
    assert text.splitlines()[0] == "March table: Mechanised battalion"
    assert "Serial 1: 20 veh, 10.0 veh/km, pass time 3.0 min, road space 2.0 km" in text
    assert "Halt at km 40.0: 30 min (rest)" in text
    assert "Šešupė bridge" in text and "2026-06-08 08:00Z" in text
    body = [line for line in text.splitlines() if line.startswith(("     1", "     2"))]
    assert len(body) == 6


# -- forecasts -------------------------------------------------------------------------------
def two_serials():
    return march_table("m", T0, 40, 100, [20, 20], analysis(100, ("a", 20), ("b", 60)))


def test_a_late_passage_shifts_what_is_ahead_and_the_serials_behind() -> None:
    plan = two_serials()
    planned_a = rows_of(plan, 1)["a"][0]  # 06:30
    late = forecast(plan, [Passage("a", planned_a + timedelta(minutes=20))])
    before, after = rows_of(plan, 1), rows_of(late, 1)
    assert after["SP"] == before["SP"]  # already passed: unchanged
    shift = timedelta(minutes=20)
    assert after["a"] == (before["a"][0] + shift, before["a"][1] + shift)
    assert after["b"] == (before["b"][0] + shift, before["b"][1] + shift)
    assert after["RP"] == (before["RP"][0] + shift, before["RP"][1] + shift)
    # Serial 2 left the start at 06:08, before the report at 06:50: that row stands; the
    # rest of it is behind the late serial and follows it.
    assert rows_of(late, 2)["SP"] == rows_of(plan, 2)["SP"]
    for key in ("a", "b", "RP"):
        assert rows_of(late, 2)[key][0] == rows_of(plan, 2)[key][0] + shift
    assert late.serials[0].release == plan.serials[0].release + shift
    assert late.serials[0].start == plan.serials[0].start


def test_the_latest_passage_rebases_and_actual_rows_keep_their_times() -> None:
    plan = two_serials()
    reports = [Passage("a", at(6, 50)), Passage("b", at(7, 40))]  # 20 late, then 10 late
    late = forecast(plan, reports)
    assert rows_of(late, 1)["a"][0] == at(6, 50)
    assert rows_of(late, 1)["b"][0] == at(7, 40)
    assert rows_of(late, 1)["RP"][0] == rows_of(plan, 1)["RP"][0] + timedelta(minutes=10)


def test_a_delay_shifts_everything_not_yet_passed_once() -> None:
    plan = two_serials()
    delayed = forecast(plan, delays=[Delay(at(7), 45)])
    # At 07:00 serial 1 had passed a (06:30) but not b (07:30).
    assert rows_of(delayed, 1)["a"] == rows_of(plan, 1)["a"]
    assert rows_of(delayed, 1)["b"][0] == rows_of(plan, 1)["b"][0] + timedelta(minutes=45)
    assert rows_of(delayed, 2)["b"][0] == rows_of(plan, 2)["b"][0] + timedelta(minutes=45)
    # A passage reported after the delay already includes it: it is not counted twice.
    both = forecast(plan, [Passage("b", at(8, 20))], [Delay(at(7), 45)])
    assert rows_of(both, 1)["RP"][0] == rows_of(plan, 1)["RP"][0] + timedelta(minutes=50)


def test_a_delay_of_a_later_serial_leaves_the_ones_ahead() -> None:
    plan = two_serials()
    delayed = forecast(plan, delays=[Delay(at(6), 15, serial=2)])
    assert rows_of(delayed, 1) == rows_of(plan, 1)
    assert delayed.serials[1].start == plan.serials[1].start + timedelta(minutes=15)


def test_reports_naming_no_row_are_ignored() -> None:
    plan = two_serials()
    assert forecast(plan, [Passage("elsewhere", at(9)), Passage("a", at(9), serial=7)]) == plan
    assert forecast(plan) is plan
