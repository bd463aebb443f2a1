"""The planner over the demo store: conflicts found, resolved, and kept up to date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from app.core import timefmt
from app.core.planning import planner as planner_module
from app.core.planning.model import Conflict
from app.core.planning.planner import Planner
from app.core.store import Store
from tests.conftest import DEMO_START as START

BUDZISKO = "Budzisko – Kalvarija"





@pytest.fixture
def store(demo_us_path: Path, tmp_path: Path) -> Iterator[Store]:
    """The US cell's copy of the demo: the tests move the US troop, which only the US may."""
    path = tmp_path / "demo-us.db"
    path.write_bytes(demo_us_path.read_bytes())
    with Store.open(path) as s:
        yield s


@pytest.fixture
def planner(store: Store) -> Planner:
    p = Planner(store)
    p.plan_all()
    return p


def ids(p: Planner) -> dict[str, str]:
    return {r["name"]: mid for mid, r in p.movements.items()}


def at_budzisko(p: Planner, *names: str) -> Conflict:
    wanted = tuple(sorted(ids(p)[n] for n in names))
    return next(c for c in p.conflicts() if c.point == BUDZISKO and c.movements == wanted)


def shared(conflicts: list[Conflict], movement_id: str) -> list[Conflict]:
    return [c for c in conflicts if movement_id in c.movements and len(c.movements) > 1]


def covered(c: Conflict, before: list[Conflict]) -> bool:
    return any(b.point_id == c.point_id and b.reason == c.reason
               and set(c.movements) <= set(b.movements) and b.start <= c.start
               and c.end <= b.end for b in before)  # fmt: skip


def test_the_day_0_clash_at_budzisko_is_found(planner: Planner) -> None:
    clash = at_budzisko(planner, "Mechanised battalion to Rukla", "Stryker squadron to Pabradė")
    assert (clash.reason, clash.load, clash.capacity) == ("capacity", 48 + 50, 90)
    assert clash.start.date() == START.date()
    assert all(planner.plan(m) is not None for m in planner.movement_ids())


def test_the_forecast_follows_the_reported_passages(planner: Planner) -> None:
    pl = ids(planner)["Mechanised battalion to Rukla"]
    reported = {e["point_id"]: timefmt.parse_utc(e["at"]) for e in planner.events[pl]
                if e["kind"] == "passage"}  # fmt: skip
    plan = planner.plan(pl)
    assert plan is not None and reported
    for row in plan.forecast.rows:
        if row.serial == 1 and row.point_id in reported:
            assert row.head_arrive == reported[row.point_id]
    assert plan.forecast.rows[-1].tail_clear > plan.march.rows[-1].tail_clear  # ran late


def test_a_movement_that_has_left_cannot_be_retimed(planner: Planner) -> None:
    us = ids(planner)["Stryker squadron to Pabradė"]
    s = planner.suggest(us)
    assert s.suggested is None and s.clears
    assert s.note.startswith("Cannot be retimed: it has left (reported passing")
    clash = at_budzisko(planner, "Mechanised battalion to Rukla", "Stryker squadron to Pabradė")
    assert planner.resolve(clash).suggested is None
    with pytest.raises(ValueError):
        planner.apply(s)


def test_applying_the_suggestion_for_the_later_column_clears_the_clash(
        planner: Planner, store: Store) -> None:
    # Day 1: the PL company (under way) and the US troop (not yet left) clash at Budzisko.
    troop = ids(planner)["Stryker troop to Ādaži"]
    clash = at_budzisko(planner, "Mechanised company to Ādaži", "Stryker troop to Ādaži")
    before = planner.conflicts()
    s = planner.resolve(clash)
    assert s.movement_id == troop and s.suggested is not None and s.delay_min > 0
    assert clash in s.clears
    record = store.get("movements", troop)
    planner.apply(s)
    after = planner.conflicts()
    assert shared(after, troop) == [] and clash not in after
    assert all(covered(c, before) for c in after if c.movements != (troop,))
    moved = store.get("movements", troop)
    delta = timedelta(minutes=s.delay_min)
    assert moved["depart"] == timefmt.add_minutes(record["depart"], s.delay_min)
    assert timefmt.parse_utc(moved["arrive_by"]) == timefmt.parse_utc(record["arrive_by"]) + delta
    fresh = Planner(store)
    fresh.plan_all()
    assert fresh.conflicts() == after


def test_replan_agrees_with_a_fresh_plan_and_rechecks_only_its_points(
        planner: Planner, store: Store) -> None:
    troop = ids(planner)["Stryker troop to Ādaži"]
    before = {o.point_id for o in planner.occupancies() if o.movement_id == troop}
    record = store.get("movements", troop)
    with store.write() as w:
        w.update("movements", troop, {"depart": timefmt.add_minutes(record["depart"], -95)})
    planner.replan(troop)
    after = {o.point_id for o in planner.occupancies() if o.movement_id == troop}
    assert planner.last_rechecked == before | after
    assert len(planner.last_rechecked) < len({o.point_id for o in planner.occupancies()})
    fresh = Planner(store)
    fresh.plan_all()
    assert planner.conflicts() == fresh.conflicts()
    assert planner.plan(troop) == fresh.plan(troop)


def test_stop_facilities_are_held_only_where_a_column_stops(planner: Planner) -> None:
    names = ids(planner)
    rukla = next(p.id for p in planner.points.values() if p.name == "Rukla")
    held = {o.movement_id for o in planner.occupancies() if o.point_id == rukla}
    passing = planner.plan(names["Stryker squadron to Pabradė"])
    assert passing is not None and rukla in {p.point.id for p in passing.route.points}
    assert names["Stryker squadron to Pabradė"] not in held  # drives past
    assert names["Mechanised battalion to Rukla"] in held  # its release point


def test_a_cancelled_movement_is_planned_but_holds_nothing(planner: Planner) -> None:
    cancelled = ids(planner)["Danish CV90 to Lithuania"]
    assert planner.plan(cancelled) is not None
    assert not any(o.movement_id == cancelled for o in planner.occupancies())


def test_a_route_that_cannot_be_analysed_is_skipped_with_a_note(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    records = list(store.rows("movements"))
    bad = next(r for r in records if sum(x["route"] == r["route"] for x in records) == 1)
    real = planner_module.analyse

    def analyse(network, route, domain="road"):  # type: ignore[no-untyped-def]
        if route == bad["route"]:
            raise ValueError("no geometry")
        return real(network, route, domain)

    def batch(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ValueError("one route in the batch failed")

    monkeypatch.setattr(planner_module, "analyse", analyse)
    monkeypatch.setattr(planner_module, "analyse_many", batch)
    p = Planner(store)
    p.plan_all()
    assert p.plan(bad["id"]) is None
    assert p.notes[bad["id"]] == ["route analysis failed: no geometry"]
    assert sum(p.plan(m) is not None for m in p.movement_ids()) == len(p.movements) - 1
    assert not any(bad["id"] in c.movements for c in p.conflicts())
