"""A digest of everything a store synchronises: equal on two stores exactly when their
synced content is equal. Shown as hex and as words two cells can read over a phone."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from app.core.domain.records import TABLES
from app.core.store import codec
from app.core.sync.words import words

if TYPE_CHECKING:
    from app.core.store import Store


def digest(store: Store) -> bytes:
    """SHA-256 over every synced row (tombstones included), in table and id order."""
    h = hashlib.sha256()
    for name in sorted(TABLES):
        spec = TABLES[name]
        columns = ", ".join(f'"{f.name}"' for f in spec.fields)
        h.update(f"\x1e{name}".encode())
        for row in store.conn.execute(f'SELECT id, deleted, {columns} FROM "{name}" '
                                      "ORDER BY id"):
            values = [codec.from_column(f.kind, row[i + 2]) for i, f in enumerate(spec.fields)]
            h.update(codec.to_log([row[0], bool(row[1]), values]).encode())
            h.update(b"\x1f")
    return h.digest()


def digest_text(store: Store) -> tuple[str, str]:
    """(hex, words) of the digest."""
    value = digest(store)
    return value.hex(), words(value)
