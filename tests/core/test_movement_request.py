from typing import Any

import pytest

from app.core import movements
from app.core.movement_request import RequestError, parse, split_into_serials
from app.core.store import Store
from tests.core.request_data import request


def test_a_valid_request_becomes_a_movement_with_serials(store: Store) -> None:
    req = parse(request(), store.validation_context())
    assert req.movement["owner"] == "LT" and req.movement["status"] == "submitted"
    assert [sum(v["count"] for v in s["vehicles"]) for s in req.serials] == [24, 20]
    movement_id = movements.add_movement(store, req)
    found = movements.detail(store, movement_id)
    assert found["totals"] == {"vehicles": 44, "max_mlc": 70, "max_weight_t": 64.5,
                               "dangerous_goods": []}
    assert [s["number"] for s in found["serials"]] == [1, 2]


def test_serial_split_keeps_vehicle_order() -> None:
    lines = [{"type": "a", "count": 5}, {"type": "b", "count": 7}]
    serials = split_into_serials(lines, 4)
    assert [[(v["type"], v["count"]) for v in s["vehicles"]] for s in serials] == [
        [("a", 4)], [("a", 1), ("b", 3)], [("b", 4)]]


def bad(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    doc.update(changes)
    return doc


@pytest.mark.parametrize(("doc", "message"), [
    ({k: v for k, v in request().items() if k != "owner"}, "$: 'owner' is a required property"),
    (request(speed_kmh="fast"), "$.speed_kmh: 'fast' is not of type 'number'"),
    (request(owner="XX"), "$.owner: unknown nation code 'XX'"),
    (request(depart="2026-05-01T00:00:00Z"), "$.depart: planned departure"),
    (request(route=[[23.1, 54.3], [23.2, 95.0]]), "$.route[1][1]: 95.0 is greater than"),
    (request(domain="space"), "$.domain: 'space' is not one of"),
    (request(colour="green"), "Additional properties are not allowed ('colour'"),
    (request(depart="2026-06-02 04:00"), "$.depart: time '2026-06-02 04:00' has no UTC offset"),
])  # fmt: skip
def test_bad_requests_name_the_json_path(store: Store, doc: dict[str, Any], message: str) -> None:
    with pytest.raises(RequestError) as caught:
        parse(doc, store.validation_context())
    assert message in str(caught.value)


def test_a_bad_vehicle_names_its_index(store: Store) -> None:
    doc = request()
    doc["vehicles"][1]["mlc"] = -3
    with pytest.raises(RequestError, match=r"^\$\.vehicles\[1\]\.mlc: -3 is less than"):
        parse(doc, store.validation_context())
    doc["vehicles"][1]["mlc"] = 30
    doc["vehicles"][0]["dangerous_goods"] = "11"
    with pytest.raises(RequestError, match=r"^\$\.vehicles\[0\]\.dangerous_goods: unknown ADR"):
        parse(doc, store.validation_context())
