from app.core import movements
from app.core.history import history
from app.core.movement_request import parse
from app.core.store import Store
from tests.core.request_data import request


def test_history_gives_old_and_new_values_in_order(store: Store) -> None:
    movement_id = movements.add_movement(store, parse(request(), store.validation_context()))
    with store.write() as w:
        w.update("movements", movement_id, {"status": "planned"})
    with store.write() as w:
        w.update("movements", movement_id, {"status": "under_way", "speed_kmh": 45})
    with store.write() as w:
        w.delete("movements", movement_id)
    entries = history(store, movement_id)
    status = [(e.old, e.new) for e in entries if e.field == "status"]
    assert status == [(None, "submitted"), ("submitted", "planned"), ("planned", "under_way")]
    assert [(e.old, e.new) for e in entries if e.field == "speed_kmh"] == [(None, 50), (50, 45)]
    assert (entries[-1].field, entries[-1].old, entries[-1].new) == ("deleted", None, True)
    assert [e.hlc for e in entries] == sorted(e.hlc for e in entries)
    assert {e.site for e in entries} == {"Vilnius NMCC (this site)"}


def test_history_of_reference_data_names_its_origin(store: Store) -> None:
    point = next(store.rows("critical_points", "key = 'sestokai'"))
    entries = history(store, point["id"])
    assert entries and {e.site for e in entries} == {"reference data"}
