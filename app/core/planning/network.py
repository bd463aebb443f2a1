"""The geography the planner works on, projected once to ETRS89-LAEA (EPSG:3035).

LAEA keeps areas exact and distances within about half a per cent across the Baltic region,
so buffers, offsets and tolerances can be plain metres; only route lengths use the
ellipsoid (see `route.py`). The network is built once and shared by every analysis.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache, cached_property
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

from app.core.paths import resources_dir
from app.core.planning.model import Point

LAND_BUFFER_M = 2000.0  # coastal roads, causeways and bridges count as land
CROSSING_KINDS = ("road_crossing", "rail_crossing")
NO_NATION = -1
UNKNOWN = -2  # a nation code the countries file does not hold


@cache
def shipped_countries() -> dict[str, BaseGeometry]:
    """The regional country polygons (WGS84 lon/lat) from resources/geo/countries.geojson."""
    path = resources_dir() / "geo" / "countries.geojson"
    data = json.loads(path.read_text("utf-8"))
    return {f["properties"]["iso_a2"]: shapely.from_geojson(json.dumps(f["geometry"]))
            for f in data["features"]}  # fmt: skip


def _rings(geom: BaseGeometry) -> Iterable[np.ndarray]:
    for poly in getattr(geom, "geoms", [geom]):
        yield shapely.get_coordinates(poly.exterior)
        for hole in poly.interiors:
            yield shapely.get_coordinates(hole)


class Network:
    """Countries, their borders, a land mask and the critical points, all in LAEA metres.

    `countries` maps ISO alpha-2 codes to lon/lat polygons; None takes the shipped file.
    """

    def __init__(self, points: Sequence[Point],
                 countries: Mapping[str, BaseGeometry] | None = None) -> None:
        self.to_xy = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)
        self.to_lonlat = Transformer.from_crs("EPSG:3035", "EPSG:4326", always_xy=True)
        lonlat = dict(shipped_countries() if countries is None else countries)
        self.codes: tuple[str, ...] = tuple(sorted(lonlat))
        self.countries = np.array([self._project_geom(lonlat[c]) for c in self.codes],
                                  dtype=object)  # fmt: skip
        shapely.prepare(self.countries)  # point-in-polygon tests use their edge index
        self.country_bounds = shapely.bounds(self.countries)
        self._edges(lonlat)

        self.points: tuple[Point, ...] = tuple(points)
        self.point_objects = np.empty(len(self.points), dtype=object)  # for fancy indexing
        self.point_objects[:] = self.points
        self.point_xy = self.project([(p.lon, p.lat) for p in self.points])
        self.point_geoms = shapely.points(self.point_xy)
        self.point_tree = shapely.STRtree(self.point_geoms)
        self.point_kinds = np.array([p.kind for p in self.points], dtype=object)
        index = {code: i for i, code in enumerate(self.codes)}
        self.point_nations = np.array([index.get(p.nation, UNKNOWN) for p in self.points],
                                      dtype=np.int64)  # fmt: skip
        self.point_border_with = np.array(
            [index.get(p.border_with, UNKNOWN) if p.border_with else NO_NATION
             for p in self.points], dtype=np.int64)  # fmt: skip
        # Known crossing points by kind, as indexes into `points` (few: a plain array search).
        self.crossings: dict[str, np.ndarray] = {
            kind: np.flatnonzero(self.point_kinds == kind) for kind in CROSSING_KINDS}
        self.crossings["any"] = np.flatnonzero(np.isin(self.point_kinds, CROSSING_KINDS))

    @classmethod
    def from_store(cls, store: Any) -> Network:
        return cls([Point.from_record(r) for r in store.rows("critical_points")])

    # -- projection ---------------------------------------------------------------------
    def project(self, coords: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        """LAEA x, y (metres) of many lon/lat pairs at once, as an (n, 2) array."""
        arr = np.asarray(coords, dtype=float).reshape(-1, 2)
        x, y = self.to_xy.transform(arr[:, 0], arr[:, 1])
        return np.column_stack([x, y])

    def unproject(self, xy: np.ndarray) -> np.ndarray:
        arr = np.asarray(xy, dtype=float).reshape(-1, 2)
        lon, lat = self.to_lonlat.transform(arr[:, 0], arr[:, 1])
        return np.column_stack([lon, lat])

    def _project_geom(self, geom: BaseGeometry) -> BaseGeometry:
        return shapely.transform(geom, self.project)

    # -- borders ------------------------------------------------------------------------
    def _edges(self, lonlat: Mapping[str, BaseGeometry]) -> None:
        """Every boundary edge once, with the nations on its two sides.

        The countries file shares exact vertices along common borders, so an edge that two
        countries list is their border; an edge only one lists is coast or the region's edge.
        """
        sides: dict[tuple[tuple[float, float], tuple[float, float]], list[int]] = \
            defaultdict(list)
        for index, code in enumerate(self.codes):
            for ring in _rings(lonlat[code]):
                for a, b in zip(map(tuple, ring[:-1]), map(tuple, ring[1:]), strict=True):
                    if a != b:
                        sides[(a, b) if a < b else (b, a)].append(index)
        ends = np.array([k for k in sides], dtype=float).reshape(-1, 4)
        start, end = self.project(ends[:, :2]), self.project(ends[:, 2:])
        self.edge_xy = np.column_stack([start, end])  # x0, y0, x1, y1
        self.edge_d = end - start
        self.edge_nations = np.array(
            [(s[0], s[1] if len(s) > 1 else NO_NATION) for s in sides.values()], dtype=np.int64)
        self.edge_geoms = shapely.linestrings(np.stack([start, end], axis=1))
        shared = self.edge_nations[:, 1] != NO_NATION
        self.borders: dict[tuple[str, str], BaseGeometry] = {}
        pairs = np.unique(np.sort(self.edge_nations[shared], axis=1), axis=0)
        for a, b in pairs:
            on = shared & (np.sort(self.edge_nations, axis=1) == (a, b)).all(axis=1)
            segments = shapely.linestrings(
                np.stack([self.edge_xy[on, :2], self.edge_xy[on, 2:]], axis=1))
            merged = shapely.line_merge(shapely.multilinestrings(segments))
            self.borders[(self.codes[a], self.codes[b])] = merged

    # -- land ---------------------------------------------------------------------------
    @cached_property
    def land(self) -> BaseGeometry:
        """The countries buffered by LAND_BUFFER_M (built on first use: it takes a moment)."""
        return shapely.union_all(self.countries).buffer(LAND_BUFFER_M, quad_segs=4)

    @cached_property
    def water(self) -> BaseGeometry:
        """Open sea inside the mapped region; outside it nothing is known, so nothing is sea."""
        region = shapely.box(*shapely.total_bounds(self.countries))
        water = shapely.difference(region, self.land)
        shapely.prepare(water)
        return water

    # -- lookups ------------------------------------------------------------------------
    def nations_at(self, xy: np.ndarray) -> np.ndarray:
        """Index into `codes` of the nation holding each point; NO_NATION at sea, outside
        the region or exactly on a border."""
        out = np.full(len(xy), NO_NATION, dtype=np.int64)
        if not len(xy):
            return out
        x, y = xy[:, 0], xy[:, 1]
        for index, (x0, y0, x1, y1) in enumerate(self.country_bounds.tolist()):
            maybe = np.flatnonzero((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1))
            if len(maybe):
                inside = shapely.contains_xy(self.countries[index], x[maybe], y[maybe])
                out[maybe[inside]] = index
        return out
