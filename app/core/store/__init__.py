"""The local SQLite store: schema, migrations and the single write path."""

from app.core.store.store import Store, StoreError
from app.core.store.writer import Change, Writer

__all__ = ["Change", "Store", "StoreError", "Writer"]
