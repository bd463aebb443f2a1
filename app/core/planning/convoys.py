"""Where every serial (convoy) is at a moment, for thousands of serials at once; no Qt here.

A serial's head and tail move between the stations of its march table (SP, critical points,
RP) at the pace the table gives, and stand still through the planned halts: the head stands
at a halt's km, the tail `road space` short of it (the relation `march` uses). `Tracks.build`
turns the tables into flat knot arrays (time -> km) once; `Tracks.at` answers a moment with
array operations only, so a time-cursor step over 5,000 serials costs about a millisecond.

A km maps to the drawn line the way route analysis measures it: along each projected
(LAEA) segment in proportion, scaled to the segment's geodesic length. So the head at a
row's time lies on the row's point, and the RP lies at the route's end.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from app.core.geography import GEOD
from app.core.mapdata import project
from app.core.planning.model import Halt, MarchRow, MovementPlan


@dataclass(frozen=True)
class Positions:
    """Every serial at one moment, as parallel arrays (one entry per serial, build order).

    Kilometres are clamped to the route: before its start a serial is at km 0, after its
    release at the RP. The columns of the serials on the road are polylines from tail to head
    joined as `mapdata.joined` returns them; `column` names the serial of each vertex.
    """

    moment: float  # seconds since the epoch
    movement_id: np.ndarray  # object: str
    serial: np.ndarray  # int: the serial's number in its movement
    on_road: np.ndarray  # bool: the head has left the SP and the tail not cleared the RP
    head_km: np.ndarray
    tail_km: np.ndarray
    head_xy: np.ndarray  # (n, 2) LAEA metres
    tail_xy: np.ndarray
    x: np.ndarray  # the columns of the serials on the road, tail to head
    y: np.ndarray
    connect: np.ndarray  # bool: False ends a column
    column: np.ndarray  # int: index of the serial each column vertex belongs to

    def __len__(self) -> int:
        return len(self.serial)


def _timestamp(moment: datetime | float) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


def _knots(times: Sequence[float], kms: Sequence[float], stops: Sequence[tuple[float, float]],
           ) -> tuple[list[float], list[float]]:  # fmt: skip
    """Time -> km knots through the stations, standing `minutes` at each stop's km.

    Between two stations the body moves at one pace; a stop in [a, b) takes its minutes
    out of that leg's time. A forecast may leave a leg shorter than its stops (a report came
    in early): the stops then shrink to fit, so the times never run backwards.
    """
    t_out, k_out = [times[0]], [kms[0]]
    for i in range(len(times) - 1):
        a, b, ta, tb = kms[i], kms[i + 1], times[i], times[i + 1]
        here = sorted((km, sec) for km, sec in stops if a <= km < b)
        span = tb - ta
        standing = sum(sec for _, sec in here)
        scale = min(1.0, span / standing) if standing > 0 else 1.0
        moving = max(span - standing * scale, 0.0)
        elapsed = 0.0
        for km, sec in here:
            arrive = ta + (km - a) / (b - a) * moving + elapsed
            elapsed += sec * scale
            t_out += [arrive, arrive + sec * scale]
            k_out += [km, km]
        t_out.append(tb)
        k_out.append(b)
    return t_out, k_out


def _interp(keys: np.ndarray, times: np.ndarray, values: np.ndarray, first: np.ndarray,
            last: np.ndarray, span: float, moment: float) -> np.ndarray:
    """Per track (knots first..last, times ascending, key = track * span + time): the value
    at `moment`, held at the first or last knot outside the track's times."""
    track = np.arange(len(first))
    where = np.clip(moment, -1.0, span - 1.0)  # keeps a query inside its own track's keys
    i = np.searchsorted(keys, track * span + where, side="right") - 1
    i = np.clip(i, first, np.maximum(last - 1, first))
    j = np.minimum(i + 1, last)
    dt = times[j] - times[i]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(dt > 0, (moment - times[i]) / dt, (moment >= times[j]).astype(float))
    frac = np.clip(frac, 0.0, 1.0)
    return values[i] + frac * (values[j] - values[i])


class Tracks:
    """Flat knot arrays of many serials and the lines of their routes (see the module note)."""

    def __init__(self) -> None:
        self.movement_id = np.empty(0, dtype=object)
        self.serial = np.empty(0, dtype=np.int64)
        self.route = np.empty(0, dtype=np.int64)  # per serial: its route's index
        self.start = np.empty(0)  # per serial: head at the SP (seconds)
        self.release = np.empty(0)  # per serial: tail clear of the RP
        self.epoch = 0.0  # knot times are stored relative to this, for precision
        self.span = 1.0
        self.head = self.tail = (np.empty(0), np.empty(0), np.empty(0), np.empty(0, dtype=int),
                                 np.empty(0, dtype=int))  # fmt: skip
        self.vx = self.vy = self.vkm = self.vkey = np.empty(0)  # route vertices
        self.vfirst = self.vlast = np.empty(0, dtype=np.int64)
        self.km_span = 1.0

    def __len__(self) -> int:
        return len(self.serial)

    @classmethod
    def build(cls, plans: Iterable[MovementPlan], routes: Mapping[str, np.ndarray | Sequence],
              ) -> Tracks:  # fmt: skip
        """Tracks of every serial of `plans` (their forecasts) over `routes` (lon/lat per
        movement id). A plan whose route is missing or empty is left out."""
        self = cls()
        route_index: dict[str, int] = {}
        lines: list[np.ndarray] = []
        ids: list[str] = []
        numbers: list[int] = []
        owners: list[int] = []
        starts: list[float] = []
        releases: list[float] = []
        heads: list[tuple[list[float], list[float]]] = []
        tails: list[tuple[list[float], list[float]]] = []
        for plan in plans:
            table = plan.forecast
            line = np.asarray(routes.get(plan.movement_id, ()), dtype=float)
            if not table.rows or line.size == 0:
                continue
            line = line.reshape(len(line), -1)[:, :2]  # a height, if any, is dropped
            if plan.movement_id not in route_index:
                route_index[plan.movement_id] = len(lines)
                lines.append(line)
            by_serial: dict[int, list[MarchRow]] = {}
            for row in table.rows:
                by_serial.setdefault(row.serial, []).append(row)
            for timing in table.serials:
                rows = sorted(by_serial.get(timing.serial, ()), key=lambda r: r.km)
                if not rows:
                    continue
                kms = [r.km for r in rows]
                head_t = [r.head_arrive.timestamp() for r in rows]
                tail_t = [r.tail_clear.timestamp() for r in rows]
                heads.append(_knots(head_t, kms, _stops(table.halts, 0.0)))
                tails.append(_knots(tail_t, kms, _stops(table.halts, timing.road_space_km)))
                ids.append(plan.movement_id)
                numbers.append(timing.serial)
                owners.append(route_index[plan.movement_id])
                starts.append(head_t[0])
                releases.append(tail_t[-1])
        self.movement_id = np.array(ids, dtype=object)
        self.serial = np.array(numbers, dtype=np.int64)
        self.route = np.array(owners, dtype=np.int64)
        every = [t for knots in (*heads, *tails) for t in knots[0]]
        self.epoch = min(every) if every else 0.0
        self.span = (max(every) - self.epoch if every else 0.0) + 4.0
        self.start = np.array(starts) - self.epoch
        self.release = np.array(releases) - self.epoch
        self.head = self._flatten(heads)
        self.tail = self._flatten(tails)
        self._set_lines(lines)
        return self

    def _flatten(self, knots: list[tuple[list[float], list[float]]],
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Knots of all serials as (keys, times, kms, first, last); times relative to the
        epoch and forced ascending per serial (a forecast can put a fixed report before
        the row ahead of it)."""
        counts = np.array([len(t) for t, _ in knots], dtype=np.int64)
        first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        last = first + counts - 1
        if not knots:
            return np.empty(0), np.empty(0), np.empty(0), first, last
        times = np.concatenate([np.asarray(t, dtype=float) for t, _ in knots]) - self.epoch
        kms = np.concatenate([np.asarray(k, dtype=float) for _, k in knots])
        owner = np.repeat(np.arange(len(knots)), counts)
        # Ascending within each serial: a running maximum per serial, by offsetting serials;
        # times already in order are kept exactly (the row times are looked up as given).
        shifted = times + owner * self.span
        running = np.maximum.accumulate(shifted)
        late = running > shifted
        times[late] = running[late] - owner[late] * self.span
        keys = owner * self.span + times
        return keys, times, kms, first, last

    def _set_lines(self, lines: list[np.ndarray]) -> None:
        """Route vertices in LAEA metres with the geodesic km at each vertex."""
        if not lines:
            return
        counts = np.array([len(line) for line in lines], dtype=np.int64)
        lonlat = np.concatenate(lines)
        x, y = project(lonlat[:, 0], lonlat[:, 1])
        km = np.zeros(len(lonlat))
        if len(lonlat) > 1:
            step = np.asarray(GEOD.inv(lonlat[:-1, 0], lonlat[:-1, 1], lonlat[1:, 0],
                                       lonlat[1:, 1])[2]) / 1000.0  # fmt: skip
            km[1:] = step
        self.vfirst = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
        self.vlast = self.vfirst + counts - 1
        owner = np.repeat(np.arange(len(lines)), counts)
        # Running sums per route, in order (as route analysis adds a route's segments).
        total = np.cumsum(km)
        km = total - np.repeat(total[self.vfirst], counts)
        self.vx, self.vy, self.vkm = x.reshape(-1), y.reshape(-1), km
        self.km_span = float(km.max()) + 4.0
        self.vkey = owner * self.km_span + km

    def _locate(self, route: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Segment (index of its first vertex) and the km on each route; km clamped."""
        first, last = self.vfirst[route], self.vlast[route]
        km = np.clip(km, 0.0, self.vkm[last])
        seg = np.searchsorted(self.vkey, route * self.km_span + km, side="right") - 1
        return np.clip(seg, first, np.maximum(last - 1, first)), km

    def _xy(self, route: np.ndarray, km: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Points at `km` on each route, and the segment each lies on."""
        seg, km = self._locate(route, km)
        nxt = np.minimum(seg + 1, self.vlast[route])
        length = self.vkm[nxt] - self.vkm[seg]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.where(length > 0, (km - self.vkm[seg]) / length, 0.0)
        t = np.clip(t, 0.0, 1.0)
        x = self.vx[seg] + t * (self.vx[nxt] - self.vx[seg])
        y = self.vy[seg] + t * (self.vy[nxt] - self.vy[seg])
        return np.column_stack([x, y]), seg

    def at(self, moment: datetime | float) -> Positions:
        """Every serial at `moment` (an aware datetime, or seconds since the epoch)."""
        when = _timestamp(moment)
        t = when - self.epoch
        if len(self) == 0:
            empty = np.empty(0)
            return Positions(when, self.movement_id, self.serial, np.empty(0, dtype=bool),
                             empty, empty, np.empty((0, 2)), np.empty((0, 2)), empty, empty,
                             np.empty(0, dtype=bool), np.empty(0, dtype=np.int64))  # fmt: skip
        head_km = _interp(*self.head[:3], *self.head[3:], self.span, t)
        tail_km = np.minimum(_interp(*self.tail[:3], *self.tail[3:], self.span, t), head_km)
        on_road = (t >= self.start) & (t < self.release)
        head_xy, head_seg = self._xy(self.route, head_km)
        tail_xy, tail_seg = self._xy(self.route, tail_km)
        x, y, connect, column = self._columns(np.flatnonzero(on_road), head_seg, tail_seg,
                                              head_xy, tail_xy)  # fmt: skip
        return Positions(when, self.movement_id, self.serial, on_road, head_km, tail_km,
                         head_xy, tail_xy, x, y, connect, column)  # fmt: skip

    def _columns(self, which: np.ndarray, head_seg: np.ndarray, tail_seg: np.ndarray,
                 head_xy: np.ndarray, tail_xy: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
        """Tail point, the route's vertices after the tail up to the head, head point."""
        tail_seg, head_seg = tail_seg[which], head_seg[which]
        inner = np.maximum(head_seg - tail_seg, 0)  # vertices tail_seg+1 .. head_seg
        counts = inner + 2
        total = int(counts.sum())
        ends = np.cumsum(counts)
        owner = np.repeat(np.arange(len(which)), counts)
        local = np.arange(total) - np.repeat(ends - counts, counts)
        is_tail, is_head = local == 0, local == counts[owner] - 1
        vertex = np.clip(tail_seg[owner] + local, 0, max(len(self.vx) - 1, 0))
        serial = which[owner]
        x = np.where(is_tail, tail_xy[serial, 0],
                     np.where(is_head, head_xy[serial, 0], self.vx[vertex]))  # fmt: skip
        y = np.where(is_tail, tail_xy[serial, 1],
                     np.where(is_head, head_xy[serial, 1], self.vy[vertex]))  # fmt: skip
        return x, y, ~is_head, serial


def _stops(halts: Sequence[Halt], behind_km: float) -> list[tuple[float, float]]:
    """(km, seconds) where a body `behind_km` behind the head stands through each halt."""
    return [(h.km - behind_km, h.minutes * 60.0) for h in halts]
