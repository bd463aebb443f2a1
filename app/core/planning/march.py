"""March tables (NATO AMovP-1 / STANAG 2454 style): when each serial passes each point.

The standard relations, with every input explicit:

* density (veh/km) = 1000 / vehicle interval (m)
* pass time (min) = vehicles x 60 / (density x speed) + time gaps
* road space (km) = vehicles / density + gaps
* time at a point = start time + distance / speed + the planned halts before the point

A serial is one block of vehicles at one interval, so its own time and space gaps are zero;
the gap between serials is `serial_gap_min`, counted at the start point. An interval of 0
means the movement has no column length (a train, a ship, an aircraft: the load travels as
one body), so its pass time and road space are 0 and its density is None.

A planned halt stops the whole column where it stands. The head takes a halt at km h after
passing a point at km h; the tail, `road space` behind the head, is still short of every
point in [h - road space, h) when the column stops, so it clears those points late by the
halt too (the same relation applied to the tail vehicle). Halts at or beyond the release
point are not march halts and are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from app.core import timefmt
from app.core.planning.model import Halt, MarchRow, MarchTable, RouteAnalysis, SerialTiming

DEFAULT_SERIAL_GAP_MIN = 5.0


def density_per_km(vehicle_interval_m: float) -> float | None:
    """Vehicles per km of road at this interval; None when there is no column length."""
    return 1000.0 / vehicle_interval_m if vehicle_interval_m > 0 else None


def pass_time_min(vehicles: int, density: float | None, speed_kmh: float) -> float:
    if density is None:
        return 0.0
    return vehicles * 60.0 / (density * speed_kmh)


def road_space_km(vehicles: int, density: float | None) -> float:
    return 0.0 if density is None else vehicles / density


def march_table(movement_id: str, depart: datetime, speed_kmh: float,
                vehicle_interval_m: float, serials: Sequence[int], analysis: RouteAnalysis,
                serial_gap_min: float | None = DEFAULT_SERIAL_GAP_MIN,
                halts: Sequence[Halt] = ()) -> MarchTable:
    """The march table of one movement: serial timings and a row per serial and point.

    `serials` holds the vehicles of each serial, in march order; serial 1's head is at the
    start point (km 0) at `depart`, and serial k starts when serial k-1's tail has cleared
    the start point plus the gap between serials.
    """
    if speed_kmh <= 0:
        raise ValueError(f"speed must be above 0 km/h, got {speed_kmh}")
    if vehicle_interval_m < 0:
        raise ValueError(f"vehicle interval must not be negative, got {vehicle_interval_m}")
    gap = DEFAULT_SERIAL_GAP_MIN if serial_gap_min is None else serial_gap_min
    length = analysis.length_km
    used = tuple(sorted((h for h in halts if 0 <= h.km < length), key=lambda h: h.km))
    density = density_per_km(vehicle_interval_m)
    # Stations along the route in march order: SP, the critical points, RP.
    stations: list[tuple[str | None, str, float]] = [(None, "SP", 0.0)]
    stations += [(p.point.id, p.point.name, p.km) for p in analysis.points]
    stations.append((None, "RP", length))

    def head_min(km: float) -> float:
        """Minutes from the serial's start until its head reaches `km`."""
        return km / speed_kmh * 60.0 + sum(h.minutes for h in used if h.km < km)

    timings: list[SerialTiming] = []
    rows: list[MarchRow] = []
    start = depart
    for number, vehicles in enumerate(serials, start=1):
        passing = pass_time_min(vehicles, density, speed_kmh)
        space = road_space_km(vehicles, density)
        sp_clear: datetime | None = None
        release = start
        for point_id, name, km in stations:
            head = start + _minutes(head_min(km))
            # The tail is at `km` when the head is `space` further on (see the module note).
            tail = head + _minutes(passing + sum(h.minutes for h in used
                                                 if km <= h.km < km + space))  # fmt: skip
            rows.append(MarchRow(number, point_id, name, km, head, tail))
            if sp_clear is None:
                sp_clear = tail
            release = tail
        timings.append(SerialTiming(number, vehicles, density, passing, space, start, release))
        assert sp_clear is not None
        start = sp_clear + _minutes(gap)
    return MarchTable(movement_id, tuple(timings), tuple(rows), used)


def _minutes(value: float) -> timedelta:
    return timedelta(minutes=value)


def format_table(table: MarchTable, names: Mapping[str, str] | None = None) -> str:
    """A printable fixed-width march table; `names` may name the movement and the points."""
    names = names or {}
    lines = [f"March table: {names.get(table.movement_id, table.movement_id)}"]
    for s in table.serials:
        density = "no column" if s.density_per_km is None else f"{s.density_per_km:.1f} veh/km"
        lines.append(f"  Serial {s.serial}: {s.vehicles} veh, {density}, pass time "
                     f"{s.pass_time_min:.1f} min, road space {s.road_space_km:.1f} km, "
                     f"SP {timefmt.short(s.start)}, released {timefmt.short(s.release)}")
    for h in table.halts:
        lines.append(f"  Halt at km {h.km:.1f}: {h.minutes:g} min"
                     + (f" ({h.reason})" if h.reason else ""))
    body = [(str(r.serial), names.get(r.point_id or "", r.point), f"{r.km:.1f}",
             timefmt.short(r.head_arrive), timefmt.short(r.tail_clear)) for r in table.rows]
    header = ("Serial", "Point", "km", "Head arrives", "Tail clear")
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def fmt(row: tuple[str, ...]) -> str:
        return "  ".join(c.ljust(w) if i == 1 else c.rjust(w)
                         for i, (c, w) in enumerate(zip(row, widths, strict=True))).rstrip()

    lines += ["", fmt(header), "  ".join("-" * w for w in widths), *map(fmt, body)]
    return "\n".join(lines)
