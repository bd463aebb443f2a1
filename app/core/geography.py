"""Geography from the shipped reference data: country boundaries and the road network.

`route_between` finds a plausible route along the reference corridors (shortest geodesic
path over their shared vertices) until a nation imports its own road data.
"""

from __future__ import annotations

import heapq
import itertools
import json
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

from pyproj import Geod
from shapely.geometry import Point, shape
from shapely.prepared import prep

from app.core.paths import resources_dir

GEOD = Geod(ellps="WGS84")
Lonlat = tuple[float, float]
_SNAP_DEG = 0.004  # vertices closer than ~300 m are one junction


@cache
def _countries() -> list[tuple[str, Any, Any]]:
    data = json.loads((resources_dir() / "geo" / "countries.geojson").read_text("utf-8"))
    out = []
    for feature in data["features"]:
        geom = shape(feature["geometry"])
        out.append((feature["properties"]["iso_a2"], geom, prep(geom)))
    return out


def nation_at(lon: float, lat: float) -> str | None:
    """The nation whose territory holds the point, or None at sea / outside the region."""
    pt = Point(lon, lat)
    for code, _geom, prepared in _countries():
        if prepared.contains(pt):
            return code
    return None


def length_m(line: Sequence[Sequence[float]]) -> float:
    lons, lats = zip(*((p[0], p[1]) for p in line), strict=True)
    return float(GEOD.line_length(lons, lats))


def densify(line: Sequence[Sequence[float]], step_m: float = 2000.0) -> list[Lonlat]:
    """Points every `step_m` along the geodesic between the vertices of `line`."""
    out: list[Lonlat] = [(line[0][0], line[0][1])]
    for (x1, y1), (x2, y2) in itertools.pairwise(line):
        _, _, dist = GEOD.inv(x1, y1, x2, y2)
        n = int(dist // step_m)
        if n:
            out += [tuple(p) for p in GEOD.npts(x1, y1, x2, y2, n)]  # type: ignore[misc]
        out.append((x2, y2))
    return out


def nations_along(line: Sequence[Sequence[float]]) -> list[str]:
    """Nations a route passes through, in order of travel (sea and air gaps skipped)."""
    seen: list[str] = []
    for lon, lat in densify(line):
        code = nation_at(lon, lat)
        if code and (not seen or seen[-1] != code):
            seen.append(code)
    return seen


class RoadNetwork:
    """The corridors as a graph; vertices within ~300 m of each other are joined."""

    def __init__(self, corridors: Iterable[Sequence[Sequence[float]]]) -> None:
        self.nodes: list[Lonlat] = []
        self.edges: dict[int, list[tuple[int, float]]] = {}
        for line in corridors:
            ids = [self._node(p[0], p[1]) for p in line]
            for a, b in itertools.pairwise(ids):
                if a != b:
                    dist = GEOD.inv(*self.nodes[a], *self.nodes[b])[2]
                    self.edges.setdefault(a, []).append((b, dist))
                    self.edges.setdefault(b, []).append((a, dist))

    def _node(self, lon: float, lat: float) -> int:
        for i, (x, y) in enumerate(self.nodes):
            if abs(x - lon) < _SNAP_DEG and abs(y - lat) < _SNAP_DEG:
                return i
        self.nodes.append((lon, lat))
        return len(self.nodes) - 1

    def nearest(self, lon: float, lat: float) -> int:
        return min(range(len(self.nodes)),
                   key=lambda i: GEOD.inv(lon, lat, *self.nodes[i])[2])

    def route(self, points: Sequence[Lonlat]) -> list[list[float]]:
        """Shortest path along the network through each of `points` in turn."""
        path: list[Lonlat] = [points[0]]
        for start, end in itertools.pairwise(points):
            nodes = self._shortest(self.nearest(*start), self.nearest(*end))
            for node in nodes:
                if GEOD.inv(*path[-1], *self.nodes[node])[2] > 50:
                    path.append(self.nodes[node])
            if GEOD.inv(*path[-1], *end)[2] > 50:
                path.append(end)
        return [[round(x, 5), round(y, 5)] for x, y in path]

    def _shortest(self, source: int, target: int) -> list[int]:
        best = {source: 0.0}
        previous: dict[int, int] = {}
        queue = [(0.0, source)]
        while queue:
            dist, node = heapq.heappop(queue)
            if node == target:
                break
            if dist > best[node]:
                continue
            for nxt, weight in self.edges.get(node, ()):
                if dist + weight < best.get(nxt, float("inf")):
                    best[nxt] = dist + weight
                    previous[nxt] = node
                    heapq.heappush(queue, (dist + weight, nxt))
        if target not in best:
            raise ValueError("no corridor connects these points")
        path = [target]
        while path[-1] != source:
            path.append(previous[path[-1]])
        return path[::-1]
