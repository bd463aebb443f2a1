"""Imported map layers: GeoJSON and GeoPackage in, a normalised layer library out."""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from pyproj import CRS, Transformer

from app.cli import EXIT_BAD_INPUT, main
from app.core import geolayers, mapdata, paths
from app.core.geolayers import LayerError

SAMPLE = paths.resources_dir() / "geo" / "samples" / "lt-main-roads.geojson"
VILNIUS, KAUNAS, KLAIPEDA = (25.2797, 54.6872), (23.9036, 54.8985), (21.1443, 55.7033)
TO_LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder with its bytes: what "unchanged" means."""
    if not folder.exists():
        return {}
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def collection(*features: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "FeatureCollection", **extra, "features": list(features)}


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# --- GeoJSON -----------------------------------------------------------------------------


def test_the_sample_roads_round_trip(tmp_path: Path) -> None:
    folder = tmp_path / "layers"
    [info] = geolayers.import_file(SAMPLE, folder)
    assert info.source == "lt-main-roads.geojson" and info.kinds == "3 lines"
    assert info.features == 3 and info.skipped == 0 and info.visible and info.order == 0
    assert geolayers.list_layers(folder) == [info]

    source = json.loads(SAMPLE.read_text("utf-8"))["features"]
    stored = json.loads((folder / f"{info.id}.geojson").read_text("utf-8"))
    assert stored["type"] == "FeatureCollection"
    assert [f["geometry"] for f in stored["features"]] == [f["geometry"] for f in source]
    assert [f["properties"]["ref"] for f in stored["features"]] == ["A1", "A5", "A2"]

    layer = geolayers.load(folder, info.id)
    lonlat = np.array([p for f in source for p in f["geometry"]["coordinates"]])
    x, y = mapdata.project(lonlat[:, 0], lonlat[:, 1])
    np.testing.assert_allclose(layer.x, x, atol=1e-6)
    np.testing.assert_allclose(layer.y, y, atol=1e-6)
    lengths = [len(f["geometry"]["coordinates"]) for f in source]
    ends = np.cumsum(lengths) - 1
    assert list(np.flatnonzero(~layer.connect)) == list(ends)
    assert list(layer.line_feature) == [i for i, n in enumerate(lengths) for _ in range(n)]
    assert layer.names[0].startswith("A1 Vilnius") and len(layer) == 3
    assert len(layer.point_x) == 0
    # A1 runs from Vilnius to Klaipėda: its box spans both.
    vx, vy = TO_LAEA.transform(*VILNIUS)
    kx, ky = TO_LAEA.transform(*KLAIPEDA)
    np.testing.assert_allclose(layer.boxes[0][[0, 2]], [kx, vx], atol=1e-3)
    assert layer.boxes[0][1] <= vy <= layer.boxes[0][3]
    assert layer.boxes[0][1] <= ky <= layer.boxes[0][3]


def test_points_polygons_collections_and_null_geometries(tmp_path: Path) -> None:
    square = [[24.0, 55.0], [24.1, 55.0], [24.1, 55.1], [24.0, 55.1], [24.0, 55.0]]
    hole = [[24.02, 55.02], [24.04, 55.02], [24.04, 55.04], [24.02, 55.02]]
    data = collection(
        feature({"type": "Point", "coordinates": [*VILNIUS, 112.5]}, NAME="Vilnius"),
        feature(None, name="no geometry"),
        feature({"type": "MultiPoint", "coordinates": [list(KAUNAS), list(KLAIPEDA)]},
                nam="Kaunas and Klaipėda"),
        feature({"type": "Polygon", "coordinates": [square, hole]}, ref="training area"),
        feature({"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [23.0, 55.0]},
            {"type": "LineString", "coordinates": [[23.0, 55.0], [23.5, 55.2]]}]}, other=1),
        feature({"type": "MultiLineString", "coordinates": []}, name="empty"),
        feature({"type": "MultiPolygon", "coordinates": [[square]]}, name="again"),
    )  # fmt: skip
    [info] = geolayers.import_file(write_json(tmp_path / "mixed.json", data), tmp_path / "lib")
    assert info.features == 5 and info.skipped == 2
    assert info.kinds == "2 points, 2 polygons, 1 collection"
    assert info.vertices == 1 + 2 + 5 + 4 + 1 + 2 + 5
    assert info.bbox == (KLAIPEDA[0], VILNIUS[1], VILNIUS[0], KLAIPEDA[1])
    layer = geolayers.load(tmp_path / "lib", info.id)
    assert layer.names == ("Vilnius", "Kaunas and Klaipėda", "training area", "", "again")
    assert layer.properties[3] == {"other": 1}
    px, py = mapdata.project([VILNIUS[0], KAUNAS[0], KLAIPEDA[0], 23.0],
                             [VILNIUS[1], KAUNAS[1], KLAIPEDA[1], 55.0])  # fmt: skip
    np.testing.assert_allclose(layer.point_x, px, atol=1e-6)
    np.testing.assert_allclose(layer.point_y, py, atol=1e-6)
    assert list(layer.point_feature) == [0, 1, 1, 3]
    # Two rings, one line and one ring: four parts, each ended by a False.
    assert len(layer.x) == 5 + 4 + 2 + 5 and (~layer.connect).sum() == 4
    assert list(layer.line_feature) == [2] * 9 + [3] * 2 + [4] * 5
    assert layer.boxes.shape == (5, 4)
    assert layer.boxes[0][0] == layer.boxes[0][2] == pytest.approx(px[0])
    stored = json.loads((tmp_path / "lib" / f"{info.id}.geojson").read_text("utf-8"))
    assert stored["features"][0]["geometry"]["coordinates"] == list(VILNIUS)  # Z dropped


@pytest.mark.parametrize("name", ["EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
                                  "urn:ogc:def:crs:EPSG::4326",
                                  "http://www.opengis.net/def/crs/OGC/1.3/CRS84"])
def test_a_legacy_crs_member_naming_wgs84_is_accepted(tmp_path: Path, name: str) -> None:
    data = collection(feature({"type": "Point", "coordinates": list(KAUNAS)}),
                      crs={"type": "name", "properties": {"name": name}})
    [info] = geolayers.import_file(write_json(tmp_path / "p.geojson", data), tmp_path / "lib")
    assert info.features == 1


def test_names_default_from_the_file_and_duplicates_get_a_suffix(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    path = write_json(tmp_path / "bridges.geojson",
                      collection(feature({"type": "Point", "coordinates": list(KAUNAS)})))
    first = geolayers.import_file(path, folder)[0]
    second = geolayers.import_file(path, folder)[0]
    third = geolayers.import_file(path, folder)[0]
    named = geolayers.import_file(path, folder, name="  Bridges LT ")[0]
    assert [first.name, second.name, third.name, named.name] == \
        ["bridges", "bridges (2)", "bridges (3)", "Bridges LT"]
    assert [i.order for i in geolayers.list_layers(folder)] == [0, 1, 2, 3]
    assert len({first.id, second.id, third.id, named.id}) == 4


def test_remove_and_visibility(tmp_path: Path) -> None:
    folder = tmp_path / "lib"
    a = geolayers.import_file(SAMPLE, folder)[0]
    b = geolayers.import_file(SAMPLE, folder)[0]
    hidden = geolayers.set_visible(folder, a.id, False)
    assert not hidden.visible and geolayers.list_layers(folder)[0] == hidden
    assert geolayers.remove(folder, a.id).id == a.id
    assert [i.id for i in geolayers.list_layers(folder)] == [b.id]
    assert sorted(p.name for p in folder.iterdir()) == sorted(["index.json", f"{b.id}.geojson"])
    with pytest.raises(LayerError, match=f"no layer '{a.id}'"):
        geolayers.remove(folder, a.id)
    with pytest.raises(LayerError, match="no layer 'nope'"):
        geolayers.load(folder, "nope")


def test_a_crash_while_writing_leaves_the_folder_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "lib"
    geolayers.import_file(SAMPLE, folder)
    before = snapshot(folder)
    real = geolayers.os.replace

    def failing(src: str, dst: Any) -> None:
        if str(dst).endswith("index.json"):
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(geolayers.os, "replace", failing)
    with pytest.raises(LayerError, match=r"\(No space left on device\); nothing was imported"):
        geolayers.import_file(SAMPLE, folder)
    assert snapshot(folder) == before


def test_a_damaged_index_is_reported(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{", encoding="utf-8")
    with pytest.raises(LayerError, match="damaged layer index"):
        geolayers.list_layers(tmp_path)


# --- GeoPackage --------------------------------------------------------------------------

WKT_3035 = CRS.from_epsg(3035).to_wkt()


def gp_blob(geom: shapely.Geometry, srs_id: int, *, envelope: int = 0, little: bool = True,
            wkb_little: bool = True, empty: bool = False) -> bytes:
    """A GeoPackage geometry blob: "GP", version 0, flags, srs id, envelope, then the WKB."""
    flags = (envelope << 1) | (1 if little else 0) | (0x10 if empty else 0)
    order = "<" if little else ">"
    minx, miny, maxx, maxy = geom.bounds if not geom.is_empty else (0.0, 0.0, 0.0, 0.0)
    values = {0: (), 1: (minx, maxx, miny, maxy), 2: (minx, maxx, miny, maxy, 0.0, 0.0),
              3: (minx, maxx, miny, maxy, 0.0, 0.0),
              4: (minx, maxx, miny, maxy, 0.0, 0.0, 0.0, 0.0)}[envelope]  # fmt: skip
    header = b"GP" + bytes([0, flags]) + struct.pack(f"{order}i", srs_id)
    header += struct.pack(f"{order}{len(values)}d", *values)
    return header + shapely.to_wkb(geom, byte_order=1 if wkb_little else 0)


SRS = {4326: ("WGS 84", "EPSG", 4326, CRS.from_epsg(4326).to_wkt()),
       3035: ("ETRS89-LAEA", "EPSG", 3035, WKT_3035),
       900: ("custom LAEA", "NONE", 900, WKT_3035),
       901: ("mystery", "NONE", 901, "undefined"),
       -1: ("undefined cartesian", "NONE", -1, "undefined")}  # fmt: skip


def make_gpkg(path: Path, tables: dict[str, tuple[int, list[tuple[Any, ...]]]],
              geometry_type: str = "GEOMETRY") -> Path:
    """A GeoPackage with feature tables {name: (srs_id, [(blob, name, ref), ...])}."""
    conn = sqlite3.connect(path)
    conn.executescript("""
        PRAGMA application_id = 1196444487;
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
            organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
            definition TEXT NOT NULL, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
            identifier TEXT UNIQUE, description TEXT DEFAULT '', last_change DATETIME,
            min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL,
            geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL,
            m TINYINT NOT NULL);
        CREATE TABLE other_attributes (id INTEGER PRIMARY KEY, note TEXT);
        INSERT INTO gpkg_contents (table_name, data_type, identifier)
            VALUES ('other_attributes', 'attributes', 'not drawn');
    """)
    for srs_id in sorted({srs for srs, _ in tables.values()}):
        conn.execute("INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, '')",
                     (SRS[srs_id][0], srs_id, *SRS[srs_id][1:]))
    for table, (srs_id, rows) in tables.items():
        conn.execute(f'CREATE TABLE "{table}" (fid INTEGER PRIMARY KEY, geom BLOB, name TEXT, '
                     "ref TEXT, mlc REAL, photo BLOB)")
        conn.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) "
                     "VALUES (?, 'features', ?, ?)", (table, table.replace("_", " "), srs_id))
        conn.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', ?, ?, 0, 0)",
                     (table, geometry_type, srs_id))
        conn.executemany(f'INSERT INTO "{table}" (geom, name, ref, mlc, photo) '
                         "VALUES (?, ?, ?, ?, x'00ff')", rows)
    conn.commit()
    conn.close()
    return path


def laea(*lonlat: tuple[float, float]) -> list[tuple[float, float]]:
    return [TO_LAEA.transform(lon, lat) for lon, lat in lonlat]


def test_a_geopackage_gives_a_layer_per_feature_table(tmp_path: Path) -> None:
    road = shapely.LineString([VILNIUS, KAUNAS, KLAIPEDA])
    bridge_kaunas = shapely.Point(laea(KAUNAS)[0])
    bridge_vilnius = shapely.Point(*laea(VILNIUS)[0], 99.0)  # with Z, which is dropped
    area = shapely.Polygon(laea((24.0, 55.0), (24.1, 55.0), (24.1, 55.1), (24.0, 55.0)))
    path = make_gpkg(tmp_path / "national.gpkg", {
        "main_roads": (4326, [(gp_blob(road, 4326), "A1", "A1", 60.0),
                              (None, "planned", None, None),
                              (gp_blob(shapely.Point(), 4326, empty=True), "empty", None, None),
                              # The empty flag is enough: no WKB needs to follow.
                              (b"GP\x00\x11\xe6\x10\x00\x00", "flagged", None, None)]),
        "bridges": (3035, [
            (gp_blob(bridge_kaunas, 3035, envelope=1, little=False, wkb_little=False),
             "Aleksotas bridge", "B-1", 80.0),
            (gp_blob(bridge_vilnius, 3035, envelope=2), None, "B-2", None),
            (gp_blob(area, 3035, envelope=4, little=False), None, None, None),
            (gp_blob(shapely.MultiLineString([laea(KAUNAS, VILNIUS)]), 3035, envelope=3),
             "link", None, None)]),
    })  # fmt: skip
    folder = tmp_path / "lib"
    layers = geolayers.import_file(path, folder)
    assert [(i.name, i.source, i.features, i.skipped) for i in layers] == [
        ("bridges", "national.gpkg: bridges", 4, 0),
        ("main roads", "national.gpkg: main_roads", 1, 3)]
    assert layers[0].kinds == "2 points, 1 polygon, 1 line"

    bridges, roads = (json.loads((folder / f"{i.id}.geojson").read_text("utf-8"))["features"]
                      for i in layers)  # fmt: skip
    assert roads[0]["geometry"] == {"type": "LineString",
                                    "coordinates": [list(VILNIUS), list(KAUNAS), list(KLAIPEDA)]}
    assert roads[0]["properties"] == {"fid": 1, "name": "A1", "ref": "A1", "mlc": 60.0}
    assert bridges[0]["geometry"]["type"] == "Point"
    np.testing.assert_allclose(bridges[0]["geometry"]["coordinates"], KAUNAS, atol=1e-7)
    np.testing.assert_allclose(bridges[1]["geometry"]["coordinates"], VILNIUS, atol=1e-7)
    np.testing.assert_allclose(bridges[2]["geometry"]["coordinates"][0],
                               [(24.0, 55.0), (24.1, 55.0), (24.1, 55.1), (24.0, 55.0)],
                               atol=1e-7)  # fmt: skip
    assert bridges[3]["geometry"]["type"] == "MultiLineString"

    layer = geolayers.load(folder, layers[0].id)
    assert layer.names == ("Aleksotas bridge", "B-2", "", "link")
    np.testing.assert_allclose(np.column_stack([layer.point_x, layer.point_y]),
                               laea(KAUNAS, VILNIUS), atol=0.05)  # fmt: skip


def test_a_geopackage_crs_given_only_by_its_definition(tmp_path: Path) -> None:
    blob = gp_blob(shapely.Point(laea(KLAIPEDA)[0]), 900)
    path = make_gpkg(tmp_path / "custom.gpkg", {"ports": (900, [(blob, "Klaipėda", None, None)])})
    [info] = geolayers.import_file(path, tmp_path / "lib", name="Ports")
    assert info.name == "Ports"
    assert info.bbox == pytest.approx((*KLAIPEDA, *KLAIPEDA), abs=1e-7)


def test_a_name_given_for_several_tables_prefixes_each(tmp_path: Path) -> None:
    point = gp_blob(shapely.Point(KAUNAS), 4326)
    path = make_gpkg(tmp_path / "two.gpkg", {"a": (4326, [(point, None, None, None)]),
                                            "b": (4326, [(point, None, None, None)])})
    names = [i.name for i in geolayers.import_file(path, tmp_path / "lib", name="LT")]
    assert names == ["LT: a", "LT: b"]


# --- bad input ---------------------------------------------------------------------------

POINT = {"type": "Point", "coordinates": list(KAUNAS)}


def _text(content: str, suffix: str = ".geojson") -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / f"bad{suffix}"
        path.write_text(content, encoding="utf-8")
        return path
    return make


def _json(data: Any) -> Callable[[Path], Path]:
    return _text(json.dumps(data))


def _gpkg(srs_id: int, blob: Any) -> Callable[[Path], Path]:
    return lambda tmp: make_gpkg(tmp / "bad.gpkg", {"t": (srs_id, [(blob, "x", None, None)])})


def _plain_sqlite(tmp: Path) -> Path:
    path = tmp / "bad.gpkg"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE roads (id INTEGER)")
    return path


def _only_attributes(tmp: Path) -> Path:
    path = make_gpkg(tmp / "bad.gpkg", {})
    return path


KAUNAS_WKB = shapely.to_wkb(shapely.LineString([VILNIUS, KAUNAS]))
BAD = [
    ("not-json", _text('{"type": "FeatureCollection",\n "features": [\n  oops]}'),
     "not JSON at line 3, column 3"),
    ("not-utf8", lambda tmp: (tmp / "bad.geojson").write_bytes(b"\xff\xfe{") and
     tmp / "bad.geojson", "not UTF-8 text (byte 0)"),
    ("geometry-not-collection", _json(POINT),
     "not a GeoJSON FeatureCollection (its type is 'Point')"),
    ("array", _json([POINT]), "not a GeoJSON FeatureCollection (it holds a JSON array)"),
    ("no-features-array", _json({"type": "FeatureCollection"}), "has no \"features\" array"),
    ("out-of-range", _json(collection(feature(POINT), feature(
        {"type": "LineString", "coordinates": [[24.0, 55.0], [5298180.0, 3613007.0]]}))),
     "feature 2: coordinates out of range: [5.29818e+06, 3.61301e+06]"),
    ("swapped-order", _json(collection(feature({"type": "Point", "coordinates": [24.0, 95.0]}))),
     "feature 1: coordinates out of range"),
    ("unknown-crs", _json(collection(feature(POINT), crs={
        "type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3035"}})),
     "unknown or unsupported CRS 'urn:ogc:def:crs:EPSG::3035'"),
    ("unknown-type", _json(collection(feature({"type": "Circle", "coordinates": [1, 2]}))),
     "feature 1: unknown geometry type 'Circle'"),
    ("not-a-feature", _json(collection(POINT)), "feature 1: not a Feature object"),
    ("bad-position", _json(collection(feature({"type": "Point", "coordinates": ["24", 55]}))),
     "feature 1: a position must be [longitude, latitude], got [\"24\", 55]"),
    ("short-line", _json(collection(feature({"type": "LineString", "coordinates": [[1, 2]]}))),
     "feature 1: a LineString needs at least 2 positions, has 1"),
    ("open-ring", _json(collection(feature({"type": "Polygon", "coordinates": [
        [[24, 55], [25, 55], [25, 56], [24, 56]]]}))),
     "feature 1: Polygon ring 1 is not closed"),
    ("no-geometry", _json(collection(feature(None))), "no features with a geometry (1 without)"),
    ("text-as-gpkg", _text("hello", ".gpkg"), "not a GeoPackage (not an SQLite database file)"),
    ("sqlite-not-gpkg", _plain_sqlite, "not a GeoPackage (an SQLite file without gpkg_contents"),
    ("no-feature-tables", _only_attributes, "the GeoPackage holds no feature tables"),
    ("short-blob", _gpkg(4326, b"GP\x00\x01"), "feature 1: truncated geometry blob (4 bytes"),
    ("short-envelope", _gpkg(4326, b"GP\x00\x03" + b"\x00" * 20),
     "truncated geometry blob (24 bytes, its header says 40)"),
    ("cut-wkb", _gpkg(4326, b"GP\x00\x01\xe6\x10\x00\x00" + KAUNAS_WKB[:-5]),
     "feature 1: truncated or invalid WKB geometry"),
    ("no-magic", _gpkg(4326, b"XX\x00\x01\xe6\x10\x00\x00" + KAUNAS_WKB),
     "not a GeoPackage geometry blob (no 'GP' magic)"),
    ("bad-envelope", _gpkg(4326, b"GP\x00\x0b\xe6\x10\x00\x00" + KAUNAS_WKB),
     "invalid envelope indicator 5"),
    ("gpkg-out-of-range", _gpkg(4326, gp_blob(shapely.Point(5298180.0, 3613007.0), 4326)),
     "table 't', feature 1: coordinates out of range"),
    ("unknown-srs", _gpkg(901, gp_blob(shapely.Point(1, 2), 901)),
     "table 't': unknown CRS (srs_id 901, organization 'NONE' 901)"),
    ("undefined-srs", _gpkg(-1, gp_blob(shapely.Point(1, 2), -1)),
     "its CRS is undefined (srs_id -1"),
    ("missing", lambda tmp: tmp / "nowhere.geojson", "nowhere.geojson: no such file"),
]  # fmt: skip


@pytest.mark.parametrize(("make", "words"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_input_is_refused_with_its_reason_and_changes_nothing(
        tmp_path: Path, make: Callable[[Path], Path], words: str) -> None:
    folder = tmp_path / "lib"
    geolayers.import_file(SAMPLE, folder)
    before = snapshot(folder)
    path = make(tmp_path)
    with pytest.raises(LayerError) as caught:
        geolayers.import_file(path, folder)
    assert str(path) in str(caught.value) and words in str(caught.value)
    assert snapshot(folder) == before
    # And into an empty library: the folder is not even created.
    with pytest.raises(LayerError):
        geolayers.import_file(path, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_the_size_guards_name_the_numbers(tmp_path: Path) -> None:
    size = SAMPLE.stat().st_size
    with pytest.raises(LayerError, match=f"{size:,} bytes is over the limit of 1,000 bytes"):
        geolayers.import_file(SAMPLE, tmp_path, max_bytes=1000)
    with pytest.raises(LayerError, match="more than 20 vertices"):
        geolayers.import_file(SAMPLE, tmp_path, max_vertices=20)
    assert geolayers.import_file(SAMPLE, tmp_path, max_vertices=23)[0].vertices == 23
    line = shapely.LineString([(24.0 + i / 100, 55.0) for i in range(30)])
    path = make_gpkg(tmp_path / "long.gpkg", {"t": (4326, [(gp_blob(line, 4326), "", "", 0)])})
    with pytest.raises(LayerError, match="more than 29 vertices"):
        geolayers.import_file(path, tmp_path, max_vertices=29)
    assert geolayers.MAX_BYTES == 200_000_000 and geolayers.MAX_VERTICES == 2_000_000
    assert [i.vertices for i in geolayers.list_layers(tmp_path)] == [23]


# --- the command line --------------------------------------------------------------------


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_import_list_remove(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    where = ("--layers-dir", str(tmp_path / "lib"))
    code, out, err = run(capsys, "layers", "import", str(SAMPLE), "--name", "Roads", *where)
    assert code == 0 and err == ""
    layer_id = out.split()[0]
    assert out == f"{layer_id}  Roads: 3 lines from lt-main-roads.geojson\n"

    code, out, _ = run(capsys, "layers", "list", *where)
    assert code == 0 and out.startswith(f"{layer_id}  Roads: 3 lines, 23 vertices, from ")
    code, out, _ = run(capsys, "layers", "list", "--json", *where)
    [listed] = json.loads(out)
    assert listed["id"] == layer_id and listed["features"] == 3 and listed["visible"] is True

    code, out, err = run(capsys, "layers", "remove", "Roads", *where)
    assert code == 0 and out == "removed Roads\n"
    code, out, _ = run(capsys, "layers", "list", *where)
    assert out == "no layers imported\n"
    code, out, err = run(capsys, "layers", "remove", layer_id, *where)
    assert code == EXIT_BAD_INPUT and out == "" and f"no layer '{layer_id}'" in err


def test_cli_refuses_bad_files_on_one_line(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    bad = write_json(tmp_path / "bad.geojson", collection(feature({"type": "Point",
                                                                  "coordinates": [200, 55]})))
    code, out, err = run(capsys, "layers", "import", str(bad), "--layers-dir",
                         str(tmp_path / "lib"))
    assert code == EXIT_BAD_INPUT and out == "" and err.count("\n") == 1
    assert "feature 1: coordinates out of range" in err and "nothing was imported" in err
    assert not (tmp_path / "lib").exists()


def test_cli_defaults_to_the_user_data_folder(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "layers", "import", str(SAMPLE))[0] == 0
    folder = paths.data_dir() / "layers"
    assert geolayers.default_folder() == folder
    assert [i.source for i in geolayers.list_layers(folder)] == ["lt-main-roads.geojson"]
