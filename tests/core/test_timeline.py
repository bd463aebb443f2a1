"""The timeline's arrays against the planner's own march tables and conflicts (demo store)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.core.planning import timeline
from app.core.planning.model import Conflict, MovementPlan
from app.core.planning.planner import Planner
from app.core.store import Store


@dataclass
class Demo:
    plans: dict[str, MovementPlan]
    conflicts: list[Conflict]
    movements: dict[str, dict[str, Any]]
    nations: dict[str, str]
    exercises: dict[str, str]
    points: dict[str, str]
    reported: set[str]  # movements with passages or delays reported


@pytest.fixture(scope="module")
def demo(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Demo:
    path = tmp_path_factory.mktemp("timeline") / "demo.db"
    shutil.copy(demo_path, path)
    with Store.open(path) as store:
        planner = Planner(store)
        planner.plan_all()
        plans = {m: p for m in planner.movement_ids() if (p := planner.plan(m)) is not None}
        reported = {e["movement_id"] for e in store.rows("events")
                    if e["kind"] in ("passage", "delay") and e["movement_id"]}  # fmt: skip
        return Demo(plans, planner.conflicts(), dict(planner.movements),
                    {r["code"]: r["name"] for r in store.rows("nations")},
                    {r["id"]: r["name"] for r in store.rows("exercises")},
                    {r["id"]: r["name"] for r in store.rows("critical_points")},
                    reported)  # fmt: skip


def rows_of(demo: Demo, group_by: str = "nation", **kw: Any) -> timeline.MovementRows:
    plans = kw.pop("plans", demo.plans)
    names = kw.pop("names", demo.nations)
    return timeline.build(plans, demo.conflicts, demo.movements, group_by, names,
                          demo.exercises, **kw)  # fmt: skip


def ts(moment: datetime) -> float:
    return moment.timestamp()


def test_the_demo_has_what_the_tests_need(demo: Demo) -> None:
    assert len(demo.plans) == len(demo.movements) > 10
    assert demo.conflicts and demo.reported


def test_one_row_per_movement_and_row_of(demo: Demo) -> None:
    t = rows_of(demo)
    assert sorted(t.ids) == sorted(demo.movements) and len(t) == len(demo.movements)
    for i, movement_id in enumerate(t.ids):
        assert t.row_of(movement_id) == i
        assert t.labels[i] == demo.movements[movement_id]["name"]
    assert t.row_of("no-such-movement") is None
    # Names given by movement id label the rows; nation codes still title the groups.
    first = t.ids[0]
    named = rows_of(demo, names={**demo.nations, first: "Renamed"})
    assert named.labels[named.row_of(first)] == "Renamed"
    assert [g[0] for g in named.groups] == [g[0] for g in t.groups]
    bare = timeline.build(demo.plans, demo.conflicts, demo.movements, "nation")
    assert {g[0] for g in bare.groups} == {r["owner"] for r in demo.movements.values()}


def test_bars_are_the_forecast_serials_with_the_planned_ones_alongside(demo: Demo) -> None:
    t = rows_of(demo)
    expected = []
    for movement_id, plan in demo.plans.items():
        row = t.row_of(movement_id)
        planned = {s.serial: s for s in plan.march.serials}
        for s in plan.forecast.serials:
            own = [r for r in plan.forecast.rows if r.serial == s.serial]
            # The bar runs from the head at the SP row to the tail clear of the RP row.
            assert (own[0].point, own[-1].point) == ("SP", "RP")
            assert (s.start, s.release) == (own[0].head_arrive, own[-1].tail_clear)
            expected.append((row, s.serial, ts(s.start), ts(s.release),
                             ts(planned[s.serial].start), ts(planned[s.serial].release)))
    got = list(zip(t.bars.row.tolist(), t.bars.serial.tolist(), t.bars.start.tolist(),
                   t.bars.end.tolist(), t.bars.planned_start.tolist(),
                   t.bars.planned_end.tolist(), strict=True))  # fmt: skip
    assert sorted(got) == sorted(expected)
    assert t.bars.row.tolist() == sorted(t.bars.row.tolist())


def test_segments_are_the_forecast_passages_of_critical_points(demo: Demo) -> None:
    t = rows_of(demo)
    expected = []
    for movement_id, plan in demo.plans.items():
        for now, was in zip(plan.forecast.rows, plan.march.rows, strict=True):
            if now.point_id is None:
                continue
            expected.append((t.row_of(movement_id), movement_id, now.serial, now.point_id,
                             ts(now.head_arrive), ts(now.tail_clear), ts(was.head_arrive),
                             ts(was.tail_clear)))  # fmt: skip
    s = t.segments
    got = list(zip(s.row.tolist(), s.movement_id.tolist(), s.serial.tolist(),
                   s.point_id.tolist(), s.start.tolist(), s.end.tolist(),
                   s.planned_start.tolist(), s.planned_end.tolist(), strict=True))  # fmt: skip
    assert len(got) == len(expected) > 0
    assert sorted(got) == sorted(expected)


def test_planned_and_forecast_differ_only_where_reports_exist(demo: Demo) -> None:
    t = rows_of(demo)
    s = t.segments
    moved = {m for m, a, b in zip(s.movement_id.tolist(), s.start, s.planned_start,
                                  strict=True) if a != b}  # fmt: skip
    assert moved and moved <= demo.reported
    quiet = [t.row_of(m) for m in demo.movements if m not in demo.reported]
    mask = np.isin(t.bars.row, quiet)
    assert mask.any()
    assert np.array_equal(t.bars.start[mask], t.bars.planned_start[mask])
    assert np.array_equal(t.bars.end[mask], t.bars.planned_end[mask])


def check_groups(t: timeline.MovementRows, demo: Demo, plans: dict[str, MovementPlan]) -> None:
    """Groups tile the rows; within one, planned rows by forecast start, unplanned last."""
    assert [g[1] for g in t.groups] == [sum(g[2] for g in t.groups[:i])
                                        for i in range(len(t.groups))]  # fmt: skip
    assert sum(g[2] for g in t.groups) == len(t.ids)
    for _, first, count in t.groups:
        members = t.ids[first:first + count]
        planned = [m for m in members if m in plans]
        assert members[:len(planned)] == planned
        starts = [min(s.start for s in plans[m].forecast.serials) for m in planned]
        assert starts == sorted(starts)


def test_grouped_by_nation(demo: Demo) -> None:
    t = rows_of(demo, "nation")
    titles = [g[0] for g in t.groups]
    assert titles == sorted(titles)
    for title, first, count in t.groups:
        owners = {demo.movements[m]["owner"] for m in t.ids[first:first + count]}
        assert [demo.nations[o] for o in owners] == [title]
    check_groups(t, demo, demo.plans)


def test_grouped_by_exercise_puts_no_exercise_last(demo: Demo) -> None:
    t = rows_of(demo, "exercise")
    assert [g[0] for g in t.groups] == ["AMBER LINK 26", "No exercise"]
    _, first, count = t.groups[-1]
    assert all(not demo.movements[m]["exercise_id"] for m in t.ids[first:first + count])
    check_groups(t, demo, demo.plans)


def test_grouped_by_priority_in_urgency_order(demo: Demo) -> None:
    t = rows_of(demo, "priority")
    assert [g[0] for g in t.groups] == ["Crisis", "Exercise", "Routine"]
    for title, first, count in t.groups:
        assert {demo.movements[m]["priority"] for m in t.ids[first:first + count]} \
            == {title.lower()}  # fmt: skip
    check_groups(t, demo, demo.plans)


def test_ungrouped_is_one_group_by_start(demo: Demo) -> None:
    t = rows_of(demo, "none")
    assert t.groups == [("All movements", 0, len(demo.movements))]
    check_groups(t, demo, demo.plans)


def test_a_movement_without_a_plan_comes_last_in_its_group_with_no_bars(demo: Demo) -> None:
    earliest = min(demo.plans, key=lambda m: min(s.start for s in
                                                 demo.plans[m].forecast.serials))
    plans = {m: p for m, p in demo.plans.items() if m != earliest}
    t = rows_of(demo, "none", plans=plans)
    assert t.ids[-1] == earliest
    row = t.row_of(earliest)
    assert row not in t.bars.row and row not in t.segments.row
    check_groups(t, demo, plans)


def test_an_unknown_grouping_is_refused(demo: Demo) -> None:
    with pytest.raises(ValueError, match="group_by"):
        rows_of(demo, "colour")


def expected_overlaps(demo: Demo, row_for: Any) -> list[tuple[Any, ...]]:
    """The planner's conflicts clipped to each member's passages, worked out with datetimes."""
    out = []
    for index, c in enumerate(demo.conflicts):
        for movement_id in c.movements:
            for r in demo.plans[movement_id].forecast.rows:
                if r.point_id != c.point_id:
                    continue
                start, end = max(r.head_arrive, c.start), min(r.tail_clear, c.end)
                # A passage of no duration (a port, an airfield) marks the conflict it is in.
                instant = r.head_arrive == r.tail_clear and c.start <= start <= c.end
                if end > start or instant:
                    out.append((row_for(movement_id, c.point_id), index, movement_id,
                                c.point_id, ts(start), ts(end)))  # fmt: skip
    return sorted(out)


def overlaps(o: timeline.Overlaps) -> list[tuple[Any, ...]]:
    return sorted(zip(o.row.tolist(), o.conflict.tolist(), o.movement_id.tolist(),
                      o.point_id.tolist(), o.start.tolist(), o.end.tolist(), strict=True))


def test_conflicts_are_the_planners_clipped_to_the_passages(demo: Demo) -> None:
    t = rows_of(demo)
    want = expected_overlaps(demo, lambda m, _p: t.row_of(m))
    got = overlaps(t.conflicts)
    assert [g[:4] for g in got] == [w[:4] for w in want]
    assert np.allclose([g[4:] for g in got], [w[4:] for w in want], rtol=0, atol=1e-6)
    # Every conflict shows on every movement it names.
    for index, c in enumerate(demo.conflicts):
        assert {g[2] for g in got if g[1] == index} == set(c.movements)


def test_same_input_same_arrays(demo: Demo) -> None:
    a = rows_of(demo, "exercise")
    shuffled = dict(reversed(list(demo.movements.items())))
    b = timeline.build(dict(reversed(list(demo.plans.items()))), demo.conflicts, shuffled,
                       "exercise", demo.nations, demo.exercises)  # fmt: skip
    assert a.ids == b.ids and a.groups == b.groups and a.span == b.span
    for name in ("bars", "segments", "conflicts"):
        left, right = getattr(a, name), getattr(b, name)
        for field in left.__dataclass_fields__:
            assert np.array_equal(getattr(left, field), getattr(right, field)), (name, field)


def test_span_covers_every_bar(demo: Demo) -> None:
    t = rows_of(demo)
    assert t.span is not None
    lo, hi = t.span
    assert lo == min(t.bars.start.min(), t.bars.planned_start.min())
    assert hi == max(t.bars.end.max(), t.bars.planned_end.max())
    assert timeline.build({}, [], {}).span is None


def test_points_view(demo: Demo) -> None:
    p = timeline.build_points(demo.plans, demo.conflicts, demo.points, demo.movements)
    assert p.labels == sorted(demo.points.values())
    assert [demo.points[i] for i in p.ids] == p.labels
    cancelled = {m for m, r in demo.movements.items() if r["status"] == "cancelled"}
    assert cancelled, "the demo has a cancelled movement"
    expected = sorted(
        (p.row_of(point_id), movement_id, ts(start), ts(end))
        for movement_id, plan in demo.plans.items() if movement_id not in cancelled
        for point_id, (start, end) in plan.forecast.windows().items())
    w = p.windows
    got = sorted(zip(w.row.tolist(), w.movement_id.tolist(), w.start.tolist(),
                     w.end.tolist(), strict=True))  # fmt: skip
    assert got == expected
    assert not set(w.movement_id.tolist()) & cancelled
    # Without the records nothing is known to be cancelled: every plan is shown.
    every = timeline.build_points(demo.plans, demo.conflicts, demo.points)
    assert set(every.windows.movement_id.tolist()) & cancelled
    want = expected_overlaps(demo, lambda _m, point_id: p.row_of(point_id))
    got_overlaps = overlaps(p.conflicts)
    assert [g[:4] for g in got_overlaps] == [x[:4] for x in want]
    assert np.allclose([g[4:] for g in got_overlaps], [x[4:] for x in want], atol=1e-6)
