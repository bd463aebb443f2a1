"""Route analysis on the real reference geography and on hand-built routes."""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core import geography
from app.core.geography import GEOD
from app.core.planning.model import Point
from app.core.planning.network import Network
from app.core.planning.route import analyse, analyse_many, land_problem
from app.core.store import Store


@dataclass
class Reference:
    network: Network
    roads: geography.RoadNetwork
    by_key: dict[str, Point]
    key_of: dict[str, str]  # point id -> key

    def at(self, key: str) -> tuple[float, float]:
        point = self.by_key[key]
        return point.lon, point.lat


@pytest.fixture(scope="module")
def ref(tmp_path_factory: pytest.TempPathFactory, _template_store: Path) -> Reference:
    path = tmp_path_factory.mktemp("route") / "store.db"
    shutil.copy(_template_store, path)
    with Store.open(path) as store:
        records = list(store.rows("critical_points"))
        corridors = [c["geometry"] for c in store.rows("corridors") if c["kind"] == "road"]
        network = Network.from_store(store)
    by_key = {r["key"]: Point.from_record(r) for r in records if r["key"]}
    return Reference(network, geography.RoadNetwork(corridors), by_key,
                     {r["id"]: r["key"] for r in records})  # fmt: skip





def crossing_keys(ref: Reference, analysis) -> list[str | None]:
    return [ref.key_of[c.point.id] if c.point else None for c in analysis.crossings]


# -- real geography ----------------------------------------------------------------------
def test_e67_from_the_polish_border_to_tapa(ref: Reference) -> None:
    route = ref.roads.route([ref.at("budzisko-kalvarija"), ref.at("tapa")])
    analysis = analyse(ref.network, route)
    # The crossing point lies a few metres inside Lithuania, so the route starts there.
    assert geography.nation_at(*route[0]) == "LT"
    assert analysis.nations == ("LT", "LV", "EE")
    assert crossing_keys(ref, analysis) == ["salociai-grenctale", "ainazi-ikla"]
    assert not analysis.unknown_crossings
    assert [(c.from_nation, c.to_nation) for c in analysis.crossings] == [("LT", "LV"),
                                                                           ("LV", "EE")]
    for crossing in analysis.crossings:
        assert crossing.distance_m is not None and crossing.distance_m < 500
        assert crossing.point is not None
        on_route = next(p for p in analysis.points if p.point.id == crossing.point.id)
        assert on_route.km == pytest.approx(crossing.km, abs=0.5)
    kms = [p.km for p in analysis.points]
    assert kms == sorted(kms)
    assert ref.key_of[analysis.points[0].point.id] == "budzisko-kalvarija"
    assert analysis.points[0].km == pytest.approx(0.0, abs=0.01)
    assert ref.key_of[analysis.points[-1].point.id] == "tapa"
    assert analysis.points[-1].km == pytest.approx(analysis.length_km, abs=0.01)


def test_e67_from_suwalki_starts_in_poland(ref: Reference) -> None:
    route = ref.roads.route([(22.93, 54.10), ref.at("tapa")])
    analysis = analyse(ref.network, route)
    assert analysis.nations == ("PL", "LT", "LV", "EE")
    assert crossing_keys(ref, analysis) == ["budzisko-kalvarija", "salociai-grenctale",
                                            "ainazi-ikla"]  # fmt: skip
    kms = [c.km for c in analysis.crossings]
    assert kms == sorted(kms) and 20 < kms[0] < 30


def test_crossing_away_from_any_known_crossing_is_reported_unknown(ref: Reference) -> None:
    analysis = analyse(ref.network, [[24.0, 56.0], [24.3, 56.6]])
    assert analysis.nations == ("LT", "LV")
    [crossing] = analysis.crossings
    assert (crossing.from_nation, crossing.to_nation) == ("LT", "LV")
    assert not crossing.known and crossing.distance_m is None
    assert analysis.unknown_crossings == (crossing,)
    assert geography.nation_at(crossing.lon - 0.02, crossing.lat - 0.02) == "LT"


def test_rail_crossing_is_matched_for_rail_only(ref: Reference) -> None:
    line = [[23.2056, 54.239], [23.2314, 54.25685], [23.32, 54.315], [23.45, 54.36]]
    rail = analyse(ref.network, line, domain="rail")
    assert crossing_keys(ref, rail) == ["trakiszki-mockava"]
    assert {ref.key_of[p.point.id] for p in rail.points} >= {"trakiszki-mockava", "sestokai"}
    road = analyse(ref.network, line, domain="road")
    assert crossing_keys(ref, road) == [None]  # Budzisko is 9 km away
    assert not {ref.key_of[p.point.id] for p in road.points} & {"trakiszki-mockava",
                                                                "sestokai"}  # fmt: skip


def test_sea_route_has_nations_but_no_land_crossing(ref: Reference) -> None:
    analysis = analyse(ref.network, [[22.95, 59.82], list(ref.at("paldiski-south-harbour"))],
                       domain="sea")  # fmt: skip
    assert analysis.nations == ("FI", "EE")
    assert analysis.crossings == ()
    assert [ref.key_of[p.point.id] for p in analysis.points] == ["paldiski-south-harbour"]


# -- hand-built routes -------------------------------------------------------------------
def _bridge(ident: str, lon: float, lat: float) -> Point:
    return Point(id=ident, name=ident, kind="bridge", nation="LT", lon=lon, lat=lat)


def test_points_within_the_buffer_and_their_km() -> None:
    start, end = (24.0, 55.0), (24.0, 55.5)
    near_lon, near_lat, _ = GEOD.fwd(24.0, 55.1, 90, 150)
    far_lon, far_lat, _ = GEOD.fwd(24.0, 55.3, 270, 250)
    network = Network([_bridge("near", near_lon, near_lat), _bridge("far", far_lon, far_lat)])
    analysis = analyse(network, [start, end])
    [found] = analysis.points
    assert found.point.id == "near"
    # Segments are straight in LAEA: a 55 km meridian segment lies up to 7 m off the geodesic.
    assert found.offset_m == pytest.approx(150, abs=8)
    assert found.km == pytest.approx(GEOD.inv(*start, 24.0, 55.1)[2] / 1000, abs=0.02)
    wider = analyse(network, [start, end], buffer_m=300)
    assert [p.point.id for p in wider.points] == ["near", "far"]
    assert wider.points[1].km == pytest.approx(GEOD.inv(*start, 24.0, 55.3)[2] / 1000,
                                               abs=0.02)  # fmt: skip


def test_km_is_measured_along_a_bent_route() -> None:
    route = [(24.0, 55.0), (24.5, 55.0), (24.5, 55.4)]
    network = Network([_bridge("corner", 24.5, 55.0), _bridge("north", 24.5, 55.2)])
    analysis = analyse(network, route)
    first_leg = GEOD.inv(24.0, 55.0, 24.5, 55.0)[2] / 1000
    second = GEOD.inv(24.5, 55.0, 24.5, 55.2)[2] / 1000
    assert [p.point.id for p in analysis.points] == ["corner", "north"]
    assert analysis.points[0].km == pytest.approx(first_leg, abs=1e-6)
    assert analysis.points[1].km == pytest.approx(first_leg + second, abs=0.02)


def test_length_is_the_geodesic_length(ref: Reference) -> None:
    route = ref.roads.route([(22.93, 54.10), ref.at("tapa")])
    lons, lats = zip(*route, strict=True)
    expected = GEOD.line_length(lons, lats) / 1000
    assert analyse(ref.network, route).length_km == pytest.approx(expected, rel=1e-9)
    assert analyse(ref.network, [[24.0, 55.0]]).length_km == 0.0


def test_land_problem_names_the_open_sea(ref: Reference) -> None:
    to_gotland = [list(ref.at("klaipeda-port")), [18.3, 57.64]]
    message = land_problem(ref.network, to_gotland, "road")
    assert message is not None and "open sea" in message and "ferry" in message
    across_gulf = [[24.11, 56.95], [24.0, 57.5], [24.5, 58.38]]  # Riga to Pärnu by water
    message = land_problem(ref.network, across_gulf, "rail")
    assert message is not None and message.startswith("the rail route runs through open sea")
    assert "from km" in message
    assert land_problem(ref.network, across_gulf, "sea") is None
    inland = ref.roads.route([(22.93, 54.10), ref.at("tapa")])
    assert land_problem(ref.network, inland, "road") is None


# -- batches -----------------------------------------------------------------------------
def test_analyse_many_equals_analyse_on_the_demo_routes(demo: Store) -> None:
    network = Network.from_store(demo)
    by_domain: dict[str, list] = {}
    for movement in demo.rows("movements"):
        by_domain.setdefault(movement["domain"], []).append(movement["route"])
    assert set(by_domain) == {"road", "rail", "sea", "air"}
    for domain, routes in by_domain.items():
        assert analyse_many(network, routes, domain) == [analyse(network, r, domain)
                                                         for r in routes]  # fmt: skip


def test_analyse_many_equals_analyse_on_varied_routes(ref: Reference) -> None:
    rng = random.Random(7)
    keys = sorted(ref.by_key)
    routes = []
    for _ in range(60):
        a, b = rng.sample(keys, 2)
        base = ref.roads.route([ref.at(a), ref.at(b)])
        routes.append([[x + rng.uniform(-0.002, 0.002), y + rng.uniform(-0.002, 0.002)]
                       for x, y in base])  # fmt: skip
    assert analyse_many(ref.network, routes) == [analyse(ref.network, r) for r in routes]
    assert analyse_many(ref.network, []) == []
