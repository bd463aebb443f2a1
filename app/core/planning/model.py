"""The planning engine's results, as plain immutable values (times are aware UTC datetimes).

Every module of the engine speaks these types, so the command line, the console and the
tests read one shape whatever computed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple


@dataclass(frozen=True)
class Point:
    """A critical point as the planner needs it (from a `critical_points` record)."""

    id: str
    name: str
    kind: str
    nation: str
    lon: float
    lat: float
    capacity_per_hour: int | None = None
    exclusive: bool = False
    mlc_tracked: float | None = None
    mlc_wheeled: float | None = None
    max_width_m: float | None = None
    max_height_m: float | None = None
    max_weight_t: float | None = None
    gauges_mm: tuple[int, ...] = ()
    dg_banned: tuple[str, ...] = ()
    border_with: str | None = None

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Point:
        lon, lat = rec["position"]
        return cls(
            id=rec["id"], name=rec["name"], kind=rec["kind"], nation=rec["nation"],
            lon=lon, lat=lat, capacity_per_hour=rec.get("capacity_per_hour"),
            exclusive=bool(rec.get("exclusive")), mlc_tracked=rec.get("mlc_tracked"),
            mlc_wheeled=rec.get("mlc_wheeled"), max_width_m=rec.get("max_width_m"),
            max_height_m=rec.get("max_height_m"), max_weight_t=rec.get("max_weight_t"),
            gauges_mm=tuple(rec.get("gauges_mm") or ()),
            dg_banned=tuple(d for d in rec.get("dg_banned") or () if d),
            border_with=rec.get("border_with"))  # fmt: skip


class PointOnRoute(NamedTuple):
    # A tuple, not a frozen dataclass: route analysis makes hundreds of thousands at once.
    point: Point
    km: float  # distance along the route from its start to the point's projection
    offset_m: float  # how far the point lies from the route line


@dataclass(frozen=True)
class BorderCrossing:
    """Where the route crosses a national border, and the known crossing point used there."""

    km: float
    from_nation: str | None  # None: from the sea or from outside the mapped region
    to_nation: str | None
    lon: float
    lat: float
    point: Point | None  # None: no known crossing point within the tolerance
    distance_m: float | None = None  # from the border crossing to the known point

    @property
    def known(self) -> bool:
        return self.point is not None


@dataclass(frozen=True)
class RouteAnalysis:
    length_km: float
    nations: tuple[str, ...]  # in route order
    crossings: tuple[BorderCrossing, ...]
    points: tuple[PointOnRoute, ...]  # sorted by km

    @property
    def unknown_crossings(self) -> tuple[BorderCrossing, ...]:
        return tuple(c for c in self.crossings if not c.known)


@dataclass(frozen=True)
class Violation:
    """A vehicle type that may not pass a point: names the rule, the limit and the value."""

    point_id: str | None
    point: str
    vehicle_type: str
    rule: str  # mlc | width | height | weight | dangerous_goods | closed | gauge
    limit: Any
    value: Any
    km: float | None = None


@dataclass(frozen=True)
class Halt:
    """A planned halt of the whole column at a distance along the route."""

    km: float
    minutes: float
    reason: str = ""


@dataclass(frozen=True)
class SerialTiming:
    serial: int
    vehicles: int
    density_per_km: float | None  # None: no interval (a train, a ship, an aircraft)
    pass_time_min: float
    road_space_km: float
    start: datetime  # head at the start point
    release: datetime  # tail clear of the release point


@dataclass(frozen=True)
class MarchRow:
    """One serial at one point: head arrival and tail clear."""

    serial: int
    point_id: str | None  # None for the start and release points
    point: str
    km: float
    head_arrive: datetime
    tail_clear: datetime


@dataclass(frozen=True)
class MarchTable:
    movement_id: str
    serials: tuple[SerialTiming, ...]
    rows: tuple[MarchRow, ...]  # by serial, then km
    halts: tuple[Halt, ...] = ()

    def windows(self) -> dict[str, tuple[datetime, datetime]]:
        """Per critical point: head of the first serial to tail of the last (occupancy)."""
        out: dict[str, tuple[datetime, datetime]] = {}
        for row in self.rows:
            if row.point_id is None:
                continue
            start, end = out.get(row.point_id, (row.head_arrive, row.tail_clear))
            out[row.point_id] = (min(start, row.head_arrive), max(end, row.tail_clear))
        return out


@dataclass(frozen=True)
class Occupancy:
    """A movement holding a point from `start` to `end`."""

    movement_id: str
    point_id: str
    start: datetime
    end: datetime
    vehicles: int
    priority: str


@dataclass(frozen=True)
class Conflict:
    point_id: str
    point: str
    movements: tuple[str, ...]  # ids, sorted
    start: datetime
    end: datetime
    reason: str  # exclusive | capacity
    load: int | None = None  # vehicles in the busiest hour (capacity conflicts)
    capacity: int | None = None


@dataclass(frozen=True)
class Suggestion:
    movement_id: str
    current: datetime
    suggested: datetime | None  # None: retiming cannot clear it (the note says why)
    clears: tuple[Conflict, ...]
    gives_way_to: tuple[str, ...] = ()  # higher- or equal-priority movements it yields to
    note: str = ""

    @property
    def delay_min(self) -> float | None:
        if self.suggested is None:
            return None
        return (self.suggested - self.current).total_seconds() / 60


@dataclass(frozen=True)
class MovementPlan:
    movement_id: str
    route: RouteAnalysis
    violations: tuple[Violation, ...]
    march: MarchTable  # as planned
    forecast: MarchTable  # with reported passages and delays applied
    notes: tuple[str, ...] = field(default=())
