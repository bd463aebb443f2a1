"""Stores of several nations that know each other's keys, for the sync tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.core.store import Store
from app.core.sync import exchange, keys


def make_sites(tmp: Path, *nations: str) -> list[Store]:
    """One store per nation (in order), each trusting every other's key."""
    stores = [Store.create(tmp / f"{i}-{n}.db", n, f"{n} cell {i}") for i, n in enumerate(nations)]
    trust_each_other(stores)
    return stores


def trust_each_other(stores: list[Store]) -> None:
    """Every store trusts every other's key (as after exchanging key files)."""
    for store in stores:
        for other in stores:
            if other is not store:
                public = exchange.site_public_key(other)
                exchange.trust_key(store, keys.SiteKey(other.site_id, other.nation,
                                                       other.site_name, public,
                                                       keys.fingerprint(public)))


def send(source: Store, target: Store, tmp: Path, full: bool = False) -> Any:
    path = tmp / f"{source.site_id[:8]}-to-{target.site_id[:8]}-{_next()}.mcb"
    exchange.export(source, [target.nation], path, full=full)
    return exchange.import_bundle(target, path)


_counter = [0]


def _next() -> int:
    _counter[0] += 1
    return _counter[0]


def exercise(**changes: Any) -> dict[str, Any]:
    return {"name": "Iron Wolf 26", "lead_nation": "LT", "start": "2026-06-01T00:00:00Z",
            "end": "2026-06-05T00:00:00Z", **changes}


def concurrent_edit(first: Store, second: Store, tmp: Path) -> str:
    """An exercise both stores hold, then edited by both before they exchange again: after
    `second` sends to `first`, `first` holds a conflict. Returns the exercise id."""
    with first.write() as w:
        record = w.insert("exercises", exercise())
    send(first, second, tmp)
    with first.write() as w:
        w.update("exercises", record, {"description": "from Vilnius"})
    with second.write() as w:
        w.update("exercises", record, {"description": "from Riga"})
    send(second, first, tmp)
    return record
