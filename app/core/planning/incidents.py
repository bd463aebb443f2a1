"""Incidents: a critical point closed (a bridge damaged, a crossing shut) and reopened.

A closure is an `events` record of kind "closure" (point, from `at` until `until`, none:
until further notice), written through the write path, so only the point's nation records
it and it syncs like any other edit. `Planner.incident` re-plans the movements it affects.
Bad input raises `ValidationError` (a `ValueError`) naming the field, and writes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from app.core import timefmt
from app.core.domain.validation import ValidationError
from app.core.planning.clearance import Closure, closures_in
from app.core.store import Store
from app.core.store.writer import Writer

Moment = datetime | str


def find_point(store: Store, key: str) -> dict[str, Any]:
    """The critical point with this id or key, else the one whose name starts with `key`
    (case-insensitive; the scenario's bridges have no key)."""
    wanted = key.strip()
    found = store.get("critical_points", wanted) if wanted else None
    if found is not None:
        return found
    rows = list(store.rows("critical_points"))
    exact = [r for r in rows if wanted and wanted in (r.get("key"), r["name"])]
    named = exact or [r for r in rows if wanted and r["name"].casefold()
                      .startswith(wanted.casefold())]  # fmt: skip
    if len(named) == 1:
        return named[0]
    if not named:
        raise ValidationError("point_id", f"no critical point {key!r}")
    names = "; ".join(r["name"] for r in named[:5]) + ("; ..." if len(named) > 5 else "")
    raise ValidationError("point_id", f"{key!r} names {len(named)} points ({names}): give "
                          "its key or id")


def close_point(store: Store, point_id: str, start: Moment, until: Moment | None = None,
                details: str = "", reported_by: str | None = None,
                writer: Writer | None = None) -> str:
    """Record that the point is closed from `start` until `until` (None: until further
    notice); returns the closure's event id. With `writer` (an undoable command's), the
    closure is part of that write."""
    point = store.get("critical_points", point_id)
    if point is None:
        raise ValidationError("point_id", f"no critical point with id {point_id!r}")
    begin = _moment("at", start)
    end = None if until is None else _moment("until", until)
    if end is not None and end <= begin:
        raise ValidationError("until", f"{timefmt.iso(end)} is not after the closure's start "
                              f"{timefmt.iso(begin)}")
    values = {"kind": "closure", "point_id": point["id"], "at": timefmt.iso(begin),
              "until": None if end is None else timefmt.iso(end), "details": details.strip(),
              "reported_by": reported_by if reported_by is not None else store.site_name}
    if writer is not None:
        return writer.insert("events", values)
    with store.write() as w:
        return w.insert("events", values)


def reopen(store: Store, event_id: str, at: Moment) -> Closure:
    """End the closure `event_id` at `at` (sets its `until`); returns it as now recorded.

    Only a closure in force at `at` is ended: one that ended earlier stays as it was.
    """
    record = store.get("events", event_id)
    if record is None or record["kind"] != "closure":
        raise ValidationError("event_id", f"no closure with id {event_id!r}")
    closure = Closure.from_event(record)
    when = _moment("at", at)
    if when <= closure.start:
        raise ValidationError("at", f"{timefmt.iso(when)} is not after the closure's start "
                              f"{timefmt.iso(closure.start)}")
    if closure.end is not None and closure.end <= when:
        raise ValidationError("at", f"the closure ended already at {timefmt.iso(closure.end)}")
    with store.write() as w:
        w.update("events", event_id, {"until": timefmt.iso(when)})
    return replace(closure, end=when)


def active(store: Store, at: Moment) -> list[Closure]:
    """The closures in force at `at` (started, not yet ended), by start."""
    when = _moment("at", at)
    events = store.rows("events", "kind = 'closure' AND at <= ?", (timefmt.iso(when),),
                        order_by="at")  # fmt: skip
    return [c for c in closures_in(events) if c.start <= when and (c.end is None
                                                                  or c.end > when)]


def _moment(name: str, value: Moment) -> datetime:
    """An aware UTC time in whole seconds, as it will be stored."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(name, f"time {value.isoformat()} has no UTC offset")
        return value.astimezone(timefmt.UTC).replace(microsecond=0)
    try:
        return timefmt.parse_utc(value).replace(microsecond=0)
    except ValueError as exc:
        raise ValidationError(name, str(exc)) from None
