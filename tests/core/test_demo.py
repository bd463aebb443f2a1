import itertools
from datetime import datetime
from pathlib import Path

import pytest
from shapely.geometry import LineString, Point

from app.core import geography
from app.core.demo import write
from app.core.domain.vocabulary import PERMIT_STATUSES
from app.core.store import Store
from tests.conftest import DEMO_NOW as NOW
from tests.conftest import DEMO_START as START


def test_enough_movements_nations_and_days(demo: Store) -> None:
    moves = list(demo.rows("movements"))
    assert len(moves) >= 30
    assert len({m["owner"] for m in moves}) >= 6
    days = {m["depart"][:10] for m in moves}
    assert 3 <= len(days) <= 5
    visited = {n for m in moves for n in geography.nations_along(m["route"])}
    assert {"PL", "LT", "LV", "EE"} <= visited
    assert not visited & {"RU", "BY"}


def test_every_domain_and_the_named_arrivals(demo: Store) -> None:
    points = {p["id"]: p for p in demo.rows("critical_points")}
    by_key = {p["key"]: p for p in points.values() if p["key"]}

    def ends_at(move: dict, key: str) -> bool:
        lon, lat = by_key[key]["position"]
        return geography.GEOD.inv(lon, lat, *move["route"][-1])[2] < 1000

    moves = list(demo.rows("movements"))
    assert any(m["domain"] == "sea" and ends_at(m, "paldiski-south-harbour") for m in moves)
    assert any(m["domain"] == "air" and ends_at(m, "siauliai-air-base") for m in moves)
    rail = [m for m in moves if m["domain"] == "rail"]
    sestokai = Point(by_key["sestokai"]["position"])
    assert rail and all(LineString(m["route"]).distance(sestokai) < 0.005 for m in rail)
    road_e67 = [m for m in moves if m["domain"] == "road"
                and LineString(m["route"]).distance(Point(by_key["ainazi-ikla"]["position"]))
                < 0.005]
    assert road_e67, "a road convoy crosses into Estonia on Via Baltica"


def test_permits_in_every_state(demo: Store) -> None:
    states = {p["status"] for p in demo.rows("permits")}
    assert states == set(PERMIT_STATUSES)


def test_heavy_convoy_crosses_a_bridge_rated_below_its_mlc(demo: Store) -> None:
    bridges = [p for p in demo.rows("critical_points") if p["kind"] == "bridge"]
    found = []
    for m in demo.rows("movements"):
        heaviest = max(v["mlc"] for s in demo.rows("serials", "movement_id = ?", (m["id"],))
                       for v in s["vehicles"])  # fmt: skip
        route = LineString(m["route"])
        for b in bridges:
            if route.distance(Point(b["position"])) < 0.001 and heaviest > b["mlc_wheeled"]:
                found.append((m["name"], b["name"]))
    assert ("Heavy armour to Ādaži (HET)", "Mūsa bridge, Bauska (E67/A7)") in found


def test_two_convoys_want_the_same_crossing_in_the_same_hour(demo: Store) -> None:
    crossing = next(p for p in demo.rows("critical_points") if p["key"] == "budzisko-kalvarija")
    at_crossing = []
    for m in demo.rows("movements"):
        route = m["route"]
        if LineString(route).distance(Point(crossing["position"])) > 0.002:
            continue
        # Head arrival: departure plus the distance to the crossing at the planned speed.
        upto = next(i for i, p in enumerate(route)
                    if geography.GEOD.inv(*p, *crossing["position"])[2] < 500)  # fmt: skip
        hours = geography.length_m(route[: upto + 1]) / 1000 / m["speed_kmh"] \
            if upto else 0.0
        at_crossing.append((datetime.fromisoformat(m["depart"][:-1]).timestamp() / 3600
                            + hours, m["name"]))
    at_crossing.sort()
    pairs = [(a, b) for a, b in itertools.pairwise(at_crossing)
             if b[0] - a[0] < 1.0]
    assert pairs, at_crossing


def test_demo_writes_nothing_when_the_file_exists(tmp_path: Path) -> None:
    path = tmp_path / "demo.db"
    path.write_text("mine")
    with pytest.raises(Exception, match="exists already"):
        write(path, start=START, now=NOW)
    assert path.read_text() == "mine"
