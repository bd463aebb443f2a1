"""Clearance of vehicle types against the points of a route: the demo and small cases."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any

from app.core.planning.clearance import ALL_VEHICLES, Closure, check, closures_in
from app.core.planning.model import Point, PointOnRoute, RouteAnalysis
from app.core.planning.network import Network
from app.core.planning.route import analyse
from app.core.store import Store

T0 = datetime(2026, 6, 10, 8, 0, tzinfo=timezone.utc)





def vehicle(name: str, **values: Any) -> dict[str, Any]:
    base = {"type": name, "count": 4, "mlc": 30.0, "weight_t": 30.0, "length_m": 10.0,
            "width_m": 2.55, "height_m": 3.5, "tracked": False, "dangerous_goods": None}
    return {**base, **values}


def point(ident: str = "p1", **values: Any) -> Point:
    return Point(id=ident, name=f"Point {ident}", kind=values.pop("kind", "bridge"),
                 nation="LT", lon=24.0, lat=55.0, **values)  # fmt: skip


def route(*points: tuple[Point, float], nations: tuple[str, ...] = ("LT",)) -> RouteAnalysis:
    return RouteAnalysis(length_km=100.0, nations=nations, crossings=(),
                         points=tuple(PointOnRoute(p, km, 0.0) for p, km in points))


# -- the demo ----------------------------------------------------------------------------
def test_het_convoy_is_stopped_by_the_bauska_bridge(demo: Store) -> None:
    movement = next(m for m in demo.rows("movements")
                    if m["name"] == "Heavy armour to Ādaži (HET)")  # fmt: skip
    lines = [v for s in demo.rows("serials", "movement_id = ?", (movement["id"],))
             for v in s["vehicles"]]  # fmt: skip
    analysis = analyse(Network.from_store(demo), movement["route"], movement["domain"])
    found = check(analysis, lines, movement["domain"])
    mlc = {v.point: v for v in found if v.rule == "mlc"}
    musa = mlc["Mūsa bridge, Bauska (E67/A7)"]
    assert musa.vehicle_type.startswith("M1070 HET")
    assert (musa.limit, musa.value) == (85, 105)  # the wheeled rating, not the tracked 80
    assert musa.point_id is not None and 280 < musa.km < 295
    # Bauska is the one bridge on its route rated below it, and nothing else stops it.
    assert [(v.point, v.rule) for v in found if v.rule != "closed"] == [
        ("Mūsa bridge, Bauska (E67/A7)", "mlc")]
    bridges = {p.point.name for p in analysis.points if p.point.kind == "bridge"}
    assert {"Šešupė bridge, Marijampolė (E67)", "Gauja bridge, Ādaži (A1/E67)"} <= bridges
    kms = [v.km for v in found]
    assert kms == sorted(kms)


def test_demo_closure_counts_only_when_the_passage_overlaps(demo: Store) -> None:
    closures = closures_in(demo.rows("events"))
    [gauja] = closures
    assert gauja.end - gauja.start == timedelta(hours=6)
    analysis = route((point(gauja.point_id), 12.0))
    assert [v.rule for v in check(analysis, [vehicle("truck")], "road", closures)] == ["closed"]
    before = {gauja.point_id: (gauja.start - timedelta(hours=3), gauja.start)}
    assert check(analysis, [vehicle("truck")], "road", closures, before) == []
    during = {gauja.point_id: (gauja.start - timedelta(hours=1), gauja.start + timedelta(
        minutes=30))}  # fmt: skip
    [closed] = check(analysis, [vehicle("truck")], "road", closures, during)
    assert closed.vehicle_type == ALL_VEHICLES
    assert closed.limit == (gauja.start, gauja.end) and closed.value == during[gauja.point_id]


# -- one rule at a time ------------------------------------------------------------------
def test_mlc_uses_the_tracked_or_wheeled_rating() -> None:
    bridge = point(mlc_tracked=70, mlc_wheeled=80)
    tank = vehicle("tank", mlc=74.0, tracked=True)
    wheeled = vehicle("wheeled", mlc=75.0)
    found = check(route((bridge, 5.0)), [tank, wheeled], "road")
    assert [(v.vehicle_type, v.rule, v.limit, v.value) for v in found] == [
        ("tank", "mlc", 70, 74.0)]
    only_tracked = point(mlc_tracked=70)
    found = check(route((only_tracked, 5.0)), [tank, wheeled], "road")
    assert [(v.vehicle_type, v.limit) for v in found] == [("tank", 70), ("wheeled", 70)]


def test_width_height_and_weight() -> None:
    tunnel = point("t", kind="tunnel", max_width_m=3.5, max_height_m=3.6, max_weight_t=60)
    het = vehicle("het", width_m=3.66, height_m=3.8, weight_t=105.0)
    truck = vehicle("truck")
    found = check(route((tunnel, 40.0)), [het, truck], "road")
    assert [(v.rule, v.limit, v.value, v.km) for v in found] == [
        ("width", 3.5, 3.66, 40.0), ("height", 3.6, 3.8, 40.0), ("weight", 60, 105.0, 40.0)]
    assert {v.vehicle_type for v in found} == {"het"}


def test_dangerous_goods_ban_covers_its_divisions() -> None:
    ammo = vehicle("ammo", dangerous_goods="1.1")
    fuel = vehicle("fuel", dangerous_goods="3")
    small_arms = vehicle("small arms", dangerous_goods="1.4")
    found = check(route((point(dg_banned=("1",)), 3.0)), [ammo, fuel, small_arms], "road")
    assert [(v.vehicle_type, v.rule, v.limit, v.value) for v in found] == [
        ("ammo", "dangerous_goods", "1", "1.1"),
        ("small arms", "dangerous_goods", "1", "1.4")]
    found = check(route((point(dg_banned=("1.1", "3")), 3.0)), [ammo, fuel, small_arms], "road")
    assert [(v.vehicle_type, v.limit) for v in found] == [("ammo", "1.1"), ("fuel", "3")]


def test_one_violation_per_point_type_and_rule_sorted_by_km() -> None:
    narrow = point("n", max_width_m=2.5)
    low = point("l", max_height_m=3.0)
    lines = [vehicle("truck"), vehicle("truck", count=9), vehicle("jeep", width_m=1.9,
                                                                  height_m=1.9)]
    found = check(route((low, 50.0), (narrow, 10.0)), lines, "road")
    assert [(v.point_id, v.vehicle_type, v.rule) for v in found] == [
        ("n", "truck", "width"), ("l", "truck", "height")]


def test_closure_without_a_passage_time_always_counts() -> None:
    closure = Closure("p1", T0, None, "flooded")
    found = check(route((point(), 7.0)), [vehicle("truck"), vehicle("jeep")], "road", [closure])
    assert [(v.rule, v.vehicle_type, v.limit, v.value) for v in found] == [
        ("closed", ALL_VEHICLES, (T0, None), None)]
    # Open-ended: still closed at any later passage, not before it started.
    later = {"p1": (T0 + timedelta(days=3), T0 + timedelta(days=3, hours=1))}
    assert len(check(route((point(), 7.0)), [vehicle("truck")], "road", [closure], later)) == 1
    earlier = {"p1": (T0 - timedelta(hours=2), T0)}
    assert check(route((point(), 7.0)), [vehicle("truck")], "road", [closure], earlier) == []


# -- rail gauge --------------------------------------------------------------------------
# The rail corridor from Poland to Kaunas, ending short of the dual-gauge terminal.
RAIL_PL_LT = [[23.2056, 54.239], [23.2314, 54.25685], [23.32, 54.315], [23.45, 54.36],
              [23.365, 54.55], [23.49, 54.749], [23.911, 54.887]]


def test_gauge_change_needs_a_transfer_point(store: Store) -> None:
    points = [Point.from_record(r) for r in store.rows("critical_points")]
    full = Network(points)
    analysis = analyse(full, RAIL_PL_LT, domain="rail")
    assert analysis.nations == ("PL", "LT")
    assert "Šeštokai" in {p.point.name for p in analysis.points}
    assert [v for v in check(analysis, [vehicle("boxer")], "rail") if v.rule == "gauge"] == []

    without = Network([p for p in points if p.kind != "gauge_transfer"])
    analysis = analyse(without, RAIL_PL_LT, domain="rail")
    [gauge] = check(analysis, [vehicle("boxer")], "rail")
    assert (gauge.rule, gauge.limit, gauge.value) == ("gauge", 1435, 1520)
    assert gauge.point == "Trakiszki – Mockava rail border crossing"
    assert gauge.vehicle_type == ALL_VEHICLES and gauge.km is not None and gauge.km < 5
    # Only rail movements change gauge.
    assert check(analysis, [vehicle("boxer")], "road") == []


def test_gauge_from_the_nations_when_no_rail_point_is_near_an_end() -> None:
    plain = RouteAnalysis(length_km=300.0, nations=("PL", "LT"), crossings=(), points=())
    [gauge] = check(plain, [], "rail")
    assert (gauge.limit, gauge.value, gauge.point_id, gauge.km) == (1435, 1520, None, None)
    same = replace(plain, nations=("LT", "LV", "EE"))
    assert check(same, [], "rail") == []
    dual_end = route((point("k", kind="gauge_transfer", gauges_mm=(1435, 1520)), 300.0),
                     nations=("PL", "LT"))  # fmt: skip
    assert check(replace(dual_end, length_km=300.0), [], "rail") == []
    unknown = replace(plain, nations=("PL", "XX"))
    assert check(unknown, [], "rail") == []


def test_leopards_on_their_own_tracks_are_stopped_at_salaca(demo: Store) -> None:
    movement = next(m for m in demo.rows("movements") if m["name"] == "Leopard company to Tapa")
    lines = [v for s in demo.rows("serials", "movement_id = ?", (movement["id"],))
             for v in s["vehicles"]]  # fmt: skip
    found = check(analyse(Network.from_store(demo), movement["route"]), lines, "road")
    assert [(v.point, v.vehicle_type, v.rule, v.limit, v.value) for v in found] == [
        ("Salaca bridge, Salacgrīva (A1/E67)", "Leopard 2A7 main battle tank", "mlc", 60, 70)]
