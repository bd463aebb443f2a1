"""Routes, critical points and conflicts as an OGC GeoPackage 1.3 (for GDAL and QGIS).

Written with sqlite3 alone: a database in a private temporary folder holding the required
tables (spatial reference systems, contents, geometry columns) and three feature tables in
WGS 84, returned as the file's bytes (the caller writes the real file atomically; Python
3.10 has no Connection.serialize). Geometries are GeoPackage binary: the GP header with the
XY envelope, then little-endian WKB. No spatial index: the layers are small, and readers
build their own.
A classification marking goes in the attribute table `movcon_marking` (registered in
gpkg_contents, so QGIS lists it beside the layers) and in each layer's description.
"""

from __future__ import annotations

import sqlite3
import struct
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.core import timefmt
from app.core.exports.geojson import LAYER_TITLES, LAYERS, Feature, layers, marking_text
from app.core.planning.model import Conflict, MovementPlan

APPLICATION_ID = 0x47504B47  # "GPKG"
USER_VERSION = 10300  # GeoPackage 1.3.0
SRS_ID = 4326
MARKING_TABLE = "movcon_marking"
_WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
              'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
              'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
              'AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
              'AUTHORITY["EPSG","4326"]]')

_CORE_TABLES = """
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
"""

# Per layer: geometry type and the attribute columns (name, GeoPackage type) in order.
SCHEMA: dict[str, tuple[str, tuple[tuple[str, str], ...]]] = {
    "routes": ("LINESTRING", (
        ("id", "TEXT"), ("name", "TEXT"), ("owner", "TEXT"), ("unit", "TEXT"),
        ("domain", "TEXT"), ("status", "TEXT"), ("priority", "TEXT"), ("depart", "DATETIME"),
        ("length_km", "REAL"), ("start", "DATETIME"), ("release", "DATETIME"))),
    "critical_points": ("POINT", (
        ("id", "TEXT"), ("name", "TEXT"), ("kind", "TEXT"), ("nation", "TEXT"),
        ("mlc_tracked", "REAL"), ("mlc_wheeled", "REAL"), ("capacity_per_hour", "INTEGER"),
        ("exclusive", "BOOLEAN"))),
    "conflicts": ("POINT", (
        ("point_id", "TEXT"), ("point", "TEXT"), ("movements", "TEXT"),
        ("movement_ids", "TEXT"), ("start", "DATETIME"), ("end", "DATETIME"),
        ("reason", "TEXT"), ("load", "INTEGER"), ("capacity", "INTEGER"))),
}  # fmt: skip
_DESCRIPTIONS = {"routes": "Movement routes", "critical_points": "Critical points",
                 "conflicts": "Conflicts at critical points (forecast)"}  # fmt: skip


def geometry_blob(geometry: BaseGeometry, srs_id: int = SRS_ID) -> bytes:
    """GeoPackage binary: magic, version 0, flags (XY envelope, little-endian), envelope, WKB."""
    min_x, min_y, max_x, max_y = geometry.bounds
    header = struct.pack("<2sBBi4d", b"GP", 0, 0b0000_0011, srs_id, min_x, max_x, min_y, max_y)
    return header + shapely.to_wkb(geometry, output_dimension=2, byte_order=1)


def plans_gpkg(store: Any, plans: Mapping[str, MovementPlan], conflicts: Sequence[Conflict],
               movement_ids: Iterable[str] | None = None, marking: str | None = None,
               at: datetime | None = None) -> bytes:
    """The GeoPackage file's bytes (see `geojson.layers` for what the layers hold)."""
    marking = marking_text(marking)
    found = layers(store, plans, conflicts, movement_ids)
    changed = _datetime(at or datetime.now(timezone.utc))
    with tempfile.TemporaryDirectory(prefix="movcon-gpkg-") as folder:
        path = Path(folder) / "export.gpkg"
        conn = sqlite3.connect(path)
        try:
            _write(conn, found, marking, changed)
            conn.commit()
        finally:
            conn.close()
        return path.read_bytes()


def _write(conn: sqlite3.Connection, found: Mapping[str, Sequence[Feature]],
           marking: str | None, changed: str) -> None:
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {USER_VERSION}")
    conn.executescript(_CORE_TABLES)
    conn.executemany("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)", [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined",
         "undefined cartesian coordinate reference system"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined",
         "undefined geographic coordinate reference system"),
        ("WGS 84 geodetic", SRS_ID, "EPSG", SRS_ID, _WGS84_WKT,
         "longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid")])
    for layer in LAYERS:
        _write_layer(conn, layer, found[layer], marking, changed)
    conn.execute(f"CREATE TABLE {MARKING_TABLE} "
                 "(fid INTEGER PRIMARY KEY AUTOINCREMENT, marking TEXT NOT NULL)")
    if marking:
        conn.execute(f"INSERT INTO {MARKING_TABLE} (marking) VALUES (?)", (marking,))
    conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, "
                 "description, last_change) VALUES (?, 'attributes', ?, ?, ?)",
                 (MARKING_TABLE, "Classification marking",
                  "The classification marking of this file (none when empty)", changed))


def _write_layer(conn: sqlite3.Connection, layer: str, features: Sequence[Feature],
                 marking: str | None, changed: str) -> None:
    geometry_type, columns = SCHEMA[layer]
    names = ", ".join(f'"{name}" {kind}' for name, kind in columns)
    conn.execute(f'CREATE TABLE "{layer}" (fid INTEGER PRIMARY KEY AUTOINCREMENT, '
                 f'geom {geometry_type}, {names})')
    dates = {name for name, kind in columns if kind == "DATETIME"}
    slots = ", ".join("?" * (len(columns) + 1))
    quoted = ", ".join(f'"{name}"' for name, _ in columns)
    conn.executemany(
        f'INSERT INTO "{layer}" (geom, {quoted}) VALUES ({slots})',
        [(geometry_blob(f.geometry), *(_value(f.properties.get(name), name in dates)
                                       for name, _ in columns))
         for f in features])  # fmt: skip
    bounds = (shapely.GeometryCollection([f.geometry for f in features]).bounds
              if features else (None, None, None, None))
    description = _DESCRIPTIONS[layer] + (f" — {marking}" if marking else "")
    conn.execute("INSERT INTO gpkg_contents VALUES (?, 'features', ?, ?, ?, ?, ?, ?, ?, ?)",
                 (layer, LAYER_TITLES[layer], description, changed, *bounds, SRS_ID))
    conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                 (layer, geometry_type, SRS_ID))


def _datetime(moment: datetime | str) -> str:
    """GeoPackage DATETIME: ISO 8601 UTC with milliseconds, the form GDAL reads silently."""
    when = timefmt.parse_utc(moment) if isinstance(moment, str) else moment.astimezone(
        timezone.utc)
    return when.strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}Z"


def _value(value: Any, is_date: bool) -> Any:
    return _datetime(value) if is_date and value else value
