"""Incidents: a bridge closed on the demo re-plans exactly the movements that cross it."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app.cli import main
from app.core import timefmt
from app.core.domain.validation import ValidationError
from app.core.planning import incidents
from app.core.planning import suggestion as sg
from app.core.planning.clearance import Closure
from app.core.planning.model import Occupancy, Point
from app.core.planning.planner import Planner
from app.core.store import Store
from tests.conftest import DEMO_NOW, DEMO_START

UTC = timezone.utc
# On the demo's second day the Gauja bridge sees the LV fuel resupply at about 16:18Z, and
# earlier the Stryker troop (about 14:37Z) and the CAESAR battery (about 12:18Z).
FROM = datetime(2026, 6, 9, 15, 0, tzinfo=UTC)
UNTIL = datetime(2026, 6, 9, 18, 0, tzinfo=UTC)
FUEL = "Fuel resupply to Ādaži"


@pytest.fixture(scope="module")
def lv_demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo as the LV cell holds it: LV closes its own bridges and moves its own fuel."""
    from app.core import demo

    path = tmp_path_factory.mktemp("demo-lv") / "demo.db"
    demo.write(path, nation="LV", start=DEMO_START, now=DEMO_NOW)
    return path


@pytest.fixture
def db(lv_demo_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo-lv.db"
    shutil.copy(lv_demo_path, path)
    return path


@pytest.fixture
def store(db: Path) -> Iterator[Store]:
    with Store.open(db) as s:
        yield s


@pytest.fixture
def planner(store: Store) -> Planner:
    p = Planner(store)
    p.plan_all()
    return p


def gauja(store: Store) -> str:
    return incidents.find_point(store, "Gauja bridge")["id"]


def named(p: Planner, name: str) -> str:
    return next(m for m, r in p.movements.items() if r["name"] == name)


def closed_by(p: Planner, movement_id: str, event_id: str) -> bool:
    closure = next(c for c in p.closures if c.event_id == event_id)
    return any(v.limit == (closure.start, closure.end) for v in p.closed(movement_id))


def written(store: Store) -> tuple[int, int]:
    """Events and change-log entries: what a refused edit must leave as it was."""
    log = store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    return store.count("events"), log


def test_a_bridge_closure_replans_exactly_the_movements_that_cross_it(
        store: Store, planner: Planner) -> None:
    point = gauja(store)
    before = {m: planner.plan(m) for m in planner.movement_ids()}
    crossing = {m for m, plan in before.items()
                if plan and any(p.point.id == point for p in plan.route.points)}
    assert 0 < len(crossing) < len([p for p in before.values() if p])

    event_id = incidents.close_point(store, point, FROM, UNTIL, "Flooding")
    affected = planner.incident(event_id)

    assert sorted(affected) == sorted(crossing)
    for movement_id, plan in before.items():
        if movement_id in crossing:
            assert planner.plan(movement_id) is not plan
        else:
            assert planner.plan(movement_id) is plan
    met = {m for m in affected if closed_by(planner, m, event_id)}
    assert named(planner, FUEL) in met
    assert named(planner, "Stryker troop to Ādaži") not in met
    assert named(planner, "CAESAR battery to Tapa") not in met
    for movement_id in affected:  # met exactly when its passage overlaps the closure
        start, end = planner.plan(movement_id).forecast.windows()[point]
        assert (movement_id in met) == (start < UNTIL and end > FROM)
    held = {o.point_id for o in planner.occupancies() if o.movement_id in affected}
    assert point in planner.last_rechecked and planner.last_rechecked <= held

    fresh = Planner(store)
    fresh.plan_all()
    for movement_id in planner.movement_ids():
        again, kept = fresh.plan(movement_id), planner.plan(movement_id)
        assert (again and again.violations) == (kept and kept.violations)
    assert fresh.conflicts() == planner.conflicts()


def test_the_suggestion_passes_the_bridge_after_the_closure_and_applying_it_clears_it(
        store: Store, planner: Planner) -> None:
    point = gauja(store)
    fuel = named(planner, FUEL)
    event_id = incidents.close_point(store, point, FROM, UNTIL)
    affected = planner.incident(event_id)
    proposals = planner.proposals(affected)
    assert set(proposals) == {m for m in affected if planner.closed(m)}

    found = proposals[fuel]
    assert found.current == FROM + timedelta(hours=1)  # its planned 16:00Z departure
    passes = planner.plan(fuel).forecast.windows()[point][0]
    shift = found.suggested - found.current
    assert passes + shift >= UNTIL > passes + shift - timedelta(minutes=5)  # the earliest
    assert "Gauja bridge" in found.note and "after its closure ends" in found.note

    plan = planner.apply(found)
    assert not closed_by(planner, fuel, event_id)
    assert plan.forecast.windows()[point][0] >= UNTIL
    assert store.get("movements", fuel)["depart"] == timefmt.iso(found.suggested)
    assert not [c for c in planner.conflicts_of(fuel) if len(c.movements) > 1]
    assert planner.suggest(fuel).note == "No conflict at its points."


def test_reopening_replans_them_back(store: Store, planner: Planner) -> None:
    point = gauja(store)
    fuel = named(planner, FUEL)
    event_id = incidents.close_point(store, point, FROM, UNTIL)
    affected = planner.incident(event_id)
    assert closed_by(planner, fuel, event_id)
    assert event_id in {c.event_id for c in incidents.active(store, FROM)}

    reopened = incidents.reopen(store, event_id, FROM + timedelta(minutes=30))
    assert reopened.end == FROM + timedelta(minutes=30)
    assert planner.incident(event_id) == affected
    assert not closed_by(planner, fuel, event_id)
    assert fuel not in planner.proposals(affected)
    assert event_id not in {c.event_id for c in incidents.active(store, FROM + timedelta(hours=1))}
    assert event_id in {c.event_id for c in incidents.active(store, FROM + timedelta(minutes=29))}


def test_a_closure_with_no_end_cannot_be_waited_out(store: Store, planner: Planner) -> None:
    fuel = named(planner, FUEL)
    event_id = incidents.close_point(store, gauja(store), FROM)
    found = planner.proposals(planner.incident(event_id))[fuel]
    assert found.suggested is None
    assert "Gauja bridge, Ādaži (A1/E67) closed until further notice" in found.note
    assert "choose another route" in found.note
    with pytest.raises(ValueError, match="nothing to apply"):
        planner.apply(found)


def test_a_movement_that_has_left_is_not_retimed_around_a_closure(
        store: Store, planner: Planner) -> None:
    point = gauja(store)
    left = named(planner, "Mechanised company to Ādaži")  # under way, passes about 14:25Z
    event_id = incidents.close_point(store, point, FROM - timedelta(hours=1), FROM)
    proposals = planner.proposals(planner.incident(event_id))
    assert closed_by(planner, left, event_id)
    assert proposals[left].suggested is None
    assert "Cannot be retimed: it has left" in proposals[left].note
    stryker = proposals[named(planner, "Stryker troop to Ādaži")]  # planned: it can wait
    assert stryker.suggested is not None and stryker.suggested > stryker.current


def test_bad_input_writes_nothing(store: Store, planner: Planner) -> None:
    point = gauja(store)
    sesupe = incidents.find_point(store, "Šešupė")["id"]  # a Lithuanian bridge
    passage = next(e["id"] for e in store.rows("events") if e["kind"] == "passage")
    event_id = incidents.close_point(store, point, FROM, UNTIL)
    before = written(store)
    cases = [
        (lambda: incidents.close_point(store, "no-such-point", FROM), "no critical point"),
        (lambda: incidents.close_point(store, point, FROM, FROM - timedelta(hours=1)),
         "is not after the closure's start"),
        (lambda: incidents.close_point(store, point, FROM, FROM), "is not after"),
        (lambda: incidents.close_point(store, point, "tomorrow"), "not an ISO 8601 time"),
        (lambda: incidents.close_point(store, point, datetime(2026, 6, 9, 15)),
         "no UTC offset"),
        (lambda: incidents.close_point(store, sesupe, FROM), "only LT may change it"),
        (lambda: incidents.reopen(store, "no-such-event", UNTIL), "no closure with id"),
        (lambda: incidents.reopen(store, passage, UNTIL), "no closure with id"),
        (lambda: incidents.reopen(store, event_id, FROM), "is not after the closure's start"),
        (lambda: incidents.reopen(store, event_id, UNTIL + timedelta(hours=1)),
         "ended already"),
        (lambda: incidents.find_point(store, "bridge"), "no critical point 'bridge'"),
        (lambda: incidents.find_point(store, "Gauja bridge, Ādaži (A1/E67)x"),
         "no critical point"),
    ]
    for action, message in cases:
        with pytest.raises(ValidationError, match=message):
            action()
    assert written(store) == before
    assert store.get("events", event_id)["until"] == timefmt.iso(UNTIL)
    with pytest.raises(ValueError, match="not a closure"):
        planner.incident(passage)
    with pytest.raises(KeyError):
        planner.incident("no-such-event")


def test_a_name_that_fits_several_points_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="'Sal' names 2 points"):
        incidents.find_point(store, "Sal")  # the Salaca bridge and the Saločiai crossing
    assert incidents.find_point(store, "salaca")["name"].startswith("Salaca bridge")


def test_active_lists_the_closures_in_force(store: Store) -> None:
    demo_closure = datetime(2026, 6, 10, 10, 0, tzinfo=UTC)  # the scenario's Gauja inspection
    assert incidents.active(store, DEMO_NOW) == []
    found = incidents.active(store, demo_closure)
    assert [(c.start, c.end) for c in found] == [(demo_closure, demo_closure
                                                  + timedelta(hours=6))]  # fmt: skip
    assert incidents.active(store, demo_closure + timedelta(hours=6)) == []
    endless = incidents.close_point(store, gauja(store), FROM)
    assert [c.event_id for c in incidents.active(store, demo_closure)] == [endless,
                                                                           found[0].event_id]


def _point(pid: str, exclusive: bool = False) -> Point:
    return Point(pid, pid.title(), "bridge", "LV", 24.0, 57.0, exclusive=exclusive)


def _occ(movement: str, point: str, start: datetime, minutes: float) -> Occupancy:
    return Occupancy(movement, point, start, start + timedelta(minutes=minutes), 10, "exercise")


def test_a_closure_blocks_like_an_exclusive_movement_and_conflicts_still_count() -> None:
    t0 = datetime(2026, 6, 9, 10, 0, tzinfo=UTC)
    points = {"bridge": _point("bridge", exclusive=True), "ferry": _point("ferry")}
    bridge, ferry = _occ("a", "bridge", t0, 30), _occ("a", "ferry", t0 + timedelta(hours=2), 30)
    other = _occ("b", "bridge", t0 + timedelta(minutes=60), 40)  # right after the closure
    closed = Closure("bridge", t0, t0 + timedelta(hours=1))
    priorities = {"a": "exercise", "b": "exercise"}
    found = sg.suggest("a", [bridge, other], points, priorities, closures=[closed], depart=t0)
    # Out of the closure at 11:00, but the exclusive bridge is b's until 11:40.
    assert found.suggested == t0 + timedelta(minutes=100)
    assert found.clears == ()
    assert "to pass Bridge after its closure ends (2026-06-09 11:00Z)" in found.note

    # The ferry takes no capacity, so a does not hold it; its window there still meets
    # the ferry's closure (to 14:00), given as one of its windows.
    shut = Closure("ferry", t0 + timedelta(hours=2), t0 + timedelta(hours=4))
    windows = {o.point_id: (o.start, o.end) for o in (bridge, ferry)}
    found = sg.suggest("a", [bridge, other], points, priorities, closures=[closed, shut],
                       depart=t0, windows=windows)
    assert found.suggested == t0 + timedelta(minutes=120)
    assert "Ferry after its closure ends" in found.note
    blind = sg.suggest("a", [bridge, other], points, priorities, closures=[closed, shut],
                       depart=t0)
    assert blind.suggested == t0 + timedelta(minutes=100)

    # A conflict with b alone (no closure) keeps the old wording.
    late = _occ("a", "bridge", t0 + timedelta(minutes=70), 30)
    found = sg.suggest("a", [late, other], points, priorities, closures=[closed], depart=t0)
    assert found.suggested == t0 + timedelta(minutes=30)
    assert "to clear 1 conflict with other movements" in found.note
    assert "closure" not in found.note


def test_cli_round_trip(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--db", str(db), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("incident", "close", "--point", "Gauja", "--from", timefmt.iso(FROM),
                       "--until", timefmt.iso(UNTIL), "--details", "Flooding", "--json")
    assert code == 0
    data = json.loads(out)
    event_id = data["event"]
    assert data["point"] == "Gauja bridge, Ādaži (A1/E67)"
    fuel = next(r for r in data["movements"] if r["name"] == FUEL)
    assert fuel["closed"] and fuel["suggestion"]["suggested_depart"] > fuel["depart"]
    stryker = next(r for r in data["movements"] if r["name"] == "Stryker troop to Ādaži")
    assert not stryker["closed"] and stryker["suggestion"] is None

    code, out, _ = run("incident", "list", "--at", "2026-06-09T16:00Z")
    assert code == 0 and event_id in out and "Flooding" in out
    assert "1 closure in force at 2026-06-09 16:00Z" in out

    code, out, _ = run("incident", "reopen", event_id, "--at", "2026-06-09T15:30Z")
    assert code == 0 and "reopened Gauja bridge" in out
    assert next(line for line in out.splitlines() if FUEL in line).endswith(": clear")
    code, out, _ = run("incident", "list", "--at", "2026-06-09T16:00Z")
    assert "0 closures in force" in out

    code, out, _ = run("incident", "close", "--point", "Gauja", "--from", "2026-06-09T15:00Z")
    assert code == 0 and "until further notice" in out
    assert "closed until further notice: retiming cannot clear it" in out

    with Store.open(db) as s:
        before = written(s)
    for argv in (("--point", "Gauja", "--from", "15:00"),
                 ("--point", "nowhere", "--from", "2026-06-09T15:00Z"),
                 ("--point", "Gauja", "--from", "2026-06-09T15:00Z", "--until",
                  "2026-06-09T14:00Z")):
        code, out, err = run("incident", "close", *argv)
        assert code == 2 and out == "" and err.startswith("movcon: error:")
    code, _, err = run("incident", "reopen", "no-such-event")
    assert code == 2 and "no closure with id" in err
    with Store.open(db) as s:
        assert written(s) == before
