"""The planner: every movement of a store planned, and kept planned one change at a time.

A movement's plan is its route analysis, clearance, march table and forecast (the march
table with the reported passages and delays applied). Conflicts come from the forecast
windows and are kept per point, so a change to one movement re-checks only the points its
old and new windows touch. A movement that cannot be planned (its route analysis fails) is
left out with a note; a cancelled one is planned but holds no point. An incident (a closure
recorded, changed or lifted) re-plans only the movements whose routes pass its point.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from app.core import timefmt
from app.core.planning import clearance
from app.core.planning import deconfliction as dc
from app.core.planning import suggestion as sg
from app.core.planning.march import march_table
from app.core.planning.model import (
    Conflict,
    Halt,
    MovementPlan,
    Occupancy,
    RouteAnalysis,
    Suggestion,
    Violation,
)
from app.core.planning.network import Network
from app.core.planning.progress import Delay, Passage, forecast
from app.core.planning.route import analyse, analyse_many
from app.core.store import Store

IDLE_STATUSES = frozenset({"cancelled"})  # planned, but holding no point
STARTED_STATUSES = frozenset({"under_way", "completed"})  # too late to retime


class Planner:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.network = Network.from_store(store)
        self.points = {p.id: p for p in self.network.points}
        self.movements: dict[str, dict[str, Any]] = {}
        self.serials: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.events: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.closures: list[clearance.Closure] = []
        self.notes: dict[str, list[str]] = {}  # per movement: why it is skipped, or caveats
        self.last_rechecked: set[str] = set()  # points re-checked by the last (re)plan
        self._plans: dict[str, MovementPlan] = {}
        self._held: dict[str, dict[str, Occupancy]] = defaultdict(dict)  # point -> movement
        self._holds: dict[str, set[str]] = {}  # movement -> points
        self._conflicts: dict[str, list[Conflict]] = {}  # point -> its conflicts
        self.reload()

    # -- reading ------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the movements, serials and events afresh (plans are kept until re-planned)."""
        self.movements = {r["id"]: r for r in self.store.rows("movements")}
        self.serials.clear()
        for serial in self.store.rows("serials", order_by="number"):
            self.serials[serial["movement_id"]].append(serial)
        self.events.clear()
        for event in self.store.rows("events", "kind != 'closure'", order_by="at"):
            if event["movement_id"]:
                self.events[event["movement_id"]].append(event)
        self._reload_closures()

    def _reload_closures(self) -> None:
        self.closures = clearance.closures_in(
            self.store.rows("events", "kind = 'closure'", order_by="at"))

    def _reload_one(self, movement_id: str) -> None:
        record = self.store.get("movements", movement_id)
        if record is None:
            self.movements.pop(movement_id, None)
        else:
            self.movements[movement_id] = record
        where = ("movement_id = ?", (movement_id,))
        self.serials[movement_id] = list(self.store.rows("serials", *where, order_by="number"))
        self.events[movement_id] = [e for e in self.store.rows("events", *where, order_by="at")
                                    if e["kind"] != "closure"]  # fmt: skip

    def movement_ids(self) -> list[str]:
        return list(self.movements)

    # -- planning -----------------------------------------------------------------------
    def plan_all(self) -> None:
        self._plans.clear()
        self._held.clear()
        self._holds.clear()
        self.notes.clear()
        routes = self._analyse_all()
        for movement_id in self.movements:
            self._plan_one(movement_id, routes.get(movement_id))
        self._recheck(set(self._held))

    def plan(self, movement_id: str) -> MovementPlan | None:
        """The movement's plan; None when it cannot be planned (see `notes`)."""
        if movement_id not in self._plans and movement_id in self.movements \
                and movement_id not in self.notes:  # fmt: skip
            self.replan(movement_id)
        return self._plans.get(movement_id)

    def conflicts(self) -> list[Conflict]:
        return sorted((c for found in self._conflicts.values() for c in found), key=dc.order)

    def conflicts_of(self, movement_id: str) -> list[Conflict]:
        return sorted((c for p in self._holds.get(movement_id, ())
                       for c in self._conflicts.get(p, ()) if movement_id in c.movements),
                      key=dc.order)  # fmt: skip

    def occupancies(self) -> Iterable[Occupancy]:
        return (o for held in self._held.values() for o in held.values())

    def replan(self, movement_id: str) -> MovementPlan | None:
        """Re-read one movement after a change and re-check only the points it touches."""
        before = self._holds.get(movement_id, set())
        self._drop(movement_id)
        self._reload_one(movement_id)
        if movement_id in self.movements:
            self._plan_one(movement_id, None)
        self._recheck(before | self._holds.get(movement_id, set()))
        return self._plans.get(movement_id)

    def incident(self, event_id: str) -> list[str]:
        """Re-plan after the closure `event_id` was recorded, changed or lifted (deleted).

        Re-reads the closures and re-plans only the planned movements whose routes pass its
        point (their route analyses are kept: a closure does not change a route), re-checking
        the points they hold. Returns their ids; `proposals` says what to do about them.
        """
        record = self.store.get("events", event_id)
        if record is not None and record["kind"] != "closure":
            raise ValueError(f"event {event_id} is a {record['kind']}, not a closure")
        points = {c.point_id for c in self.closures if c.event_id == event_id}
        if record is None and not points:
            raise KeyError(f"no closure with id {event_id}")
        self._reload_closures()
        points |= {c.point_id for c in self.closures if c.event_id == event_id}
        affected = [m for m, plan in self._plans.items()
                    if any(p.point.id in points for p in plan.route.points)]  # fmt: skip
        touched: set[str] = set()
        for movement_id in affected:
            route = self._plans[movement_id].route
            touched |= self._holds.get(movement_id, set())
            self._drop(movement_id)
            self._plan_one(movement_id, route)
            touched |= self._holds.get(movement_id, set())
        self._recheck(touched)
        return affected

    def closed(self, movement_id: str) -> list[Violation]:
        """The closures the movement meets as planned ("closed" violations of its plan)."""
        plan = self._plans.get(movement_id)
        return [v for v in plan.violations if v.rule == "closed"] if plan else []

    def _drop(self, movement_id: str) -> None:
        self._plans.pop(movement_id, None)
        self.notes.pop(movement_id, None)
        for point_id in self._holds.pop(movement_id, set()):
            self._held[point_id].pop(movement_id, None)

    def _recheck(self, point_ids: set[str]) -> None:
        for point_id in point_ids:
            held = self._held.get(point_id)
            found = dc.conflicts_at(self.points[point_id], list(held.values())) if held else []
            if found:
                self._conflicts[point_id] = found
            else:
                self._conflicts.pop(point_id, None)
            if held is not None and not held:
                del self._held[point_id]
        self.last_rechecked = set(point_ids)

    def _analyse_all(self) -> dict[str, RouteAnalysis]:
        """Route analyses of all movements, a batch per domain (one by one if a batch fails)."""
        by_domain: dict[str, list[str]] = defaultdict(list)
        for movement_id, record in self.movements.items():
            by_domain[record["domain"]].append(movement_id)
        out: dict[str, RouteAnalysis] = {}
        for domain, ids in by_domain.items():
            try:
                found = analyse_many(self.network, [self.movements[m]["route"] for m in ids],
                                     domain)  # fmt: skip
            except Exception:  # one bad route must not stop the batch
                continue  # each is tried alone in _plan_one, which names the failure
            out.update(zip(ids, found, strict=True))
        return out

    def _plan_one(self, movement_id: str, route: RouteAnalysis | None) -> None:
        record = self.movements[movement_id]
        notes: list[str] = []
        if route is None:
            try:
                route = analyse(self.network, record["route"], record["domain"])
            except Exception as exc:  # skipped with the reason, not a crash
                self.notes[movement_id] = [f"route analysis failed: {exc}"]
                return
        serials = self.serials.get(movement_id, [])
        counts = [sum(int(line["count"]) for line in s["vehicles"]) for s in serials]
        numbers = {s["id"]: i for i, s in enumerate(serials, start=1)}
        if not counts:
            notes.append("no serials: it holds no point")
        halts = [Halt(h["km"], h["minutes"], h.get("reason") or "")
                 for h in record.get("halts") or ()]  # fmt: skip
        notes += [f"halt at km {h.km:g} is beyond the release point "
                  f"(km {route.length_km:.1f}): ignored" for h in halts if h.km >= route.length_km]
        try:
            march = march_table(movement_id, departure(record), record["speed_kmh"],
                                record["vehicle_interval_m"], counts, route,
                                record.get("serial_gap_min"), halts)  # fmt: skip
            passages, delays = self._reports(movement_id, numbers)
            ahead = forecast(march, passages, delays)
            lines = [line for s in serials for line in s["vehicles"]]
            violations = clearance.check(route, lines, record["domain"], self.closures,
                                         ahead.windows())  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:  # a record the rules let through
            self.notes[movement_id] = [f"cannot be planned: {exc}"]
            return
        plan = MovementPlan(movement_id, route, tuple(violations), march, ahead, tuple(notes))
        self._plans[movement_id] = plan
        if notes:
            self.notes[movement_id] = notes
        if record["status"] in IDLE_STATUSES:
            return
        held = dc.occupancies_of(plan.forecast, record["priority"], self.points)
        for occ in held:
            self._held[occ.point_id][movement_id] = occ
        self._holds[movement_id] = {o.point_id for o in held}

    def _reports(self, movement_id: str, numbers: dict[str, int],
                 ) -> tuple[list[Passage], list[Delay]]:
        passages: list[Passage] = []
        delays: list[Delay] = []
        for event in self.events.get(movement_id, ()):
            at = timefmt.parse_utc(event["at"])
            serial = numbers.get(event.get("serial_id") or "")
            if event["kind"] == "passage" and event.get("point_id"):
                passages.append(Passage(event["point_id"], at, serial))
            elif event["kind"] == "delay" and event.get("delay_min"):
                delays.append(Delay(at, event["delay_min"], serial))
        return passages, delays

    # -- suggestions --------------------------------------------------------------------
    def started(self, movement_id: str) -> str:
        """Why the movement can no longer be retimed ("" when it can): it has left."""
        record = self.movements[movement_id]
        reported = [e for e in self.events.get(movement_id, ()) if e["kind"] == "passage"]
        if reported:
            last = reported[-1]
            where = self.points[last["point_id"]].name if last["point_id"] in self.points \
                else "a point"  # fmt: skip
            return f"it has left (reported passing {where} at {timefmt.short(last['at'])})"
        if record["status"] in STARTED_STATUSES:
            return f"it is {record['status'].replace('_', ' ')}"
        return ""

    def suggest(self, movement_id: str, step_min: float = 5, horizon_h: float = 72,
                ) -> Suggestion:
        """The earliest departure clearing the movement, every other movement fixed.

        A movement that has left keeps its conflicts (what was reported has happened): the
        suggestion says so and suggests nothing; report a delay instead.
        """
        record = self.movements[movement_id]
        mine = self._holds.get(movement_id, set())
        nearby = [o for p in mine for o in self._held[p].values()]
        plan = self._plans.get(movement_id)
        found = sg.suggest(movement_id, nearby, self.points,
                           self._priorities({o.movement_id for o in nearby}), step_min,
                           horizon_h, departure(record), self.closures,
                           plan.forecast.windows() if plan else None)  # fmt: skip
        why = self.started(movement_id)
        if why and found.clears:
            return replace(found, suggested=None, note=f"Cannot be retimed: {why}; what was "
                           "reported has happened. Report a delay, or retime the others.")
        if why and self.closed(movement_id):
            where = ", ".join(sorted({v.point for v in self.closed(movement_id)}))
            return replace(found, suggested=None, note=f"Cannot be retimed: {why}. It meets "
                           f"the closure of {where}: hold it short of the point, or re-route.")
        return found

    def proposals(self, movement_ids: Iterable[str], step_min: float = 5,
                  horizon_h: float = 72) -> dict[str, Suggestion]:
        """A suggestion for each of `movement_ids` that meets a closure as planned (e.g. the
        movements an incident re-planned); one that has left gets the reason instead, and a
        cancelled one none."""
        return {m: self.suggest(m, step_min, horizon_h) for m in movement_ids
                if self.closed(m) and self.movements[m]["status"] not in IDLE_STATUSES}

    def resolve(self, conflict: Conflict, step_min: float = 5, horizon_h: float = 72,
                ) -> Suggestion:
        """The suggestion for the movement of `conflict` that should give way: of those not
        yet started, the lowest priority, then the later departure."""
        movable = [m for m in conflict.movements if not self.started(m)] \
            or list(conflict.movements)  # fmt: skip
        departs = {m: departure(self.movements[m]) for m in movable}
        chosen = sg.gives_way(movable, self._priorities(movable), departs)
        return self.suggest(chosen, step_min, horizon_h)

    def _priorities(self, ids: Iterable[str]) -> dict[str, str]:
        return {m: self.movements[m]["priority"] for m in ids}

    def apply(self, suggestion: Suggestion) -> MovementPlan | None:
        """Write the suggested departure (arrive-by moves with it) and re-plan."""
        if suggestion.suggested is None:
            raise ValueError(f"nothing to apply: {suggestion.note}")
        movement_id = suggestion.movement_id
        return self.retime(movement_id, suggestion.suggested - suggestion.current)

    def retime(self, movement_id: str, delta: timedelta) -> MovementPlan | None:
        """Move the movement's departure (and arrive-by) by `delta` through the write path."""
        record = self.store.get("movements", movement_id)
        if record is None:
            raise KeyError(f"no movement with id {movement_id}")
        changes = {"depart": _moved(record["depart"], delta)}
        if record.get("arrive_by"):
            changes["arrive_by"] = _moved(record["arrive_by"], delta)
        with self.store.write() as w:
            w.update("movements", movement_id, changes)
        return self.replan(movement_id)


def _moved(text: str, delta: timedelta) -> str:
    return timefmt.iso(timefmt.parse_utc(text) + delta)


def departure(record: dict[str, Any]) -> datetime:
    return timefmt.parse_utc(record["depart"])
