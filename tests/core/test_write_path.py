from typing import Any

import pytest

from app.core.clock import pack
from app.core.domain.validation import ValidationError
from app.core.store import Store


def exercise(**changes: Any) -> dict[str, Any]:
    base = {"name": "Iron Wolf 26", "lead_nation": "LT",
            "start": "2026-06-01T00:00:00Z", "end": "2026-06-05T00:00:00Z"}
    return {**base, **changes}


def own_log(store: Store) -> list[Any]:
    return store.conn.execute(
        "SELECT * FROM changes WHERE origin = ? ORDER BY seq", (store.site_id,)).fetchall()


def test_insert_logs_every_field_in_the_same_transaction(store: Store) -> None:
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
    log = own_log(store)
    assert [r["seq"] for r in log] == [1, 2, 3, 4]
    assert {r["field"]: r["value"] for r in log} == {
        "name": '"Iron Wolf 26"', "lead_nation": '"LT"',
        "start": '"2026-06-01T00:00:00Z"', "end": '"2026-06-05T00:00:00Z"'}
    assert {(r["tbl"], r["row_id"]) for r in log} == {("exercises", ex_id)}
    assert store.get("exercises", ex_id)["name"] == "Iron Wolf 26"


def test_a_failed_write_leaves_neither_row_nor_log(store: Store) -> None:
    before = store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    with pytest.raises(ValidationError), store.write() as w:
        w.insert("exercises", exercise(name="first, valid"))
        w.insert("exercises", exercise(lead_nation="XX"))
    assert store.count("exercises") == 0
    assert store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == before


def test_an_error_after_the_writes_rolls_everything_back(store: Store) -> None:
    with pytest.raises(RuntimeError), store.write() as w:
        w.insert("exercises", exercise())
        raise RuntimeError("power cut")
    assert store.count("exercises") == 0 and own_log(store) == []


def test_sequence_is_gap_free_across_transactions_and_failures(store: Store) -> None:
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
    with pytest.raises(ValidationError), store.write() as w:
        w.update("exercises", ex_id, {"name": "renamed"})
        w.update("exercises", ex_id, {"end": "2026-05-01T00:00:00Z"})
    with store.write() as w:
        w.update("exercises", ex_id, {"description": "live exercise"})
    assert [r["seq"] for r in own_log(store)] == [1, 2, 3, 4, 5]


def test_update_logs_only_what_changed(store: Store) -> None:
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
    with store.write() as w:
        changed = w.update("exercises", ex_id, {"name": "Iron Wolf 26", "description": "x"})
    assert changed == ["description"]
    assert [r["field"] for r in own_log(store)][-1:] == ["description"]


def test_delete_is_a_tombstone(store: Store) -> None:
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
    with store.write() as w:
        w.delete("exercises", ex_id)
    assert store.get("exercises", ex_id) is None
    assert store.get("exercises", ex_id, include_deleted=True)["deleted"] is True
    last = own_log(store)[-1]
    assert (last["field"], last["value"]) == ("deleted", "true")
    with store.write() as w:
        w.restore("exercises", ex_id)
    assert store.get("exercises", ex_id)["name"] == "Iron Wolf 26"


def test_duplicate_id_is_refused(store: Store) -> None:
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
    with pytest.raises(ValidationError, match="exists already"), store.write() as w:
        w.insert("exercises", exercise(), record_id=ex_id)


def test_clock_stays_monotonic_when_the_laptop_clock_goes_back(store: Store) -> None:
    wall = [1_790_000_000_000]
    store.clock._now_ms = lambda: wall[0]
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
    wall[0] -= 3_600_000  # an hour back
    for n in range(3):
        with store.write() as w:
            w.update("exercises", ex_id, {"description": f"edit {n}"})
    stamps = [r["hlc"] for r in own_log(store)]
    assert stamps == sorted(stamps)
    assert len(set(stamps[3:])) == len(stamps[3:])
    assert min(stamps) >= pack(1_790_000_000_000)
    # Reopened, the store resumes from its persisted clock, not from the wall.
    path = store.path
    store.close()
    reopened = Store.open(path)
    reopened.clock._now_ms = lambda: wall[0]
    with reopened.write() as w:
        w.update("exercises", ex_id, {"description": "after restart"})
    assert own_log(reopened)[-1]["hlc"] > stamps[-1]
    reopened.close()


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"end": "2026-05-01T00:00:00Z"}, "end", "is before start"),
    ({"lead_nation": "XX"}, "lead_nation", "unknown nation code 'XX'"),
    ({"start": "next tuesday"}, "start", "not an ISO 8601 time"),
    ({"start": "2026-06-01T10:00:00"}, "start", "no UTC offset"),
    ({"name": ""}, "name", "is required"),
    ({"colour": "red"}, "colour", "no such field"),
])  # fmt: skip
def test_validation_refusals_name_the_field(store: Store, changes: dict[str, Any],
                                            field: str, words: str) -> None:
    with pytest.raises(ValidationError, match=words) as caught, store.write() as w:
        w.insert("exercises", exercise(**changes))
    assert caught.value.field == field
    assert store.count("exercises") == 0 and own_log(store) == []


def point(**changes: Any) -> dict[str, Any]:
    base = {"name": "Test bridge", "kind": "bridge", "nation": "LT", "position": [23.9, 54.9],
            "mlc_tracked": 60, "mlc_wheeled": 70}
    return {**base, **changes}


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"position": [23.9, 94.0]}, "position[1]", "latitude 94 is outside"),
    ({"position": [190.0, 54.0]}, "position[0]", "longitude 190 is outside"),
    ({"mlc_tracked": -5}, "mlc_tracked", "must not be negative"),
    ({"kind": "castle"}, "kind", "must be one of"),
    ({"kind": "road_crossing"}, "border_with", "required for a border crossing"),
    ({"max_width_m": 0}, "max_width_m", "greater than 0"),
])  # fmt: skip
def test_point_refusals(store: Store, changes: dict[str, Any], field: str, words: str) -> None:
    before = store.count("critical_points")
    with pytest.raises(ValidationError, match=words) as caught, store.write() as w:
        w.insert("critical_points", point(**changes))
    assert caught.value.field == field
    assert store.count("critical_points") == before


def test_permit_decision_needs_who_and_when(store: Store) -> None:
    with store.write() as w:
        ex_id = w.insert("exercises", exercise())
        mv = w.insert("movements", {
            "name": "m", "owner": "LT", "unit": "u", "domain": "road", "priority": "exercise",
            "status": "planned", "exercise_id": ex_id, "route": [[23.1, 54.3], [24.1, 56.9]],
            "depart": "2026-06-02T06:00:00Z", "speed_kmh": 50, "vehicle_interval_m": 100})
    with pytest.raises(ValidationError, match="decided_by: is required"), store.write() as w:
        w.insert("permits", {"movement_id": mv, "host_nation": "LT", "status": "approved",
                             "decided_at": "2026-06-01T12:00:00Z"})
    with pytest.raises(ValidationError, match="no movements record"), store.write() as w:
        w.insert("permits", {"movement_id": "0190a0a0-0000-7000-8000-000000000000",
                             "host_nation": "LT", "status": "requested"})


def test_impossible_dates_are_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match=r"start: not a valid time.*month must be"), \
            store.write() as w:
        w.insert("exercises", exercise(start="2026-13-01T00:00:00Z"))
