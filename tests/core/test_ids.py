import uuid

from app.core.ids import BASELINE_MS, is_record_id, new_id, stable_id


def test_new_ids_are_uuid7_and_time_ordered() -> None:
    first = new_id(1_700_000_000_000)
    later = new_id(1_700_000_000_001)
    for text in (first, later):
        parsed = uuid.UUID(text)
        assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
        assert is_record_id(text)
    assert first < later
    assert int(first.replace("-", "")[:12], 16) == 1_700_000_000_000


def test_random_ids_differ() -> None:
    assert len({new_id() for _ in range(1000)}) == 1000


def test_stable_ids_are_the_same_everywhere_and_distinct_per_key() -> None:
    assert stable_id("nations", "LT") == stable_id("nations", "LT")
    assert stable_id("nations", "LT") != stable_id("nations", "LV")
    assert stable_id("nations", "LT") != stable_id("critical_points", "LT")
    assert int(stable_id("nations", "LT").replace("-", "")[:12], 16) == BASELINE_MS
    assert is_record_id(stable_id("nations", "EE"))


def test_is_record_id_rejects_other_text() -> None:
    assert not is_record_id("not-an-id")
    assert not is_record_id(str(uuid.uuid4()))
    assert not is_record_id(None)
