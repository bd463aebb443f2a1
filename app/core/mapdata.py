"""What the map view draws, projected to ETRS89-LAEA (EPSG:3035) metres; no Qt here.

The planner works in the same projection (`planning.network`), so a distance read off the map
and one the planner reports agree, and the map's scale bar can be plain metres.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.ops import polylabel

from app.core.paths import resources_dir
from app.core.planning.network import shipped_countries

if TYPE_CHECKING:
    from app.core.store import Store

CRS = "EPSG:3035"


@cache
def _to_xy() -> Transformer:
    return Transformer.from_crs("EPSG:4326", CRS, always_xy=True)


@cache
def _to_lonlat() -> Transformer:
    return Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def project(lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
    """Lon/lat degrees (scalars or arrays) to LAEA x, y metres, as float arrays."""
    x, y = _to_xy().transform(np.asarray(lon, dtype=float), np.asarray(lat, dtype=float))
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def unproject(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """LAEA x, y metres back to lon/lat degrees."""
    lon, lat = _to_lonlat().transform(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def box_ring(west: float, south: float, east: float, north: float, steps: int = 20,
             ) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """A lon/lat box as a closed LAEA ring, edges densified because parallels and meridians
    curve in the projection."""
    t = np.linspace(0.0, 1.0, steps + 1)
    lons = np.concatenate([west + (east - west) * t, np.full_like(t, east),
                           east - (east - west) * t, np.full_like(t, west)])  # fmt: skip
    lats = np.concatenate([np.full_like(t, south), south + (north - south) * t,
                           np.full_like(t, north), north - (north - south) * t])  # fmt: skip
    return project(lons, lats)


def bounds(west: float, south: float, east: float, north: float,
           ) -> tuple[float, float, float, float]:  # fmt: skip
    """The LAEA box (xmin, ymin, xmax, ymax) around a lon/lat box."""
    x, y = box_ring(west, south, east, north)
    return float(x.min()), float(y.min()), float(x.max()), float(y.max())


# The Baltic states with their neighbours' near sides: what the view opens on.
BALTIC_LONLAT = (19.5, 53.3, 29.0, 60.0)


@dataclass(frozen=True)
class BaseMap:
    """Country outlines as projected rings (each an (n, 2) array, closed), label points and
    the English names the boundary file gives (the store names only the coalition's nations)."""

    codes: tuple[str, ...]
    rings: dict[str, tuple[np.ndarray, ...]]
    labels: dict[str, tuple[float, float]]
    names: dict[str, str]
    borders: tuple[np.ndarray, np.ndarray, np.ndarray]  # coasts and borders, `joined` form


def _shipped_names() -> dict[str, str]:
    path = resources_dir() / "geo" / "countries.geojson"
    data = json.loads(path.read_text("utf-8"))
    return {f["properties"]["iso_a2"]: f["properties"].get("name") or f["properties"]["iso_a2"]
            for f in data["features"]}  # fmt: skip


@cache
def base_map() -> BaseMap:
    """The shipped country boundaries, projected once per process."""
    countries = shipped_countries()
    codes = tuple(sorted(countries))
    rings: dict[str, tuple[np.ndarray, ...]] = {}
    labels: dict[str, tuple[float, float]] = {}
    edges: list[np.ndarray] = []
    for code in codes:
        geom = countries[code]
        out = []
        for poly in getattr(geom, "geoms", [geom]):
            for ring in (poly.exterior, *poly.interiors):
                lonlat = shapely.get_coordinates(ring)
                out.append(np.column_stack(project(lonlat[:, 0], lonlat[:, 1])))
        rings[code] = tuple(out)
        edges += [e for ring in (poly.exterior for poly in getattr(geom, "geoms", [geom]))
                  for e in _off_clip(shapely.get_coordinates(ring))]
        edges += [e for poly in getattr(geom, "geoms", [geom]) for ring in poly.interiors
                  for e in _off_clip(shapely.get_coordinates(ring))]
        # The largest part's pole of inaccessibility, in metres: inside the land (unlike a
        # centroid), not on a small island, and as far from the coast and the borders (and
        # so from the ports and crossings drawn there) as the shape allows.
        main = max(getattr(geom, "geoms", [geom]), key=lambda p: p.area)
        outer = shapely.get_coordinates(main.exterior)
        holes = [shapely.get_coordinates(h) for h in main.interiors]
        shell = np.column_stack(project(outer[:, 0], outer[:, 1]))
        projected = shapely.Polygon(shell, [np.column_stack(project(*h.T)) for h in holes])
        pt = polylabel(projected, tolerance=1000.0)
        labels[code] = (float(pt.x), float(pt.y))
    borders = joined((project(e[:, 0], e[:, 1])) for e in edges)
    return BaseMap(codes, rings, labels, _shipped_names(), borders)


# The box the boundary file was clipped to (resources/geo/derive_countries.py): its edges
# are not borders and are not drawn.
CLIP_BOX = (9.0, 51.0, 33.0, 61.5)


def _off_clip(lonlat: np.ndarray) -> list[np.ndarray]:
    """A ring's runs of vertices with the segments lying on the clip box's edges removed."""
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    on_edge = np.zeros(len(lonlat) - 1, dtype=bool)
    for values, edge in ((lon, CLIP_BOX[0]), (lon, CLIP_BOX[2]), (lat, CLIP_BOX[1]),
                         (lat, CLIP_BOX[3])):  # fmt: skip
        at = np.isclose(values, edge, atol=1e-9)
        on_edge |= at[:-1] & at[1:]
    runs: list[np.ndarray] = []
    start = 0
    for i in [*np.flatnonzero(on_edge).tolist(), len(on_edge)]:
        if i > start:
            runs.append(lonlat[start:i + 1])
        start = i + 1
    return runs


@dataclass(frozen=True)
class Place:
    name: str
    x: float
    y: float
    rank: int  # 1: shown at region zoom (capitals, Kaliningrad); 2: closer in


@cache
def places() -> tuple[Place, ...]:
    """Key place names for orientation (resources/geo/places.json), projected."""
    data = json.loads((resources_dir() / "geo" / "places.json").read_text("utf-8"))
    x, y = project([p["lon"] for p in data], [p["lat"] for p in data])
    return tuple(Place(p["name"], float(px), float(py), int(p["rank"]))
                 for p, px, py in zip(data, x, y, strict=True))  # fmt: skip


def nice_length(metres: float) -> float:
    """The largest 1, 2 or 5 x 10^n metres not above `metres` (a scale bar's length)."""
    if metres <= 0 or not np.isfinite(metres):
        return 0.0
    power = 10.0 ** np.floor(np.log10(metres))
    for step in (5.0, 2.0, 1.0):
        if step * power <= metres:
            return float(step * power)
    return float(power)


@dataclass(frozen=True)
class Points:
    """Critical points as parallel arrays (one entry per point, in store order)."""

    x: np.ndarray
    y: np.ndarray
    kind: np.ndarray
    name: np.ndarray
    mlc: np.ndarray  # the tracked MLC limit where known, else the wheeled one, else NaN
    ids: tuple[str, ...]

    def __len__(self) -> int:
        return len(self.ids)


def _mlc(row: dict[str, Any]) -> float:
    for field in ("mlc_tracked", "mlc_wheeled"):
        if row.get(field) is not None:
            return float(row[field])
    return float("nan")


def points(store: Store) -> Points:
    rows = [r for r in store.rows("critical_points") if r.get("position")]
    lon = [r["position"][0] for r in rows]
    lat = [r["position"][1] for r in rows]
    x, y = project(lon, lat) if rows else (np.empty(0), np.empty(0))
    return Points(x=x.reshape(-1), y=y.reshape(-1),
                  kind=np.array([r["kind"] or "" for r in rows], dtype=object),
                  name=np.array([r["name"] or "" for r in rows], dtype=object),
                  mlc=np.array([_mlc(r) for r in rows], dtype=float),
                  ids=tuple(r["id"] for r in rows))  # fmt: skip


@dataclass(frozen=True)
class Route:
    id: str
    name: str
    status: str
    priority: str
    x: np.ndarray
    y: np.ndarray


def routes(store: Store) -> list[Route]:
    """Every movement's route, projected; a movement without a route has empty arrays."""
    out = []
    for m in store.rows("movements"):
        line: Sequence[Sequence[float]] = m.get("route") or []
        if line:
            x, y = project([p[0] for p in line], [p[1] for p in line])
        else:
            x = y = np.empty(0)
        out.append(Route(m["id"], m["name"] or "", m["status"] or "", m["priority"] or "",
                         x.reshape(-1), y.reshape(-1)))  # fmt: skip
    return out


def joined(lines: Iterable[tuple[np.ndarray, np.ndarray]],
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """Many polylines as one x, y pair and a `connect` mask (False ends a line), so a plot
    library draws them as a single item."""
    xs, ys, cs = [], [], []
    for x, y in lines:
        if len(x) == 0:
            continue
        c = np.ones(len(x), dtype=bool)
        c[-1] = False
        xs.append(x)
        ys.append(y)
        cs.append(c)
    if not xs:
        return np.empty(0), np.empty(0), np.empty(0, dtype=bool)
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(cs)
