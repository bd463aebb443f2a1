"""Deconfliction: the sort-and-sweep conflict search against the pairwise definition.

Synthetic occupancies from a seeded generator: 10,000 movements over 1,000 critical points
in a 10-day period, each movement passing 3-8 points in order with windows of 5-40 min and
10-80 vehicles; about 10% of the points are exclusive, the rest take 40-200 vehicles/h.
The pairwise baseline compares every pair of windows at each point in plain Python; it is
measured on the first 1,000 movements and extrapolated by n^2 (windows per point grow with
n, and pairs with their square), and measured once at full size to check the estimate.
Both are checked to find the same conflicts. Then the whole planner on a 10,000-movement
synthetic store (route analysis, clearance, march tables, forecasts, conflicts), one
re-plan after a change of departure, and one suggestion.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from app.core import timefmt
from app.core.planning.deconfliction import find_conflicts, find_conflicts_naive
from app.core.planning.model import Conflict, Occupancy, Point
from bench.report import median_ms, table, timed

MOVEMENTS = 10_000
POINTS = 1_000
SAMPLE = 1_000
TARGET_MS = 1000.0
EPOCH = datetime(2026, 6, 1, tzinfo=timezone.utc)


def synthetic(movements: int = MOVEMENTS, points: int = POINTS, seed: int = 7,
              ) -> tuple[list[Occupancy], dict[str, Point]]:
    rng = random.Random(seed)
    catalogue = {}
    for i in range(points):
        exclusive = rng.random() < 0.1
        catalogue[f"p{i:04d}"] = Point(
            f"p{i:04d}", f"Point {i}", "bridge" if exclusive else "road_crossing", "LT",
            23.0, 54.0, capacity_per_hour=None if exclusive else rng.randint(40, 200),
            exclusive=exclusive)  # fmt: skip
    ids = sorted(catalogue)
    occs = []
    for m in range(movements):
        when = rng.uniform(0, 10 * 24 * 60)
        vehicles = rng.randint(10, 80)
        priority = rng.choices(("crisis", "exercise", "routine"), (1, 12, 5))[0]
        for point_id in rng.sample(ids, rng.randint(3, 8)):
            span = rng.uniform(5, 40)
            occs.append(Occupancy(f"m{m:05d}", point_id, EPOCH + timedelta(minutes=when),
                                  EPOCH + timedelta(minutes=when + span), vehicles, priority))
            when += span + rng.uniform(10, 120)  # on to the next point
    return occs, catalogue


def _same(a: list[Conflict], b: list[Conflict]) -> bool:
    # Crossing times are interpolated from differently summed loads: equal to the 10 ms.
    key = lambda c: (c.point_id, c.reason, c.movements, c.load)  # noqa: E731
    close = all(abs((x.start - y.start).total_seconds()) < 0.01
                and abs((x.end - y.end).total_seconds()) < 0.01 for x, y in zip(a, b, strict=False))
    return list(map(key, a)) == list(map(key, b)) and close


def _once(fn) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run(repeat: int = 5, planner: bool = True) -> tuple[str, dict[str, float]]:
    occs, points = synthetic()
    sample = [o for o in occs if int(o.movement_id[1:]) < SAMPLE]
    found = find_conflicts(occs, points)
    figures: dict[str, float] = {
        "occupancies": len(occs), "conflicts": len(found),
        "sweep_ms": median_ms(timed(lambda: find_conflicts(occs, points), repeat)),
        "sweep_1k_ms": median_ms(timed(lambda: find_conflicts(sample, points), repeat)),
        "naive_1k_ms": median_ms(timed(lambda: find_conflicts_naive(sample, points), 3)),
    }
    figures["naive_est_ms"] = figures["naive_1k_ms"] * (MOVEMENTS / SAMPLE) ** 2
    seconds, naive = _once(lambda: find_conflicts_naive(occs, points))
    figures["naive_ms"] = seconds * 1000
    agree = _same(found, naive) and _same(find_conflicts(sample, points),
                                          find_conflicts_naive(sample, points))  # fmt: skip
    sweep = figures["sweep_ms"]
    rows = [
        (f"sweep, {MOVEMENTS:,} movements", f"{sweep:.1f}", "1.0x", f"< {TARGET_MS:.0f} ms"),
        (f"sweep, {SAMPLE:,} movements", f"{figures['sweep_1k_ms']:.1f}", "", ""),
        (f"pairwise, {SAMPLE:,} movements (measured)", f"{figures['naive_1k_ms']:.1f}", "", ""),
        (f"pairwise, {MOVEMENTS:,} (extrapolated x n^2)", f"{figures['naive_est_ms']:.0f}",
         f"{figures['naive_est_ms'] / sweep:.0f}x", ""),
        (f"pairwise, {MOVEMENTS:,} (measured once)", f"{figures['naive_ms']:.0f}",
         f"{figures['naive_ms'] / sweep:.0f}x", ""),
    ]  # fmt: skip
    text = table(f"Deconfliction: {len(occs):,} windows at {POINTS:,} points, "
                 f"{len(found):,} conflicts; results agree: {'yes' if agree else 'NO'} "
                 f"(median of {repeat})", rows, ("search", "ms", "vs sweep", "target"))
    if planner:
        planned_text, planned = _planner()
        text += "\n" + planned_text
        figures |= planned
    return text, figures


def _planner() -> tuple[str, dict[str, float]]:
    from app.core import synthetic as stores
    from app.core.planning.planner import Planner
    from app.core.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "synthetic.db"
        write_s, _ = _once(lambda: stores.generate(path, MOVEMENTS, seed=1))
        store = Store.open(path)
        try:
            load_s, planner = _once(lambda: Planner(store))
            plan_s, _ = _once(planner.plan_all)
            conflicts = planner.conflicts()
            busy = max(planner.movement_ids(), key=lambda m: len(planner.conflicts_of(m)))
            record = store.get("movements", busy)
            with store.write() as w:
                w.update("movements", busy, {"depart": timefmt.add_minutes(record["depart"],
                                                                             45)})  # fmt: skip
            replan_s, _ = _once(lambda: planner.replan(busy))
            rechecked = len(planner.last_rechecked)
            suggest_s, _ = _once(lambda: planner.suggest(busy))
        finally:
            store.close()
    figures = {"store_write_s": write_s, "planner_load_ms": load_s * 1000,
               "plan_all_ms": plan_s * 1000, "replan_ms": replan_s * 1000,
               "suggest_ms": suggest_s * 1000, "store_conflicts": len(conflicts),
               "rechecked_points": rechecked}  # fmt: skip
    rows = [
        ("read the store (Planner(store))", f"{figures['planner_load_ms']:.0f}"),
        ("plan_all()", f"{figures['plan_all_ms']:.0f}"),
        (f"replan() of one movement ({rechecked} points re-checked)",
         f"{figures['replan_ms']:.1f}"),
        ("suggest() for the same movement", f"{figures['suggest_ms']:.1f}"),
    ]  # fmt: skip
    title = (f"Planner: synthetic store of {MOVEMENTS:,} movements (written in "
             f"{write_s:.0f} s, not timed), {len(conflicts):,} conflicts; one run each")
    return table(title, rows, ("step", "ms")), figures


if __name__ == "__main__":
    print(run()[0])
