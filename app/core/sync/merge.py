"""Merging changes received from other sites into the store, in the caller's transaction.

Per field, the change with the highest (hybrid clock, origin site id) wins. Every received
change is kept in the change log, winner or not, so nothing a user typed is lost; a value
that lost to an edit made without knowing it is also listed in `conflicts` for review.
Changes stamped too far ahead of this laptop's clock are held, not applied, so a laptop
with a wrong clock cannot push the others' clocks into the future.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.clock import pack
from app.core.domain.records import TABLES
from app.core.store import codec

if TYPE_CHECKING:
    from app.core.store import Store

# (origin site id, seq, hlc, table, row id, field, value as JSON text, base hlc)
Change = tuple[str, int, int, str, str, str, str, int]
DEFAULT_MARGIN_MIN = 10.0


@dataclass
class MergeSummary:
    received: int = 0  # changes in the bundle
    known: int = 0  # already held: skipped (importing twice changes nothing)
    applied: int = 0  # new changes that now hold their field's value
    superseded: int = 0  # new changes kept in history, a later value holds the field
    held: int = 0  # stamped too far ahead of this laptop's clock
    conflicts: int = 0
    records_new: set[tuple[str, str]] = field(default_factory=set)
    records_updated: set[tuple[str, str]] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {"received": self.received, "known": self.known, "applied": self.applied,
                "superseded": self.superseded, "held": self.held,
                "conflicts": self.conflicts, "records_new": len(self.records_new),
                "records_updated": len(self.records_updated)}  # fmt: skip


def check_shape(change: Change) -> str | None:
    """Why a received change cannot be merged (unknown table or field), or None."""
    spec = TABLES.get(change[3])
    if spec is None:
        return f"unknown table {change[3]!r}"
    if change[5] != "deleted" and change[5] not in spec.by_name:
        return f"unknown field {change[3]}.{change[5]}"
    return None


def merge(store: Store, changes: Sequence[Change], now_ms: int,
          margin_min: float = DEFAULT_MARGIN_MIN) -> MergeSummary:
    """Merge `changes` (already verified) into the store; the caller holds the transaction."""
    conn = store.conn
    summary = MergeSummary(received=len(changes))
    numbers = {o: store.site_no(o) for o in {c[0] for c in changes}}
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS incoming (origin INTEGER, seq INTEGER,"
                 " hlc INTEGER, tbl TEXT, row_id TEXT, field TEXT, value TEXT, base INTEGER,"
                 " PRIMARY KEY (origin, seq)) WITHOUT ROWID")
    conn.execute("DELETE FROM incoming")
    conn.executemany("INSERT OR IGNORE INTO incoming VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [(numbers[c[0]], *c[1:]) for c in changes])
    conn.execute("DELETE FROM incoming WHERE EXISTS (SELECT 1 FROM change_log c WHERE"
                 " c.origin = incoming.origin AND c.seq = incoming.seq) OR EXISTS (SELECT 1"
                 " FROM held h WHERE h.origin = incoming.origin AND h.seq = incoming.seq)")
    fresh = conn.execute("SELECT count(*) FROM incoming").fetchone()[0]
    summary.known = len(changes) - fresh
    # An infinite margin (a reviewer accepted the held changes) holds nothing back.
    limit = (1 << 63) - 1 if margin_min == float("inf") else \
        pack(int(now_ms + margin_min * 60_000), 0xFFFF)  # fmt: skip
    summary.held = conn.execute(
        "INSERT INTO held SELECT origin, seq, hlc, tbl, row_id, field, value, base, ?, ?"
        " FROM incoming WHERE hlc > ?",
        (f"stamped more than {margin_min:g} min ahead of this laptop's clock",
         timefmt.now_iso(), limit)).rowcount
    conn.execute("DELETE FROM incoming WHERE hlc > ?", (limit,))
    if fresh - summary.held:
        _apply(store, summary)
    _advance_vector(store, set(numbers.values()))
    return summary


_WINNERS = """
SELECT row_id, field, origin, seq, hlc, base, value, tbl FROM (
  SELECT c.row_id, c.field, c.origin, c.seq, c.hlc, c.base, c.value, c.tbl,
         row_number() OVER (PARTITION BY c.row_id, c.field
                            ORDER BY c.hlc DESC, s.site_id DESC) AS rank
  FROM touched t JOIN change_log c ON c.row_id = t.row_id AND c.field = t.field
  JOIN sites s ON s.site_no = c.origin)
WHERE rank = 1
"""


def _winners(conn: Any) -> dict[tuple[str, str], tuple[Any, ...]]:
    return {(r[0], r[1]): tuple(r) for r in conn.execute(_WINNERS)}


def _apply(store: Store, summary: MergeSummary) -> None:
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (row_id TEXT, field TEXT,"
                 " PRIMARY KEY (row_id, field)) WITHOUT ROWID")
    conn.execute("DELETE FROM touched")
    conn.execute("INSERT OR IGNORE INTO touched SELECT row_id, field FROM incoming")
    before = _winners(conn)
    existing_rows = {r[0] for r in conn.execute(
        "SELECT DISTINCT t.row_id FROM touched t WHERE EXISTS (SELECT 1 FROM change_log c"
        " WHERE c.row_id = t.row_id)")}
    conn.execute("INSERT INTO change_log SELECT * FROM incoming")
    after = _winners(conn)
    site_ids = dict(conn.execute("SELECT site_no, site_id FROM sites"))
    changed: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for key, winner in after.items():
        previous = before.get(key)
        if previous is not None and previous[2:4] == winner[2:4]:
            continue  # the field keeps its value: every new change lost
        row_id, name, *_, value, tbl = winner
        changed[(tbl, row_id)][name] = value
    summary.applied = sum(len(fields) for fields in changed.values())
    summary.superseded = conn.execute("SELECT count(*) FROM incoming").fetchone()[0] \
        - summary.applied  # fmt: skip
    for (tbl, row_id), fields in changed.items():
        _write_row(conn, tbl, row_id, fields)
        (summary.records_updated if row_id in existing_rows
         else summary.records_new).add((tbl, row_id))
    summary.conflicts = _record_conflicts(conn, before, after, site_ids)


def _write_row(conn: Any, tbl: str, row_id: str, fields: dict[str, str]) -> None:
    spec = TABLES[tbl]
    columns, values = [], []
    for name, text in fields.items():
        raw = codec.from_log(text)
        if name == "deleted":
            columns.append("deleted")
            values.append(int(bool(raw)))
        else:
            columns.append(f'"{name}"')
            values.append(codec.to_column(spec.by_name[name].kind, raw))
    conn.execute(f'INSERT OR IGNORE INTO "{tbl}" (id) VALUES (?)', (row_id,))
    assignments = ", ".join(f"{c} = ?" for c in columns)
    conn.execute(f'UPDATE "{tbl}" SET {assignments} WHERE id = ?', (*values, row_id))


def _record_conflicts(conn: Any, before: dict[tuple[str, str], tuple[Any, ...]],
                      after: dict[tuple[str, str], tuple[Any, ...]],
                      site_ids: dict[int, str]) -> int:
    """List the latest value of each origin that lost to an edit made without knowing it."""
    candidates: dict[tuple[str, str], dict[int, tuple[Any, ...]]] = defaultdict(dict)
    for row in conn.execute("SELECT row_id, field, origin, seq, hlc, base, value, tbl"
                            " FROM incoming ORDER BY hlc"):
        candidates[(row[0], row[1])][row[2]] = tuple(row)  # the last per origin remains
    found = []
    now = timefmt.now_iso()
    for key, latest in candidates.items():
        winner = after[key]
        previous = before.get(key)
        if previous is not None and previous[2] not in latest:
            latest[previous[2]] = previous
        for origin, change in latest.items():
            if origin == winner[2] or change[6] == winner[6]:
                continue
            if winner[5] == change[4] or change[5] == winner[4]:
                continue  # one was made on top of the other: a sequence, not a conflict
            found.append((change[7], key[0], key[1], origin, change[3], winner[2], winner[3],
                          now))
    conn.executemany("INSERT INTO conflicts (tbl, row_id, field, loser_origin, loser_seq,"
                     " winner_origin, winner_seq, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     found)
    return len(found)


def _advance_vector(store: Store, origins: set[int]) -> None:
    """Move each origin's contiguous high-water mark over the sequences now held."""
    conn = store.conn
    for origin in origins:
        row = conn.execute("SELECT contiguous FROM vector WHERE origin = ?", (origin,)).fetchone()
        upto = row[0] if row else 0
        for (seq,) in conn.execute("SELECT seq FROM change_log WHERE origin = ? AND seq > ?"
                                   " ORDER BY seq", (origin, upto)):
            if seq != upto + 1:
                break
            upto = seq
        conn.execute("INSERT INTO vector VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET"
                     " contiguous = excluded.contiguous", (origin, upto))
