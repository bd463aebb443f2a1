"""Drawing a route: snapping to critical points and corridors, legs along the corridors,
and the geodesic measure."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import shapely

from app.core import mapdata
from app.core.geography import GEOD
from app.core.route_edit import CORRIDOR, FREE, POINT, RouteDrawing, measure
from app.core.store import Store


@pytest.fixture(scope="module")
def drawing(demo_path: Path) -> RouteDrawing:
    with Store.open(demo_path) as store:
        return RouteDrawing(store)


def _point(demo_path: Path, name_part: str) -> dict:
    with Store.open(demo_path) as store:
        return next(r for r in store.rows("critical_points") if name_part in r["name"])


def test_a_click_near_a_crossing_snaps_onto_it(drawing: RouteDrawing, demo_path: Path) -> None:
    kalvarija = _point(demo_path, "Kalvarija")
    lon, lat = kalvarija["position"]
    # About 1.1 km north-east of the crossing.
    wp = drawing.snap(lon + 0.01, lat + 0.007, tolerance_m=2000)
    assert (wp.snapped, wp.point_id) == (POINT, kalvarija["id"])
    assert (wp.lon, wp.lat) == (lon, lat)


def test_a_click_beside_a_corridor_snaps_onto_its_line(drawing: RouteDrawing,
                                                       demo_path: Path) -> None:
    with Store.open(demo_path) as store:
        via = next(r for r in store.rows("corridors") if r["name"] == "Via Baltica")
    x, y = mapdata.project([p[0] for p in via["geometry"]], [p[1] for p in via["geometry"]])
    line = shapely.LineString(np.column_stack([x, y]))
    # Half-way along one of its legs far from any point, 1.5 km to the side.
    mid = line.interpolate(0.37, normalized=True)
    lon, lat = (float(v) for v in mapdata.unproject(mid.x + 1500.0, mid.y))
    wp = drawing.snap(lon, lat, tolerance_m=2500)
    assert wp.snapped in (CORRIDOR, POINT)
    sx, sy = (float(v) for v in mapdata.project(wp.lon, wp.lat))
    if wp.snapped == CORRIDOR:
        assert line.distance(shapely.Point(sx, sy)) < 1.0


def test_a_click_far_from_everything_stays_where_it_is(drawing: RouteDrawing) -> None:
    wp = drawing.snap(21.5, 55.9, tolerance_m=1000)  # open fields in western Lithuania
    assert (wp.snapped, wp.lon, wp.lat) == (FREE, 21.5, 55.9)


def test_legs_between_snapped_waypoints_follow_the_corridor(drawing: RouteDrawing,
                                                            demo_path: Path) -> None:
    start = drawing.snap(*_point(demo_path, "Kalvarija")["position"], tolerance_m=500)
    end = drawing.snap(*_point(demo_path, "Gauja bridge")["position"], tolerance_m=500)
    route = drawing.route([start, end])
    assert route[0] == start.lonlat() and route[-1] == end.lonlat()
    assert len(route) > 5  # through the Via Baltica's towns, not a straight line
    straight = GEOD.inv(start.lon, start.lat, end.lon, end.lat)[2]
    length, _ = measure(route)
    assert straight < length < 1.4 * straight


def test_a_free_waypoint_makes_a_straight_leg(drawing: RouteDrawing) -> None:
    a = drawing.snap(21.5, 55.9, tolerance_m=100)
    b = drawing.snap(21.7, 55.95, tolerance_m=100)
    assert drawing.route([a, b]) == [a.lonlat(), b.lonlat()]
    assert drawing.route([]) == []


def test_measure_agrees_with_pyproj() -> None:
    line = [(25.28, 54.69), (23.90, 54.90), (21.13, 55.71)]  # Vilnius, Kaunas, Klaipėda
    total, legs = measure(line)
    assert total == pytest.approx(GEOD.line_length([p[0] for p in line],
                                                   [p[1] for p in line]), abs=1e-6)
    assert len(legs) == 2 and sum(legs) == pytest.approx(total)
    assert measure(line[:1]) == (0.0, [])
