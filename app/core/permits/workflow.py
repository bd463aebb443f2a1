"""Keeping a movement's permits in step with it, in the owner nation's own write.

When a movement's route enters a nation, that host nation's permit exists, asked by the
owner: created when the movement is written, withdrawn when the route no longer enters the
nation or the movement is cancelled, superseded (and asked again) when a decided movement
changes materially: its route, its dates, its vehicles or their dangerous goods; a request
not yet decided is amended to the new dates instead. A cosmetic change (name, unit,
remarks) leaves the decision standing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.core import geography, timefmt
from app.core.domain.vocabulary import ACTIVE_PERMIT_STATUSES, DECIDED_PERMIT_STATUSES
from app.core.permits import deadlines, preauth

if TYPE_CHECKING:
    from app.core.store import Store
    from app.core.store.writer import Writer

# Movement fields whose change makes a decision stale; any change to its serials does too.
MATERIAL_FIELDS = frozenset({"route", "depart", "arrive_by", "domain"})
PENDING = frozenset({"requested", "under_review"})  # asked, not decided
WATCHED_FIELDS = MATERIAL_FIELDS | {"status", "deleted", "priority", "owner"}


def hosts_along(route: Iterable[Iterable[float]], owner: str) -> list[str]:
    """Nations other than the owner a route enters, in order of travel."""
    out: list[str] = []
    for nation in geography.nations_along([list(p) for p in route]):
        if nation != owner and nation not in out:
            out.append(nation)
    return out


def keep(w: Writer, store: Store, movements: Mapping[str, bool], nation: str,
         now: datetime | None = None) -> None:
    """Bring the permits of `movements` (id: whether it changed materially) in line, for the
    movements `nation` (the writing site's) owns. Runs inside the writer's transaction."""
    now = (now or datetime.now(timefmt.UTC)).replace(microsecond=0)
    for movement_id, material in movements.items():
        movement = store.get("movements", movement_id, include_deleted=True)
        if movement is None or movement["owner"] != nation:
            continue
        permits = list(store.rows("permits", "movement_id = ?", (movement_id,)))
        active = {p["host_nation"]: p for p in permits if p["status"] in ACTIVE_PERMIT_STATUSES}
        if movement["deleted"] or movement["status"] == "cancelled":
            for permit in active.values():
                _withdraw(w, permit, "the movement was cancelled")
            continue
        hosts = hosts_along(movement["route"], nation)
        for host, permit in active.items():
            if host not in hosts:
                _withdraw(w, permit, f"the route no longer enters {host}")
        for host in hosts:
            permit = active.get(host)
            if permit is None:
                _ask(w, store, movement, host, now)
            elif material and permit["status"] in DECIDED_PERMIT_STATUSES:
                w.update("permits", permit["id"], {
                    "status": "superseded",
                    "remarks": "superseded: the movement's route, dates or vehicles changed "
                               f"after the decision ({timefmt.short(now)})"})
                _ask(w, store, movement, host, now, supersedes=permit["id"])
            elif permit["status"] == "draft" and movement["status"] != "draft":
                w.update("permits", permit["id"], _request(store, movement, host, now))
            elif material and permit["status"] in PENDING:
                # Not decided yet: the request is amended to the movement's new dates, so the
                # host never decides on times the movement no longer keeps.
                start, end = _window(movement)
                if (permit["valid_from"], permit["valid_until"]) != (start, end):
                    w.update("permits", permit["id"], {
                        "valid_from": start, "valid_until": end,
                        "remarks": f"amended: the movement's dates or route changed "
                                   f"({timefmt.short(now)})"})  # fmt: skip


def _withdraw(w: Writer, permit: Mapping[str, Any], why: str) -> None:
    w.update("permits", permit["id"], {"status": "withdrawn", "remarks": f"withdrawn: {why}"})


def _vehicles(store: Store, movement_id: str) -> list[dict[str, Any]]:
    return [line for s in store.rows("serials", "movement_id = ?", (movement_id,))
            for line in s["vehicles"]]


def _window(movement: Mapping[str, Any]) -> tuple[str, str]:
    start = movement["depart"]
    end = movement["arrive_by"] or timefmt.iso(
        timefmt.parse_utc(start) + timedelta(hours=24))
    return start, end


def _request(store: Store, movement: Mapping[str, Any], host: str,
             now: datetime) -> dict[str, Any]:
    """What the owner asks of `host` now: mode, agreement, deadline, validity."""
    owner = movement["owner"]
    start, end = _window(movement)
    rule = deadlines.rule_for(store, host, owner)
    pre, _ = preauth.find(store, host, owner, start, end, _vehicles(store, movement["id"]))
    mode = "preauthorised" if pre else ("crisis" if movement["priority"] == "crisis"
                                        else "standard")  # fmt: skip
    return {"status": "requested", "requested_at": timefmt.iso(now),
            "deadline": timefmt.iso(deadlines.deadline(rule, mode, now, host)),
            "agreement": rule.name, "mode": mode,
            "preauthorisation_id": pre["id"] if pre else None,
            "valid_from": start, "valid_until": end}


def _ask(w: Writer, store: Store, movement: Mapping[str, Any], host: str, now: datetime,
         supersedes: str | None = None) -> str:
    values: dict[str, Any] = {"movement_id": movement["id"], "host_nation": host,
                              "supersedes": supersedes}
    if movement["status"] == "draft":
        start, end = _window(movement)
        values |= {"status": "draft", "valid_from": start, "valid_until": end,
                   "agreement": deadlines.rule_for(store, host, movement["owner"]).name}
    else:
        values |= _request(store, movement, host, now)
    return w.insert("permits", values)
