"""Clearance: which vehicle types may not pass which points of an analysed route.

Checks every distinct vehicle type of a movement against every critical point on its route
(load class, width, height, weight, dangerous goods), the closures in force when the
movement passes, and for rail a change of track gauge with no transfer point on the way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.core import timefmt
from app.core.planning.model import Point, RouteAnalysis, Violation

RULES = ("mlc", "width", "height", "weight", "dangerous_goods", "closed", "gauge")
ALL_VEHICLES = "all vehicles"  # closures and gauge stop the whole movement, not one type

# Standard gauge (1435 mm) and the broad gauge of the former Soviet network (1520 mm;
# Finland's 1524 mm runs on it).
NATION_GAUGE_MM: dict[str, int] = {
    **dict.fromkeys(("PL", "DE", "CZ", "SK", "AT", "HU", "DK", "SE", "NO", "NL", "BE", "LU",
                     "FR", "CH", "IT", "SI", "HR", "RO", "BG", "GR", "GB"), 1435),
    **dict.fromkeys(("LT", "LV", "EE", "FI", "BY", "RU", "UA", "MD"), 1520),
}  # fmt: skip
GAUGE_END_KM = 5.0  # a rail point this close to an end of the route sets the gauge there


@dataclass(frozen=True)
class Closure:
    """A point closed from `start` to `end` (None: until further notice)."""

    point_id: str
    start: datetime
    end: datetime | None = None
    details: str = ""
    event_id: str = field(default="", compare=False)  # the `events` record it came from

    @classmethod
    def from_event(cls, rec: Mapping[str, Any]) -> Closure:
        """From an `events` record of kind "closure"."""
        until = rec.get("until")
        return cls(point_id=rec["point_id"], start=timefmt.parse_utc(rec["at"]),
                   end=timefmt.parse_utc(until) if until else None,
                   details=rec.get("details") or "", event_id=rec.get("id") or "")  # fmt: skip

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and (self.end is None or self.end > start)


def closures_in(events: Iterable[Mapping[str, Any]]) -> list[Closure]:
    """The closures among `events` records (e.g. `store.rows("events")`)."""
    return [Closure.from_event(e) for e in events
            if e.get("kind") == "closure" and e.get("point_id")]  # fmt: skip


def check(analysis: RouteAnalysis, vehicles: Sequence[Mapping[str, Any]], domain: str,
          closures: Sequence[Closure] = (),
          passage_times: Mapping[str, tuple[datetime, datetime]] | None = None,
          ) -> list[Violation]:
    """Every rule broken on the route, one per (point, vehicle type, rule), sorted by km.

    `vehicles` are serial vehicle lines ({type, mlc, weight_t, width_m, height_m, tracked,
    dangerous_goods, ...}); lines of one type carry that type's values, so the first line
    of each type stands for all. A closure counts when it overlaps the movement's passage
    at the point (`passage_times[point_id]`: head arrives, tail clear); with no passage
    time for the point, any closure of it counts.
    """
    types: dict[str, Mapping[str, Any]] = {}
    for line in vehicles:
        types.setdefault(line["type"], line)
    closed: dict[str, list[Closure]] = defaultdict(list)
    for closure in closures:
        closed[closure.point_id].append(closure)
    found: list[Violation] = []
    for on_route in analysis.points:
        point, km = on_route.point, on_route.km
        for vehicle in types.values():
            found += _limits(point, vehicle, km)
        window = (passage_times or {}).get(point.id)
        for closure in closed.get(point.id, ()):
            if window is None or closure.overlaps(*window):
                found.append(Violation(point.id, point.name, ALL_VEHICLES, "closed",
                                       (closure.start, closure.end), window, km))  # fmt: skip
                break
    if domain == "rail":
        found += _gauge(analysis)
    rank = {rule: i for i, rule in enumerate(RULES)}
    return sorted(found, key=lambda v: (v.km is None, v.km or 0.0, v.point, v.vehicle_type,
                                        rank[v.rule]))  # fmt: skip


def mlc_rating(point: Point, tracked: bool) -> float | None:
    """The point's load class for tracked or wheeled vehicles; a single rating serves both."""
    own, other = ((point.mlc_tracked, point.mlc_wheeled) if tracked
                  else (point.mlc_wheeled, point.mlc_tracked))  # fmt: skip
    return own if own is not None else other


def dg_ban(point: Point, adr_class: str | None) -> str | None:
    """The ban of `point` that covers `adr_class` ("1" covers "1.1"), if any."""
    if not adr_class:
        return None
    for ban in point.dg_banned:
        if adr_class == ban or adr_class.startswith(ban + "."):
            return ban
    return None


def _limits(point: Point, vehicle: Mapping[str, Any], km: float) -> list[Violation]:
    name = vehicle["type"]
    checks = (
        ("mlc", mlc_rating(point, bool(vehicle.get("tracked"))), vehicle.get("mlc")),
        ("width", point.max_width_m, vehicle.get("width_m")),
        ("height", point.max_height_m, vehicle.get("height_m")),
        ("weight", point.max_weight_t, vehicle.get("weight_t")),
    )
    out = [Violation(point.id, point.name, name, rule, limit, value, km)
           for rule, limit, value in checks
           if limit is not None and value is not None and value > limit]  # fmt: skip
    ban = dg_ban(point, vehicle.get("dangerous_goods"))
    if ban is not None:
        out.append(Violation(point.id, point.name, name, "dangerous_goods", ban,
                             vehicle["dangerous_goods"], km))  # fmt: skip
    return out


def _end_gauges(analysis: RouteAnalysis, at_start: bool) -> frozenset[int]:
    """Gauges at one end: of the rail points there, else of the nation, else unknown."""
    end_km = 0.0 if at_start else analysis.length_km
    near = [p.point for p in analysis.points
            if p.point.gauges_mm and abs(p.km - end_km) <= GAUGE_END_KM]  # fmt: skip
    if near:
        nearest = near[0] if at_start else near[-1]
        return frozenset(nearest.gauges_mm)
    if not analysis.nations:
        return frozenset()
    gauge = NATION_GAUGE_MM.get(analysis.nations[0 if at_start else -1])
    return frozenset() if gauge is None else frozenset({gauge})


def _gauge(analysis: RouteAnalysis) -> list[Violation]:
    start, end = _end_gauges(analysis, True), _end_gauges(analysis, False)
    if not start or not end or start & end:
        return []
    if any(p.point.kind == "gauge_transfer" for p in analysis.points):
        return []
    # Name the border where the gauge changes, else the route as a whole.
    where = next((c for c in analysis.crossings
                  if NATION_GAUGE_MM.get(c.from_nation or "") in start
                  and NATION_GAUGE_MM.get(c.to_nation or "") in end), None)  # fmt: skip
    limit = min(start) if len(start) == 1 else tuple(sorted(start))
    value = min(end) if len(end) == 1 else tuple(sorted(end))
    if where is None:
        return [Violation(None, "route (no gauge transfer point)", ALL_VEHICLES, "gauge",
                          limit, value, None)]  # fmt: skip
    known = where.point
    return [Violation(known.id if known else None,
                      known.name if known else f"{where.from_nation}–{where.to_nation} border",
                      ALL_VEHICLES, "gauge", limit, value, where.km)]  # fmt: skip
