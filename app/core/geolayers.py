"""Users' own geodata layers (national roads, bridges) for the offline map; no Qt here.

A GeoJSON (RFC 7946) or GeoPackage file is read, checked and kept in a layer folder as a
normalised WGS84 GeoJSON file per layer beside a small JSON index. Bad input raises `LayerError`
naming the file, the feature and the problem, and leaves the folder as it was: everything is
read and checked before the first byte is written, and every write is a temporary file moved
into place, so a crash never leaves half a layer.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from app.core import ids, mapdata, paths, timefmt

MAX_BYTES = 200_000_000
MAX_VERTICES = 2_000_000
INDEX_NAME = "index.json"
_DIGITS = 7  # about 1 cm: finer than any source and keeps the stored files small
_NAME_KEYS = ("name", "NAME", "Name", "nam", "NAM", "ref", "REF")
_SQLITE_MAGIC = b"SQLite format 3\x00"
# The GeoPackage envelope indicator (flag bits 1-3) -> envelope length in bytes.
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}
_KIND = {"Point": "point", "MultiPoint": "point", "LineString": "line",
         "MultiLineString": "line", "Polygon": "polygon", "MultiPolygon": "polygon",
         "GeometryCollection": "collection"}  # fmt: skip


_JSON_KINDS = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}


class LayerError(ValueError):
    """A file that cannot become a layer, or a layer folder that cannot be used."""


class _Bad(Exception):
    """A problem inside one feature; the caller adds the file and feature to the message."""


def default_folder() -> Path:
    """The layer library beside the user's store."""
    return paths.data_dir() / "layers"


@dataclass(frozen=True)
class LayerInfo:
    """One index entry: what the layer list shows."""

    id: str
    name: str
    source: str  # the imported file's name (and table, for a GeoPackage)
    kinds: str  # e.g. "120 lines, 4 points"
    features: int
    skipped: int  # features without a geometry, left out
    vertices: int
    bbox: tuple[float, float, float, float]  # west, south, east, north in degrees
    imported_at: str
    visible: bool = True
    order: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "bbox": list(self.bbox)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LayerInfo:
        return cls(id=str(d["id"]), name=str(d["name"]), source=str(d["source"]),
                   kinds=str(d["kinds"]), features=int(d["features"]),
                   skipped=int(d["skipped"]), vertices=int(d["vertices"]),
                   bbox=tuple(float(v) for v in d["bbox"]),  # type: ignore[arg-type]
                   imported_at=str(d["imported_at"]), visible=bool(d["visible"]),
                   order=int(d["order"]))  # fmt: skip


@dataclass(frozen=True)
class Layer:
    """A layer ready to draw, in ETRS89-LAEA metres (`mapdata.CRS`).

    Lines and polygon rings are one `x, y, connect` triple (see `mapdata.joined`); points are
    `point_x, point_y`. `line_feature` and `point_feature` give the feature index of every
    vertex, so a hover can find the name for its tooltip; `boxes` holds each feature's
    (xmin, ymin, xmax, ymax)."""

    info: LayerInfo
    x: np.ndarray
    y: np.ndarray
    connect: np.ndarray
    line_feature: np.ndarray
    point_x: np.ndarray
    point_y: np.ndarray
    point_feature: np.ndarray
    names: tuple[str, ...]
    boxes: np.ndarray
    properties: tuple[dict[str, Any], ...] = field(repr=False)

    def __len__(self) -> int:
        return len(self.names)


@dataclass
class _Parsed:
    """One layer read from a file, not yet written."""

    name: str
    source: str
    features: list[dict[str, Any]]
    skipped: int
    vertices: int


class _Budget:
    """Counts vertices across a whole file and stops as soon as the limit is passed."""

    def __init__(self, file: str, limit: int) -> None:
        self.file, self.limit, self.count = file, limit, 0

    def add(self, n: int) -> None:
        self.count += n
        self.check(0)

    def check(self, more: int) -> None:
        """Refuse before `more` vertices would pass the limit (so they are never built)."""
        if self.count + more > self.limit:
            raise LayerError(f"{self.file}: more than {self.limit:,} vertices (the limit); "
                             "split or simplify the data before importing it")


# --- checking and normalising geometries -------------------------------------------------


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _short(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _position(p: Any, budget: _Budget) -> list[float]:
    if not isinstance(p, list) or len(p) < 2 or not all(_is_number(v) for v in p[:2]):
        raise _Bad(f"a position must be [longitude, latitude], got {_short(p)}")
    lon, lat = float(p[0]), float(p[1])
    if not (math.isfinite(lon) and math.isfinite(lat)
            and -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):  # fmt: skip
        raise _Bad(f"coordinates out of range: [{lon:g}, {lat:g}] is not a longitude in "
                   "-180…180 and a latitude in -90…90 (is the file in WGS84 lon/lat?)")
    budget.add(1)
    return [round(lon, _DIGITS), round(lat, _DIGITS)]


def _list(value: Any, what: str) -> list[Any]:
    if not isinstance(value, list):
        raise _Bad(f"{what} must be an array, got {_short(value)}")
    return value


def _positions(value: Any, budget: _Budget, what: str) -> list[list[float]]:
    """Many positions at once: numpy for the usual clean array, `_position` one by one to
    name the first bad position (a vertex at a time is ten times slower on big files)."""
    items = _list(value, what)
    if not items:
        return []
    budget.check(len(items))
    try:
        arr = np.array(items)
    except (ValueError, TypeError):  # ragged: some positions with a Z, some without
        arr = None
    if arr is None or arr.ndim != 2 or arr.shape[1] < 2 or arr.dtype.kind not in "if":
        return [_position(p, budget) for p in items]
    lonlat = arr[:, :2].astype(float)
    lon, lat = lonlat[:, 0], lonlat[:, 1]
    bad = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180.0)
            & (np.abs(lat) <= 90.0))  # fmt: skip
    if bad.any():
        _position(items[int(np.argmax(bad))], budget)  # raises, naming the position
    budget.add(len(items))
    return np.round(lonlat, _DIGITS).tolist()


def _line(coords: Any, budget: _Budget, what: str = "LineString") -> list[list[float]]:
    points = _positions(coords, budget, f"{what} coordinates")
    if 0 < len(points) < 2:
        raise _Bad(f"a {what} needs at least 2 positions, has {len(points)}")
    return points


def _polygon(coords: Any, budget: _Budget) -> list[list[list[float]]]:
    rings = []
    for i, ring in enumerate(_list(coords, "Polygon coordinates"), 1):
        points = _positions(ring, budget, f"Polygon ring {i}")
        if len(points) < 4:
            raise _Bad(f"Polygon ring {i} needs at least 4 positions, has {len(points)}")
        if points[0] != points[-1]:
            raise _Bad(f"Polygon ring {i} is not closed (its first and last positions differ)")
        rings.append(points)
    return rings


def _geometry(g: Any, budget: _Budget) -> dict[str, Any] | None:
    """A checked 2D copy of a GeoJSON geometry, rounded; None for a null or empty one."""
    if g is None:
        return None
    if not isinstance(g, dict):
        raise _Bad(f"the geometry must be an object or null, got {_short(g)}")
    kind = g.get("type")
    if kind == "GeometryCollection":
        parts = [_geometry(p, budget) for p in _list(g.get("geometries"), "geometries")]
        kept = [p for p in parts if p is not None]
        return {"type": kind, "geometries": kept} if kept else None
    if kind not in _KIND:
        raise _Bad(f"unknown geometry type {_short(kind)}")
    coords = g.get("coordinates")
    if coords is None:
        raise _Bad(f"the {kind} has no coordinates")
    if kind == "Point":
        out: Any = _position(coords, budget) if coords != [] else []
    elif kind == "MultiPoint":
        out = _positions(coords, budget, "MultiPoint coordinates")
    elif kind == "LineString":
        out = _line(coords, budget)
    elif kind == "MultiLineString":
        out = [line for line in (_line(c, budget) for c in _list(coords, "coordinates"))
               if line]  # fmt: skip
    elif kind == "Polygon":
        out = _polygon(coords, budget)
    else:
        out = [poly for poly in (_polygon(c, budget) for c in _list(coords, "coordinates"))
               if poly]  # fmt: skip
    return {"type": kind, "coordinates": out} if out else None


def _clean_properties(props: Any) -> dict[str, Any]:
    if props is None:
        return {}
    if not isinstance(props, dict):
        raise _Bad(f"properties must be an object or null, got {_short(props)}")
    return props


# --- GeoJSON -----------------------------------------------------------------------------


def _is_wgs84_name(name: str) -> bool:
    tokens = [t for t in re.split(r"[:/\s]+", name.strip().lower()) if t]
    return bool(tokens) and (tokens[-1] == "crs84" or (tokens[-1] == "4326" and "epsg" in tokens))


def _check_crs(crs: Any, file: str) -> None:
    """The 2008 GeoJSON "crs" member: WGS84 lon/lat is fine, anything else is refused."""
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    name = None
    if isinstance(props, dict):
        if props.get("name") is not None:
            name = str(props["name"])
        elif props.get("code") is not None:
            name = f"EPSG:{props['code']}"
    if name is None:
        raise LayerError(f"{file}: cannot read its \"crs\" member {_short(crs)}; GeoJSON must "
                         "be WGS84 longitude/latitude")
    if not _is_wgs84_name(name):
        raise LayerError(f"{file}: unknown or unsupported CRS {name!r}: GeoJSON is read only in "
                         "WGS84 longitude/latitude (EPSG:4326 / CRS84); export it as WGS84 or "
                         "as a GeoPackage")


def _read_geojson(path: Path, file: str, budget: _Budget) -> list[_Parsed]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LayerError(f"{file}: not a GeoJSON or GeoPackage file: not UTF-8 text "
                         f"(byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LayerError(f"{file}: not a GeoJSON or GeoPackage file: not JSON at line "
                         f"{exc.lineno}, column {exc.colno} ({exc.msg})") from None
    except RecursionError:
        raise LayerError(f"{file}: JSON nested too deeply to read") from None
    if not isinstance(data, dict) or data.get("type") not in ("FeatureCollection", "Feature"):
        what = f"its type is {_short(data.get('type'))}" if isinstance(data, dict) else \
            f"it holds a JSON {_JSON_KINDS.get(type(data), 'value')}"
        raise LayerError(f"{file}: not a GeoJSON FeatureCollection ({what})")
    _check_crs(data.get("crs"), file)
    if data["type"] == "Feature":
        items: list[Any] = [data]
    else:
        items = data.get("features")  # type: ignore[assignment]
        if not isinstance(items, list):
            raise LayerError(f"{file}: the FeatureCollection has no \"features\" array")
    features, skipped = [], 0
    for number, item in enumerate(items, 1):
        try:
            if not isinstance(item, dict) or item.get("type") != "Feature":
                raise _Bad("not a Feature object")
            if "geometry" not in item:
                raise _Bad("no \"geometry\" member")
            feature = {"type": "Feature", "properties": _clean_properties(item.get("properties")),
                       "geometry": _geometry(item["geometry"], budget)}  # fmt: skip
        except _Bad as exc:
            raise LayerError(f"{file}: feature {number}: {exc}") from None
        if feature["geometry"] is None:
            skipped += 1
            continue
        if item.get("id") is not None:
            feature["id"] = item["id"]
        features.append(feature)
    name = data.get("name") if isinstance(data.get("name"), str) and data.get("name") else None
    return [_Parsed(name or path.stem, path.name, features, skipped, budget.count)]


# --- GeoPackage --------------------------------------------------------------------------


def _gpkg_wkb(blob: Any) -> bytes | None:
    """The WKB inside a GeoPackage geometry blob; None for an empty geometry."""
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise _Bad(f"the geometry is not a blob but {type(blob).__name__}")
    blob = bytes(blob)
    if len(blob) < 8:
        raise _Bad(f"truncated geometry blob ({len(blob)} bytes, the header alone is 8)")
    if blob[:2] != b"GP":
        raise _Bad("the geometry is not a GeoPackage geometry blob (no 'GP' magic)")
    flags = blob[3]
    indicator = (flags >> 1) & 0x07
    if indicator not in _ENVELOPE_BYTES:
        raise _Bad(f"invalid envelope indicator {indicator} in the geometry header")
    start = 8 + _ENVELOPE_BYTES[indicator]
    if len(blob) < start:
        raise _Bad(f"truncated geometry blob ({len(blob)} bytes, its header says {start})")
    if flags & 0x10:  # the empty-geometry flag
        return None
    if len(blob) == start:
        raise _Bad("truncated geometry blob (a header and no geometry)")
    return blob[start:]


def _srs_to_crs(srs_id: int, org: Any, org_id: Any, definition: Any, where: str) -> CRS:
    if srs_id == 0:  # the spec's "undefined geographic": lon/lat degrees
        return CRS.from_epsg(4326)
    if srs_id == -1:
        raise LayerError(f"{where}: its CRS is undefined (srs_id -1, undefined Cartesian); "
                         "assign a CRS to the layer before exporting it")
    if isinstance(org, str) and org.strip() and org.strip().upper() != "NONE" and org_id:
        try:
            return CRS.from_authority(org.strip().upper(), str(org_id))
        except CRSError:
            pass
    if isinstance(definition, str) and definition.strip() and definition.strip() != "undefined":
        try:
            return CRS.from_user_input(definition)
        except CRSError:
            pass
    raise LayerError(f"{where}: unknown CRS (srs_id {srs_id}, organization {org!r} "
                     f"{org_id!r}): neither its code nor its definition is known to PROJ")


def _transformer(crs: CRS) -> Transformer | None:
    if crs.equals(CRS.from_epsg(4326), ignore_axis_order=True):
        return None
    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _gpkg_geometry(blob: Any, to_wgs84: Transformer | None, budget: _Budget,
                   ) -> dict[str, Any] | None:  # fmt: skip
    wkb = _gpkg_wkb(blob)
    if wkb is None:
        return None
    try:
        geom = shapely.from_wkb(wkb)
    except shapely.errors.GEOSException as exc:
        raise _Bad(f"truncated or invalid WKB geometry ({exc})") from None
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type not in _KIND:
        raise _Bad(f"unsupported geometry type {geom.geom_type}")
    budget.check(int(shapely.get_num_coordinates(geom)))
    geom = shapely.force_2d(geom)
    if to_wgs84 is not None:
        def move(xy: np.ndarray) -> np.ndarray:
            return np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1]))

        geom = shapely.transform(geom, move)
    return _geometry(json.loads(shapely.to_geojson(geom)), budget)


def _property(value: Any) -> Any:
    if isinstance(value, bytes):
        return None  # binary columns mean nothing in a tooltip
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _read_gpkg(path: Path, file: str, budget: _Budget) -> list[_Parsed]:
    with path.open("rb") as f:
        if f.read(16) != _SQLITE_MAGIC:
            raise LayerError(f"{file}: not a GeoPackage (not an SQLite database file)")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise LayerError(f"{file}: cannot open the GeoPackage ({exc})") from None
    try:
        return _read_gpkg_tables(conn, path, file, budget)
    except sqlite3.DatabaseError as exc:
        raise LayerError(f"{file}: damaged or not a GeoPackage ({exc})") from None
    finally:
        conn.close()


def _read_gpkg_tables(conn: sqlite3.Connection, path: Path, file: str, budget: _Budget,
                      ) -> list[_Parsed]:  # fmt: skip
    have = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type IN "
                                       "('table', 'view')")}  # fmt: skip
    missing = [t for t in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_spatial_ref_sys")
               if t not in have]
    if missing:
        raise LayerError(f"{file}: not a GeoPackage (an SQLite file without "
                         f"{', '.join(missing)})")
    tables = conn.execute(
        "SELECT c.table_name, c.identifier, g.column_name, g.srs_id, s.organization, "
        "s.organization_coordsys_id, s.definition FROM gpkg_contents c "
        "JOIN gpkg_geometry_columns g ON g.table_name = c.table_name "
        "LEFT JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
        "WHERE lower(c.data_type) = 'features' ORDER BY c.table_name").fetchall()
    if not tables:
        raise LayerError(f"{file}: the GeoPackage holds no feature tables")
    out = []
    for table, identifier, column, srs_id, org, org_id, definition in tables:
        where = f"{file}: table {table!r}"
        if table not in have:
            raise LayerError(f"{where} is listed in gpkg_contents but missing")
        crs = _srs_to_crs(int(srs_id), org, org_id, definition, where)
        to_wgs84 = _transformer(crs)
        cursor = conn.execute(f"SELECT * FROM {_quote(table)}")
        names = [d[0] for d in cursor.description]
        if column not in names:
            raise LayerError(f"{where}: no geometry column {column!r}")
        geo = names.index(column)
        features, skipped = [], 0
        for number, row in enumerate(cursor, 1):
            try:
                geometry = None if row[geo] is None else \
                    _gpkg_geometry(row[geo], to_wgs84, budget)
            except _Bad as exc:
                raise LayerError(f"{where}, feature {number}: {exc}") from None
            if geometry is None:
                skipped += 1
                continue
            props = {k: _property(v) for k, v in zip(names, row, strict=True)
                     if k != column and not isinstance(v, bytes)}  # fmt: skip
            features.append({"type": "Feature", "properties": props, "geometry": geometry})
        out.append(_Parsed(str(identifier or table), f"{path.name}: {table}", features,
                           skipped, 0))  # fmt: skip
    return out


# --- reading any file --------------------------------------------------------------------


def read_file(path: str | Path, *, max_bytes: int = MAX_BYTES,
              max_vertices: int = MAX_VERTICES) -> list[_Parsed]:  # fmt: skip
    """Every layer in a GeoJSON or GeoPackage file, checked and normalised; writes nothing."""
    path = Path(path)
    file = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LayerError(f"{file}: no such file") from None
    except OSError as exc:
        raise LayerError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    if path.is_dir():
        raise LayerError(f"{file}: is a folder, not a file")
    if size > max_bytes:
        raise LayerError(f"{file}: {size:,} bytes is over the limit of {max_bytes:,} bytes "
                         "for one import; split it or clip it to the area needed")
    budget = _Budget(file, max_vertices)
    try:
        with path.open("rb") as f:
            head = f.read(16)
        if head == _SQLITE_MAGIC or path.suffix.lower() == ".gpkg":
            layers = _read_gpkg(path, file, budget)
        else:
            layers = _read_geojson(path, file, budget)
    except OSError as exc:
        raise LayerError(f"{file}: cannot read it ({exc.strerror or exc})") from None
    for layer in layers:
        if not layer.features:
            where = file if len(layers) == 1 else f"{file}: {layer.source}"
            raise LayerError(f"{where}: no features with a geometry ({layer.skipped} without)")
        layer.vertices = sum(_count(f["geometry"]) for f in layer.features)
    return layers


# --- the layer library -------------------------------------------------------------------


def _parts(geometry: dict[str, Any]) -> Iterator[tuple[bool, list[list[float]]]]:
    """(is_point, coordinates) for every point set, line and ring of a stored geometry."""
    kind = geometry["type"]
    c = geometry.get("coordinates")
    if kind == "GeometryCollection":
        for g in geometry["geometries"]:
            yield from _parts(g)
    elif kind == "Point":
        yield True, [c]
    elif kind == "MultiPoint":
        yield True, c
    elif kind == "LineString":
        yield False, c
    elif kind in ("MultiLineString", "Polygon"):
        for line in c:
            yield False, line
    elif kind == "MultiPolygon":
        for poly in c:
            for ring in poly:
                yield False, ring


def _count(geometry: dict[str, Any]) -> int:
    return sum(len(coords) for _, coords in _parts(geometry))


def _kinds(features: Iterable[dict[str, Any]]) -> str:
    counts: dict[str, int] = {}
    for f in features:
        kind = _KIND[f["geometry"]["type"]]
        counts[kind] = counts.get(kind, 0) + 1
    words = {"point": "point", "line": "line", "polygon": "polygon",
             "collection": "collection"}  # fmt: skip
    return ", ".join(f"{n} {words[k]}{'s' if n != 1 else ''}"
                     for k, n in sorted(counts.items(), key=lambda kv: -kv[1]))  # fmt: skip


def _lonlat(features: Iterable[dict[str, Any]]) -> np.ndarray:
    """Every stored vertex as an (n, 2) array, in feature and part order."""
    chain = itertools.chain.from_iterable
    flat = np.fromiter(chain(chain(coords for f in features for _, coords in
                                   _parts(f["geometry"]))), dtype=float)  # fmt: skip
    return flat.reshape(-1, 2)


def _bbox(features: Iterable[dict[str, Any]]) -> tuple[float, float, float, float]:
    lonlat = _lonlat(features)
    west, south = lonlat.min(axis=0).tolist()
    east, north = lonlat.max(axis=0).tolist()
    return west, south, east, north


def _index_path(folder: Path) -> Path:
    return Path(folder) / INDEX_NAME


def _read_index(folder: Path) -> list[LayerInfo]:
    path = _index_path(folder)
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text("utf-8"))
        return [LayerInfo.from_dict(d) for d in data["layers"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LayerError(f"{path}: damaged layer index ({exc})") from None


def _write_atomic(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _write_index(folder: Path, layers: list[LayerInfo]) -> None:
    data = {"version": 1, "layers": [i.as_dict() for i in sorted(layers, key=lambda i: i.order)]}
    _write_atomic(_index_path(folder), json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _layer_path(folder: Path, layer_id: str) -> Path:
    return Path(folder) / f"{layer_id}.geojson"


def _unique(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    n = 2
    while f"{name} ({n})" in taken:
        n += 1
    return f"{name} ({n})"


def list_layers(folder: str | Path) -> list[LayerInfo]:
    """The imported layers, bottom (drawn first) to top."""
    return sorted(_read_index(Path(folder)), key=lambda i: i.order)


def import_file(path: str | Path, folder: str | Path, name: str | None = None, *,
                max_bytes: int = MAX_BYTES, max_vertices: int = MAX_VERTICES,
                ) -> list[LayerInfo]:  # fmt: skip
    """Import every layer of a GeoJSON or GeoPackage file on top of the existing ones.

    A GeoPackage gives one layer per feature table. A name already in use gets " (2)" and so
    on. Raises `LayerError` and writes nothing if any part of the file is bad."""
    folder = Path(folder)
    parsed = read_file(path, max_bytes=max_bytes, max_vertices=max_vertices)
    existing = _read_index(folder)
    taken = {i.name for i in existing}
    order = max((i.order for i in existing), default=-1) + 1
    now = timefmt.now_iso()
    new: list[LayerInfo] = []
    for layer in parsed:
        wanted = (name.strip() if name and name.strip() else None)
        if wanted and len(parsed) > 1:
            wanted = f"{wanted}: {layer.name}"
        label = _unique(wanted or layer.name, taken)
        taken.add(label)
        info = LayerInfo(id=ids.new_id(), name=label, source=layer.source,
                         kinds=_kinds(layer.features), features=len(layer.features),
                         skipped=layer.skipped, vertices=layer.vertices,
                         bbox=_bbox(layer.features), imported_at=now, order=order)  # fmt: skip
        order += 1
        new.append(info)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for info, layer in zip(new, parsed, strict=True):
            doc = {"type": "FeatureCollection", "name": info.name, "features": layer.features}
            _write_atomic(_layer_path(folder, info.id),
                          json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
        # The index is written last: until it names them, new layer files are invisible.
        _write_index(folder, existing + new)
    except OSError as exc:
        for info in new:
            _layer_path(folder, info.id).unlink(missing_ok=True)
        raise LayerError(f"{folder}: cannot write the layer ({exc.strerror or exc}); nothing "
                         "was imported") from None
    return new


def _find(layers: list[LayerInfo], layer_id: str, folder: Path) -> LayerInfo:
    for info in layers:
        if info.id == layer_id:
            return info
    raise LayerError(f"no layer {layer_id!r} in {folder}")


def remove(folder: str | Path, layer_id: str) -> LayerInfo:
    """Drop a layer from the index, then delete its file; returns what was removed."""
    folder = Path(folder)
    layers = _read_index(folder)
    gone = _find(layers, layer_id, folder)
    _write_index(folder, [i for i in layers if i.id != layer_id])
    _layer_path(folder, layer_id).unlink(missing_ok=True)
    return gone


def set_visible(folder: str | Path, layer_id: str, visible: bool) -> LayerInfo:
    """Show or hide a layer (kept in the index so the map remembers it)."""
    folder = Path(folder)
    layers = _read_index(folder)
    old = _find(layers, layer_id, folder)
    new = LayerInfo.from_dict({**old.as_dict(), "visible": visible})
    _write_index(folder, [new if i.id == layer_id else i for i in layers])
    return new


def feature_name(properties: dict[str, Any]) -> str:
    """The tooltip name: the first of name/NAME/nam/ref that is set."""
    for key in _NAME_KEYS:
        value = properties.get(key)
        if value not in (None, ""):
            return str(value)
    return ""


def load(folder: str | Path, layer_id: str) -> Layer:
    """A stored layer projected for drawing."""
    folder = Path(folder)
    info = _find(_read_index(folder), layer_id, folder)
    path = _layer_path(folder, layer_id)
    try:
        features = json.loads(path.read_text("utf-8"))["features"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LayerError(f"{path}: damaged layer file ({exc})") from None
    starts: list[int] = []  # where each feature's vertices begin
    lines: list[tuple[int, int, int]] = []  # (feature, start, end)
    points: list[tuple[int, int, int]] = []
    end = 0
    for number, f in enumerate(features):
        starts.append(end)
        for is_point, part in _parts(f["geometry"]):
            (points if is_point else lines).append((number, end, end + len(part)))
            end += len(part)
    lonlat = _lonlat(features)
    px_all, py_all = mapdata.project(lonlat[:, 0], lonlat[:, 1])
    x, y, connect = mapdata.joined((px_all[s:e], py_all[s:e]) for _, s, e in lines)
    line_feature = np.repeat(np.array([n for n, _, _ in lines], dtype=np.int64),
                             [e - s for _, s, e in lines]).astype(np.int64)  # fmt: skip
    point_index = np.concatenate([np.arange(s, e) for _, s, e in points]) if points else \
        np.empty(0, dtype=np.int64)
    point_feature = np.repeat(np.array([n for n, _, _ in points], dtype=np.int64),
                              [e - s for _, s, e in points]).astype(np.int64)  # fmt: skip
    if features:
        at = np.asarray(starts)
        boxes = np.column_stack([np.minimum.reduceat(px_all, at), np.minimum.reduceat(py_all, at),
                                 np.maximum.reduceat(px_all, at),
                                 np.maximum.reduceat(py_all, at)])  # fmt: skip
    else:
        boxes = np.empty((0, 4))
    props = tuple(f.get("properties") or {} for f in features)
    return Layer(info=info, x=x, y=y, connect=connect, line_feature=line_feature,
                 point_x=px_all[point_index], point_y=py_all[point_index],
                 point_feature=point_feature, names=tuple(feature_name(p) for p in props),
                 boxes=boxes, properties=props)  # fmt: skip
