"""All or nothing: an import killed with SIGKILL at any moment leaves the store intact and in
its state either before or after the import.

A child process imports a bundle of about 5,500 changes (new records, updates of records the
target holds, concurrent edits that become conflicts) and marks on its stdout when the
import starts, when its transaction begins, when COMMIT starts and when the import returns
(from SQLite's statement trace). The parent kills it at moments anchored on those marks, so
that kills land during verification, inside the transaction, during the commit and after
it. Each time the store must pass the full integrity check and equal one of the two states.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from app.core.store import Store
from app.core.sync import exchange
from app.core.sync.digest import digest
from tests.core.sync_sites import exercise, make_sites

ROOT = Path(__file__).resolve().parents[2]

# The child: the import as `movcon sync import` runs it, with marks on stdout. The trace
# callback runs before each statement, so "commit" is printed before COMMIT does any work.
CHILD = """
import sys, time
from pathlib import Path
from app.core.store import Store
from app.core.sync import exchange

store = Store.open(sys.argv[1], check="quick")
start = time.perf_counter()

def mark(word):
    sys.stdout.write(f"{word} {time.perf_counter() - start:.6f}\\n")
    sys.stdout.flush()

def trace(sql):
    if sql.startswith(("BEGIN", "COMMIT", "ROLLBACK")):
        mark(sql.split()[0].lower())

store.conn.set_trace_callback(trace)
mark("go")
exchange.import_bundle(store, Path(sys.argv[2]))
mark("done")
"""

# (mark to wait for, delay after it as a fraction of a measured span, span)
SCHEDULE: list[tuple[str, float, str]] = (
    [("go", f, "verify") for f in (0.0, 0.2, 0.4, 0.6, 0.8, 1.0)]
    + [("begin", f, "transaction") for f in (0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7,
                                             0.8, 0.9, 1.0, 1.1)]
    + [("commit", f, "commit") for f in (0.0, 0.3, 0.7)]
    + [("done", f, "transaction") for f in (0.0, 0.3)]
)  # fmt: skip


def _movement(n: int) -> dict[str, Any]:
    return {"name": f"Convoy {n}", "owner": "LT", "unit": "Iron Wolf", "domain": "road",
            "priority": "exercise", "status": "planned",
            "route": [[22.93, 54.10], [23.35, 54.56], [24.37, 55.03]],
            "requested_at": "2026-05-20T08:00:00Z", "depart": "2026-06-02T04:00:00Z",
            "speed_kmh": 50.0, "vehicle_interval_m": 100.0, "personnel": 100 + n}


def _state(store: Store) -> tuple[Any, ...]:
    """The synced content and the import's bookkeeping: all of it moves together or not."""
    counts = tuple(store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in (
        "change_log", "batches", "bundles_seen", "conflicts", "peers", "held"))
    vector = sorted(tuple(r) for r in store.conn.execute("SELECT * FROM vector"))
    return digest(store), counts, vector


def _prepare(tmp: Path) -> tuple[Path, Path]:
    """A target store (closed, so its file alone is the store) and a bundle for it."""
    lt, lv = make_sites(tmp, "LT", "LV")
    with lt.write() as w:
        shared = [w.insert("exercises", exercise(name=f"Shared {n}")) for n in range(50)]
    path = tmp / "first.mcb"
    exchange.export(lt, ["LV"], path)
    exchange.import_bundle(lv, path)
    with lv.write() as w:  # edits LT does not know of: conflicts when LT's arrive
        for n, record in enumerate(shared[:10]):
            w.update("exercises", record, {"description": f"from Riga {n}"})
    with lt.write() as w:
        for n, record in enumerate(shared):
            w.update("exercises", record, {"description": f"from Vilnius {n}"})
        for n in range(250):
            w.insert("movements", _movement(n))
            w.insert("critical_points", {
                "name": f"Point {n}", "kind": "bridge", "nation": "LT",
                "position": [23.0 + n * 1e-3, 54.5], "mlc_tracked": 70.0,
                "exclusive": n % 2 == 0, "restrictions": "night only", "source": "test"})
    bundle = tmp / "big.mcb"
    exchange.export(lt, ["LV"], bundle)
    target = lv.path
    lt.close()
    lv.close()
    return target, bundle


def _run(target: Path, bundle: Path, anchor: str | None, delay: float,
         ) -> tuple[dict[str, float], int]:
    """Run the child; kill it `delay` s after mark `anchor` (None: let it finish)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", CHILD, str(target), str(bundle)], cwd=ROOT,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    marks: dict[str, float] = {}
    try:
        if anchor is not None:
            for line in proc.stdout:
                word, at = line.split()
                marks[word] = float(at)
                if word == anchor:
                    time.sleep(delay)
                    os.kill(proc.pid, signal.SIGKILL)  # not yet waited for: still our child
                    break
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for line in rest.splitlines():
        word, at = line.split()
        marks[word] = float(at)
    assert proc.returncode in (0, -signal.SIGKILL), err
    return marks, proc.returncode


def test_an_import_killed_at_any_moment_is_all_or_nothing(tmp_path: Path) -> None:
    started = time.perf_counter()
    pristine, bundle = _prepare(tmp_path)
    with Store.open(pristine) as store:
        before = _state(store)

    # Complete runs in a child give the state after and the spans to aim the kills at (from
    # the faster run: the first one reads a cold cache).
    runs = []
    for i in range(2):
        whole = tmp_path / f"whole-{i}.db"
        shutil.copy(pristine, whole)
        marks, code = _run(whole, bundle, None, 0.0)
        assert code == 0 and list(marks) == ["go", "begin", "commit", "done"], marks
        with Store.open(whole) as store:
            runs.append((marks["done"], marks, _state(store)))
    assert runs[0][2] == runs[1][2]
    _, marks, after = min(runs, key=lambda r: r[0])
    spans = {"verify": marks["begin"], "transaction": marks["done"] - marks["begin"],
             "commit": marks["done"] - marks["commit"]}
    assert after != before
    assert after[1][0] - before[1][0] > 5000  # the bundle's new changes are in the log

    outcomes: list[tuple[str, float, str, str]] = []  # anchor, delay, last mark, state
    for i, (anchor, fraction, span) in enumerate(SCHEDULE):
        copy = tmp_path / f"kill-{i}.db"
        shutil.copy(pristine, copy)
        delay = fraction * spans[span]
        seen, _ = _run(copy, bundle, anchor, delay)
        last = max(seen, key=seen.__getitem__)
        with Store.open(copy) as store:  # the full integrity check, or StoreError
            assert store.verify() == []
            state = _state(store)
        assert state in (before, after), f"kill {i} after {anchor} + {delay:.4f}s: mixed state"
        outcome = "before" if state == before else "after"
        outcomes.append((anchor, delay, last, outcome))
        # What the marks prove: no commit started means nothing applied; returned means all.
        if last in ("go", "begin"):
            assert outcome == "before", outcomes[-1]
        elif last == "done":
            assert outcome == "after", outcomes[-1]
        else:
            assert last == "commit", outcomes[-1]  # a kill in COMMIT: either state is right

    report = "\n".join(f"  after {a:6} + {d * 1000:6.1f} ms: last mark {m:6} -> {o}"
                       for a, d, m, o in outcomes)
    print(f"import {marks['done'] * 1000:.0f} ms (transaction from "
          f"{marks['begin'] * 1000:.0f} ms, commit from {marks['commit'] * 1000:.0f} ms)\n"
          f"{report}")
    landed = {m for _, _, m, _ in outcomes}
    # Each anchor waits for its mark, so these hold however loaded the machine is, except
    # "go": a kill right after it lands before the transaction unless this process is held
    # off the CPU for the whole verification (tens of ms).
    assert {"go", "begin", "done"} <= landed, report
    assert {o for *_, o in outcomes} == {"before", "after"}, report
    assert time.perf_counter() - started < 60
