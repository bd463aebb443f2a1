"""Movement requests for the GUI tests, varying by an index so orders and filters differ."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.core import movement_request, movements, timefmt
from app.core.ids import stable_id
from app.core.store import Store

OWNERS = ("LT", "LV", "EE", "PL", "DE", "US")
STATUSES = ("submitted", "planned", "under_way", "completed", "draft", "cancelled")
PRIORITIES = ("routine", "exercise", "crisis")
FIRST_DEPARTURE = datetime(2027, 3, 2, 6, 0, tzinfo=timefmt.UTC)

LEOPARD = {
    "type": "Leopard 2A7",
    "count": 14,
    "mlc": 70,
    "weight_t": 64.5,
    "length_m": 10.97,
    "width_m": 3.75,
    "height_m": 3.0,
    "tracked": True,
}
TRUCK = {
    "type": "MAN HX 8x8 fuel tanker",
    "count": 4,
    "mlc": 30,
    "weight_t": 32.0,
    "length_m": 10.2,
    "width_m": 2.55,
    "height_m": 3.4,
    "dangerous_goods": "3",
}


def request(i: int, **overrides: Any) -> dict[str, Any]:
    """A valid movement request varying with `i`; an override of None leaves a field out."""
    # Departures step 7 h 13 min and wrap every 35 days, so their order is not the name order.
    depart = FIRST_DEPARTURE + timedelta(minutes=(i * 433) % 50_000)
    document = {
        "name": f"Convoy {i:04d} to Rukla",
        "owner": OWNERS[i % len(OWNERS)],
        "unit": f"Battalion {i % 7 + 1}",
        "domain": "rail" if i % 5 == 0 else "road",
        "priority": PRIORITIES[i % len(PRIORITIES)],
        "status": STATUSES[(i // 3) % len(STATUSES)],
        "requested_at": "2027-01-15T08:00:00Z",
        "depart": timefmt.iso(depart),
        "arrive_by": timefmt.iso(depart + timedelta(hours=30)),
        "route": [[23.12, 54.30], [23.90, 55.10], [24.11, 56.95]],
        "speed_kmh": 40,
        "vehicle_interval_m": 50,
        "personnel": 60 + i,
        "vehicles": [{**LEOPARD, "count": 1 + i % 30}] + ([TRUCK] if i % 4 == 0 else []),
    }
    for key, value in overrides.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    return document


def owner_site(store: Store, nation: str) -> str:
    """The site writing `nation`'s movements: this one, or that nation's cell, as in a store
    that has received their movements (only the owner nation writes a movement)."""
    if nation == store.nation:
        return store.site_id
    site = stable_id("site", f"test-{nation}")
    store.register_site(site, nation, f"{nation} cell")
    return site


def add(store: Store, document: dict[str, Any]) -> str:
    parsed = movement_request.parse(document, store.validation_context())
    return movements.add_movement(store, parsed, owner_site(store, parsed.movement["owner"]))
