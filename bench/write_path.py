"""One edit through the write path against a plain SQLite insert of the same row.

Each edit is its own transaction, as in the console (every command is committed when it is
made). The plain insert writes the same encoded row into the same table with the same
indexes; the write path adds validation, the change log (one row per field) and the clock.
The published overhead of cr-sqlite's change tracking on inserts is 2.5x.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from app.core.domain.records import MOVEMENTS
from app.core.ids import new_id
from app.core.store import Store, codec
from bench.report import median_ms, table, timed

TARGET_RATIO = 2.5


def movement(n: int) -> dict[str, object]:
    return {
        "name": f"Bench movement {n}", "owner": "LT", "unit": "PzBtl 393", "domain": "road",
        "priority": "exercise", "status": "submitted",
        "route": [[22.93, 54.10], [23.12, 54.30], [23.35, 54.56], [23.90, 54.90],
                  [24.37, 55.03]],
        "requested_at": "2026-05-20T08:00:00Z", "depart": "2026-06-02T04:00:00Z",
        "speed_kmh": 50.0, "vehicle_interval_m": 100.0, "personnel": 380,
    }  # fmt: skip


def run(repeat: int = 1500) -> tuple[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.create(Path(tmp) / "bench.db", "LT")
        conn = store.conn
        names = MOVEMENTS.field_names
        sql = store.insert_sql("movements")
        counter = iter(range(10**9))

        def plain_insert() -> None:
            values = movement(next(counter))
            row = [new_id()] + [codec.to_column(MOVEMENTS.by_name[n].kind, values.get(n))
                                for n in names]  # fmt: skip
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, row)
            conn.execute("COMMIT")

        log_sql = "INSERT INTO change_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        floor_seq = iter(range(10**9, 2 * 10**9))

        def floor_insert() -> None:
            # The same row and the same change-log rows in bare SQL: what the log itself costs.
            values = movement(next(counter))
            record_id = new_id()
            row = [record_id] + [codec.to_column(MOVEMENTS.by_name[n].kind, values.get(n))
                                 for n in names]  # fmt: skip
            logged = [(1, next(floor_seq), 0, "movements", record_id, n,
                       codec.to_log(values[n]), 0)
                      for n in names if values.get(n) is not None]  # fmt: skip
            conn.execute("BEGIN IMMEDIATE")
            conn.execute(sql, row)
            conn.executemany(log_sql, logged)
            conn.execute("COMMIT")

        def path_insert() -> None:
            with store.write() as w:
                w.insert("movements", movement(next(counter)))

        target = next(store.rows("movements"), None)
        plain_insert()
        target_id = next(store.rows("movements"))["id"] if target is None else target["id"]
        flip = iter(range(10**9))

        def plain_update() -> None:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE movements SET speed_kmh = ? WHERE id = ?",
                         (40.0 + next(flip) % 2, target_id))
            conn.execute("COMMIT")

        def path_update() -> None:
            with store.write() as w:
                w.update("movements", target_id, {"speed_kmh": 40.0 + next(flip) % 2})

        pending = iter([])

        def path_approve() -> None:
            # A decision: the write path also appends a signed entry to the audit log.
            with store.write() as w:
                w.update("movements", next(pending), {"status": "planned"})

        # Interleave warm-up so both see the same page cache and file size.
        timed(plain_insert, 200)
        timed(floor_insert, 200)
        timed(path_insert, 200)
        figures = {
            "plain_insert_ms": median_ms(timed(plain_insert, repeat)),
            "floor_insert_ms": median_ms(timed(floor_insert, repeat)),
            "path_insert_ms": median_ms(timed(path_insert, repeat)),
            "plain_update_ms": median_ms(timed(plain_update, repeat)),
            "path_update_ms": median_ms(timed(path_update, repeat)),
        }
        with store.write() as w:  # movements to approve, one each
            pending = iter([w.insert("movements", movement(next(counter)))
                            for _ in range(repeat)])
        figures["path_approve_ms"] = median_ms(timed(path_approve, repeat))
        store.close()
    figures["insert_ratio"] = figures["path_insert_ms"] / figures["plain_insert_ms"]
    figures["floor_ratio"] = figures["floor_insert_ms"] / figures["plain_insert_ms"]
    figures["update_ratio"] = figures["path_update_ms"] / figures["plain_update_ms"]
    rows = [
        ("movement insert, plain SQLite", f"{figures['plain_insert_ms']:.3f}", "1.00x", ""),
        ("movement insert + its log rows, bare SQL", f"{figures['floor_insert_ms']:.3f}",
         f"{figures['floor_ratio']:.2f}x", ""),
        ("movement insert, write path", f"{figures['path_insert_ms']:.3f}",
         f"{figures['insert_ratio']:.2f}x", f"<= {TARGET_RATIO}x"),
        ("one-field update, plain SQLite", f"{figures['plain_update_ms']:.3f}", "1.00x", ""),
        ("one-field update, write path", f"{figures['path_update_ms']:.3f}",
         f"{figures['update_ratio']:.2f}x", f"<= {TARGET_RATIO}x"),
        ("approval (status -> planned) + audit entry", f"{figures['path_approve_ms']:.3f}",
         f"{figures['path_approve_ms'] / figures['plain_update_ms']:.2f}x", ""),
    ]  # fmt: skip
    text = table(f"Write path: one edit per transaction (median of {repeat})", rows,
                 ("edit", "ms/edit", "ratio", "target"))
    return text, figures


if __name__ == "__main__":
    print(run()[0])
