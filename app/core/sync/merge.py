"""Merging changes received from other sites into the store, in the caller's transaction.

Per field, the change with the highest (hybrid clock, origin site id) wins. Every received
change is kept in the change log, winner or not, so nothing a user typed is lost; a value
that lost to an edit made without knowing it is also listed in `conflicts` for review.
Changes stamped too far ahead of this laptop's clock are held, not applied, so a laptop
with a wrong clock cannot push the others' clocks into the future.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
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
    rows = [(numbers[c[0]], *c[1:]) for c in changes]
    conn.executemany("INSERT OR IGNORE INTO incoming VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
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
        # With nothing known, held or repeated, `incoming` holds `rows` exactly: a first import
        # reads them from here rather than back out of SQLite.
        _apply(store, summary, rows if fresh - summary.held == len(rows) else None)
    advance_vector(store, set(numbers.values()))
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


def _apply(store: Store, summary: MergeSummary,
           rows: Iterable[tuple[Any, ...]] | None) -> None:
    """Add `incoming` (whose rows are `rows` when given) to the log and apply the winners."""
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
    site_ids = dict(conn.execute("SELECT site_no, site_id FROM sites"))
    # One pass over the new changes instead of ranking the log again: a field's winner is its
    # previous winner or the new change that beats it on (hlc, site id), as _WINNERS orders.
    # Conflict candidates (each origin's latest new change) are kept only for fields that
    # held a value or get more than one change: a field's first and only value conflicts with
    # nothing, and that is most of a large import.
    after = dict(before)
    latest: dict[tuple[str, str], dict[int, tuple[Any, ...]]] = {}
    if rows is None:
        cursor = conn.cursor()
        cursor.row_factory = None  # plain tuples: a sqlite3.Row per change costs more
        rows = cursor.execute("SELECT * FROM incoming")
    for origin, seq, hlc, tbl, row_id, name, value, base in rows:
        change = (row_id, name, origin, seq, hlc, base, value, tbl)  # as _WINNERS has them
        key = (row_id, name)
        best = after.get(key)
        if best is None:
            after[key] = change
            continue
        mine = latest.get(key)
        if mine is None:  # `best` is the field's previous winner or its first new change
            mine = latest[key] = {} if key in before else {best[2]: best}
        if (hlc, site_ids[origin]) > (best[4], site_ids[best[2]]):
            after[key] = change
        if origin not in mine or hlc > mine[origin][4]:
            mine[origin] = change
    changed: dict[tuple[str, str], dict[str, Any]] = defaultdict(dict)
    for key, winner in after.items():
        previous = before.get(key)
        if previous is not None and previous[2:4] == winner[2:4]:
            continue  # the field keeps its value: every new change lost
        changed[(winner[7], key[0])][key[1]] = winner[6]
    summary.applied = sum(len(fields) for fields in changed.values())
    summary.superseded = conn.execute("SELECT count(*) FROM incoming").fetchone()[0] \
        - summary.applied  # fmt: skip
    # Rows changing the same fields of a table are written by one statement.
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[str, dict[str, str]]]] = \
        defaultdict(list)  # fmt: skip
    for (tbl, row_id), fields in changed.items():
        groups[(tbl, tuple(sorted(fields)))].append((row_id, fields))
        (summary.records_updated if row_id in existing_rows
         else summary.records_new).add((tbl, row_id))
    for (tbl, names), records in groups.items():
        _write_rows(conn, tbl, names, records)
    summary.conflicts = _record_conflicts(conn, before, after, latest)


def _write_rows(conn: Any, tbl: str, names: tuple[str, ...],
                rows: Sequence[tuple[str, dict[str, str]]]) -> None:
    """Set `names` of each row (id, {name: value as JSON text}), adding rows not yet held."""
    spec = TABLES[tbl]
    kinds = [None if n == "deleted" else spec.by_name[n].kind for n in names]
    # Each value is one whole JSON text (checked when its bundle was read, or written here),
    # so joined as an array they parse at once, far faster than one json.loads each.
    texts = ["null" if text is None else text for _, fields in rows for text in
             (fields[n] for n in names)]  # fmt: skip
    try:
        raws = json.loads(f"[{','.join(texts)}]")
    except RecursionError:  # a value nested close to the limit: the array adds a level
        raws = []
    if len(raws) != len(texts):  # decode one by one, as each value was checked
        raws = [codec.from_log(text) for text in texts]
    width = len(names)
    values = []
    for i, (row_id, _) in enumerate(rows):
        out: list[Any] = [row_id]
        for kind, raw in zip(kinds, raws[i * width:(i + 1) * width], strict=True):
            out.append(int(bool(raw)) if kind is None else codec.to_column(kind, raw))
        values.append(out)
    columns = ["deleted" if n == "deleted" else f'"{n}"' for n in names]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
    conn.executemany(f'INSERT INTO "{tbl}" (id, {", ".join(columns)}) VALUES (?'
                     f'{", ?" * width}) ON CONFLICT (id) DO UPDATE SET {updates}', values)


def _record_conflicts(conn: Any, before: dict[tuple[str, str], tuple[Any, ...]],
                      after: dict[tuple[str, str], tuple[Any, ...]],
                      candidates: dict[tuple[str, str], dict[int, tuple[Any, ...]]]) -> int:
    """List the latest value of each origin that lost to an edit made without knowing it.

    `candidates`: each origin's latest new change, per field that held a value before or got
    several new changes (a field's one and only change conflicts with nothing).
    """
    found = []
    now = timefmt.now_iso()
    for key, latest in candidates.items():
        winner = after[key]
        previous = before.get(key)
        if previous is None and len(latest) == 1:
            continue  # one origin alone: its own edits follow each other
        if previous is not None and previous[2] not in latest:
            latest[previous[2]] = previous
        for origin, change in latest.items():
            if origin == winner[2] or change[6] == winner[6]:
                continue
            if winner[5] == change[4] or change[5] == winner[4]:
                continue  # one was made on top of the other: a sequence, not a conflict
            found.append((change[4], (change[7], key[0], key[1], origin, change[3],
                                      winner[2], winner[3], now)))
    found.sort(key=lambda f: f[0])  # listed in the order the losing edits were made
    conn.executemany("INSERT INTO conflicts (tbl, row_id, field, loser_origin, loser_seq,"
                     " winner_origin, winner_seq, detected_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     [f[1] for f in found])
    return len(found)


def advance_vector(store: Store, origins: set[int]) -> None:
    """Move each origin's contiguous high-water mark over the sequences now held."""
    conn = store.conn
    for origin in origins:
        row = conn.execute("SELECT contiguous FROM vector WHERE origin = ?", (origin,)).fetchone()
        upto = row[0] if row else 0
        # Sequences are distinct integers: as many above `upto` as the highest is above it
        # means no gap, the usual case, told without reading them one by one.
        # Quarantined changes are held too (kept, judged again later): no need to resend them.
        held = ("(SELECT seq FROM change_log WHERE origin = ?1 AND seq > ?2 UNION ALL"
                " SELECT seq FROM quarantine WHERE origin = ?1 AND seq > ?2)")
        top, count = conn.execute(f"SELECT max(seq), count(*) FROM {held}",
                                  (origin, upto)).fetchone()
        if count and top - upto == count:
            upto = top
        else:
            for (seq,) in conn.execute(f"SELECT seq FROM {held} ORDER BY seq", (origin, upto)):
                if seq != upto + 1:
                    break
                upto = seq
        conn.execute("INSERT INTO vector VALUES (?, ?) ON CONFLICT (origin) DO UPDATE SET"
                     " contiguous = excluded.contiguous", (origin, upto))


def rebuild_records(store: Store, records: set[tuple[str, str]]) -> None:
    """Set each record's fields from its change log again (after changes were withdrawn):
    per field the winner as `_WINNERS` ranks them; a field left without changes is empty,
    a record left without any is removed."""
    conn = store.conn
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS touched (row_id TEXT, field TEXT,"
                 " PRIMARY KEY (row_id, field)) WITHOUT ROWID")
    conn.execute("DELETE FROM touched")
    for tbl, row_id in records:
        names = ["deleted", *TABLES[tbl].field_names]
        conn.executemany("INSERT OR IGNORE INTO touched VALUES (?, ?)",
                         [(row_id, n) for n in names])
    winners = _winners(conn)
    for tbl, row_id in sorted(records):
        names = ("deleted", *TABLES[tbl].field_names)
        if not any((row_id, n) in winners for n in names):
            conn.execute(f'DELETE FROM "{tbl}" WHERE id = ?', (row_id,))
            continue
        fields = {n: winners[(row_id, n)][6] if (row_id, n) in winners else None
                  for n in names}
        _write_rows(conn, tbl, tuple(sorted(fields)), [(row_id, fields)])
