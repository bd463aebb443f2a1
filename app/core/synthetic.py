"""Deterministic synthetic stores for benchmarks: the same seed writes the same content.

Movements follow the reference corridors between real places, with owners, vehicles,
departures and permits drawn from a seeded generator; written through the ordinary write
path under a fixed clock so that ids, stamps and values repeat exactly.
"""

from __future__ import annotations

import itertools
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from app.core import geography, timefmt
from app.core.clock import HybridClock
from app.core.domain.vocabulary import DECIDED_PERMIT_STATUSES, PERMIT_STATUSES
from app.core.ids import seeded_id, stable_id
from app.core.movement_request import split_into_serials
from app.core.store import Store

EPOCH = datetime(2026, 6, 1, tzinfo=timezone.utc)
EPOCH_MS = int(EPOCH.timestamp() * 1000)
OWNERS = ("US", "DE", "PL", "GB", "FR", "NL", "DK", "NO", "FI", "SE", "CZ", "LT", "LV", "EE")
HOSTS = ("PL", "LT", "LV", "EE")
ENDS = ("Suwałki", "Kaunas", "Riga", "Tallinn", "Pärnu", "Šiauliai", "Vilnius")
PLACES = ("adazi", "rukla", "tapa", "pabrade-training-area", "klaipeda-port", "riga-freeport",
          "paldiski-south-harbour", "siauliai-air-base", "lielvarde-air-base", "valka-valga")
BATCH = 500


def generate(path: str | Path, movements: int, seed: int = 1, nation: str = "LT") -> None:
    rng = random.Random(seed)
    store = Store.create(path, nation, f"Synthetic {seed}", site_id=str(
        stable_id("site", f"synthetic-{seed}")))
    try:
        _Generator(store, rng).write(movements)
    finally:
        store.close()


class _Generator:
    def __init__(self, store: Store, rng: random.Random) -> None:
        from app.core.demo import TOWNS

        self.store, self.rng = store, rng
        self.clock = HybridClock(0, now_ms=lambda: EPOCH_MS)
        points = {r["key"]: r["position"] for r in store.rows("critical_points") if r["key"]}
        roads = geography.RoadNetwork(c["geometry"] for c in store.rows("corridors")
                                      if c["kind"] == "road")  # fmt: skip
        stops = [TOWNS[t] for t in ENDS] + [tuple(points[p]) for p in PLACES]
        self.routes = []
        for a, b in itertools.permutations(stops, 2):
            route = roads.route([a, b])
            if len(route) >= 2:
                nations = geography.nations_along(route)
                self.routes.append((route, [n for n in nations if n in HOSTS]))
        self.types = list(store.rows("vehicle_types", order_by="name"))

    def _id(self) -> str:
        return seeded_id(self.rng.randbytes(10), EPOCH_MS)

    def write(self, count: int) -> None:
        for start in range(0, count, BATCH):
            with self.store.write(clock=self.clock, check_authority=False,
                                  permits=False) as w:
                for n in range(start, min(count, start + BATCH)):
                    self._movement(w, n)

    def _vehicles(self) -> list[dict[str, Any]]:
        lines = []
        for vt in self.rng.sample(self.types, self.rng.randint(1, 3)):
            lines.append({"type": vt["name"], "count": self.rng.randint(2, 24),
                          "mlc": vt["mlc"], "weight_t": vt["weight_t"],
                          "length_m": vt["length_m"], "width_m": vt["width_m"],
                          "height_m": vt["height_m"], "tracked": vt["tracked"],
                          "dangerous_goods": vt["dangerous_goods"],
                          "vehicle_type_id": vt["id"]})
        return lines

    def _movement(self, w: Any, n: int) -> None:
        rng = self.rng
        route, hosts = rng.choice(self.routes)
        owner = rng.choice(OWNERS)
        depart = EPOCH + timedelta(minutes=rng.randrange(0, 14 * 24 * 60, 5))
        requested = depart - timedelta(days=rng.randint(1, 20))
        priority = rng.choices(("routine", "exercise", "crisis"), (5, 12, 1))[0]
        movement_id = self._id()
        w.insert("movements", {
            "name": f"Movement {n + 1:05d}", "owner": owner, "unit": f"{owner} unit {n % 97}",
            "domain": "road", "priority": priority,
            "status": rng.choice(("submitted", "planned", "planned", "under_way", "completed")),
            "route": route, "requested_at": timefmt.iso(requested),
            "depart": timefmt.iso(depart), "speed_kmh": rng.choice((40, 50, 60)),
            "vehicle_interval_m": rng.choice((50, 100, 150, 200)),
            "personnel": rng.randint(10, 600)}, record_id=movement_id)
        for serial in split_into_serials(self._vehicles(), 24):
            w.insert("serials", {**serial, "movement_id": movement_id}, record_id=self._id())
        for host in hosts:
            if host == owner:
                continue
            status = rng.choice(tuple(PERMIT_STATUSES))
            permit = {"movement_id": movement_id, "host_nation": host, "status": status,
                      "requested_at": timefmt.iso(requested),
                      "deadline": timefmt.iso(requested + timedelta(days=7))}
            if status in DECIDED_PERMIT_STATUSES:
                permit |= {"decided_at": timefmt.iso(requested + timedelta(days=2)),
                           "decided_by": f"{host} NMCC duty officer"}
            w.insert("permits", permit, record_id=self._id())
