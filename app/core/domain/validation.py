"""Checks a record against its table's declaration before anything is written.

Each refusal names the field (with a path into lists, e.g. `vehicles[2].mlc`) and the
problem, so a form or a request file can point at exactly what to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.core import timefmt
from app.core.domain import vocabulary as v
from app.core.domain.records import Field, Table
from app.core.ids import is_record_id


class ValidationError(ValueError):
    """A value that breaks a rule; `field` is the path of the offending value."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Context:
    """What validation may ask of the store: which nations exist, whether a record exists."""

    nations: frozenset[str]
    exists: Callable[[str, str], bool] = lambda table, record_id: True
    # Why a route cannot be travelled in its domain (a road through open sea), or None.
    route_problem: Callable[[list[list[float]], str], str | None] | None = None


VEHICLE_FIELDS = ("type", "count", "mlc", "weight_t", "length_m", "width_m", "height_m",
                  "tracked", "dangerous_goods", "vehicle_type_id")  # fmt: skip
_CODE2 = re.compile(r"^[A-Z]{2}$")
_CODE3 = re.compile(r"^[A-Z]{3}$")
_GAUGES = (1000, 1067, 1435, 1520, 1524, 1668)


def _number(path: str, value: Any, integer: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValidationError(path, f"must be a number, got {value!r}")
    if not math.isfinite(value):
        raise ValidationError(path, f"must be a finite number, got {value!r}")
    if integer and value != int(value):
        raise ValidationError(path, f"must be a whole number, got {value!r}")
    return int(value) if integer else float(value)


def _bounded(path: str, value: float, low: float | None, high: float | None,
             low_open: bool = False) -> None:
    if low is not None and (value <= low if low_open else value < low):
        word = "greater than" if low_open else "at least"
        if low == 0 and not low_open:
            raise ValidationError(path, f"must not be negative (got {value:g})")
        raise ValidationError(path, f"must be {word} {low:g} (got {value:g})")
    if high is not None and value > high:
        raise ValidationError(path, f"must be at most {high:g} (got {value:g})")


def _text(path: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(path, f"must be text, got {value!r}")
    return value.strip()


def _nation(path: str, value: Any, ctx: Context) -> str:
    code = _text(path, value).upper()
    if not _CODE2.match(code):
        raise ValidationError(path, f"must be an ISO 3166 alpha-2 nation code, got {value!r}")
    if code not in ctx.nations:
        raise ValidationError(path, f"unknown nation code {code!r}")
    return code


def position(path: str, value: Any) -> list[float]:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise ValidationError(path, f"must be [longitude, latitude], got {value!r}")
    lon = _number(f"{path}[0]", value[0])
    lat = _number(f"{path}[1]", value[1])
    if not -180.0 <= lon <= 180.0:
        raise ValidationError(f"{path}[0]", f"longitude {lon:g} is outside -180..180")
    if not -90.0 <= lat <= 90.0:
        raise ValidationError(f"{path}[1]", f"latitude {lat:g} is outside -90..90")
    return [lon, lat]


def _line(path: str, value: Any) -> list[list[float]]:
    if not isinstance(value, (list, tuple)) or len(value) < 2:
        raise ValidationError(path, "must be a list of at least two [longitude, latitude] points")
    return [position(f"{path}[{i}]", p) for i, p in enumerate(value)]


def _list(path: str, value: Any) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise ValidationError(path, f"must be a list, got {value!r}")
    return list(value)


def _adr(path: str, value: Any) -> str | None:
    if value is None or value == "":
        return None
    text = _text(path, value)
    if text not in v.ADR_CLASSES:
        raise ValidationError(path, f"unknown ADR dangerous-goods class {value!r}")
    return text


def vehicle(path: str, value: Any, ctx: Context) -> dict[str, Any]:
    """One line of a vehicle list: a type, how many, and what each weighs and measures."""
    if not isinstance(value, Mapping):
        raise ValidationError(path, f"must be an object, got {value!r}")
    unknown = sorted(set(value) - set(VEHICLE_FIELDS))
    if unknown:
        raise ValidationError(f"{path}.{unknown[0]}", "no such vehicle field")
    out: dict[str, Any] = {}
    for key in ("type", "count", "mlc", "weight_t", "length_m", "width_m", "height_m"):
        if value.get(key) is None:
            raise ValidationError(f"{path}.{key}", "is required")
    out["type"] = _text(f"{path}.type", value["type"])
    if not out["type"]:
        raise ValidationError(f"{path}.type", "must not be empty")
    out["count"] = int(_number(f"{path}.count", value["count"], integer=True))
    _bounded(f"{path}.count", out["count"], 1, 10000)
    limits = {"mlc": (0, 200, False), "weight_t": (0, 500, True), "length_m": (0, 60, True),
              "width_m": (0, 10, True), "height_m": (0, 10, True)}  # fmt: skip
    for key, (low, high, low_open) in limits.items():
        out[key] = _number(f"{path}.{key}", value[key])
        _bounded(f"{path}.{key}", out[key], low, high, low_open)
    tracked = value.get("tracked", False)
    if not isinstance(tracked, bool):
        raise ValidationError(f"{path}.tracked", f"must be true or false, got {tracked!r}")
    out["tracked"] = tracked
    out["dangerous_goods"] = _adr(f"{path}.dangerous_goods", value.get("dangerous_goods"))
    if value.get("vehicle_type_id") is not None:
        out["vehicle_type_id"] = _ref(f"{path}.vehicle_type_id", value["vehicle_type_id"],
                                      "vehicle_types", ctx)
    return out


def halt(path: str, value: Any) -> dict[str, Any]:
    """A planned halt: where (km from the start point), how long, and why."""
    if not isinstance(value, Mapping):
        raise ValidationError(path, f"must be an object, got {value!r}")
    unknown = sorted(set(value) - {"km", "minutes", "reason"})
    if unknown:
        raise ValidationError(f"{path}.{unknown[0]}", "no such halt field")
    for key in ("km", "minutes"):
        if value.get(key) is None:
            raise ValidationError(f"{path}.{key}", "is required")
    km = _number(f"{path}.km", value["km"])
    _bounded(f"{path}.km", km, 0, 20000)
    minutes = _number(f"{path}.minutes", value["minutes"])
    _bounded(f"{path}.minutes", minutes, 0, 7 * 24 * 60, low_open=True)
    return {"km": km, "minutes": minutes, "reason": _text(f"{path}.reason",
                                                           value.get("reason") or "")}


def _ref(path: str, value: Any, table: str, ctx: Context) -> str:
    if not is_record_id(value):
        raise ValidationError(path, f"must be a record id (UUIDv7), got {value!r}")
    if not ctx.exists(table, value):
        raise ValidationError(path, f"no {table.replace('_', ' ')} record with id {value}")
    return value


def value(f: Field, path: str, raw: Any, ctx: Context) -> Any:
    """Check one field's value and return it in its stored (canonical) form."""
    kind = f.kind
    if kind == "text":
        return _text(path, raw)
    if kind == "code2" or kind == "code3":
        code = _text(path, raw).upper()
        if not (_CODE2 if kind == "code2" else _CODE3).match(code):
            raise ValidationError(path, f"must be {2 if kind == 'code2' else 3} letters, "
                                        f"got {raw!r}")  # fmt: skip
        return code
    if kind == "time":
        try:
            return timefmt.normalize(raw)
        except ValueError as exc:
            raise ValidationError(path, str(exc)) from None
    if kind == "nation":
        return _nation(path, raw, ctx)
    if kind == "enum":
        text = _text(path, raw).lower()
        if text not in f.choices:
            raise ValidationError(path, f"must be one of {', '.join(f.choices)}; got {raw!r}")
        return text
    if kind in ("int", "real"):
        number = _number(path, raw, integer=kind == "int")
        _bounded(path, number, f.low, f.high, f.low_open)
        return number
    if kind == "bool":
        if not isinstance(raw, bool):
            raise ValidationError(path, f"must be true or false, got {raw!r}")
        return raw
    if kind == "ref":
        return _ref(path, raw, f.ref or "", ctx)
    if kind == "adr":
        return _adr(path, raw)
    if kind == "position":
        return position(path, raw)
    if kind == "line":
        return _line(path, raw)
    if kind == "text_list":
        return [_text(f"{path}[{i}]", x) for i, x in enumerate(_list(path, raw))]
    if kind == "nation_list":
        return [_nation(f"{path}[{i}]", x, ctx) for i, x in enumerate(_list(path, raw))]
    if kind == "adr_list":
        return [_adr(f"{path}[{i}]", x) for i, x in enumerate(_list(path, raw))]
    if kind == "gauge_list":
        gauges = [int(_number(f"{path}[{i}]", x, integer=True))
                  for i, x in enumerate(_list(path, raw))]  # fmt: skip
        for i, g in enumerate(gauges):
            if g not in _GAUGES:
                raise ValidationError(f"{path}[{i}]", f"unknown track gauge {g} mm")
        return gauges
    if kind == "halt_list":
        return [halt(f"{path}[{i}]", x) for i, x in enumerate(_list(path, raw))]
    if kind == "vehicles":
        items = _list(path, raw)
        if not items:
            raise ValidationError(path, "must list at least one vehicle")
        return [vehicle(f"{path}[{i}]", x, ctx) for i, x in enumerate(items)]
    raise AssertionError(f"field kind {kind!r} has no rule")


def record(table: Table, values: Mapping[str, Any], ctx: Context,
           existing: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Validate `values` (all fields, or changes to `existing`) and return them canonical.

    Checks run on the record as it would be after the write, so a window reversed by
    changing one end is caught too.
    """
    out: dict[str, Any] = {}
    for name, raw in values.items():
        f = table.by_name.get(name)
        if f is None:
            raise ValidationError(name, f"no such field in {table.label.lower()} records")
        if raw is None or (raw == "" and f.kind != "text"):
            if f.required:
                raise ValidationError(name, "is required")
            out[name] = None
            continue
        out[name] = value(f, name, raw, ctx)
    merged = {**(existing or {}), **out}
    for f in table.fields:
        if f.required and merged.get(f.name) in (None, ""):
            raise ValidationError(f.name, "is required")
    for start, end in table.windows:
        if merged.get(start) and merged.get(end) and merged[end] < merged[start]:
            raise ValidationError(end, f"{table.by_name[end].title.lower()} ({merged[end]}) "
                                       f"is before {table.by_name[start].title.lower()} "
                                       f"({merged[start]})")  # fmt: skip
    _cross_field_rules(table.name, merged)
    if (table.name == "movements" and ctx.route_problem is not None
            and ("route" in out or "domain" in out) and merged.get("route")):
        problem = ctx.route_problem(merged["route"], merged.get("domain") or "road")
        if problem:
            raise ValidationError("route", problem)
    return out


def _cross_field_rules(table: str, rec: Mapping[str, Any]) -> None:
    if table == "permits" and rec.get("status") in v.DECIDED_PERMIT_STATUSES:
        for name in ("decided_at", "decided_by"):
            if not rec.get(name):
                raise ValidationError(name, f"is required when the status is {rec['status']}")
    if table == "events":
        kind = rec.get("kind")
        needs = {"passage": ("movement_id", "point_id"), "closure": ("point_id",),
                 "delay": ("movement_id", "delay_min")}.get(kind or "", ())  # fmt: skip
        for name in needs:
            if rec.get(name) is None:
                raise ValidationError(name, f"is required for a {kind} event")
    if table == "critical_points" and rec.get("kind") in ("road_crossing", "rail_crossing"):
        if not rec.get("border_with"):
            raise ValidationError("border_with", "is required for a border crossing")
        if rec.get("border_with") == rec.get("nation"):
            raise ValidationError("border_with", "must differ from the point's nation")
