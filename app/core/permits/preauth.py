"""Standing (annual) pre-authorisations: a host nation's permission in advance for movements
within limits. A fitting request is approved on receipt; one that does not fit is told
which limit it breaks."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from app.core.store import Store


def problems(pre: Mapping[str, Any], owner: str, start: str, end: str,
             vehicles: Sequence[Mapping[str, Any]],
             categories: Mapping[str, str | None]) -> list[str]:
    """Why a movement of `owner` from `start` to `end` (ISO UTC) with `vehicles` does not fit
    the pre-authorisation `pre`; empty when it fits. `categories`: vehicle type id to its
    category, for the vehicle-class limit."""
    out = []
    ref = pre["reference"]
    if pre["holders"] and owner not in pre["holders"]:
        out.append(f"{ref} covers {', '.join(pre['holders'])}, not {owner}")
    if start < pre["valid_from"] or end > pre["valid_until"]:
        out.append(f"{ref} is valid {pre['valid_from']} to {pre['valid_until']}; the movement "
                   f"runs {start} to {end}")
    allowed_dg = set(pre["dangerous_goods"] or ())
    wanted = set(pre["categories"] or ())
    for line in vehicles:
        name = line.get("type") or "a vehicle"
        mlc = line.get("mlc")
        if mlc is not None and mlc > pre["max_mlc"]:
            out.append(f"{name} is MLC {mlc:g}, above the limit of MLC {pre['max_mlc']:g}")
        goods = line.get("dangerous_goods")
        if goods and goods not in allowed_dg:
            out.append(f"{name} carries dangerous goods class {goods}, not allowed by {ref}")
        if wanted:
            category = categories.get(line.get("vehicle_type_id") or "") or (
                "tracked" if line.get("tracked") else "wheeled")
            if category not in wanted:
                out.append(f"{name} is a {category} vehicle; {ref} covers "
                           f"{', '.join(sorted(wanted))}")
    return out


def find(store: Store, host: str, owner: str, start: str, end: str,
         vehicles: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any] | None, list[str]]:
    """The host's pre-authorisation the movement fits, or None and the problems with the
    nearest one (fewest broken limits); ([], None) when the host has none."""
    standing = list(store.rows("preauthorisations", "host_nation = ?", (host,)))
    if not standing:
        return None, []
    categories = {r["id"]: r["category"] for r in store.rows("vehicle_types")}
    judged = [(problems(pre, owner, start, end, vehicles, categories), pre)
              for pre in standing]
    judged.sort(key=lambda j: (len(j[0]), j[1]["reference"]))
    best_problems, best = judged[0]
    return (best, []) if not best_problems else (None, best_problems)
