"""Opening, creating and reading a MovCon store (one SQLite file per laptop)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from app.core import timefmt
from app.core.clock import HybridClock
from app.core.domain import validation
from app.core.domain.records import table
from app.core.store import codec, schema
from app.core.store.writer import Writer


class StoreError(Exception):
    """A store that cannot be used: missing, damaged, foreign or from a newer version."""


class Store:
    """A MovCon store: the synced tables, the change log and this laptop's identity."""

    def __init__(self, path: Path, conn: sqlite3.Connection) -> None:
        self.path = path
        self.conn = conn
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        self.site_id: str = meta["site_id"]
        self.nation: str = meta["nation"]
        self.site_name: str = meta.get("site_name") or ""
        self._context: validation.Context | None = None
        # What this connection knows of the log's tail, valid while data_version is unchanged
        # (that is, while no other connection has committed).
        self._tail: tuple[int, dict[int, int], int] | None = None
        self._site_nos: dict[str, int] = {}
        self._authorities: dict[str, Any] = {}
        self.clock = HybridClock(self.last_stamp())

    # -- opening ------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, nation: str, site_name: str = "",
               site_id: str | None = None, with_baseline: bool = True) -> Store:
        """Make a new store for `nation`, loaded with the shipped reference data."""
        from app.core.store import baseline  # the reference data imports this module

        path = Path(path)
        nation = nation.strip().upper()
        known = {n["code"] for n in baseline.nations()}
        if nation not in known:
            raise StoreError(f"unknown nation code {nation!r}; known: {', '.join(sorted(known))}")
        site_name = site_name.strip()
        if len(site_name) > 200 or any(ord(ch) < 32 or ord(ch) == 127 for ch in site_name):
            raise StoreError("the site name must be at most 200 characters, on one line")
        if path.exists() and path.stat().st_size > 0:
            raise StoreError(f"{path} exists already; choose another file or remove it first")
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = _connect(path)
        try:
            _tune(conn)
            schema.migrate(conn)
            conn.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("site_id", site_id or str(uuid.uuid4())), ("nation", nation),
                ("site_name", site_name.strip() or f"{nation} cell"),
                ("created_at", timefmt.now_iso())])
            store = cls(path, conn)
            store.register_site(store.site_id, store.nation, store.site_name)
        except BaseException:
            conn.close()
            path.unlink(missing_ok=True)
            raise
        if with_baseline:
            baseline.load(store)
        return store

    @classmethod
    def open(cls, path: str | Path, check: str = "full") -> Store:
        """Open an existing store, migrating it forward; refuses a damaged or foreign file.

        `check` is "full" (SQLite's integrity_check: every page, row and index entry) or
        "quick" (quick_check: page structure only, about 7x faster on a large store; the
        console uses it to paint at once and runs `verify()` in the background).
        """
        if check not in ("full", "quick"):
            raise ValueError(f"check must be 'full' or 'quick', not {check!r}")
        path = Path(path)
        if not path.is_file():
            raise StoreError(f"no store at {path}; create one with 'movcon init --nation CC'")
        try:
            conn = _connect(path)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open {path}: {exc}") from None
        try:
            _check(conn, path, check)
            schema.migrate(conn)
            store = cls(path, conn)
            if store.conn.execute("SELECT 1 FROM meta WHERE key = 'baseline_version'"
                                  ).fetchone():
                from app.core.store import baseline

                baseline.load_later(store)  # reference data newer than the store
            return store
        except StoreError:
            conn.close()
            raise
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(f"{path} is damaged or not a MovCon store: {exc}") from None

    def close(self) -> None:
        self.conn.close()

    @property
    def db(self) -> Any:
        """The store as a `sqlite_utils.Database`, for inspection (never for writes)."""
        return schema._database(self.conn)

    def verify(self) -> list[str]:
        """SQLite's full integrity check; an empty list when the file is intact."""
        problems = [r[0] for r in self.conn.execute("PRAGMA integrity_check(5)")]
        return [] if problems == ["ok"] else problems

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing ------------------------------------------------------------------------
    def write(self, origin: str | None = None, clock: HybridClock | None = None,
              check_authority: bool = True, permits: bool = True) -> Writer:
        """The one way to change synced data: `with store.write() as w: w.insert(...)`.

        `check_authority` false is for the synthetic load generator only, which writes all
        nations' data as one site; every edit a person makes is checked. `permits` false
        leaves a movement's permits as they are (scenarios that write their own).
        """
        return Writer(self, origin or self.site_id, clock or self.clock, check_authority,
                      permits)

    def authority(self, origin: str) -> Any:
        """Who `origin` is when writing here (this site, or a site a scenario writes as)."""
        found = self._authorities.get(origin)
        if found is None:
            from app.core.trust.registry import Authorities, SiteAuthority

            if origin == self.site_id:
                found = Authorities(self).of(origin)
            else:
                row = self.conn.execute("SELECT nation, name FROM sites WHERE site_id = ?",
                                        (origin,)).fetchone()
                found = SiteAuthority(origin, row[0] if row else "", "cell", "scenario",
                                      None, None)
            self._authorities[origin] = found
        return found

    def validation_context(self) -> validation.Context:
        if self._context is None:
            codes = frozenset(r[0] for r in self.conn.execute(
                "SELECT code FROM nations WHERE deleted = 0"))
            self._context = validation.Context(nations=codes, exists=self.exists,
                                               route_problem=_route_problem)
        return self._context

    def forget_cached(self) -> None:
        """Drop what this connection remembers of the store (after a rollback or a merge)."""
        self._context = None
        self._site_nos.clear()
        self._authorities.clear()
        self._tail = None

    # -- reading ------------------------------------------------------------------------
    def get(self, table_name: str, record_id: str, include_deleted: bool = False,
            ) -> dict[str, Any] | None:
        spec = table(table_name)
        row = self.conn.execute(f'SELECT * FROM "{spec.name}" WHERE id = ?',
                                (record_id,)).fetchone()
        if row is None or (row["deleted"] and not include_deleted):
            return None
        return codec.decode_row(spec, row)

    def exists(self, table_name: str, record_id: str) -> bool:
        return self.conn.execute(
            f'SELECT 1 FROM "{table(table_name).name}" WHERE id = ? AND deleted = 0',
            (record_id,)).fetchone() is not None

    def rows(self, table_name: str, where: str = "", params: tuple[Any, ...] = (),
             order_by: str = "rowid", include_deleted: bool = False,
             ) -> Iterator[dict[str, Any]]:
        spec = table(table_name)
        clauses = [] if include_deleted else ["deleted = 0"]
        if where:
            clauses.append(f"({where})")
        sql = f'SELECT * FROM "{spec.name}"'
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        for row in self.conn.execute(f"{sql} ORDER BY {order_by}", params):
            yield codec.decode_row(spec, row)

    def count(self, table_name: str) -> int:
        return self.conn.execute(
            f'SELECT count(*) FROM "{table(table_name).name}" WHERE deleted = 0').fetchone()[0]

    def register_site(self, site_id: str, nation: str, name: str) -> None:
        """Remember who a change origin is, so history can name it."""
        self.conn.execute(
            "INSERT INTO sites (site_id, nation, name) VALUES (?, ?, ?) ON CONFLICT (site_id)"
            " DO UPDATE SET nation = excluded.nation, name = excluded.name",
            (site_id, nation, name))

    def site_no(self, site_id: str) -> int:
        """This store's number for a site (added if new); call inside a write transaction."""
        number = self._site_nos.get(site_id)
        if number is None:
            row = self.conn.execute("SELECT site_no FROM sites WHERE site_id = ?",
                                    (site_id,)).fetchone()
            number = row[0] if row else self.conn.execute(
                "INSERT INTO sites (site_id) VALUES (?)", (site_id,)).lastrowid
            self._site_nos[site_id] = number
        return number

    def site_names(self) -> dict[str, str]:
        return {r["site_id"]: f"{r['name']} ({r['nation']})" if r["name"] else ""
                for r in self.conn.execute("SELECT * FROM sites")}

    def _log_tail(self) -> tuple[dict[str, int], int]:
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._tail is None or self._tail[0] != version:
            # Each origin's stamps rise with its sequence, so its last row holds its newest.
            rows = self.conn.execute(
                "SELECT origin, max(seq), hlc FROM change_log GROUP BY origin").fetchall()
            self._tail = (version, {r[0]: r[1] for r in rows}, max((r[2] for r in rows),
                                                                  default=0))
        return self._tail[1], self._tail[2]

    def last_seq(self, origin: int) -> int:
        """The highest sequence number in the log for site number `origin` (0 if none)."""
        return self._log_tail()[0].get(origin, 0)

    def last_stamp(self) -> int:
        """The newest hybrid-clock stamp in the log."""
        return self._log_tail()[1]

    def committed(self, origin: int, seq: int, stamp: int) -> None:
        """The write path's note of what it just appended (saves re-reading the log).

        Only called after `last_seq` in the same transaction, so the tail is current; this
        connection's own commits leave data_version as it was.
        """
        assert self._tail is not None
        version, seqs, newest = self._tail
        seqs[origin] = seq
        self._tail = (version, seqs, max(newest, stamp))

    def insert_sql(self, table_name: str) -> str:
        return _insert_sql(table_name)

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]


@cache
def _land() -> Any:
    from app.core.planning.network import Network

    return Network(())  # the countries alone: enough to tell land from sea


def _route_problem(route: list[list[float]], domain: str) -> str | None:
    """Why a route cannot be travelled in its domain (a road through open sea), or None."""
    if domain not in ("road", "rail"):
        return None
    from app.core.planning.route import land_problem

    return land_problem(_land(), route, domain)


@cache
def _insert_sql(table_name: str) -> str:
    names = table(table_name).field_names
    cols = ", ".join(f'"{n}"' for n in names)
    return (f'INSERT INTO "{table_name}" (id, {cols}) '
            f"VALUES (?, {', '.join('?' * len(names))})")  # fmt: skip


def _connect(path: Path) -> sqlite3.Connection:
    # Autocommit mode: transactions are explicit (BEGIN IMMEDIATE in the write path).
    conn = sqlite3.connect(path, isolation_level=None, timeout=10.0)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA busy_timeout = 10000")
    return conn


def damaged_message(path: Path, problems: list[str]) -> str:
    return (f"{path} is damaged (SQLite integrity check: {'; '.join(problems)}). Restore it "
            "from a backup or re-import your last sync bundles into a new store.")


def _check(conn: sqlite3.Connection, path: Path, check: str) -> None:
    """Refuse a file that is not an intact MovCon store, saying which it is."""
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc):
            raise StoreError(f"{path} is not a MovCon store (not an SQLite database)") from None
        raise StoreError(damaged_message(path, [str(exc)])) from None
    pragma = "integrity_check" if check == "full" else "quick_check"
    problems = [r[0] for r in conn.execute(f"PRAGMA {pragma}(5)")]
    if problems != ["ok"]:
        raise StoreError(damaged_message(path, problems))
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > schema.SCHEMA_VERSION:
        raise StoreError(f"{path} was written by a newer MovCon (schema {version}; this "
                         f"version reads up to {schema.SCHEMA_VERSION}); upgrade MovCon")
    has_meta = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").fetchone()
    if version == 0 or not has_meta or conn.execute(
            "SELECT 1 FROM meta WHERE key = 'site_id'").fetchone() is None:
        raise StoreError(f"{path} is an SQLite file but not a MovCon store")
    _tune(conn)


def _tune(conn: sqlite3.Connection) -> None:
    # WAL lets the console read while a sync import writes; NORMAL is safe under WAL.
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA cache_size = -32000")  # 32 MB: a 10,000-movement store is ~100 MB
