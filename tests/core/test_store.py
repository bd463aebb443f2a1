import sqlite3
from pathlib import Path

import pytest

from app.core.domain.records import TABLES
from app.core.store import Store, StoreError, schema
from app.core.store.baseline import BASELINE_ORIGIN


def test_new_store_runs_every_migration_from_empty(tmp_path: Path) -> None:
    with Store.create(tmp_path / "a.db", "lv", "Riga NMCC") as store:
        assert store.schema_version == schema.SCHEMA_VERSION
        assert store.nation == "LV" and store.site_name == "Riga NMCC"
        assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        for name, spec in TABLES.items():
            columns = [r[1] for r in store.conn.execute(f'PRAGMA table_info("{name}")')]
            assert columns == ["id", "deleted", *spec.field_names], name


def test_synced_tables_have_no_unique_index_or_foreign_key(store: Store) -> None:
    for name in TABLES:
        assert store.conn.execute(f'PRAGMA foreign_key_list("{name}")').fetchall() == []
        for index in store.conn.execute(f'PRAGMA index_list("{name}")'):
            # Only the primary key's own index may be unique.
            assert not index["unique"] or index["origin"] == "pk", (name, index["name"])


def test_each_store_gets_a_random_site_id(tmp_path: Path) -> None:
    a = Store.create(tmp_path / "a.db", "EE")
    b = Store.create(tmp_path / "b.db", "EE")
    assert a.site_id != b.site_id
    assert a.site_name == "EE cell"


def test_unknown_nation_is_refused_and_no_file_is_left(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="unknown nation code 'XX'"):
        Store.create(tmp_path / "x.db", "XX")
    assert not (tmp_path / "x.db").exists()


def test_existing_file_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    path.write_text("keep me")
    with pytest.raises(StoreError, match="exists already"):
        Store.create(path, "LT")
    assert path.read_text() == "keep me"


def test_missing_file_gives_a_clear_message(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match=r"no store at .*movcon init"):
        Store.open(tmp_path / "nothing.db")


def test_a_file_that_is_not_sqlite_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"this is a shopping list, not a database" * 200)
    with pytest.raises(StoreError, match="not a MovCon store"):
        Store.open(path)


def test_an_sqlite_file_of_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="SQLite file but not a MovCon store"):
        Store.open(path)


def test_a_store_from_a_newer_version_is_refused(store: Store) -> None:
    path = store.path
    store.conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    store.close()
    with pytest.raises(StoreError, match="newer MovCon"):
        Store.open(path)


def test_a_damaged_store_is_detected(store: Store) -> None:
    path = store.path
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    root = store.conn.execute(
        "SELECT rootpage FROM sqlite_master WHERE name = 'change_log_row'").fetchone()[0]
    store.close()
    with open(path, "r+b") as f:  # scribble over an index page: the data still reads
        f.seek((root - 1) * page_size + 8)
        f.write(b"\xff" * 64)
    with pytest.raises(StoreError, match="damaged"):
        Store.open(path)


def test_reference_data_has_the_same_ids_and_log_in_every_store(tmp_path: Path) -> None:
    a = Store.create(tmp_path / "a.db", "LT")
    b = Store.create(tmp_path / "b.db", "PL")
    query = "SELECT origin, seq, hlc, tbl, row_id, field, value FROM changes ORDER BY seq"
    log_a = a.conn.execute(query).fetchall()
    assert log_a and [tuple(r) for r in log_a] == [tuple(r) for r in b.conn.execute(query)]
    assert {r["origin"] for r in log_a} == {BASELINE_ORIGIN}
    for name in ("nations", "critical_points", "corridors", "vehicle_types"):
        ids_a = [r["id"] for r in a.rows(name, order_by="id")]
        assert ids_a and ids_a == [r["id"] for r in b.rows(name, order_by="id")]


def test_reference_data_holds_the_agreement_nations(store: Store) -> None:
    codes = {r["code"] for r in store.rows("nations")}
    assert {"LT", "LV", "EE", "BE", "CZ", "DE", "LU", "NL", "PL", "SK",
            "US", "GB", "FI", "SE", "DK", "NO", "FR"} <= codes
    kinds = {r["kind"] for r in store.rows("critical_points")}
    assert {"road_crossing", "rail_crossing", "gauge_transfer", "port", "airfield",
            "garrison"} <= kinds


def _scribble(store: Store, object_name: str, offset: int = 8) -> Path:
    path = store.path
    store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = store.conn.execute("PRAGMA page_size").fetchone()[0]
    root = store.conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?",
                              (object_name,)).fetchone()[0]
    store.close()
    with open(path, "r+b") as f:
        f.seek((root - 1) * page_size + offset)
        f.write(b"\xff" * 64)
    return path


def test_quick_open_refuses_a_broken_page_and_verify_finds_the_rest(store: Store) -> None:
    path = _scribble(store, "critical_points")
    with pytest.raises(StoreError, match="damaged"):
        Store.open(path, check="quick")


def test_verify_reports_damage_that_a_quick_open_lets_through(store: Store) -> None:
    assert store.verify() == []
    with store.write() as w:
        w.insert("movements", {
            "name": "m", "owner": "LT", "unit": "1 bz", "domain": "road", "priority": "routine",
            "status": "planned", "route": [[23.1, 54.3], [24.1, 56.9]],
            "depart": "2026-06-02T06:00:00Z", "speed_kmh": 50, "vehicle_interval_m": 100})
    # Make an index disagree with its table: the pages stay sound, the contents do not.
    store.conn.execute("PRAGMA writable_schema = ON")
    store.conn.execute("UPDATE sqlite_master SET sql = replace(sql, '(\"owner\")', '(\"unit\")') "
                       "WHERE name = 'movements_owner'")
    path = store.path
    store.close()
    quick = Store.open(path, check="quick")
    problems = quick.verify()
    quick.close()
    assert problems
    with pytest.raises(StoreError, match="damaged"):
        Store.open(path)


def test_a_version_1_store_is_migrated_forward_keeping_its_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    schema.MIGRATIONS[0](conn)
    conn.execute("PRAGMA user_version = 1")
    conn.executemany("INSERT INTO meta VALUES (?, ?)", [
        ("site_id", "5d1c6a3e-0000-4000-8000-00000000b001"), ("nation", "EE"),
        ("site_name", "Tallinn")])
    conn.execute("INSERT INTO nations (id, code, name) VALUES ('n1', 'EE', 'Estonia')")
    conn.execute("INSERT INTO movements (id, name, owner) VALUES ('m1', 'old move', 'EE')")
    conn.close()
    with Store.open(path) as store:
        assert store.schema_version == schema.SCHEMA_VERSION
        assert store.get("movements", "m1")["name"] == "old move"
        assert store.get("movements", "m1")["halts"] is None
