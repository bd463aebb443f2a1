"""Reference data shipped with MovCon, loaded into every new store with stable ids.

It is written through the ordinary write path under a fixed origin and a fixed clock, so
every store holds identical rows and identical change-log entries for it: stores created
separately on different laptops agree on it and can later sync without duplicates.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import TYPE_CHECKING, Any

from app.core.clock import HybridClock
from app.core.ids import BASELINE_MS, stable_id
from app.core.paths import resources_dir

if TYPE_CHECKING:
    from app.core.store.store import Store

BASELINE_ORIGIN = stable_id("site", "baseline")
_FILES = ("nations.json", "places.json", "corridors.geojson", "vehicle_types.json")
# Reference files added after stores were made: written into older stores when they open,
# with the same origin and clock, so every store holds the same ids and log entries.
_LATER = ("agreements.json",)


def _read(name: str) -> Any:
    return json.loads((resources_dir() / "reference" / name).read_text(encoding="utf-8"))


@cache
def nations() -> list[dict[str, Any]]:
    return _read("nations.json")


def version() -> str:
    """A digest of the shipped reference files, recorded in each store that loads them."""
    digest = hashlib.sha256()
    for name in _FILES:
        digest.update((resources_dir() / "reference" / name).read_bytes())
    return digest.hexdigest()[:16]


def _point(place: dict[str, Any]) -> dict[str, Any]:
    record = {k: v for k, v in place.items() if k not in ("lat", "lon")}
    record["position"] = [place["lon"], place["lat"]]
    return record


def load(store: Store) -> None:
    """Write the reference data into a new store (once, at creation)."""
    clock = HybridClock(0, now_ms=lambda: BASELINE_MS)
    with store.write(origin=BASELINE_ORIGIN, clock=clock) as w:
        for nation in nations():
            w.insert("nations", {k: nation[k] for k in ("code", "alpha3", "name", "agreements")},
                     stable_id("nations", nation["code"]))
    with store.write(origin=BASELINE_ORIGIN, clock=clock) as w:
        for place in _read("places.json"):
            w.insert("critical_points", _point(place), stable_id("critical_points", place["key"]))
        for feature in _read("corridors.geojson")["features"]:
            props = feature["properties"]
            w.insert("corridors", {
                "key": props["key"], "name": props["name"], "ref": props.get("ref"),
                "kind": props.get("kind", "road"), "nations": props.get("nations", []),
                "geometry": feature["geometry"]["coordinates"],
            }, stable_id("corridors", props["key"]))
        for vt in _read("vehicle_types.json"):
            w.insert("vehicle_types", {k: v for k, v in vt.items() if k != "key"},
                     stable_id("vehicle_types", vt["key"]))
    load_later(store)
    store.conn.execute("INSERT OR REPLACE INTO meta VALUES ('baseline_version', ?)", (version(),))


def load_later(store: Store) -> None:
    """Write the reference data added after a store was made (agreements), once."""
    if store.conn.execute("SELECT 1 FROM agreements LIMIT 1").fetchone() is not None:
        return
    clock = HybridClock(0, now_ms=lambda: BASELINE_MS + 1)  # after the first baseline
    with store.write(origin=BASELINE_ORIGIN, clock=clock) as w:
        for agreement in _read("agreements.json"):
            w.insert("agreements", agreement, stable_id("agreements", agreement["key"]))


def point_id(key: str) -> str:
    return stable_id("critical_points", key)


def nation_id(code: str) -> str:
    return stable_id("nations", code)


def vehicle_type_id(key: str) -> str:
    return stable_id("vehicle_types", key)
