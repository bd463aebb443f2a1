"""The history of a record, read back from the change log: who changed what, when."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core.clock import to_iso
from app.core.store import codec
from app.core.store.baseline import BASELINE_ORIGIN

if TYPE_CHECKING:
    from app.core.store import Store


@dataclass(frozen=True)
class Entry:
    time: str
    hlc: int
    origin: str
    site: str
    table: str
    field: str
    old: Any
    new: Any


def site_label(store: Store, origin: str, known: dict[str, str] | None = None) -> str:
    if origin == store.site_id:
        return f"{store.site_name} (this site)"
    if origin == BASELINE_ORIGIN:
        return "reference data"
    known = store.site_names() if known is None else known
    return known.get(origin) or f"site {origin[:8]}"


def history(store: Store, row_id: str) -> list[Entry]:
    """Every change to one record in causal (clock) order, each with the value it replaced."""
    rows = store.conn.execute(
        "SELECT origin, hlc, tbl, field, value FROM changes WHERE row_id = ? "
        "ORDER BY hlc, origin, seq", (row_id,)).fetchall()
    last: dict[str, Any] = {}
    known = store.site_names()
    entries = []
    for row in rows:
        new = codec.from_log(row["value"])
        entries.append(Entry(to_iso(row["hlc"]), row["hlc"], row["origin"],
                             site_label(store, row["origin"], known), row["tbl"], row["field"],
                             last.get(row["field"]), new))
        last[row["field"]] = new
    return entries
