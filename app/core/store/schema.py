"""Schema migrations, applied forward in order; `PRAGMA user_version` is how many ran.

Migrations are history: never edit one that has shipped, add the next. Synced tables have
a UUIDv7 text key and no unique index or foreign key, so rows made on different laptops
can always be merged.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

SYNCED_COLUMNS_V1: dict[str, list[tuple[str, str]]] = {
    "nations": [("code", "TEXT"), ("alpha3", "TEXT"), ("name", "TEXT"), ("agreements", "TEXT")],
    "exercises": [("name", "TEXT"), ("description", "TEXT"), ("lead_nation", "TEXT"),
                  ("start", "TEXT"), ("end", "TEXT")],
    "critical_points": [
        ("key", "TEXT"), ("name", "TEXT"), ("kind", "TEXT"), ("nation", "TEXT"),
        ("border_with", "TEXT"), ("position", "TEXT"), ("capacity_per_hour", "INTEGER"),
        ("slots_per_day", "INTEGER"), ("exclusive", "INTEGER"), ("mlc_tracked", "REAL"),
        ("mlc_wheeled", "REAL"), ("max_width_m", "REAL"), ("max_height_m", "REAL"),
        ("max_weight_t", "REAL"), ("gauges_mm", "TEXT"), ("dg_banned", "TEXT"),
        ("designator", "TEXT"), ("restrictions", "TEXT"), ("source", "TEXT")],
    "corridors": [("key", "TEXT"), ("name", "TEXT"), ("ref", "TEXT"), ("kind", "TEXT"),
                  ("nations", "TEXT"), ("geometry", "TEXT")],
    "vehicle_types": [("name", "TEXT"), ("category", "TEXT"), ("tracked", "INTEGER"),
                      ("mlc", "REAL"), ("weight_t", "REAL"), ("length_m", "REAL"),
                      ("width_m", "REAL"), ("height_m", "REAL"), ("dangerous_goods", "TEXT")],
    "movements": [
        ("name", "TEXT"), ("owner", "TEXT"), ("unit", "TEXT"), ("domain", "TEXT"),
        ("priority", "TEXT"), ("status", "TEXT"), ("exercise_id", "TEXT"), ("route", "TEXT"),
        ("requested_at", "TEXT"), ("depart", "TEXT"), ("arrive_by", "TEXT"),
        ("speed_kmh", "REAL"), ("vehicle_interval_m", "REAL"), ("personnel", "INTEGER"),
        ("remarks", "TEXT")],
    "serials": [("movement_id", "TEXT"), ("number", "INTEGER"), ("name", "TEXT"),
                ("vehicles", "TEXT")],
    "permits": [
        ("movement_id", "TEXT"), ("host_nation", "TEXT"), ("status", "TEXT"),
        ("agreement", "TEXT"), ("reference", "TEXT"), ("requested_at", "TEXT"),
        ("deadline", "TEXT"), ("decided_at", "TEXT"), ("decided_by", "TEXT"),
        ("valid_from", "TEXT"), ("valid_until", "TEXT"), ("conditions", "TEXT"),
        ("remarks", "TEXT")],
    "events": [("kind", "TEXT"), ("movement_id", "TEXT"), ("serial_id", "TEXT"),
               ("point_id", "TEXT"), ("at", "TEXT"), ("until", "TEXT"), ("delay_min", "INTEGER"),
               ("details", "TEXT"), ("reported_by", "TEXT")],
}  # fmt: skip

# Plain (non-unique) indexes for the lookups the console makes; they are local, not synced.
INDEXES_V1 = [
    ("movements", ("depart",)), ("movements", ("owner",)), ("movements", ("exercise_id",)),
    ("serials", ("movement_id",)), ("permits", ("movement_id",)), ("permits", ("host_nation",)),
    ("events", ("movement_id",)), ("events", ("point_id",)), ("critical_points", ("kind",)),
]  # fmt: skip


def _v1(conn: sqlite3.Connection) -> None:
    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID")
    # Sites this store has heard of: its own and the origins of the changes it holds. The
    # number is local to this store and keeps the log and its index compact (as cr-sqlite's
    # site ordinals do); the site id is what travels.
    conn.execute("CREATE TABLE sites (site_no INTEGER PRIMARY KEY, site_id TEXT NOT NULL UNIQUE,"
                 " nation TEXT, name TEXT)")
    # One row per field change: the feed for sync, history and undo.
    conn.execute(
        "CREATE TABLE change_log ("
        " origin INTEGER NOT NULL, seq INTEGER NOT NULL, hlc INTEGER NOT NULL,"
        " tbl TEXT NOT NULL, row_id TEXT NOT NULL, field TEXT NOT NULL, value TEXT,"
        " PRIMARY KEY (origin, seq)) WITHOUT ROWID"
    )
    conn.execute("CREATE INDEX change_log_row ON change_log (row_id, field, hlc)")
    # The log as other stores see it: origins by site id.
    conn.execute("CREATE VIEW changes AS SELECT s.site_id AS origin, c.seq, c.hlc, c.tbl,"
                 " c.row_id, c.field, c.value FROM change_log c"
                 " JOIN sites s ON s.site_no = c.origin")
    db = _database(conn)
    for table, columns in SYNCED_COLUMNS_V1.items():
        db[table].create({"id": str, "deleted": int} | {n: _PY_TYPES[t] for n, t in columns},
                         pk="id", not_null={"id", "deleted"}, defaults={"deleted": 0})
    for table, columns in INDEXES_V1:
        db[table].create_index(columns, index_name=f"{table}_{'_'.join(columns)}")


_PY_TYPES = {"TEXT": str, "INTEGER": int, "REAL": float}


def _database(conn: sqlite3.Connection) -> Any:
    # Imported here: only a migration needs it, and it costs a fifth of a second at start.
    import sqlite_utils

    return sqlite_utils.Database(conn)


def _v2(conn: sqlite3.Connection) -> None:
    """Planned halts and the gap between serials, for march tables."""
    conn.execute('ALTER TABLE movements ADD COLUMN "serial_gap_min" REAL')
    conn.execute('ALTER TABLE movements ADD COLUMN "halts" TEXT')


def _v3(conn: sqlite3.Connection) -> None:
    """Sync through bundles: site keys, sealed batches, vectors, peers, conflicts, held."""
    # The stamp of the value a change replaced (0: none): tells a conflict (made without
    # knowing the other value) from a sequence of edits.
    conn.execute("ALTER TABLE change_log ADD COLUMN base INTEGER NOT NULL DEFAULT 0")
    conn.execute("ALTER TABLE sites ADD COLUMN public_key BLOB")
    conn.execute("ALTER TABLE sites ADD COLUMN trusted_at TEXT")
    conn.execute("CREATE TABLE site_secret (site_id TEXT PRIMARY KEY, private_key BLOB NOT NULL)"
                 " WITHOUT ROWID")
    # Batches as their origin sealed and signed them, kept verbatim so they can be relayed.
    conn.execute("CREATE TABLE batches (origin INTEGER NOT NULL, first_seq INTEGER NOT NULL,"
                 " last_seq INTEGER NOT NULL, hash TEXT NOT NULL, prev_hash TEXT NOT NULL,"
                 " body BLOB NOT NULL, signature BLOB NOT NULL, PRIMARY KEY (origin, first_seq))"
                 " WITHOUT ROWID")
    # Highest sequence held without a gap, per origin (what this store holds).
    conn.execute("CREATE TABLE vector (origin INTEGER PRIMARY KEY, contiguous INTEGER NOT NULL)")
    # What each other site is known to hold (from its last bundle), and the exchanges.
    conn.execute("CREATE TABLE peers (site_id TEXT PRIMARY KEY, nation TEXT, name TEXT,"
                 " vector TEXT NOT NULL DEFAULT '{}', last_received_bundle TEXT,"
                 " last_received_at TEXT)")
    conn.execute("CREATE TABLE sent (nation TEXT PRIMARY KEY, bundle_id TEXT, sent_at TEXT,"
                 " changes INTEGER)")
    conn.execute("CREATE TABLE bundles_seen (bundle_id TEXT PRIMARY KEY, sender TEXT,"
                 " received_at TEXT, summary TEXT)")
    # Values that lost a concurrent edit, for review (both changes stay in the log).
    conn.execute("CREATE TABLE conflicts (id INTEGER PRIMARY KEY, tbl TEXT NOT NULL,"
                 " row_id TEXT NOT NULL, field TEXT NOT NULL, loser_origin INTEGER NOT NULL,"
                 " loser_seq INTEGER NOT NULL, winner_origin INTEGER NOT NULL,"
                 " winner_seq INTEGER NOT NULL, detected_at TEXT NOT NULL, resolved_at TEXT,"
                 " resolution TEXT)")
    conn.execute("CREATE INDEX conflicts_open ON conflicts (resolved_at, row_id)")
    # Changes stamped too far ahead of this laptop's clock: kept, not applied, for review.
    conn.execute("CREATE TABLE held (origin INTEGER NOT NULL, seq INTEGER NOT NULL,"
                 " hlc INTEGER NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL,"
                 " field TEXT NOT NULL, value TEXT, base INTEGER NOT NULL, reason TEXT,"
                 " held_at TEXT, PRIMARY KEY (origin, seq)) WITHOUT ROWID")
    conn.execute("DROP VIEW changes")
    conn.execute("CREATE VIEW changes AS SELECT s.site_id AS origin, c.seq, c.hlc, c.tbl,"
                 " c.row_id, c.field, c.value, c.base FROM change_log c"
                 " JOIN sites s ON s.site_no = c.origin")


def _v4(conn: sqlite3.Connection) -> None:
    """Trust between nations: nation keys, site certificates, revocations, quarantine, audit."""
    # Nation root keys this store trusts (after their fingerprint words were confirmed).
    conn.execute("CREATE TABLE trusted_nations (nation TEXT PRIMARY KEY, root_key BLOB NOT NULL,"
                 " encryption_key BLOB NOT NULL, binding BLOB NOT NULL, fingerprint TEXT NOT NULL,"
                 " trusted_at TEXT NOT NULL, trusted_by TEXT NOT NULL)")
    # This store's nation's decryption key (X25519), unwrapped from the site's enrolment.
    conn.execute("CREATE TABLE nation_secret (key_id TEXT PRIMARY KEY, nation TEXT NOT NULL,"
                 " private_key BLOB NOT NULL) WITHOUT ROWID")
    # Site certificates signed by a nation root; kept verbatim so that bundles carry them on.
    conn.execute("CREATE TABLE certificates (serial TEXT PRIMARY KEY, site_id TEXT NOT NULL,"
                 " nation TEXT NOT NULL, role TEXT NOT NULL, not_before TEXT NOT NULL,"
                 " not_after TEXT NOT NULL, body BLOB NOT NULL, signature BLOB NOT NULL,"
                 " received_at TEXT NOT NULL) WITHOUT ROWID")
    conn.execute("CREATE INDEX certificates_site ON certificates (site_id)")
    # The newest signed revocation list of each nation (an older one never replaces it).
    conn.execute("CREATE TABLE revocations (nation TEXT PRIMARY KEY, version INTEGER NOT NULL,"
                 " body BLOB NOT NULL, signature BLOB NOT NULL, received_at TEXT NOT NULL)")
    # Changes refused by authority: kept as received, not applied, listed for review.
    conn.execute("CREATE TABLE quarantine (origin INTEGER NOT NULL, seq INTEGER NOT NULL,"
                 " hlc INTEGER NOT NULL, tbl TEXT NOT NULL, row_id TEXT NOT NULL,"
                 " field TEXT NOT NULL, value TEXT, base INTEGER NOT NULL, reason TEXT NOT NULL,"
                 " sender TEXT NOT NULL, bundle_id TEXT NOT NULL, received_at TEXT NOT NULL,"
                 " PRIMARY KEY (origin, seq)) WITHOUT ROWID")
    # Decisions, hash-chained: each entry's hash covers the previous one's.
    conn.execute("CREATE TABLE audit_log (seq INTEGER PRIMARY KEY, at TEXT NOT NULL,"
                 " site_id TEXT NOT NULL, person TEXT NOT NULL, action TEXT NOT NULL,"
                 " subject TEXT NOT NULL, detail TEXT NOT NULL, prev_hash TEXT NOT NULL,"
                 " hash TEXT NOT NULL, signature BLOB NOT NULL)")
    conn.execute("CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1),"
                 " seq INTEGER NOT NULL, hash TEXT NOT NULL)")


def _v5(conn: sqlite3.Connection) -> None:
    """The permit workflow: agreements with their deadline rules, standing pre-authorisations,
    and what a permit records of how it was asked and decided."""
    for name, kind in (("mode", "TEXT"), ("preauthorisation_id", "TEXT"),
                       ("supersedes", "TEXT"), ("movement_number", "TEXT"),
                       ("form302_serial", "TEXT")):
        conn.execute(f'ALTER TABLE permits ADD COLUMN "{name}" {kind}')
    db = _database(conn)
    db["agreements"].create(
        {"id": str, "deleted": int, "key": str, "name": str, "members": str,
         "working_days": int, "crisis_hours": float, "source": str},
        pk="id", not_null={"id", "deleted"}, defaults={"deleted": 0})
    db["preauthorisations"].create(
        {"id": str, "deleted": int, "host_nation": str, "reference": str, "holders": str,
         "categories": str, "max_mlc": float, "dangerous_goods": str, "valid_from": str,
         "valid_until": str, "remarks": str},
        pk="id", not_null={"id", "deleted"}, defaults={"deleted": 0})
    # The inbox sorts and filters permits by these; local, not synced. The wide ones cover
    # the inbox's count and its page walk, so neither reads whole rows.
    for columns in (("deadline",), ("status",),
                    ("host_nation", "deleted", "deadline", "id", "movement_id")):
        db["permits"].create_index(columns, index_name=f"permits_{'_'.join(columns[:3])}")
    db["movements"].create_index(("id", "deleted", "owner"), index_name="movements_id_owner")
    db["preauthorisations"].create_index(("host_nation",),
                                         index_name="preauthorisations_host_nation")
    _permit_search(conn)


# One line of searchable text per permit: its movement's name, unit and owner, its host,
# reference and agreement. Kept by triggers, so every path that writes (the write path, a
# merge) keeps it current.
_SEARCH_TEXT = ("coalesce((SELECT m.name || ' ' || coalesce(m.unit, '') || ' ' || m.owner FROM"
                " movements m WHERE m.id = {p}.movement_id), '') || ' ' || {p}.host_nation ||"
                " ' ' || coalesce({p}.reference, '') || ' ' || coalesce({p}.agreement, '')")


def _permit_search(conn: sqlite3.Connection) -> None:
    """A trigram index over the permits' text, for the inbox's filter (SQLite 3.34+; where
    the trigram tokenizer is missing the inbox filters without it)."""
    try:
        conn.execute("CREATE VIRTUAL TABLE permit_search USING fts5(text,"
                     " tokenize = 'trigram')")
    except sqlite3.OperationalError:
        return
    new, each = _SEARCH_TEXT.format(p="new"), _SEARCH_TEXT.format(p="q")
    refresh = (f"UPDATE permit_search SET text = (SELECT {each} FROM permits q WHERE q.rowid ="
               " permit_search.rowid) WHERE rowid IN (SELECT rowid FROM permits WHERE"
               " movement_id = new.id);")
    # One statement each: executescript would commit the migration's transaction.
    for trigger in (
            "permit_search_insert AFTER INSERT ON permits BEGIN INSERT INTO permit_search"
            f" (rowid, text) VALUES (new.rowid, {new}); END",
            "permit_search_delete AFTER DELETE ON permits BEGIN DELETE FROM permit_search"
            " WHERE rowid = old.rowid; END",
            "permit_search_update AFTER UPDATE OF movement_id, host_nation, reference,"
            f" agreement ON permits BEGIN UPDATE permit_search SET text = {new} WHERE"
            " rowid = new.rowid; END",
            f"permit_search_movement_insert AFTER INSERT ON movements BEGIN {refresh} END",
            "permit_search_movement_update AFTER UPDATE OF name, unit, owner ON movements"
            f" BEGIN {refresh} END"):
        conn.execute(f"CREATE TRIGGER {trigger}")
    conn.execute(f"INSERT INTO permit_search (rowid, text) SELECT p.rowid,"
                 f" {_SEARCH_TEXT.format(p='p')} FROM permits p")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [_v1, _v2, _v3, _v4, _v5]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(conn: sqlite3.Connection) -> int:
    """Run the pending migrations in one transaction; returns how many ran."""
    current = conn.execute("PRAGMA user_version").fetchone()[0]
    pending = MIGRATIONS[current:]
    if not pending:
        return 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        for step, migration in enumerate(pending, start=current + 1):
            migration(conn)
            conn.execute(f"PRAGMA user_version = {step}")
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return len(pending)
