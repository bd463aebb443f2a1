"""Valid movement request documents for tests."""

from __future__ import annotations

import copy
from typing import Any

LEOPARDS = {"type": "Leopard 2A7", "count": 14, "mlc": 70, "weight_t": 64.5, "length_m": 10.97,
            "width_m": 3.75, "height_m": 3.0, "tracked": True}
TRUCKS = {"type": "MAN HX77", "count": 30, "mlc": 30, "weight_t": 32, "length_m": 10.2,
          "width_m": 2.55, "height_m": 3.5, "tracked": False, "dangerous_goods": None}


def request(**changes: Any) -> dict[str, Any]:
    doc = {
        "name": "Panzerbataillon 393 to Rukla",
        "owner": "LT",
        "unit": "PzBtl 393",
        "domain": "road",
        "priority": "exercise",
        "requested_at": "2026-05-20T08:00:00Z",
        "depart": "2026-06-02T04:00:00Z",
        "route": [[22.93, 54.10], [23.12, 54.30], [23.35, 54.56], [24.37, 55.03]],
        "speed_kmh": 50,
        "vehicle_interval_m": 100,
        "vehicles": [copy.deepcopy(LEOPARDS), copy.deepcopy(TRUCKS)],
        "personnel": 380,
    }
    doc.update(changes)
    return doc
