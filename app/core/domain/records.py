"""What each synced table holds: its fields, their kinds and limits, in one declaration.

The store derives how a value is encoded from a field's kind; validation derives what is
acceptable. Every synced table also has `id` (UUIDv7 text) and `deleted` (tombstone).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType

from app.core.domain import vocabulary as v

# Field kinds and the SQLite column type each is stored in. JSON kinds are stored as text.
COLUMN_TYPES = MappingProxyType({
    "text": "TEXT", "time": "TEXT", "nation": "TEXT", "enum": "TEXT", "ref": "TEXT",
    "adr": "TEXT", "code2": "TEXT", "code3": "TEXT",
    "int": "INTEGER", "bool": "INTEGER", "real": "REAL",
    "position": "TEXT", "line": "TEXT", "vehicles": "TEXT", "text_list": "TEXT",
    "nation_list": "TEXT", "adr_list": "TEXT", "gauge_list": "TEXT", "halt_list": "TEXT",
})  # fmt: skip
JSON_KINDS = frozenset({"position", "line", "vehicles", "text_list", "nation_list", "adr_list",
                        "gauge_list", "halt_list"})  # fmt: skip


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    required: bool = False
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: the value must be strictly greater than `low`
    ref: str | None = None
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.replace("_", " ").capitalize()


@dataclass(frozen=True)
class Table:
    name: str
    label: str
    fields: tuple[Field, ...]
    # (start, end) pairs: when both are set, end must not come before start.
    windows: tuple[tuple[str, str], ...] = ()
    by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {f.name: f for f in self.fields})

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)


def _enum(name: str, choices: dict[str, str], required: bool = True, label: str = "") -> Field:
    return Field(name, "enum", required=required, choices=tuple(choices), label=label)


MLC = {"low": 0.0, "high": 200.0}

NATIONS = Table("nations", "Nation", (
    Field("code", "code2", required=True),
    Field("alpha3", "code3"),
    Field("name", "text", required=True),
    Field("agreements", "text_list"),
))  # fmt: skip

EXERCISES = Table("exercises", "Exercise", (
    Field("name", "text", required=True),
    Field("description", "text"),
    Field("lead_nation", "nation"),
    Field("start", "time", required=True),
    Field("end", "time", required=True),
), windows=(("start", "end"),))  # fmt: skip

CRITICAL_POINTS = Table("critical_points", "Critical point", (
    Field("key", "text"),
    Field("name", "text", required=True),
    _enum("kind", v.POINT_KINDS),
    Field("nation", "nation", required=True),
    Field("border_with", "nation"),
    Field("position", "position", required=True),
    Field("capacity_per_hour", "int", low=0, high=10000, label="Capacity (vehicles/h)"),
    Field("slots_per_day", "int", low=0, high=1000),
    Field("exclusive", "bool"),
    Field("mlc_tracked", "real", **MLC, label="MLC tracked"),
    Field("mlc_wheeled", "real", **MLC, label="MLC wheeled"),
    Field("max_width_m", "real", low=0, high=50, low_open=True, label="Max width (m)"),
    Field("max_height_m", "real", low=0, high=50, low_open=True, label="Max height (m)"),
    Field("max_weight_t", "real", low=0, high=2000, low_open=True, label="Max weight (t)"),
    Field("gauges_mm", "gauge_list", label="Track gauges (mm)"),
    Field("dg_banned", "adr_list", label="Dangerous goods banned"),
    Field("designator", "text"),
    Field("restrictions", "text"),
    Field("source", "text"),
))  # fmt: skip

CORRIDORS = Table("corridors", "Corridor", (
    Field("key", "text"),
    Field("name", "text", required=True),
    Field("ref", "text"),
    _enum("kind", v.CORRIDOR_KINDS),
    Field("nations", "nation_list"),
    Field("geometry", "line", required=True),
))  # fmt: skip

VEHICLE_TYPES = Table("vehicle_types", "Vehicle type", (
    Field("name", "text", required=True),
    Field("category", "text"),
    Field("tracked", "bool"),
    Field("mlc", "real", required=True, **MLC, label="MLC"),
    Field("weight_t", "real", required=True, low=0, high=500, low_open=True),
    Field("length_m", "real", low=0, high=60, low_open=True),
    Field("width_m", "real", low=0, high=10, low_open=True),
    Field("height_m", "real", low=0, high=10, low_open=True),
    Field("dangerous_goods", "adr"),
))  # fmt: skip

MOVEMENTS = Table("movements", "Movement", (
    Field("name", "text", required=True),
    Field("owner", "nation", required=True),
    Field("unit", "text", required=True),
    _enum("domain", v.DOMAINS),
    _enum("priority", v.PRIORITIES),
    _enum("status", v.MOVEMENT_STATUSES),
    Field("exercise_id", "ref", ref="exercises", label="Exercise"),
    Field("route", "line", required=True),
    Field("requested_at", "time", label="Requested at"),
    Field("depart", "time", required=True, label="Planned departure"),
    Field("arrive_by", "time", label="Arrive by"),
    Field("speed_kmh", "real", required=True, low=0, high=1000, low_open=True,
          label="Speed (km/h)"),
    Field("vehicle_interval_m", "real", required=True, low=0, high=5000,
          label="Vehicle interval (m)"),
    Field("personnel", "int", low=0, high=100000),
    Field("remarks", "text"),
    Field("serial_gap_min", "real", low=0, high=600, label="Gap between serials (min)"),
    Field("halts", "halt_list", label="Planned halts"),
), windows=(("requested_at", "depart"), ("depart", "arrive_by")))  # fmt: skip

SERIALS = Table("serials", "Serial", (
    Field("movement_id", "ref", required=True, ref="movements", label="Movement"),
    Field("number", "int", required=True, low=1, high=999),
    Field("name", "text"),
    Field("vehicles", "vehicles", required=True),
))  # fmt: skip

PERMITS = Table("permits", "Permit", (
    Field("movement_id", "ref", required=True, ref="movements", label="Movement"),
    Field("host_nation", "nation", required=True),
    _enum("status", v.PERMIT_STATUSES),
    Field("agreement", "text"),
    Field("reference", "text"),
    Field("requested_at", "time"),
    Field("deadline", "time"),
    Field("decided_at", "time"),
    Field("decided_by", "text"),
    Field("valid_from", "time"),
    Field("valid_until", "time"),
    Field("conditions", "text_list"),
    Field("remarks", "text"),
    _enum("mode", v.PERMIT_MODES, required=False),
    Field("preauthorisation_id", "ref", ref="preauthorisations", label="Pre-authorisation"),
    Field("supersedes", "ref", ref="permits", label="Supersedes"),
    Field("movement_number", "text"),
    Field("form302_serial", "text", label="Form 302 serial"),
), windows=(("requested_at", "decided_at"), ("requested_at", "deadline"),
            ("valid_from", "valid_until")))  # fmt: skip

EVENTS = Table("events", "Event", (
    _enum("kind", v.EVENT_KINDS),
    Field("movement_id", "ref", ref="movements", label="Movement"),
    Field("serial_id", "ref", ref="serials", label="Serial"),
    Field("point_id", "ref", ref="critical_points", label="Point"),
    Field("at", "time", required=True),
    Field("until", "time"),
    Field("delay_min", "int", low=-10000, high=100000, label="Delay (min)"),
    Field("details", "text"),
    Field("reported_by", "text"),
), windows=(("at", "until"),))  # fmt: skip

AGREEMENTS = Table("agreements", "Agreement", (
    Field("key", "text"),
    Field("name", "text", required=True),
    Field("members", "nation_list"),  # none: the rule for any two nations without another
    Field("working_days", "int", required=True, low=0, high=60,
          label="Peacetime deadline (working days)"),
    Field("crisis_hours", "real", required=True, low=0, high=720, low_open=True,
          label="Crisis fast track (hours)"),
    Field("source", "text"),
))  # fmt: skip

PREAUTHORISATIONS = Table("preauthorisations", "Pre-authorisation", (
    Field("host_nation", "nation", required=True),
    Field("reference", "text", required=True),
    Field("holders", "nation_list", label="For nations"),
    Field("categories", "text_list", label="Vehicle categories"),
    Field("max_mlc", "real", required=True, **MLC, label="Maximum MLC"),
    Field("dangerous_goods", "adr_list", label="Dangerous goods allowed"),
    Field("valid_from", "time", required=True),
    Field("valid_until", "time", required=True),
    Field("remarks", "text"),
), windows=(("valid_from", "valid_until"),))  # fmt: skip

TABLES: dict[str, Table] = {
    t.name: t
    for t in (NATIONS, EXERCISES, CRITICAL_POINTS, CORRIDORS, VEHICLE_TYPES, MOVEMENTS,
              SERIALS, PERMITS, EVENTS, AGREEMENTS, PREAUTHORISATIONS)
}  # fmt: skip


def table(name: str) -> Table:
    try:
        return TABLES[name]
    except KeyError:
        raise KeyError(f"no synced table named {name!r}") from None
