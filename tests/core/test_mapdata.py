"""The map's data: projection, base map, critical points and routes from the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Transformer

from app.core import mapdata
from app.core.store import Store


def test_projection_origin_and_a_known_place() -> None:
    # EPSG:3035's natural origin (10°E, 52°N) sits at its false easting and northing.
    x, y = mapdata.project(10.0, 52.0)
    assert (float(x), float(y)) == pytest.approx((4321000.0, 3210000.0), abs=1e-6)
    vilnius = (25.2797, 54.6872)
    expected = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True).transform(*vilnius)
    assert tuple(map(float, mapdata.project(*vilnius))) == pytest.approx(expected, abs=1e-3)
    rounded = (5298180.0, 3613007.0)
    assert tuple(map(float, mapdata.project(*vilnius))) == pytest.approx(rounded, abs=1.0)


def test_projection_is_vectorised_and_reversible() -> None:
    lon, lat = np.array([21.0, 24.1, 27.5]), np.array([55.0, 56.9, 59.4])
    x, y = mapdata.project(lon, lat)
    assert x.shape == y.shape == (3,)
    back_lon, back_lat = mapdata.unproject(x, y)
    np.testing.assert_allclose(back_lon, lon, atol=1e-9)
    np.testing.assert_allclose(back_lat, lat, atol=1e-9)


def test_base_map_holds_lithuania_with_its_label_inside() -> None:
    base = mapdata.base_map()
    assert base is mapdata.base_map()  # projected once
    assert {"LT", "LV", "EE", "PL"} <= set(base.codes)
    rings = base.rings["LT"]
    assert rings and all(r.shape[1] == 2 and len(r) >= 4 for r in rings)
    outline = shapely.Polygon(max(rings, key=len))
    assert outline.contains(shapely.Point(*mapdata.project(25.2797, 54.6872)))
    label = shapely.Point(*base.labels["LT"])
    assert shapely.MultiPolygon([shapely.Polygon(r) for r in rings]).buffer(1).contains(label)


def test_points_and_routes_from_the_demo(demo_path: Path) -> None:
    store = Store.open(demo_path)
    try:
        pts = mapdata.points(store)
        assert len(pts) == store.count("critical_points")
        assert len(pts.x) == len(pts.y) == len(pts.kind) == len(pts.name) == len(pts.mlc)
        xmin, ymin, xmax, ymax = mapdata.bounds(9.0, 51.0, 33.0, 61.5)
        assert np.all((pts.x > xmin) & (pts.x < xmax) & (pts.y > ymin) & (pts.y < ymax))
        routes = mapdata.routes(store)
        assert len(routes) == store.count("movements")
        assert all(len(r.x) == len(r.y) for r in routes)
        assert {r.status for r in routes} >= {"planned", "completed"}
    finally:
        store.close()


def test_joined_breaks_between_lines() -> None:
    a = (np.array([0.0, 1.0, 2.0]), np.array([0.0, 0.0, 0.0]))
    b = (np.array([5.0, 6.0]), np.array([1.0, 1.0]))
    x, y, connect = mapdata.joined([a, (np.empty(0), np.empty(0)), b])
    assert len(x) == len(y) == 5
    assert connect.tolist() == [True, True, False, True, False]
