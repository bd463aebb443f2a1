"""Consistency of the shipped reference data: countries, nations, places and corridors.

Distances are measured on a local flat approximation (kilometres east and north around
the point in question), which is accurate to well under 1 % for the few-kilometre
tolerances used here.
"""

from __future__ import annotations

import json
import math
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

RESOURCES = Path(__file__).parents[2] / "resources"
COUNTRIES = RESOURCES / "geo" / "countries.geojson"
REFERENCE = RESOURCES / "reference"

BMMA = {"LT", "LV", "EE"}
CSEM = {"BE", "CZ", "DE", "LU", "NL", "PL", "SK", "LT"}
SENDERS = {"US", "GB", "FI", "SE", "DK", "NO", "FR"}
ALL_CODES = BMMA | CSEM | SENDERS
# Agreement members whose territory lies inside the regional box of countries.geojson.
REGIONAL_MEMBERS = {"LT", "LV", "EE", "PL", "DE"}
NEIGHBOURS = {"BY", "RU", "FI", "SE", "DK", "NO"}

KINDS = {
    "road_crossing", "rail_crossing", "bridge", "tunnel", "port", "airfield",
    "gauge_transfer", "staging_area", "rest_point", "garrison",
}  # fmt: skip
CROSSINGS = {"road_crossing", "rail_crossing"}
RAIL_KINDS = {"rail_crossing", "gauge_transfer"}
PLACE_FIELDS = {
    "key", "name", "kind", "nation", "border_with", "lat", "lon", "capacity_per_hour",
    "slots_per_day", "exclusive", "mlc_tracked", "mlc_wheeled", "max_width_m",
    "max_height_m", "max_weight_t", "gauges_mm", "dg_banned", "designator",
    "restrictions", "source",
}  # fmt: skip
ADR_CLASSES = {
    "1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2", "2.1", "2.2", "2.3", "3",
    "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9",
}  # fmt: skip
# The places named in the domain notes; their keys are stable and must stay.
DOMAIN_PLACES = {
    "budzisko-kalvarija", "salociai-grenctale", "kalviai-meitene", "ainazi-ikla",
    "valka-valga", "valga-rail", "sestokai", "klaipeda-port", "riga-freeport",
    "paldiski-south-harbour", "siauliai-air-base", "lielvarde-air-base", "amari-air-base",
    "tapa", "adazi", "rukla",
}  # fmt: skip
E67_CROSSINGS = ("budzisko-kalvarija", "salociai-grenctale", "ainazi-ikla")
TALLINN = (24.75, 59.44)  # lon, lat of the city centre
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

KM_PER_DEG_LAT = 110.574
KM_PER_DEG_LON_EQUATOR = 111.320


def _load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


@cache
def countries() -> dict[str, BaseGeometry]:
    collection = _load(COUNTRIES)
    return {f["properties"]["iso_a2"]: shape(f["geometry"]) for f in collection["features"]}


@cache
def nations() -> list[dict[str, Any]]:
    return _load(REFERENCE / "nations.json")


@cache
def places() -> list[dict[str, Any]]:
    return _load(REFERENCE / "places.json")


@cache
def corridors() -> list[dict[str, Any]]:
    return _load(REFERENCE / "corridors.geojson")["features"]


def place(key: str) -> dict[str, Any]:
    return next(p for p in places() if p["key"] == key)


def point(p: dict[str, Any]) -> Point:
    return Point(p["lon"], p["lat"])


def km(geom: BaseGeometry, lon0: float, lat0: float) -> BaseGeometry:
    """`geom` in kilometres on a flat approximation centred on (lon0, lat0)."""
    kx = KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))

    def to_km(coords: np.ndarray) -> np.ndarray:
        return (coords - np.array([lon0, lat0])) * np.array([kx, KM_PER_DEG_LAT])

    return shapely.transform(geom, to_km)


def distance_km(p: Point, geom: BaseGeometry) -> float:
    return km(p, p.x, p.y).distance(km(geom, p.x, p.y))


def shared_border(a: str, b: str) -> BaseGeometry:
    return countries()[a].boundary.intersection(countries()[b].boundary)


# --- countries ----------------------------------------------------------------------------


def test_countries_file_is_small_and_wgs84_lon_lat() -> None:
    assert COUNTRIES.stat().st_size < 2_000_000
    minx, miny, maxx, maxy = unary_union(list(countries().values())).bounds
    assert minx >= 9.0 and maxx <= 33.0 and miny >= 51.0 and maxy <= 61.5


def test_countries_have_real_codes() -> None:
    collection = _load(COUNTRIES)
    for feature in collection["features"]:
        props = feature["properties"]
        assert set(props) == {"iso_a2", "iso_a3", "name"}
        assert re.fullmatch(r"[A-Z]{2}", props["iso_a2"]), props
        assert re.fullmatch(r"[A-Z]{3}", props["iso_a3"]), props
        assert props["name"]
    codes = [f["properties"]["iso_a2"] for f in collection["features"]]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize("code", sorted(REGIONAL_MEMBERS | NEIGHBOURS))
def test_country_polygon_is_valid(code: str) -> None:
    geom = countries()[code]
    assert geom.geom_type in ("Polygon", "MultiPolygon")
    assert geom.is_valid and geom.area > 0


def test_kaliningrad_is_russian() -> None:
    assert countries()["RU"].contains(Point(20.51, 54.71))


@pytest.mark.parametrize("a,b", [("PL", "LT"), ("LT", "LV"), ("LV", "EE"), ("PL", "RU")])
def test_neighbours_share_one_border_line(a: str, b: str) -> None:
    line = shared_border(a, b)
    assert line.length > 0.5  # degrees; the borders are tens of kilometres long
    assert countries()[a].intersection(countries()[b]).area < 1e-9


# --- nations ------------------------------------------------------------------------------


def test_nations_codes() -> None:
    codes = [n["code"] for n in nations()]
    assert len(codes) == len(set(codes))
    assert codes == sorted(codes)
    assert all(re.fullmatch(r"[A-Z]{2}", c) for c in codes)
    assert all(re.fullmatch(r"[A-Z]{3}", n["alpha3"]) for n in nations())
    assert set(codes) >= ALL_CODES


def test_nations_agreements() -> None:
    members: dict[str, set[str]] = {"BMMA": set(), "CSEM": set()}
    for nation in nations():
        assert set(nation) == {"code", "alpha3", "name", "agreements"}
        for agreement in nation["agreements"]:
            members[agreement].add(nation["code"])
    assert members == {"BMMA": BMMA, "CSEM": CSEM}


def test_nations_match_the_map() -> None:
    by_code = {
        f["properties"]["iso_a2"]: f["properties"]["iso_a3"] for f in _load(COUNTRIES)["features"]
    }
    for nation in nations():
        if nation["code"] in by_code:
            assert by_code[nation["code"]] == nation["alpha3"]


# --- places -------------------------------------------------------------------------------


def test_places_fields_and_keys() -> None:
    keys = [p["key"] for p in places()]
    assert len(keys) == len(set(keys))
    assert set(keys) >= DOMAIN_PLACES
    codes = {n["code"] for n in nations()}
    for p in places():
        assert set(p) == PLACE_FIELDS, p["key"]
        assert SLUG.match(p["key"]), p["key"]
        assert p["kind"] in KINDS, p["key"]
        assert p["kind"] != "bridge", "bridges come with the demo data, not the reference"
        assert p["nation"] in codes, p["key"]
        assert p["name"] and p["source"], p["key"]
        assert isinstance(p["exclusive"], bool)
        assert isinstance(p["restrictions"], str)
        assert isinstance(p["dg_banned"], list)
        assert set(p["dg_banned"]) <= ADR_CLASSES, p["key"]
        assert round(p["lat"], 5) == p["lat"] and round(p["lon"], 5) == p["lon"]
        for field in ("capacity_per_hour", "slots_per_day"):
            assert p[field] is None or (isinstance(p[field], int) and p[field] > 0)


def test_crossings_name_the_other_nation() -> None:
    codes = {n["code"] for n in nations()}
    for p in places():
        if p["kind"] in CROSSINGS:
            assert p["border_with"] in codes and p["border_with"] != p["nation"], p["key"]
        else:
            assert p["border_with"] is None, p["key"]


def test_rail_points_have_gauges() -> None:
    for p in places():
        if p["kind"] in RAIL_KINDS:
            assert p["gauges_mm"] and set(p["gauges_mm"]) <= {1435, 1520}, p["key"]
            assert p["slots_per_day"], p["key"]
        if p["kind"] == "gauge_transfer":
            assert p["gauges_mm"] == [1435, 1520] and p["exclusive"], p["key"]
    assert place("valga-rail")["gauges_mm"] == [1520]


def test_airfields_have_icao_designators() -> None:
    expected = {"siauliai-air-base": "EYSA", "lielvarde-air-base": "EVGA", "amari-air-base": "EEEI"}
    for key, icao in expected.items():
        assert place(key)["designator"] == icao
    for p in places():
        if p["kind"] == "airfield":
            assert re.fullmatch(r"[A-Z]{4}", p["designator"]), p["key"]
    assert "5 working days" in place("amari-air-base")["restrictions"]


def test_road_points_have_scenario_capacities() -> None:
    for p in places():
        if p["kind"] == "road_crossing":
            assert 40 <= p["capacity_per_hour"] <= 120, p["key"]
        if p["kind"] == "rest_point":
            assert 30 <= p["capacity_per_hour"] <= 60, p["key"]
            assert "scenario" in p["source"], p["key"]


@pytest.mark.parametrize("key", [p["key"] for p in places()])
def test_place_lies_in_its_nation(key: str) -> None:
    p = place(key)
    where = point(p)
    if p["kind"] in CROSSINGS:
        assert distance_km(where, shared_border(p["nation"], p["border_with"])) <= 2.0
        pair = countries()[p["nation"]].union(countries()[p["border_with"]])
        assert distance_km(where, pair) <= 0.1  # not in a third country nor offshore
    elif p["kind"] == "port":
        assert distance_km(where, countries()[p["nation"]]) <= 1.0
    else:
        assert countries()[p["nation"]].contains(where)


# --- corridors ----------------------------------------------------------------------------


def line(feature: dict[str, Any]) -> LineString:
    return shape(feature["geometry"])


def corridor(key: str) -> dict[str, Any]:
    return next(f for f in corridors() if f["properties"]["key"] == key)


def test_corridor_properties() -> None:
    keys = [f["properties"]["key"] for f in corridors()]
    assert len(keys) == len(set(keys))
    place_keys = {p["key"] for p in places()}
    codes = {n["code"] for n in nations()}
    for feature in corridors():
        props = feature["properties"]
        assert SLUG.match(props["key"]), props["key"]
        assert props["name"] and props["kind"] in ("road", "rail")
        assert props["ref"] is None or isinstance(props["ref"], str)
        assert props["nations"] and set(props["nations"]) <= codes
        assert set(props["serves"]) <= place_keys, props["key"]
        assert feature["geometry"]["type"] == "LineString"
        coords = feature["geometry"]["coordinates"]
        assert len(coords) >= 2
        assert all(round(c, 5) == c for pair in coords for c in pair)
    assert corridor("rail-mockava-sestokai-kaunas")["properties"]["kind"] == "rail"


@pytest.mark.parametrize("key", [f["properties"]["key"] for f in corridors()])
def test_corridor_serves_its_places(key: str) -> None:
    feature = corridor(key)
    path = line(feature)
    for place_key in feature["properties"]["serves"]:
        p = place(place_key)
        limit = 0.001 if p["kind"] in CROSSINGS else 1.0
        assert distance_km(point(p), path) <= limit, place_key


@pytest.mark.parametrize("key", [f["properties"]["key"] for f in corridors()])
def test_corridor_stays_in_its_nations_in_order(key: str) -> None:
    feature = corridor(key)
    path = line(feature)
    claimed = feature["properties"]["nations"]
    territory = unary_union([countries()[c] for c in claimed])
    outside = path.difference(territory)
    lon0, lat0 = path.centroid.x, path.centroid.y
    assert km(outside, lon0, lat0).length < 0.05, f"{key} leaves {claimed}"

    # Walk the line and note each nation entered, in order.
    steps = max(2, int(km(path, lon0, lat0).length / 0.25))
    seen: list[str] = []
    for i in range(steps + 1):
        where = path.interpolate(i / steps, normalized=True)
        inside = [c for c in claimed if countries()[c].contains(where)]
        if inside and (not seen or seen[-1] != inside[0]):
            seen.append(inside[0])
    assert seen == claimed


def test_e67_runs_from_poland_to_tallinn_through_its_crossings() -> None:
    feature = corridor("e67-via-baltica")
    path = line(feature)
    coords = feature["geometry"]["coordinates"]
    assert countries()["PL"].contains(Point(coords[0]))
    assert distance_km(Point(coords[-1]), Point(TALLINN)) < 5.0
    vertices = {tuple(c) for c in coords}
    positions = []
    for key in E67_CROSSINGS:
        p = place(key)
        assert (p["lon"], p["lat"]) in vertices, key
        positions.append(path.project(point(p)))
    assert positions == sorted(positions), "E67 crossings out of order"
    assert set(E67_CROSSINGS) <= set(feature["properties"]["serves"])
    assert feature["properties"]["ref"] == "E67"
