"""Deconfliction: which movements hold a critical point beyond what it can take.

Each movement holds a point from the head of its first serial to the tail of its last (its
occupancy window), its vehicles spread evenly over that window. Two rules, per point:

* exclusive (a single-lane bridge, a rail ramp): any overlap of two movements' windows is a
  conflict, one per overlapping pair, from the later start to the earlier end;
* capacity (vehicles per hour): the load of the hour starting at t is the vehicles passing
  in [t, t + 60 min]; every t where it exceeds the capacity is in conflict. Such hours that
  overlap and share a movement are merged into one conflict, naming the movements with
  vehicles in them, from the first to the last moment those hours and windows share, with
  the busiest hour's load.

The load is piecewise linear in t with breaks only where an hour's start or end meets a
window's start or end, so it is evaluated exactly at those breaks (from the cumulative count
of vehicles past the point) and in between by linear interpolation: a sort and a sweep per
point, O(n log n) overall. `find_conflicts_naive` states the same rules pair by pair and is
kept as the reference the sweep is tested and measured against.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone

import numpy as np

from app.core.planning.model import Conflict, MarchTable, Occupancy, Point

HOUR = 60.0  # minutes
# A window of no duration (a movement with no column length) is held for one second, so
# two such arrivals at the same instant still meet on an exclusive point.
MIN_SPAN = 1 / 60
EPS = 1e-6  # vehicles: float noise, never a real excess
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# A conflict before it is named: (reason, member indices, start, end, load) in minutes.
Raw = tuple[str, tuple[int, ...], float, float, int | None]


# Facilities a column uses only where it stops: passing one on the road takes none of its
# capacity. A movement holds them at its start, its release point and its planned halts.
STOP_KINDS = frozenset({"rest_point", "staging_area", "garrison", "port", "airfield"})
STOP_KM = 2.0  # how near a stop (along the route) such a facility counts as used


def occupancies_of(table: MarchTable, priority: str,
                   points: Mapping[str, Point] | None = None) -> list[Occupancy]:
    """The movement's occupancy of each critical point it holds (with `points`, the stop
    facilities it passes without stopping are left out)."""
    vehicles = sum(s.vehicles for s in table.serials)
    windows = table.windows()
    if points is not None and table.rows:
        stops = [0.0, table.rows[-1].km, *(h.km for h in table.halts)]
        kms = {r.point_id: r.km for r in table.rows if r.point_id in windows}
        windows = {p: w for p, w in windows.items() if p not in points
                   or points[p].kind not in STOP_KINDS
                   or min(abs(kms[p] - km) for km in stops) <= STOP_KM}  # fmt: skip
    return [Occupancy(table.movement_id, point_id, start, end, vehicles, priority)
            for point_id, (start, end) in windows.items()]  # fmt: skip


def minutes(moment: datetime) -> float:
    return moment.timestamp() / 60


def moment(value: float) -> datetime:
    return _EPOCH + timedelta(microseconds=round(value * 60e6))


def by_point(occupancies: Iterable[Occupancy]) -> dict[str, list[Occupancy]]:
    out: dict[str, list[Occupancy]] = defaultdict(list)
    for occ in occupancies:
        out[occ.point_id].append(occ)
    return out


def arrays(occs: Sequence[Occupancy]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start, end (minutes since 1970, widened to MIN_SPAN) and vehicles of each window."""
    s = np.fromiter((minutes(o.start) for o in occs), float, len(occs))
    e = np.fromiter((minutes(o.end) for o in occs), float, len(occs))
    v = np.fromiter((o.vehicles for o in occs), float, len(occs))
    return s, np.maximum(e, s + MIN_SPAN), v


def find_conflicts(occupancies: Iterable[Occupancy], points: Mapping[str, Point],
                   ) -> list[Conflict]:
    """Every conflict at every point, sorted by start."""
    out: list[Conflict] = []
    for point_id, occs in by_point(occupancies).items():
        point = points.get(point_id)
        if point is not None:
            out += conflicts_at(point, occs)
    out.sort(key=order)
    return out


def conflicts_at(point: Point, occs: Sequence[Occupancy]) -> list[Conflict]:
    if not checked(point) or not occs:
        return []
    s, e, v = arrays(occs)
    return [named(point, occs, raw) for raw in raw_conflicts(point, occs, s, e, v)]


def checked(point: Point) -> bool:
    # A capacity of 0 is read as "not rated": a point closed to traffic is a closure event.
    return point.exclusive or bool(point.capacity_per_hour)


def order(c: Conflict) -> tuple[datetime, str, str, tuple[str, ...]]:
    return (c.start, c.point_id, c.reason, c.movements)


def named(point: Point, occs: Sequence[Occupancy], raw: Raw) -> Conflict:
    reason, members, start, end, load = raw
    ids = tuple(sorted({occs[i].movement_id for i in members}))
    if reason == "exclusive":
        a, b = occs[members[0]], occs[members[1]]
        first = max(a.start, b.start)
        return Conflict(point.id, point.name, ids, first, max(first, min(a.end, b.end)),
                        reason)  # fmt: skip
    return Conflict(point.id, point.name, ids, moment(start), moment(end), reason, load,
                    point.capacity_per_hour)  # fmt: skip


def raw_conflicts(point: Point, occs: Sequence[Occupancy], s: np.ndarray, e: np.ndarray,
                  v: np.ndarray) -> list[Raw]:
    """The conflicts at one point, as indices into the windows (s, e, v)."""
    out: list[Raw] = []
    if point.exclusive:
        out += _exclusive(occs, s, e)
    cap = point.capacity_per_hour
    if cap and float(v.sum()) > cap + EPS:
        t, load = _loads(s, e, v)
        out += _clusters(_runs(t, load, cap), s, e)
    return out


def _exclusive(occs: Sequence[Occupancy], s: np.ndarray, e: np.ndarray) -> list[Raw]:
    starts, ends = s.tolist(), e.tolist()
    out: list[Raw] = []
    active: list[int] = []
    for i in sorted(range(len(starts)), key=starts.__getitem__):
        here = starts[i]
        active = [j for j in active if ends[j] > here]
        for j in active:
            if occs[j].movement_id != occs[i].movement_id:
                out.append(("exclusive", (j, i), here, min(ends[i], ends[j]), None))
        active.append(i)
    return out


def _loads(s: np.ndarray, e: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The hour's load at every break of the load function, sorted by time."""
    rate = v / (e - s)
    breaks = np.concatenate([s, e])
    change = np.concatenate([rate, -rate])
    ordering = np.argsort(breaks, kind="stable")
    breaks, change = breaks[ordering], change[ordering]
    slope = np.cumsum(change)[:-1]  # vehicles per minute between consecutive breaks
    passed = np.concatenate([[0.0], np.cumsum(slope * np.diff(breaks))])
    t = np.unique(np.concatenate([s, e, s - HOUR, e - HOUR]))
    # np.interp holds the end values beyond the breaks: 0 before, all vehicles after.
    return t, np.interp(t + HOUR, breaks, passed) - np.interp(t, breaks, passed)


def _runs(t: np.ndarray, load: np.ndarray, cap: float) -> list[tuple[float, float, float]]:
    """(first, last, peak) of each stretch of hour starts whose load exceeds `cap`.

    The first and last breaks have no load (no window reaches them), so every stretch has a
    break below the capacity on either side, where the linear load crosses it.
    """
    over = load > cap + EPS
    if not over.any():
        return []
    flags = np.concatenate([[False], over, [False]]).astype(np.int8)
    edges = np.diff(flags)
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    out = []
    for j1, j2 in zip(firsts.tolist(), lasts.tolist(), strict=True):
        a = t[j1 - 1] + (t[j1] - t[j1 - 1]) * (cap - load[j1 - 1]) / (load[j1] - load[j1 - 1])
        b = t[j2] + (t[j2 + 1] - t[j2]) * (load[j2] - cap) / (load[j2] - load[j2 + 1])
        out.append((float(a), float(b), float(load[j1:j2 + 1].max())))
    return out


def _clusters(runs: list[tuple[float, float, float]], s: np.ndarray, e: np.ndarray,
              ) -> list[Raw]:
    """Runs whose busy hours overlap and share a window, merged; named by their windows.

    Two overloads an hour apart with nothing in common (say two columns each too big on its
    own) stay two conflicts: one report would suggest that moving either would help.
    """
    found = []  # per run: its windows, first and last moment, peak
    for a, b, peak in runs:  # in time order, disjoint
        members = np.flatnonzero((s < b + HOUR) & (e > a))
        found.append((set(members.tolist()), a, b, peak))
    parent = list(range(len(found)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for j, (members, a, _, _) in enumerate(found):
        i = j - 1
        while i >= 0 and found[i][2] + HOUR > a:  # the ends of the runs' hours only rise
            if found[i][0] & members:
                parent[root(i)] = root(j)
            i -= 1
    groups: dict[int, list[int]] = defaultdict(list)
    for j in range(len(found)):
        groups[root(j)].append(j)
    out: list[Raw] = []
    for runs_in in groups.values():
        members = sorted(set().union(*(found[j][0] for j in runs_in)))
        first = min(found[j][1] for j in runs_in)
        last = max(found[j][2] for j in runs_in)
        peak = max(found[j][3] for j in runs_in)
        start = max(first, float(s[members].min()))
        end = min(last + HOUR, float(e[members].max()))
        out.append(("capacity", tuple(members), start, end, math.ceil(peak - EPS)))
    out.sort(key=lambda r: r[2])
    return out


def find_conflicts_naive(occupancies: Iterable[Occupancy], points: Mapping[str, Point],
                         ) -> list[Conflict]:
    """The same rules, pair by pair: every pair of windows for the exclusive rule, and for
    capacity every window's share of every candidate hour, summed one by one. O(n^2) per
    point; the reference for the sweep.
    """
    out: list[Conflict] = []
    for point_id, occs in by_point(occupancies).items():
        point = points.get(point_id)
        if point is None or not checked(point):
            continue
        s, e, v = (x.tolist() for x in arrays(occs))
        n = len(occs)
        raw: list[Raw] = []
        if point.exclusive:
            for i in range(n):
                for j in range(n):
                    if (occs[i].movement_id != occs[j].movement_id
                            and (s[j], j) < (s[i], i) and s[i] < e[j]):  # fmt: skip
                        raw.append(("exclusive", (j, i), s[i], min(e[i], e[j]), None))
        cap = point.capacity_per_hour
        if cap and sum(v) > cap + EPS:
            t = sorted({x for i in range(n) for x in (s[i], e[i], s[i] - HOUR, e[i] - HOUR)})
            load = []
            for start in t:
                total = 0.0
                for i in range(n):
                    inside = min(e[i], start + HOUR) - max(s[i], start)
                    total += v[i] * max(inside, 0.0) / (e[i] - s[i])
                load.append(total)
            raw += _clusters(_runs(np.array(t), np.array(load), cap), *arrays(occs)[:2])
        out += [named(point, occs, r) for r in raw]
    out.sort(key=order)
    return out
