"""Property: however bundles travel, every store ends with the same content, nothing lost.

2 to 11 sites make random inserts, updates and deletes (concurrent edits of the same field
included) with clocks skewed by up to three days; bundles are delivered shuffled,
duplicated, dropped and sent again, and relayed through third sites. After a full exchange
all stores have the same digest, and every change ever committed is in every store's log.

CI runs 200 examples; a thorough run: MOVCON_SYNC_EXAMPLES=2000 pytest -k convergence.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.clock import wall_ms
from app.core.store import Store
from app.core.sync import exchange
from app.core.sync.digest import digest
from tests.core.sync_sites import certify, site_from_template, trust_nations

NATIONS = ("LT", "LV", "EE", "PL", "DE", "US", "GB", "FI", "SE", "DK", "NO")
DAY_MS = 86_400_000
EXAMPLES = int(os.environ.get("MOVCON_SYNC_EXAMPLES", "200"))


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("site-templates")
    out = {}
    for nation in NATIONS:
        path = folder / f"{nation}.db"
        with Store.create(path, nation, f"{nation} cell") as store:
            trust_nations(store, *NATIONS)  # as after the key officers met once
        out[nation] = path
    return out


_site = site_from_template


operation = st.tuples(st.sampled_from(["insert", "update", "delete", "send", "relay"]),
                      st.integers(0, 10), st.integers(0, 10), st.integers(0, 3))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sites=st.integers(2, 11), skews=st.lists(st.integers(-3 * DAY_MS, 3 * DAY_MS),
                                                min_size=11, max_size=11),
       operations=st.lists(operation, min_size=1, max_size=30))
def test_convergence(templates: dict[str, Path], tmp_path_factory: pytest.TempPathFactory,
                     sites: int, skews: list[int], operations: list[tuple[str, int, int, int]],
                     ) -> None:
    tmp = tmp_path_factory.mktemp("sync")
    stores = [_site(templates[NATIONS[i]], tmp / f"{i}.db") for i in range(sites)]
    for store, skew in zip(stores, skews, strict=False):
        store.clock._now_ms = lambda skew=skew: wall_ms() + skew
    for store in stores:
        certify(store)  # each site enrolled by its nation
    records: list[str] = []
    bundles: list[tuple[Path, int]] = []  # (file, recipient index)
    counter = 0

    def export(source: int, target: int) -> Path:
        nonlocal counter
        counter += 1
        path = tmp / f"b{counter}.mcb"
        exchange.export(stores[source], [stores[target].nation], path)
        return path

    def deliver(path: Path, target: int) -> None:
        exchange.import_bundle(stores[target], path, margin_min=float("inf"))

    for kind, a, b, c in operations:
        source, target = a % sites, b % sites
        store = stores[source]
        if kind == "insert":
            with store.write() as w:
                records.append(w.insert("exercises", {
                    "name": f"ex {len(records)} by {store.nation}",  # joint: anyone edits
                    "start": "2026-06-01T00:00:00Z", "end": "2026-06-05T00:00:00Z"}))
        elif kind in ("update", "delete") and records:
            record = records[(a + b) % len(records)]
            if store.get("exercises", record, include_deleted=True) is None:
                continue  # this site has not heard of it yet
            alive = store.get("exercises", record) is not None
            with store.write() as w:
                if kind == "update" and alive:
                    w.update("exercises", record, {"description": f"{store.nation} {c}"})
                elif kind == "update":
                    continue  # deleted here: an edit needs it restored first
                elif alive:
                    w.delete("exercises", record)
                else:
                    w.restore("exercises", record)
        elif kind == "send" and source != target:
            path = export(source, target)
            if c != 0:  # dropped one time in four
                deliver(path, target)
            bundles.append((path, target))
        elif kind == "relay" and bundles:
            path, target = bundles[(a + c) % len(bundles)]
            deliver(path, target)  # late, duplicated or out of order
    committed = {tuple(r) for s in stores for r in s.conn.execute(
        "SELECT origin, seq, value FROM changes")}
    # Full exchange through a hub: everyone to site 0, then site 0 to everyone.
    for i in range(1, sites):
        deliver(export(i, 0), 0)
    for i in range(1, sites):
        deliver(export(0, i), i)
    digests = {digest(s) for s in stores}
    assert len(digests) == 1
    for store in stores:
        held = {tuple(r) for r in store.conn.execute("SELECT origin, seq, value FROM changes")}
        assert committed <= held  # every change is current or in history
        store.close()
