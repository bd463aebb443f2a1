"""Sync: export and import of 100,000 field changes through bundle files.

A source store (LT) gets exactly 100,000 change-log rows of its own through the write path:
movement, critical point and exercise inserts, topped up with one-field updates, in large
transactions. A target store (LV) and the source are certified by their nations and trust
both nations' keys, so the bundle is sealed and every change is screened for authority.
Measured, median of a few runs:
the export of everything; the first import into a fresh copy of the target (verification,
merge and commit, all in `exchange.import_bundle`); the same bundle imported again. The
baseline is a plain `executemany` of the same 100,000 rows into a table shaped like the
change log (same key and index) in a fresh SQLite file, run beside each import: merging
cannot be cheaper than that. Ratios are taken per run, then their median.
"""

from __future__ import annotations

import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from app.core.store import Store
from app.core.sync import exchange, keys
from app.core.sync.digest import digest
from app.core.trust import enrolment, nation_keys, registry
from bench.report import table
from bench.write_path import movement

CHANGES = 100_000
RUNS = 5
TARGET_EXPORT_S = 2.0
TARGET_IMPORT_PER_S = 50_000
TARGET_IMPORT_RATIO = 4.0
TARGET_AGAIN_RATIO = 10.0
BATCH = 1000  # records per write transaction


def _point(n: int) -> dict[str, object]:
    return {"name": f"Bench point {n}", "kind": "bridge", "nation": "LT",
            "position": [22.9 + (n % 1000) * 1e-3, 54.0 + (n // 1000) * 1e-2],
            "mlc_tracked": 70.0, "mlc_wheeled": 90.0, "max_width_m": 4.5,
            "exclusive": n % 2 == 0, "restrictions": "one way", "source": "bench"}  # fmt: skip


def _exercise(n: int) -> dict[str, object]:
    return {"name": f"Bench exercise {n}", "lead_nation": "LT",
            "start": "2026-06-01T00:00:00Z", "end": "2026-06-05T00:00:00Z"}


def _enrol(stores: list[Store]) -> None:
    """Each store certified by its nation's key; every store trusts every nation's root."""
    roots = {s.nation: nation_keys.create(s.nation) for s in stores}
    for store in stores:
        private = exchange.site_private_key(store)
        public = keys.public_of(private)
        site = keys.SiteKey(store.site_id, store.nation, store.site_name, public,
                            keys.fingerprint(public), keys.encryption_public_of(private))
        root = roots[store.nation]
        enrolment.install(store, enrolment.make(root, site, "cell", 30),
                          root.public.fingerprint)
        for other in roots.values():
            registry.trust_nation(store, other.public, other.public.fingerprint)


def _own_changes(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM change_log WHERE origin = ?",
                              (store.site_no(store.site_id),)).fetchone()[0]


def fill(store: Store, changes: int = CHANGES) -> None:
    """Write exactly `changes` change-log rows of this site through the write path."""
    kinds: list[tuple[str, Callable[[int], dict[str, object]], int]] = [
        ("movements", movement, 4000), ("critical_points", _point, 4000),
        ("exercises", _exercise, 1000)]
    movement_ids: list[str] = []
    for name, make, count in kinds:
        for start in range(0, count, BATCH):
            with store.write() as w:
                ids = [w.insert(name, make(n)) for n in range(start, start + BATCH)]
            if name == "movements":
                movement_ids += ids
    # One-field updates fill the rest exactly (each logs one row: the value always changes).
    left = changes - _own_changes(store)
    assert left >= 0, "the inserts alone exceed the wanted number of changes"
    for start in range(0, left, BATCH):
        with store.write() as w:
            for n in range(start, min(left, start + BATCH)):
                w.update("movements", movement_ids[n % len(movement_ids)],
                         {"remarks": f"update {n}"})
    assert _own_changes(store) == changes


def _plain_insert(rows: list[tuple[object, ...]], path: Path) -> float:
    """Seconds to insert `rows` with one executemany into a change-log-shaped table."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")  # as the store is tuned
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE change_log (origin INTEGER NOT NULL, seq INTEGER NOT NULL,"
                 " hlc INTEGER NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL,"
                 " field TEXT NOT NULL, value TEXT, base INTEGER NOT NULL DEFAULT 0,"
                 " PRIMARY KEY (origin, seq)) WITHOUT ROWID")
    conn.execute("CREATE INDEX change_log_row ON change_log (row_id, field, hlc)")
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany("INSERT INTO change_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    took = time.perf_counter() - start
    conn.close()
    return took


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(runs: int = RUNS) -> tuple[str, dict[str, float]]:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        source = Store.create(tmp / "source.db", "LT", "Bench source")
        target = Store.create(tmp / "target.db", "LV", "Bench target")
        _enrol([source, target])  # each certified by its nation, both nations trusted
        target.close()
        start = time.perf_counter()
        fill(source)
        fill_s = time.perf_counter() - start
        rows = [tuple(r) for r in source.conn.execute(
            "SELECT * FROM change_log WHERE origin = ? ORDER BY seq",
            (source.site_no(source.site_id),))]

        bundle = tmp / "all.mcb"
        # The first export also seals the batch; later ones only write the file again.
        export_s = [_timed(lambda: exchange.export(source, ["LV"], bundle, full=True))
                    for _ in range(runs + 1)]
        seal_s = export_s.pop(0)
        size = bundle.stat().st_size

        plain_s, first_s, again_s = [], [], []
        for i in range(runs):
            plain_s.append(_plain_insert(rows, tmp / f"plain-{i}.db"))
            copy = tmp / f"target-{i}.db"
            shutil.copy(tmp / "target.db", copy)  # closed: its WAL is in the file
            store = Store.open(copy)
            start = time.perf_counter()
            first = exchange.import_bundle(store, bundle)
            first_s.append(time.perf_counter() - start)
            summary = first.summary
            assert (summary.received, summary.known, summary.held) == (CHANGES, 0, 0)
            if i == 0:  # what arrived is what was sent, every kind of field included
                assert digest(store) == digest(source)
            start = time.perf_counter()
            again = exchange.import_bundle(store, bundle)
            again_s.append(time.perf_counter() - start)
            assert again.already_imported
            store.close()
        source.close()

    figures = {
        "changes": float(CHANGES), "fill_s": fill_s, "seal_and_export_s": seal_s,
        "export_s": statistics.median(export_s), "bundle_bytes": float(size),
        "bytes_per_change": size / CHANGES, "plain_insert_s": statistics.median(plain_s),
        "import_s": statistics.median(first_s), "again_s": statistics.median(again_s),
    }  # fmt: skip
    figures["plain_per_s"] = CHANGES / figures["plain_insert_s"]
    figures["import_per_s"] = CHANGES / figures["import_s"]
    # Ratios per run, then their median: each pair ran side by side, under the same load.
    figures["import_ratio"] = statistics.median(
        a / b for a, b in zip(first_s, plain_s, strict=True))
    figures["again_ratio"] = statistics.median(
        a / b for a, b in zip(first_s, again_s, strict=True))

    def mark(ok: bool) -> str:
        return "" if ok else "  MISSED"

    f = figures
    rows_out = [
        ("write path: 100,000 changes (set-up)", f"{f['fill_s']:.2f} s", "", ""),
        ("export, first (seals the batch; one run)", f"{f['seal_and_export_s']:.2f} s", "",
         f"< {TARGET_EXPORT_S:g} s" + mark(f["seal_and_export_s"] < TARGET_EXPORT_S)),
        ("export of everything, sealed", f"{f['export_s']:.2f} s", "",
         f"< {TARGET_EXPORT_S:g} s" + mark(f["export_s"] < TARGET_EXPORT_S)),
        ("bundle size", f"{f['bundle_bytes'] / 1e6:.1f} MB",
         f"{f['bytes_per_change']:.0f} B/change", ""),
        ("plain executemany, same rows", f"{f['plain_insert_s']:.3f} s",
         f"{f['plain_per_s'] / 1000:.0f}k/s", ""),
        ("first import (verify + merge)", f"{f['import_s']:.2f} s",
         f"{f['import_per_s'] / 1000:.0f}k/s",
         f">= {TARGET_IMPORT_PER_S // 1000}k/s"
         + mark(f["import_per_s"] >= TARGET_IMPORT_PER_S)),
        ("  against plain executemany", "", f"{f['import_ratio']:.1f}x",
         f"<= {TARGET_IMPORT_RATIO:g}x" + mark(f["import_ratio"] <= TARGET_IMPORT_RATIO)),
        ("same bundle again", f"{f['again_s']:.3f} s", f"{f['again_ratio']:.0f}x faster",
         f">= {TARGET_AGAIN_RATIO:g}x" + mark(f["again_ratio"] >= TARGET_AGAIN_RATIO)),
    ]  # fmt: skip
    text = table(f"Sync: {CHANGES:,} field changes in one bundle (median of {runs} runs; "
                 "fresh target copy for each first import)", rows_out,
                 ("step", "time", "rate / ratio", "target"))
    return text, figures


if __name__ == "__main__":
    print(run()[0])
