"""Planning results as plain data (for `--json` and exports) and as readable text."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.core import timefmt
from app.core.planning.model import Conflict, MovementPlan, Suggestion


def _t(moment: datetime | None) -> str | None:
    return None if moment is None else timefmt.iso(moment)


def plan_data(plan: MovementPlan) -> dict[str, Any]:
    route = plan.route
    return {
        "movement": plan.movement_id,
        "length_km": round(route.length_km, 3),
        "nations": list(route.nations),
        "crossings": [c.point.name for c in route.crossings if c.point is not None],
        "unknown_crossings": [
            {"km": round(c.km, 3), "from": c.from_nation, "to": c.to_nation,
             "lon": round(c.lon, 5), "lat": round(c.lat, 5)}
            for c in route.unknown_crossings],
        "critical_points": [
            {"name": p.point.name, "kind": p.point.kind, "nation": p.point.nation,
             "km": round(p.km, 3)} for p in route.points],
        "violations": [
            {"point": v.point, "vehicle_type": v.vehicle_type, "rule": v.rule,
             "limit": v.limit, "value": v.value} for v in plan.violations],
        "march_table": [
            {"serial": r.serial, "point": r.point, "km": round(r.km, 3),
             "head_arrive": _t(r.head_arrive), "tail_clear": _t(r.tail_clear)}
            for r in plan.forecast.rows],
        "notes": list(plan.notes),
    }  # fmt: skip


def conflict_data(conflict: Conflict, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "point": conflict.point, "movements": list(conflict.movements),
        "movement_names": [names.get(m, m) for m in conflict.movements],
        "start": _t(conflict.start), "end": _t(conflict.end), "reason": conflict.reason,
        "load": conflict.load, "capacity": conflict.capacity,
    }  # fmt: skip


def suggestion_data(s: Suggestion, names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "movement": s.movement_id, "name": names.get(s.movement_id, s.movement_id),
        "current_depart": _t(s.current), "suggested_depart": _t(s.suggested),
        "delay_min": s.delay_min, "clears": [conflict_data(c, names) for c in s.clears],
        "gives_way_to": list(s.gives_way_to), "note": s.note,
    }  # fmt: skip


def conflict_line(conflict: Conflict, names: Mapping[str, str]) -> str:
    who = " / ".join(names.get(m, m) for m in conflict.movements)
    span = f"{timefmt.short(conflict.start)} – {timefmt.short(conflict.end)[11:]}"
    why = ("exclusive point" if conflict.reason == "exclusive"
           else f"{conflict.load} vehicles in an hour, capacity {conflict.capacity}")
    return f"{span}  {conflict.point}: {who} ({why})"
