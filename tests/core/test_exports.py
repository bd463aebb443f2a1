"""The map and table exports (GeoJSON, GeoPackage, KML, CSV) and `movcon export`, on the demo."""

from __future__ import annotations

import csv
import io
import json
import shutil
import sqlite3
import struct
import subprocess
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest
import shapely

from app.cli import EXIT_BAD_INPUT, main
from app.core import timefmt
from app.core.exports import csv_tables, geojson, gpkg, kml
from app.core.planning.model import Conflict, MovementPlan
from app.core.planning.planner import Planner
from app.core.store import Store
from tests.conftest import DEMO_NOW

MARK = "NATO RESTRICTED"
K = f"{{{kml.NS}}}"


@dataclass
class Demo:
    store: Store
    plans: dict[str, MovementPlan]
    conflicts: list[Conflict]
    records: dict[str, dict]
    points: dict[str, dict]


@pytest.fixture(scope="module")
def db(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exports") / "demo.db"
    shutil.copy(demo_path, path)
    return path


@pytest.fixture(scope="module")
def demo(db: Path) -> Iterator[Demo]:
    with Store.open(db) as store:
        planner = Planner(store)
        planner.plan_all()
        plans = {m: p for m in planner.movement_ids() if (p := planner.plan(m))}
        yield Demo(store, plans, planner.conflicts(),
                   {r["id"]: r for r in store.rows("movements")},
                   {r["id"]: r for r in store.rows("critical_points")})


def _two_in_conflict(d: Demo) -> list[str]:
    """Two movements of which one is in a conflict (so the filtered conflicts are not empty)."""
    first = d.conflicts[0].movements[0]
    other = next(m for m in sorted(d.plans) if m not in d.conflicts[0].movements)
    return [first, other]


def _flat(positions: Iterable[Sequence[float]]) -> list[float]:
    """lon, lat, lon, lat, ...: positions in order, for one approximate comparison."""
    return [float(v) for position in positions for v in position]


def _wanted_points(d: Demo, chosen: list[str]) -> set[str]:
    return {p.point.id for m in chosen for p in d.plans[m].route.points}


def _wanted_conflicts(d: Demo, chosen: list[str]) -> list[Conflict]:
    return [c for c in d.conflicts if set(c.movements) & set(chosen)]


def test_the_demo_has_what_the_exports_show(demo: Demo) -> None:
    assert len(demo.plans) > 10 and len(demo.points) > 10 and demo.conflicts
    assert all(len(r["route"]) >= 2 for r in demo.records.values())


# -- GeoJSON ----------------------------------------------------------------------------
def _by_layer(collection: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {layer: [] for layer in geojson.LAYERS}
    for feature in collection["features"]:
        out[feature["properties"]["layer"]].append(feature)
    return out


def test_geojson_holds_routes_points_and_conflicts_in_lon_lat(demo: Demo) -> None:
    data = geojson.plans_geojson(demo.store, demo.plans, demo.conflicts, marking=MARK)
    collection = json.loads(data.decode("utf-8"))
    assert collection["type"] == "FeatureCollection"
    assert collection["classification"] == MARK
    found = _by_layer(collection)
    assert {f["properties"]["id"] for f in found["routes"]} == set(demo.plans)
    assert {f["properties"]["id"] for f in found["critical_points"]} == set(demo.points)
    assert len(found["conflicts"]) == len(demo.conflicts)
    for feature in found["routes"]:
        p = feature["properties"]
        record, plan = demo.records[p["id"]], demo.plans[p["id"]]
        line = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert line.geom_type == "LineString"
        assert _flat(line.coords) == pytest.approx(_flat(record["route"]), abs=1e-6)
        assert (p["name"], p["owner"], p["status"], p["priority"], p["depart"]) == (
            record["name"], record["owner"], record["status"], record["priority"],
            record["depart"])
        assert p["length_km"] == pytest.approx(plan.route.length_km, abs=1e-3)
    for feature in found["critical_points"]:
        p = feature["properties"]
        record = demo.points[p["id"]]
        point = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert (point.x, point.y) == pytest.approx(tuple(record["position"]))  # lon, lat
        assert (p["name"], p["kind"], p["nation"], p["mlc_tracked"], p["mlc_wheeled"]) == (
            record["name"], record["kind"], record["nation"], record["mlc_tracked"],
            record["mlc_wheeled"])
    for feature, conflict in zip(found["conflicts"], sorted(
            demo.conflicts, key=lambda c: (c.start, c.point_id, c.movements)), strict=True):
        p = feature["properties"]
        assert feature["geometry"]["coordinates"] == pytest.approx(
            demo.points[conflict.point_id]["position"])
        assert p["point"] == conflict.point and p["reason"] == conflict.reason
        assert p["start"] == timefmt.iso(conflict.start)
        assert p["end"] == timefmt.iso(conflict.end)
        assert p["movements"] == "; ".join(demo.records[m]["name"] for m in conflict.movements)
    # Latitudes in the Baltic, longitudes east of Greenwich: not swapped anywhere.
    everything = shapely.from_geojson(data.decode("utf-8"))
    min_x, min_y, max_x, max_y = everything.bounds
    assert 0 < min_x < max_x < 40 and 45 < min_y < max_y < 70


def test_geojson_without_a_marking_has_no_classification(demo: Demo) -> None:
    collection = json.loads(geojson.plans_geojson(demo.store, demo.plans, demo.conflicts))
    assert "classification" not in collection
    blank = json.loads(geojson.plans_geojson(demo.store, demo.plans, demo.conflicts,
                                             marking="  "))
    assert "classification" not in blank


def test_geojson_of_chosen_movements(demo: Demo) -> None:
    chosen = _two_in_conflict(demo)
    found = _by_layer(json.loads(geojson.plans_geojson(
        demo.store, demo.plans, demo.conflicts, movement_ids=[*chosen, chosen[0]])))
    assert sorted(f["properties"]["id"] for f in found["routes"]) == sorted(chosen)
    assert {f["properties"]["id"] for f in found["critical_points"]} \
        == _wanted_points(demo, chosen)  # fmt: skip
    assert len(found["conflicts"]) == len(_wanted_conflicts(demo, chosen)) >= 1
    assert len(found["critical_points"]) < len(demo.points)


def test_bad_choices_and_markings_are_refused(demo: Demo) -> None:
    args = (demo.store, demo.plans, demo.conflicts)
    for write in (geojson.plans_geojson, gpkg.plans_gpkg, kml.plans_kml):
        with pytest.raises(ValueError, match="no movement 'nope'"):
            write(*args, movement_ids=["nope"])
        some = sorted(demo.plans)[0]
        without = {m: p for m, p in demo.plans.items() if m != some}
        with pytest.raises(ValueError, match="has no plan"):
            write(demo.store, without, demo.conflicts, movement_ids=[some])
        with pytest.raises(ValueError, match="one line"):
            write(*args, marking="SECRET\nREL TO ALL")
    with pytest.raises(ValueError, match="one line"):
        csv_tables.march_tables_csv(demo.store, demo.plans, marking="A\tB")


# -- GeoPackage -------------------------------------------------------------------------
def _gpkg_file(demo: Demo, tmp_path: Path, marking: str | None = MARK) -> Path:
    path = tmp_path / "plans.gpkg"
    path.write_bytes(gpkg.plans_gpkg(demo.store, demo.plans, demo.conflicts, marking=marking,
                                     at=DEMO_NOW))
    return path


def test_the_geopackage_tables_follow_the_standard(demo: Demo, tmp_path: Path) -> None:
    path = _gpkg_file(demo, tmp_path)
    head = path.read_bytes()[:100]
    assert head.startswith(b"SQLite format 3\x00")
    assert head[68:72] == b"GPKG"  # application_id, big-endian in the header
    assert struct.unpack(">i", head[60:64])[0] == 10300  # user_version
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        srs = dict(conn.execute("SELECT srs_id, organization FROM gpkg_spatial_ref_sys"))
        assert srs == {-1: "NONE", 0: "NONE", 4326: "EPSG"}
        contents = {r[0]: r[1:] for r in conn.execute(
            "SELECT table_name, data_type, srs_id, description, last_change FROM gpkg_contents")}
        assert contents["movcon_marking"][0] == "attributes"
        for layer in geojson.LAYERS:
            data_type, srs_id, description, changed = contents[layer]
            assert (data_type, srs_id) == ("features", 4326)
            assert description.endswith(f" — {MARK}")
            assert changed == "2026-06-09T11:00:00.000Z"
        columns = set(conn.execute("SELECT table_name, column_name, geometry_type_name, "
                                   "srs_id, z, m FROM gpkg_geometry_columns"))
        assert columns == {("routes", "geom", "LINESTRING", 4326, 0, 0),
                           ("critical_points", "geom", "POINT", 4326, 0, 0),
                           ("conflicts", "geom", "POINT", 4326, 0, 0)}
        assert conn.execute("SELECT marking FROM movcon_marking").fetchall() == [(MARK,)]
    finally:
        conn.close()


def test_the_geopackage_features_and_geometries(demo: Demo, tmp_path: Path) -> None:
    conn = sqlite3.connect(f"file:{_gpkg_file(demo, tmp_path)}?mode=ro", uri=True)
    try:
        routes = conn.execute("SELECT id, geom, length_km, depart FROM routes").fetchall()
        assert {r[0] for r in routes} == set(demo.plans)
        for movement_id, blob, length_km, depart in routes:
            magic, version, flags, srs_id, min_x, max_x, min_y, max_y = struct.unpack(
                "<2sBBi4d", blob[:40])
            assert (magic, version, flags, srs_id) == (b"GP", 0, 0b11, 4326)
            line = shapely.from_wkb(blob[40:])
            route = demo.records[movement_id]["route"]
            assert _flat(line.coords) == pytest.approx(_flat(route), abs=1e-6)
            assert (min_x, min_y, max_x, max_y) == pytest.approx(line.bounds)
            assert length_km == pytest.approx(demo.plans[movement_id].route.length_km, abs=1e-3)
            assert depart == timefmt.parse_utc(demo.records[movement_id]["depart"]).strftime(
                "%Y-%m-%dT%H:%M:%S.000Z")
        points = dict(conn.execute("SELECT id, geom FROM critical_points"))
        assert set(points) == set(demo.points)
        for point_id, blob in points.items():
            point = shapely.from_wkb(blob[40:])
            assert (point.x, point.y) == pytest.approx(tuple(demo.points[point_id]["position"]))
        assert conn.execute("SELECT count(*) FROM conflicts").fetchone() == (
            len(demo.conflicts),)
    finally:
        conn.close()


def test_a_geopackage_without_a_marking_has_an_empty_marking_table(
        demo: Demo, tmp_path: Path) -> None:
    conn = sqlite3.connect(f"file:{_gpkg_file(demo, tmp_path, None)}?mode=ro", uri=True)
    try:
        assert conn.execute("SELECT count(*) FROM movcon_marking").fetchone() == (0,)
        descriptions = [r[0] for r in conn.execute(
            "SELECT description FROM gpkg_contents WHERE data_type = 'features'")]
        assert descriptions and not any("—" in d for d in descriptions)
    finally:
        conn.close()


@pytest.mark.skipif(shutil.which("ogrinfo") is None,
                    reason="needs GDAL's ogrinfo (Debian: apt-get install gdal-bin)")
def test_gdal_reads_the_geopackage(demo: Demo, tmp_path: Path) -> None:
    path = _gpkg_file(demo, tmp_path)
    done = subprocess.run(["ogrinfo", "-ro", "-al", "-so", str(path)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "using driver `GPKG' successful" in done.stdout
    counts = dict(zip([line.split(": ", 1)[1] for line in done.stdout.splitlines()
                       if line.startswith("Layer name: ")],
                      [int(line.split(": ", 1)[1]) for line in done.stdout.splitlines()
                       if line.startswith("Feature Count: ")], strict=True))
    assert counts == {"routes": len(demo.plans), "critical_points": len(demo.points),
                      "conflicts": len(demo.conflicts), "movcon_marking": 1}
    assert "Geometry: Line String" in done.stdout and "Geometry: Point" in done.stdout
    assert "ID[\"EPSG\",4326]" in done.stdout
    # Every value read without a complaint (dates in the form GDAL expects, say).
    full = subprocess.run(["ogrinfo", "-ro", "-al", str(path)], capture_output=True,
                          text=True, timeout=120, check=False)
    assert full.returncode == 0
    assert "Warning" not in full.stderr + full.stdout and "ERROR" not in full.stderr
    assert f"marking (String) = {MARK}" in full.stdout


# -- KML --------------------------------------------------------------------------------
def _folders(root: ET.Element) -> dict[str, list[ET.Element]]:
    doc = root.find(f"{K}Document")
    assert doc is not None
    return {f.findtext(f"{K}name"): f.findall(f"{K}Placemark") for f in doc.findall(f"{K}Folder")}


def _coords(text: str | None) -> list[list[float]]:
    assert text
    return [[float(v) for v in pair.split(",")] for pair in text.split()]


def test_kml_holds_the_layers_in_folders(demo: Demo) -> None:
    data = kml.plans_kml(demo.store, demo.plans, demo.conflicts, marking=MARK)
    assert data.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    root = ET.fromstring(data)
    assert root.tag == f"{K}kml"
    doc = root.find(f"{K}Document")
    assert doc is not None
    assert doc.findtext(f"{K}name") == f"{MARK} — MovCon plans"
    assert (doc.findtext(f"{K}description") or "").startswith(MARK)
    styles = {s.get("id") for s in doc.findall(f"{K}Style")}
    folders = _folders(root)
    assert list(folders) == ["Routes", "Critical points", "Conflicts"]
    assert len(folders["Routes"]) == len(demo.plans)
    assert len(folders["Critical points"]) == len(demo.points)
    assert len(folders["Conflicts"]) == len(demo.conflicts)
    for mark in folders["Routes"]:
        movement_id = (mark.get("id") or "").removeprefix("route-")
        record = demo.records[movement_id]
        assert mark.findtext(f"{K}name") == record["name"]
        assert mark.findtext(f"{K}styleUrl") == f"#status-{record['status']}"
        assert _flat(_coords(mark.findtext(f"{K}LineString/{K}coordinates"))) \
            == pytest.approx(_flat(record["route"]), abs=1e-6)  # fmt: skip
        forecast = demo.plans[movement_id].forecast.serials
        assert mark.findtext(f"{K}TimeSpan/{K}begin") == timefmt.iso(forecast[0].start)
    for mark in folders["Critical points"]:
        record = demo.points[(mark.get("id") or "").removeprefix("point-")]
        assert _coords(mark.findtext(f"{K}Point/{K}coordinates")) \
            == [pytest.approx(record["position"])]  # fmt: skip
    for mark in [*folders["Routes"], *folders["Critical points"], *folders["Conflicts"]]:
        assert (mark.findtext(f"{K}styleUrl") or "").removeprefix("#") in styles


def test_kml_colours_are_aabbggrr(demo: Demo) -> None:
    assert kml.kml_colour("#2463b0") == "ffb06324"
    root = ET.fromstring(kml.plans_kml(demo.store, demo.plans, demo.conflicts))
    doc = root.find(f"{K}Document")
    assert doc is not None
    assert doc.findtext(f"{K}name") == "MovCon plans"
    planned = next(s for s in doc.findall(f"{K}Style") if s.get("id") == "status-planned")
    assert planned.findtext(f"{K}LineStyle/{K}color") == "ffb06324"


def test_kml_of_chosen_movements(demo: Demo) -> None:
    chosen = _two_in_conflict(demo)
    folders = _folders(ET.fromstring(kml.plans_kml(demo.store, demo.plans, demo.conflicts,
                                                   movement_ids=chosen)))
    assert sorted((m.get("id") or "")[6:] for m in folders["Routes"]) == sorted(chosen)
    assert len(folders["Critical points"]) == len(_wanted_points(demo, chosen))
    assert len(folders["Conflicts"]) == len(_wanted_conflicts(demo, chosen))


# -- CSV march tables -------------------------------------------------------------------
def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM that tells Excel it is UTF-8
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_csv_has_a_row_per_serial_per_station(demo: Demo) -> None:
    rows = _csv_rows(csv_tables.march_tables_csv(demo.store, demo.plans, marking=MARK))
    assert rows[0] == [f"# {MARK}"]
    assert tuple(rows[1]) == csv_tables.HEADER
    body = rows[2:]
    timed = [m for m, p in demo.plans.items() if p.forecast.serials]
    assert len(body) == sum(len(demo.plans[m].forecast.rows) for m in timed)
    assert {r[1] for r in body} == set(timed)
    by_movement: dict[str, list[list[str]]] = {}
    for row in body:
        by_movement.setdefault(row[1], []).append(row)
    for movement_id, got in by_movement.items():
        expected = demo.plans[movement_id].forecast.rows
        for row, march in zip(got, expected, strict=True):
            assert row[0] == demo.records[movement_id]["name"]
            assert int(row[2]) == march.serial and row[3] == march.point
            assert row[4] == (march.point_id or "")
            assert float(row[5]) == pytest.approx(march.km, abs=0.05)
            assert timefmt.parse_utc(row[6]) == march.head_arrive.replace(microsecond=0)
            assert timefmt.parse_utc(row[7]) == march.tail_clear.replace(microsecond=0)
    starts = [demo.plans[m].forecast.serials[0].start for m in by_movement]
    assert starts == sorted(starts)  # movements by forecast start


def test_csv_without_a_marking_starts_with_the_header(demo: Demo) -> None:
    chosen = sorted(demo.plans)[:1]
    rows = _csv_rows(csv_tables.march_tables_csv(demo.store, demo.plans, chosen))
    assert tuple(rows[0]) == csv_tables.HEADER
    assert len(rows) - 1 == len(demo.plans[chosen[0]].forecast.rows)
    with pytest.raises(ValueError, match="no movement 'nope'"):
        csv_tables.march_tables_csv(demo.store, demo.plans, ["nope"])


# -- movcon export ----------------------------------------------------------------------
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "csv"])
def test_the_command_writes_each_format(fmt: str, db: Path, demo: Demo, tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"plans.{fmt}"
    argv = ["--db", str(db), "export", "--format", fmt, "--out", str(out)]
    assert main([*argv, "--marking", MARK]) == 0
    assert f"wrote {len(demo.plans)} movements ({fmt}) to {out}" in capsys.readouterr().out
    data = out.read_bytes()
    if fmt == "geojson":
        collection = json.loads(data)
        assert collection["classification"] == MARK
        assert len(_by_layer(collection)["routes"]) == len(demo.plans)
    elif fmt == "gpkg":
        conn = sqlite3.connect(f"file:{out}?mode=ro", uri=True)
        try:
            assert conn.execute("SELECT count(*) FROM routes").fetchone() == (len(demo.plans),)
            assert conn.execute("SELECT marking FROM movcon_marking").fetchall() == [(MARK,)]
        finally:
            conn.close()
    elif fmt == "kml":
        assert len(_folders(ET.fromstring(data))["Routes"]) == len(demo.plans)
    else:
        assert _csv_rows(data)[0] == [f"# {MARK}"]
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]  # no temp file left
    chosen = _two_in_conflict(demo)
    assert main([*argv, "--movement", chosen[0], "--movement", chosen[1]]) == 0
    assert "wrote 2 movements" in capsys.readouterr().out
    if fmt == "geojson":
        collection = json.loads(out.read_bytes())
        assert "classification" not in collection
        assert len(_by_layer(collection)["routes"]) == 2


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "csv"])
def test_bad_input_writes_nothing(fmt: str, db: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / f"plans.{fmt}"
    out.write_bytes(b"old")
    argv = ["--db", str(db), "export", "--format", fmt, "--out", str(out)]
    assert main([*argv, "--movement", "no-such-id"]) == EXIT_BAD_INPUT
    assert "no movement 'no-such-id'" in capsys.readouterr().err
    assert main([*argv, "--marking", "SECRET\nREL"]) == EXIT_BAD_INPUT
    assert "--marking: the marking must be one line" in capsys.readouterr().err
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]


def test_the_calendar_carries_the_marking_on_every_event(db: Path, tmp_path: Path) -> None:
    import icalendar

    out = tmp_path / "plans.ics"
    argv = ["--db", str(db), "export", "--format", "ics", "--out", str(out)]
    assert main([*argv, "--marking", MARK]) == 0
    calendar = icalendar.Calendar.from_ical(out.read_bytes())
    assert str(calendar["x-movcon-marking"]) == MARK
    events = list(calendar.walk("VEVENT"))
    assert events and all(str(e["summary"]).startswith(f"{MARK}: ") for e in events)
    assert all(str(e["description"]).startswith(MARK) for e in events)
    assert main(argv) == 0  # unmarked when none is asked for
    plain = icalendar.Calendar.from_ical(out.read_bytes())
    assert "x-movcon-marking" not in plain
    assert not any(str(e["summary"]).startswith(MARK) for e in plain.walk("VEVENT"))
