"""Property: a site without authority never changes another nation's data anywhere, however
its changes travel; every honest store still ends equal and keeps the refused changes.

2 to 7 sites of three nations edit exercises led by their own nation; one site (a tampered
client) also writes edits to other nations' exercises, bypassing its own checks. Bundles
go shuffled, dropped, duplicated and relayed, the tampered site relaying too; some sites
are revoked along the way, the revocation reaching stores before or after their changes.
After a full exchange through an honest hub: the honest stores agree, none holds a forged
value, and each keeps every forged change in its quarantine.

CI runs 60 examples; a thorough run: MOVCON_AUTHORITY_EXAMPLES=600 pytest -k authority.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import timefmt
from app.core.store import Store
from app.core.sync import exchange
from app.core.sync.digest import digest
from app.core.trust import certificates, registry
from tests.core.sync_sites import certify, nation_key, site_from_template, trust_nations

NATIONS = ("LT", "LV", "EE")
EXAMPLES = int(os.environ.get("MOVCON_AUTHORITY_EXAMPLES", "60"))
FORGED = "FORGED"


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("authority-templates")
    out = {}
    for nation in NATIONS:
        path = folder / f"{nation}.db"
        with Store.create(path, nation, f"{nation} cell") as store:
            trust_nations(store, *NATIONS)
        out[nation] = path
    return out


def _site(template: Path, path: Path) -> Store:
    store = site_from_template(template, path)
    certify(store)
    return store


operation = st.tuples(st.sampled_from(["insert", "update", "send", "relay", "insert", "update",
                                       "send", "revoke"]),
                      st.integers(0, 10), st.integers(0, 10), st.integers(0, 3))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sites=st.integers(2, 7), forger=st.integers(1, 6),
       operations=st.lists(operation, min_size=1, max_size=30))
def test_authority_holds_on_every_path(templates: dict[str, Path],
                                       tmp_path_factory: pytest.TempPathFactory, sites: int,
                                       forger: int, operations: list[tuple[str, int, int, int]],
                                       ) -> None:
    tmp = tmp_path_factory.mktemp("authority")
    stores = [_site(templates[NATIONS[i % 3]], tmp / f"{i}.db") for i in range(sites)]
    forger = forger % sites or 1 % sites  # never the hub (site 0)
    records: list[str] = []
    bundles: list[tuple[Path, int]] = []
    forged: set[tuple[str, int]] = set()
    revoked: set[int] = set()
    lists: dict[str, certificates.RevocationList] = {}  # each nation's officer's newest
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
                    "name": f"ex {len(records)}", "lead_nation": store.nation,
                    "start": "2026-06-01T00:00:00Z", "end": "2026-06-05T00:00:00Z"}))
        elif kind == "update" and records:
            record = records[(a + b) % len(records)]
            current = store.get("exercises", record)
            if current is None:
                continue  # not heard of here yet
            if current["lead_nation"] == store.nation:
                with store.write() as w:
                    w.update("exercises", record, {"description": f"{store.nation} {c}"})
            elif source == forger:  # a tampered client skips its own check
                with store.write(check_authority=False) as w:
                    w.update("exercises", record, {"description": f"{FORGED} {c}"})
                    forged |= {(store.site_id, ch.seq) for ch in w.changes}
        elif kind == "send" and source != target:
            path = export(source, target)
            if c != 0:
                deliver(path, target)
            bundles.append((path, target))
        elif kind == "relay" and bundles:
            path, target = bundles[(a + c) % len(bundles)]
            deliver(path, target)
        elif kind == "revoke" and target not in {0, source} | revoked:
            # The target's nation revokes it (lost); the list starts at the source's store.
            nation = stores[target].nation
            made = certificates.revoke(nation_key(nation), lists.get(nation),
                                       stores[target].site_id,
                                       datetime.now(timefmt.UTC), "lost")
            lists[nation] = made
            registry.record_revocation(store, made, "lost laptop")
            revoked.add(target)
    for i in range(1, sites):
        deliver(export(i, 0), 0)
    for i in range(1, sites):
        deliver(export(0, i), i)
    honest = [s for i, s in enumerate(stores) if i != forger and i not in revoked]
    assert len({digest(s) for s in honest}) == 1
    for store in honest:
        values = {r["description"] for r in store.rows("exercises")}
        assert not any(v and v.startswith(FORGED) for v in values)
        kept = {(r["origin"], r["seq"]) for r in exchange.quarantined(store)}
        assert forged <= kept  # refused, yet kept: nothing is lost
    for store in stores:
        store.close()
