"""Reviewing conflicts: values that lost a concurrent edit, and the user's choice.

Choosing a value writes it through the ordinary write path, so the choice is itself a
change that syncs like any other (and wins: it is the newest).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.clock import to_iso
from app.core.store import codec
from app.core.sync.exchange import SyncError

if TYPE_CHECKING:
    from app.core.commands import UndoStack
    from app.core.store import Store
    from app.core.store.writer import Writer


@dataclass(frozen=True)
class Conflict:
    id: int
    table: str
    row_id: str
    field: str
    record: str  # the record's name, as people know it
    current: Any  # the value the field holds now
    current_site: str
    current_time: str
    other: Any  # the value that lost
    other_site: str
    other_time: str
    detected_at: str


_QUERY = """
SELECT k.id, k.tbl, k.row_id, k.field, k.detected_at,
       w.value, ws.name, ws.nation, w.hlc, l.value, ls.name, ls.nation, l.hlc
FROM conflicts k
JOIN change_log w ON w.origin = k.winner_origin AND w.seq = k.winner_seq
JOIN change_log l ON l.origin = k.loser_origin AND l.seq = k.loser_seq
JOIN sites ws ON ws.site_no = w.origin JOIN sites ls ON ls.site_no = l.origin
WHERE k.resolved_at IS NULL ORDER BY k.id
"""


def open_conflicts(store: Store) -> list[Conflict]:
    out = []
    for (cid, tbl, row_id, name, detected, w_value, w_site, w_nation, w_hlc, l_value, l_site,
         l_nation, l_hlc) in store.conn.execute(_QUERY):
        record = store.get(tbl, row_id, include_deleted=True) or {}
        current = store.get(tbl, row_id, include_deleted=True)
        out.append(Conflict(
            cid, tbl, row_id, name, str(record.get("name") or row_id),
            current.get(name) if current and name in current else codec.from_log(w_value),
            f"{w_site or '?'} ({w_nation or '?'})", to_iso(w_hlc), codec.from_log(l_value),
            f"{l_site or '?'} ({l_nation or '?'})", to_iso(l_hlc), detected))
    return out


def resolve(store: Store, conflict_id: int, keep: str, undo: UndoStack | None = None) -> None:
    """Settle a conflict: keep the current value ("current") or bring back the other. With
    `undo`, the settling is a command there: undone, the value (if it changed) comes back
    and the conflict is open again."""
    if keep not in ("current", "other"):
        raise ValueError("keep must be 'current' or 'other'")
    found = {c.id: c for c in open_conflicts(store)}.get(conflict_id)
    if found is None:
        raise SyncError(f"no open conflict {conflict_id}")

    def mark(resolution: str | None) -> None:
        # In the writer's transaction when there is one: the value and its settling together.
        store.conn.execute("UPDATE conflicts SET resolved_at = ?, resolution = ? WHERE id = ?",
                           (timefmt.now_iso() if resolution else None, resolution,
                            conflict_id))  # fmt: skip

    def settle(w: Writer) -> None:
        if keep == "other":
            if found.field == "deleted":
                (w.delete if found.other else w.restore)(found.table, found.row_id)
            else:
                w.update(found.table, found.row_id, {found.field: found.other})
        mark(keep)

    def outside(resolution: str | None) -> None:
        with store.conn:
            mark(resolution)

    if undo is None:
        with store.write() as w:
            settle(w)
        return
    what = "Use the other value" if keep == "other" else "Keep the current value"
    undo.run(f"{what}: {found.record}, {found.field}", settle,
             after_undo=lambda: outside(None), after_redo=lambda: outside(keep))
