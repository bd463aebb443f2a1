"""Drawing a route by its waypoints: each click snaps to a critical point or a corridor, and
the legs between snapped waypoints follow the corridors.

A cell draws a movement's route on the map a few clicks at a time; the result must be a
road a convoy can drive (it follows the reference corridors between their junctions) and
pass exactly over the crossings and bridges the user aimed at, so the planner finds them.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import shapely

from app.core import mapdata
from app.core.geography import GEOD, RoadNetwork

if TYPE_CHECKING:
    from app.core.store import Store

POINT = "point"
CORRIDOR = "corridor"
FREE = "free"


@dataclass(frozen=True)
class Waypoint:
    """A clicked position after snapping: what it snapped to, and where that is."""

    lon: float
    lat: float
    snapped: str  # point | corridor | free
    name: str = ""  # the critical point's or corridor's name
    point_id: str | None = None

    def lonlat(self) -> list[float]:
        return [round(self.lon, 5), round(self.lat, 5)]


class RouteDrawing:
    """Snapping and leg-finding over a store's critical points and corridors (LAEA metres)."""

    def __init__(self, store: Store) -> None:
        points = [r for r in store.rows("critical_points") if r.get("position")]
        self._point_ids = [r["id"] for r in points]
        self._point_names = [r["name"] or "" for r in points]
        px, py = mapdata.project([r["position"][0] for r in points],
                                 [r["position"][1] for r in points])  # fmt: skip
        self._point_xy = np.column_stack([px.reshape(-1), py.reshape(-1)])
        self._point_lonlat = [tuple(r["position"][:2]) for r in points]
        corridors = [r for r in store.rows("corridors") if len(r.get("geometry") or ()) >= 2]
        self._corridor_names = [r["name"] or r["ref"] or "" for r in corridors]
        lines = []
        for r in corridors:
            x, y = mapdata.project([p[0] for p in r["geometry"]], [p[1] for p in r["geometry"]])
            lines.append(shapely.linestrings(np.column_stack([x.reshape(-1), y.reshape(-1)])))
        self._lines = np.array(lines, dtype=object)
        self._tree = shapely.STRtree(self._lines) if lines else None
        self.network = RoadNetwork([r["geometry"] for r in corridors])

    def snap(self, lon: float, lat: float, tolerance_m: float) -> Waypoint:
        """The nearest critical point within `tolerance_m`, else the nearest place on a
        corridor within it, else the position as clicked."""
        x, y = (float(v) for v in mapdata.project(lon, lat))
        if len(self._point_xy):
            d = np.hypot(self._point_xy[:, 0] - x, self._point_xy[:, 1] - y)
            i = int(np.argmin(d))
            if d[i] <= tolerance_m:
                plon, plat = self._point_lonlat[i]
                return Waypoint(plon, plat, POINT, self._point_names[i], self._point_ids[i])
        if self._tree is not None:
            here = shapely.Point(x, y)
            found = self._tree.query_nearest(here, max_distance=tolerance_m)
            if len(found):
                i = int(found[0])
                line = self._lines[i]
                on = line.interpolate(line.project(here))
                slon, slat = (float(v) for v in mapdata.unproject(on.x, on.y))
                return Waypoint(slon, slat, CORRIDOR, self._corridor_names[i])
        return Waypoint(lon, lat, FREE)

    def route(self, waypoints: Sequence[Waypoint]) -> list[list[float]]:
        """The route through `waypoints` in order: along the corridors between two snapped
        waypoints the network joins, a straight leg otherwise."""
        if not waypoints:
            return []
        out = [waypoints[0].lonlat()]
        for a, b in itertools.pairwise(waypoints):
            leg: list[list[float]] = []
            if a.snapped != FREE and b.snapped != FREE and self.network.nodes:
                try:
                    leg = self.network.route([(a.lon, a.lat), (b.lon, b.lat)])
                except ValueError:  # no corridor joins them: drawn straight
                    leg = []
                # A leg far longer than the straight line is a detour the user did not mean.
                if leg and _length(leg) > 3.0 * max(_length([a.lonlat(), b.lonlat()]), 1.0):
                    leg = []
            for p in leg[1:-1]:
                if p != out[-1]:
                    out.append(p)
            if b.lonlat() != out[-1]:
                out.append(b.lonlat())
        return out


def _length(line: Sequence[Sequence[float]]) -> float:
    lons = [p[0] for p in line]
    lats = [p[1] for p in line]
    return float(GEOD.line_length(lons, lats))


def measure(lonlat: Sequence[Sequence[float]]) -> tuple[float, list[float]]:
    """Geodesic length (metres) of a polyline on the WGS84 ellipsoid, and each leg's length."""
    if len(lonlat) < 2:
        return 0.0, []
    lons = [p[0] for p in lonlat]
    lats = [p[1] for p in lonlat]
    _, _, legs = GEOD.inv(lons[:-1], lats[:-1], lons[1:], lats[1:])
    legs = [float(v) for v in np.atleast_1d(legs)]
    return float(sum(legs)), legs
