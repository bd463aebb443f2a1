"""Stores of several nations that know each other's keys, for the sync tests."""

from __future__ import annotations

import shutil
import sqlite3
import uuid
from pathlib import Path
from typing import Any

from app.core.store import Store
from app.core.sync import exchange, keys
from app.core.trust import enrolment, nation_keys, registry


def make_sites(tmp: Path, *nations: str) -> list[Store]:
    """One store per nation (in order), each trusting every other's key."""
    stores = [Store.create(tmp / f"{i}-{n}.db", n, f"{n} cell {i}") for i, n in enumerate(nations)]
    trust_each_other(stores)
    return stores


def nation_key(nation: str) -> nation_keys.NationKey:
    """One root key per nation for the whole test run (as each nation has one)."""
    if nation not in _NATION_KEYS:
        _NATION_KEYS[nation] = nation_keys.create(nation)
    return _NATION_KEYS[nation]


_NATION_KEYS: dict[str, nation_keys.NationKey] = {}


def site_key(store: Store) -> keys.SiteKey:
    """The key file a site would export, as its nation's key officer reads it."""
    private = exchange.site_private_key(store)
    public = keys.public_of(private)
    return keys.SiteKey(store.site_id, store.nation, store.site_name, public,
                        keys.fingerprint(public), keys.encryption_public_of(private))


def certify(store: Store, role: str = "cell", days: int = 365) -> None:
    """Enrol `store` in its nation: a certificate and the nation's decryption key."""
    key = nation_key(store.nation)
    enrolment.install(store, enrolment.make(key, site_key(store), role, days),
                      key.public.fingerprint)


def trust_nations(store: Store, *nations: str) -> None:
    for nation in nations:
        public = nation_key(nation).public
        registry.trust_nation(store, public, public.fingerprint)


def trust_each_other(stores: list[Store]) -> None:
    """Every store is certified by its nation and trusts every nation's root key (as after
    the key officers met once); sites then know each other through their certificates."""
    nations = sorted({s.nation for s in stores})
    for store in stores:
        certify(store)
        trust_nations(store, *nations)


def confirm_keys(stores: list[Store]) -> None:
    """Every store also trusts every other's site key directly (words read by phone)."""
    for store in stores:
        for other in stores:
            if other is not store:
                exchange.trust_key(store, site_key(other))


def send(source: Store, target: Store, tmp: Path, full: bool = False) -> Any:
    path = tmp / f"{source.site_id[:8]}-to-{target.site_id[:8]}-{_next()}.mcb"
    exchange.export(source, [target.nation], path, full=full)
    return exchange.import_bundle(target, path)


_counter = [0]


def _next() -> int:
    _counter[0] += 1
    return _counter[0]


def exercise(**changes: Any) -> dict[str, Any]:
    # No lead nation: a joint exercise any nation's cell may edit.
    return {"name": "Iron Wolf 26", "start": "2026-06-01T00:00:00Z",
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


def site_from_template(template: Path, path: Path) -> Store:
    """A new site from a template store: same reference data and trust, its own site id."""
    shutil.copy(template, path)
    conn = sqlite3.connect(path)
    old = conn.execute("SELECT value FROM meta WHERE key = 'site_id'").fetchone()[0]
    new = str(uuid.uuid4())
    conn.execute("UPDATE meta SET value = ? WHERE key = 'site_id'", (new,))
    conn.execute("UPDATE sites SET site_id = ?, public_key = NULL WHERE site_id = ?",
                 (new, old))
    for table in ("site_secret", "audit_log", "audit_head"):  # the template's own key
        conn.execute(f"DELETE FROM {table}")
    conn.commit()
    conn.close()
    return Store.open(path, check="quick")
