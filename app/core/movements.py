"""Movements: adding one from a request, reading one in full, and listing them.

Listing is done in SQL (filter, sort, page) so that a table of 10,000 movements opens at
once and fetches rows as they scroll into view.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.movement_request import MovementRequest

if TYPE_CHECKING:
    from app.core.store import Store

# Columns of the movement list: key, heading, SQL expression.
LIST_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("name", "Movement", "m.name"),
    ("owner", "Owner", "m.owner"),
    ("unit", "Unit", "m.unit"),
    ("domain", "Domain", "m.domain"),
    ("priority", "Priority",
     "CASE m.priority WHEN 'crisis' THEN 0 WHEN 'exercise' THEN 1 ELSE 2 END"),
    ("status", "Status", "m.status"),
    ("depart", "Departure (UTC)", "m.depart"),
    ("vehicles", "Vehicles",
     "(SELECT coalesce(sum(json_extract(v.value, '$.count')), 0) FROM serials s,"
     " json_each(s.vehicles) v WHERE s.movement_id = m.id AND s.deleted = 0)"),
    ("max_mlc", "Max MLC",
     "(SELECT max(json_extract(v.value, '$.mlc')) FROM serials s, json_each(s.vehicles) v"
     " WHERE s.movement_id = m.id AND s.deleted = 0)"),
    ("exercise", "Exercise", "(SELECT e.name FROM exercises e WHERE e.id = m.exercise_id)"),
)  # fmt: skip
COLUMN_KEYS = tuple(c[0] for c in LIST_COLUMNS)
_SEARCHED = ("m.name", "m.unit", "m.owner", "m.status", "m.priority", "m.domain", "m.remarks")


@dataclass(frozen=True)
class MovementFilter:
    """What the movement list shows: free text plus optional exact choices."""

    text: str = ""
    owner: str = ""
    status: str = ""
    priority: str = ""

    def where(self) -> tuple[str, list[Any]]:
        clauses, params = ["m.deleted = 0"], []
        for word in self.text.split():
            like = f"%{word.replace('%', '').replace('_', '')}%"
            clauses.append("(" + " OR ".join(f"{c} LIKE ?" for c in _SEARCHED) + ")")
            params += [like] * len(_SEARCHED)
        for column, wanted in (("owner", self.owner), ("status", self.status),
                               ("priority", self.priority)):  # fmt: skip
            if wanted:
                clauses.append(f"m.{column} = ?")
                params.append(wanted)
        return " AND ".join(clauses), params


def add_movement(store: Store, request: MovementRequest, origin: str | None = None) -> str:
    """Write a requested movement and its serials in one transaction; returns its id.

    `origin`: the site writing (this one by default); the owner nation's site may.
    """
    with store.write(origin=origin) as w:
        movement_id = w.insert("movements", request.movement)
        for serial in request.serials:
            w.insert("serials", {**serial, "movement_id": movement_id})
    return movement_id


def count(store: Store, flt: MovementFilter = MovementFilter()) -> int:
    where, params = flt.where()
    return store.conn.execute(f"SELECT count(*) FROM movements m WHERE {where}",
                              params).fetchone()[0]


def page(store: Store, flt: MovementFilter = MovementFilter(), order: str = "depart",
         descending: bool = False, limit: int = -1, offset: int = 0) -> list[dict[str, Any]]:
    """One page of the movement list, each row with the LIST_COLUMNS keys and `id`."""
    if order not in COLUMN_KEYS:
        raise ValueError(f"cannot sort movements by {order!r}")
    where, params = flt.where()
    select = ", ".join(f"{expr} AS {key}" for key, _, expr in LIST_COLUMNS)
    direction = "DESC" if descending else "ASC"
    # The id as tie-breaker keeps paging stable when many rows share a sort value.
    sql = (f"SELECT m.id AS id, {select} FROM movements m WHERE {where} "
           f"ORDER BY {order} {direction}, m.id {direction} LIMIT ? OFFSET ?")
    priority_names = {0: "crisis", 1: "exercise", 2: "routine"}
    rows = []
    for row in store.conn.execute(sql, [*params, limit, offset]):
        item = dict(row)
        item["priority"] = priority_names[item["priority"]]
        rows.append(item)
    return rows


def detail(store: Store, movement_id: str) -> dict[str, Any] | None:
    """A movement with its serials, permits and events, for the detail pane and the CLI."""
    movement = store.get("movements", movement_id)
    if movement is None:
        return None
    serials = list(store.rows("serials", "movement_id = ?", (movement_id,), order_by="number"))
    vehicles = [v for s in serials for v in s["vehicles"]]
    movement["serials"] = serials
    movement["permits"] = list(store.rows("permits", "movement_id = ?", (movement_id,),
                                          order_by="host_nation"))
    movement["events"] = list(store.rows("events", "movement_id = ?", (movement_id,),
                                         order_by="at"))
    movement["totals"] = {
        "vehicles": sum(v["count"] for v in vehicles),
        "max_mlc": max((v["mlc"] for v in vehicles), default=None),
        "max_weight_t": max((v["weight_t"] for v in vehicles), default=None),
        "dangerous_goods": sorted({v["dangerous_goods"] for v in vehicles
                                   if v.get("dangerous_goods")}),
    }
    exercise = store.get("exercises", movement["exercise_id"]) if movement["exercise_id"] else None
    movement["exercise"] = exercise["name"] if exercise else None
    return movement
