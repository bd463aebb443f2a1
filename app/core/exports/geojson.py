"""Routes, critical points and conflicts as one GeoJSON FeatureCollection (RFC 7946).

The three layers are gathered here once (`layers`) and written by this module, the
GeoPackage and the KML writers alike, so every map format holds the same features.
Coordinates are WGS 84 longitude, latitude, as the store keeps them. A feature's `layer`
property names its layer; a classification marking is a top-level foreign member.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry

from app.core import timefmt
from app.core.planning.model import Conflict, MovementPlan

LAYERS = ("routes", "critical_points", "conflicts")
LAYER_TITLES = {"routes": "Routes", "critical_points": "Critical points",
                "conflicts": "Conflicts"}  # fmt: skip
# RFC 7946 (11.2): six decimals is about 10 cm, finer than any position the store holds.
DECIMALS = 6


@dataclass(frozen=True)
class Feature:
    layer: str
    geometry: BaseGeometry
    properties: dict[str, Any]


def marking_text(marking: str | None) -> str | None:
    """The marking as written, or None; a line break would split a CSV or a KML name."""
    if marking is None or not marking.strip():
        return None
    text = marking.strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("the marking must be one line of printable text")
    return text


def chosen_movements(records: Mapping[str, Any], plans: Mapping[str, MovementPlan],
                     movement_ids: Iterable[str] | None = None) -> list[str]:
    """The planned movements with a drawable route (those of `movement_ids` only, if given).

    A movement asked for by id that is not in the store, has no plan or no route of two
    positions raises ValueError naming it; unasked, such movements are left out.
    """
    if movement_ids is None:
        return [m for m in records if m in plans and _drawable(records[m])]
    chosen = list(dict.fromkeys(movement_ids))
    for movement_id in chosen:
        if movement_id not in records:
            raise ValueError(f"no movement {movement_id!r}")
        if movement_id not in plans:
            raise ValueError(f"movement {movement_id} ({records[movement_id]['name']}) "
                             "has no plan")
        if not _drawable(records[movement_id]):
            raise ValueError(f"movement {movement_id} ({records[movement_id]['name']}) "
                             "has no route to draw")
    return chosen


def _drawable(record: Mapping[str, Any]) -> bool:
    return len(record.get("route") or ()) >= 2


def layers(store: Any, plans: Mapping[str, MovementPlan], conflicts: Sequence[Conflict],
           movement_ids: Iterable[str] | None = None) -> dict[str, list[Feature]]:
    """The features of each layer, in a stable order.

    Routes: the chosen movements. Critical points: all of them, or with `movement_ids`
    those on the chosen routes. Conflicts: those a chosen movement takes part in.
    """
    records = {r["id"]: r for r in store.rows("movements")}
    chosen = chosen_movements(records, plans, movement_ids)
    points = {r["id"]: r for r in store.rows("critical_points") if r.get("position")}
    routes = [_route(records[m], plans[m]) for m in sorted(chosen, key=lambda m: (
        records[m].get("depart") or "", m))]
    if movement_ids is None:
        wanted = set(points)
    else:
        wanted = {p.point.id for m in chosen for p in plans[m].route.points}
    point_features = [_point(points[p]) for p in sorted(
        wanted & set(points), key=lambda p: (points[p]["name"] or "", p))]
    picked = set(chosen)
    conflict_features = [_conflict(c, points[c.point_id], records)
                         for c in sorted(conflicts, key=lambda c: (c.start, c.point_id,
                                                                   c.movements))
                         if c.point_id in points and picked & set(c.movements)]
    return {"routes": routes, "critical_points": point_features,
            "conflicts": conflict_features}  # fmt: skip


def _xy(position: Sequence[Any]) -> tuple[float, float]:
    return round(float(position[0]), DECIMALS), round(float(position[1]), DECIMALS)


def _route(record: Mapping[str, Any], plan: MovementPlan) -> Feature:
    line = shapely.LineString([_xy(p) for p in record["route"]])
    serials = plan.forecast.serials
    return Feature("routes", line, {
        "id": record["id"], "name": record.get("name"), "owner": record.get("owner"),
        "unit": record.get("unit"), "domain": record.get("domain"),
        "status": record.get("status"), "priority": record.get("priority"),
        "depart": record.get("depart"), "length_km": round(plan.route.length_km, 3),
        "start": timefmt.iso(min(s.start for s in serials)) if serials else None,
        "release": timefmt.iso(max(s.release for s in serials)) if serials else None})


def _point(record: Mapping[str, Any]) -> Feature:
    return Feature("critical_points", shapely.Point(_xy(record["position"])), {
        "id": record["id"], "name": record.get("name"), "kind": record.get("kind"),
        "nation": record.get("nation"), "mlc_tracked": record.get("mlc_tracked"),
        "mlc_wheeled": record.get("mlc_wheeled"),
        "capacity_per_hour": record.get("capacity_per_hour"),
        "exclusive": bool(record.get("exclusive"))})


def _conflict(conflict: Conflict, point: Mapping[str, Any],
              records: Mapping[str, Any]) -> Feature:
    names = [(records.get(m) or {}).get("name") or m for m in conflict.movements]
    return Feature("conflicts", shapely.Point(_xy(point["position"])), {
        "point_id": conflict.point_id, "point": conflict.point,
        "movements": "; ".join(names), "movement_ids": "; ".join(conflict.movements),
        "start": timefmt.iso(conflict.start), "end": timefmt.iso(conflict.end),
        "reason": conflict.reason, "load": conflict.load, "capacity": conflict.capacity})


def feature_collection(found: Mapping[str, list[Feature]],
                       marking: str | None = None) -> dict[str, Any]:
    marking = marking_text(marking)
    collection: dict[str, Any] = {"type": "FeatureCollection"}
    if marking:
        collection["classification"] = marking
    collection["features"] = [
        {"type": "Feature", "geometry": json.loads(shapely.to_geojson(f.geometry)),
         "properties": {"layer": layer, **f.properties}}
        for layer in LAYERS for f in found.get(layer, ())]
    return collection


def plans_geojson(store: Any, plans: Mapping[str, MovementPlan], conflicts: Sequence[Conflict],
                  movement_ids: Iterable[str] | None = None,
                  marking: str | None = None) -> bytes:
    """The FeatureCollection as UTF-8 JSON (see `layers` for what it holds)."""
    marking = marking_text(marking)
    found = layers(store, plans, conflicts, movement_ids)
    return json.dumps(feature_collection(found, marking), ensure_ascii=False,
                      indent=1).encode("utf-8") + b"\n"
