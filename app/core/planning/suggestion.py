"""Suggestions: the earliest later departure at which a movement shares no conflict.

All of a movement's windows move together with its departure; every other movement stays
where it is. Each try re-checks, at each point it uses, only the windows within an hour of
its own, with the same rules as `find_conflicts`. That is enough: it shares a conflict when
another window has vehicles in one of its busy hours, or when the busy hours run on past its
own, which needs another window within the hour after it (or before it) to keep them busy.

A closure of a point acts as an exclusive blocker there: a departure is clear only when the
movement's window at the point misses every closure of it. One with no end cannot be cleared
by waiting, so nothing is suggested and the note names the point.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from app.core import timefmt
from app.core.domain.vocabulary import PRIORITY_RANK
from app.core.planning import deconfliction as dc
from app.core.planning.clearance import Closure
from app.core.planning.model import Conflict, Occupancy, Point, Suggestion

_LOWEST = len(PRIORITY_RANK)  # an unknown priority yields to every known one
REACH = dc.HOUR + 1.0  # minutes either side of its window that are re-checked (1 spare)


def rank(priority: str | None) -> int:
    return PRIORITY_RANK.get(priority or "", _LOWEST)


@dataclass
class _PointCheck:
    """One point the movement uses: the other windows there (by start) and its own."""

    point: Point
    others: list[Occupancy]
    s: np.ndarray
    e: np.ndarray
    v: np.ndarray
    starts: list[float]
    longest: float  # the longest other window, to bound the search by start
    own: Occupancy
    own_s: float
    own_e: float

    @classmethod
    def build(cls, point: Point, own: Occupancy, others: list[Occupancy]) -> _PointCheck:
        others = sorted(others, key=lambda o: o.start)
        s, e, v = dc.arrays(others)
        longest = float((e - s).max()) if len(others) else 0.0
        own_s, own_e, _ = (float(x[0]) for x in dc.arrays([own]))
        return cls(point, others, s, e, v, s.tolist(), longest, own, own_s, own_e)

    def clear(self, shift_min: float) -> bool:
        """Whether the movement, `shift_min` later, shares no conflict at this point."""
        s, e = self.own_s + shift_min, self.own_e + shift_min
        i0 = bisect_left(self.starts, s - REACH - self.longest)
        i1 = bisect_left(self.starts, e + REACH)
        near = i0 + np.flatnonzero(self.e[i0:i1] > s - REACH)
        if not len(near):
            return True  # nothing within reach (alone it was checked once, up front)
        occs = [*(self.others[i] for i in near.tolist()), self.own]
        raws = dc.raw_conflicts(self.point, occs, np.append(self.s[near], s),
                                np.append(self.e[near], e),
                                np.append(self.v[near], float(self.own.vehicles)))
        mine = len(occs) - 1
        # A conflict it is in alone goes wherever it goes: only shared ones count.
        return not any(mine in members and len(members) > 1 for _, members, *_ in raws)


@dataclass(frozen=True)
class _Blocker:
    """A closure of a point the movement passes, and its window there as planned."""

    closure: Closure
    name: str
    start: datetime
    end: datetime

    def clear(self, shift: timedelta) -> bool:
        return not self.closure.overlaps(self.start + shift, self.end + shift)


def suggest(movement_id: str, occupancies: Iterable[Occupancy], points: Mapping[str, Point],
            priorities: Mapping[str, str], step_min: float = 5, horizon_h: float = 72,
            depart: datetime | None = None, closures: Iterable[Closure] = (),
            windows: Mapping[str, tuple[datetime, datetime]] | None = None) -> Suggestion:
    """The earliest departure, in `step_min` steps, at which `movement_id` shares no
    conflict with another movement and passes no point while it is closed.

    `depart` is its planned departure (default: its earliest window, which moves with it).
    A conflict it is in alone (its own vehicles exceed a point's capacity) moves with it
    whatever the time: the note says so, and when that is all there is, nothing is suggested.
    `windows` are its windows per point (default: its occupancies), which `closures` are
    checked against: a point it passes without holding it can still be closed.
    """
    everything = list(occupancies)
    own = {o.point_id: o for o in everything if o.movement_id == movement_id
           and o.point_id in points and dc.checked(points[o.point_id])}  # fmt: skip
    if windows is None:
        windows = {o.point_id: (o.start, o.end) for o in everything
                   if o.movement_id == movement_id}  # fmt: skip
    if depart is None:
        if not own:
            raise ValueError(f"movement {movement_id} holds no checked point; give its depart")
        depart = min(o.start for o in own.values())
    blockers = [_Blocker(c, points[c.point_id].name if c.point_id in points else c.point_id,
                         *windows[c.point_id]) for c in closures if c.point_id in windows]
    closed = [b for b in blockers if not b.clear(timedelta(0))]
    at_points = dc.by_point(o for o in everything if o.point_id in own)
    clears = tuple(sorted((c for point_id, occs in at_points.items()
                           for c in dc.conflicts_at(points[point_id], occs)
                           if movement_id in c.movements), key=dc.order))  # fmt: skip
    if not clears and not closed:
        return Suggestion(movement_id, depart, depart, (), note="No conflict at its points.")
    my_rank = rank(priorities.get(movement_id))
    partners = sorted({m for c in clears for m in c.movements} - {movement_id})
    gives_way = tuple(m for m in partners if rank(priorities.get(m)) <= my_rank)
    base = dict(movement_id=movement_id, current=depart, clears=clears,
                gives_way_to=gives_way)  # fmt: skip
    alone = _alone(own.values(), points)
    endless = sorted({b.name for b in closed if b.closure.end is None})
    if endless:
        note = (f"{', '.join(endless)} closed until further notice: retiming cannot clear "
                "it; choose another route.")
        return Suggestion(**base, suggested=None, note=f"{note} {alone}".strip())
    if not partners and not closed:
        return Suggestion(**base, suggested=None, note=alone)
    checks = [_PointCheck.build(points[p], own[p], [o for o in occs if o.movement_id
                                                     != movement_id])
              for p, occs in at_points.items()]  # fmt: skip
    steps = int(horizon_h * 60 // step_min)
    for k in range(1, steps + 1):
        shift = k * step_min
        delta = timedelta(minutes=shift)
        if all(b.clear(delta) for b in blockers) and all(c.clear(shift) for c in checks):
            suggested = depart + delta
            shared = sum(1 for c in clears if len(c.movements) > 1)
            why = [f"to pass {b.name} after its closure ends ({timefmt.short(b.closure.end)})"
                   for b in closed if b.closure.end is not None]  # fmt: skip
            if partners or not closed:
                why.append(f"to clear {shared} conflict{'s' if shared != 1 else ''} with "
                           "other movements")
            note = f"Depart {timefmt.short(suggested)} ({shift:g} min later) {' and '.join(why)}."
            if partners and not gives_way:
                note += (" By priority the other movement" + ("s" if len(partners) > 1 else "")
                         + f" ({', '.join(partners)}) should give way instead.")
            return Suggestion(**base, suggested=suggested, note=f"{note} {alone}".strip())
    what = "conflict-free departure" if not closed else \
        "departure clear of conflicts and of the closure" + ("s" if len(closed) > 1 else "")
    return Suggestion(**base, suggested=None,
                      note=f"No {what} within {horizon_h:g} h in "
                           f"{step_min:g}-min steps. {alone}".strip())  # fmt: skip


def _alone(own: Iterable[Occupancy], points: Mapping[str, Point]) -> str:
    """Where retiming cannot help: the movement alone exceeds a point's capacity."""
    over = [(points[o.point_id], c) for o in own for c in dc.conflicts_at(points[o.point_id], [o])]
    if not over:
        return ""
    where = "; ".join(f"{p.name} ({c.capacity} vehicles/h, busiest hour {c.load})"
                      for p, c in over)  # fmt: skip
    return (f"Its own vehicles alone exceed the capacity of {where}: retiming cannot clear "
            "that; split it into movements an hour or more apart, or widen the interval.")


def resolve(conflict: Conflict, occupancies: Iterable[Occupancy], points: Mapping[str, Point],
            priorities: Mapping[str, str], departs: Mapping[str, datetime] | None = None,
            step_min: float = 5, horizon_h: float = 72) -> Suggestion:
    """Suggest for the movement that should give way: the lowest priority, then the later
    departure (`departs`, default each movement's earliest window), then the larger id."""
    everything = list(occupancies)
    earliest: dict[str, datetime] = {}
    for occ in everything:
        if occ.movement_id in conflict.movements:
            first = earliest.get(occ.movement_id)
            earliest[occ.movement_id] = occ.start if first is None else min(first, occ.start)
    departs = {**earliest, **(departs or {})}
    chosen = gives_way(conflict.movements, priorities, departs)
    return suggest(chosen, everything, points, priorities, step_min, horizon_h,
                   departs.get(chosen))


def gives_way(movements: Iterable[str], priorities: Mapping[str, str],
              departs: Mapping[str, datetime]) -> str:
    """The movement that should give way: the lowest priority, then the later departure,
    then the larger id (so the choice never depends on the order given)."""
    return max(movements, key=lambda m: (rank(priorities.get(m)), departs[m], m))
