"""Movements as an iCalendar file (RFC 5545): one event per planned movement.

An event runs from the forecast head of its first serial at the start point to the tail of
its last serial clear of the release point, in UTC, widened to whole seconds (iCalendar has
no fractions). Its UID is the movement's id, so a calendar that imports the file again
updates the events rather than adding copies.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from icalendar import Calendar, Event

from app.core import timefmt
from app.core.domain.vocabulary import MOVEMENT_STATUSES, PRIORITIES
from app.core.planning.model import MovementPlan

UTC = timezone.utc
PRODID = "-//MovCon//EN"
UID_DOMAIN = "movcon"
# A route end this near a critical point (km along the route) is named after it.
END_KM = 2.0
# iCalendar's STATUS of a VEVENT: tentative until planned, void once cancelled.
_EVENT_STATUS = {"draft": "TENTATIVE", "submitted": "TENTATIVE", "cancelled": "CANCELLED"}


def uid(movement_id: str) -> str:
    return f"{movement_id}@{UID_DOMAIN}"


def movements_ics(store: Any, plans: Mapping[str, MovementPlan], at: datetime | None = None,
                  movement_ids: Iterable[str] | None = None,
                  marking: str | None = None) -> bytes:
    """The calendar of the planned movements (those of `movement_ids` only, if given).

    A movement asked for by id that is not in the store, or has no plan with a serial,
    raises ValueError naming it; unasked, such movements are left out. A classification
    `marking` leads every event's summary and description (what a calendar shows) and names
    the calendar.
    """
    stamp = (at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    records = {r["id"]: r for r in store.rows("movements")}
    serial_names = {(s["movement_id"], s["number"]): s.get("name") or ""
                    for s in store.rows("serials")}  # fmt: skip
    chosen = exported(records, plans, movement_ids)
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    if marking:
        cal.add("x-wr-calname", f"{marking} — MovCon movements")
        cal.add("x-movcon-marking", marking)
    events = [_event(records[m], plans[m], stamp, serial_names) for m in chosen]
    for _, _, event in sorted(events, key=lambda e: (e[0], e[1])):
        if marking:
            for key in ("summary", "description"):
                event[key] = f"{marking}: {event[key]}" if key == "summary" \
                    else f"{marking}\n\n{event[key]}"  # fmt: skip
        cal.add_component(event)
    return cal.to_ical()


def exported(records: Mapping[str, Any], plans: Mapping[str, MovementPlan],
             movement_ids: Iterable[str] | None = None) -> list[str]:
    """The ids of the movements that get an event (see `movements_ics`)."""
    if movement_ids is None:
        return [m for m in records if _dated(plans.get(m))]
    chosen = list(dict.fromkeys(movement_ids))
    for movement_id in chosen:
        if movement_id not in records:
            raise ValueError(f"no movement {movement_id!r}")
        if not _dated(plans.get(movement_id)):
            raise ValueError(f"movement {movement_id} ({records[movement_id]['name']}) "
                             "has no plan with a serial to put in a calendar")
    return chosen


def _dated(plan: MovementPlan | None) -> bool:
    return plan is not None and bool(plan.forecast.serials)


def span(plan: MovementPlan) -> tuple[datetime, datetime]:
    """The event's start and end: the forecast widened to whole seconds, in UTC."""
    serials = plan.forecast.serials
    start = min(s.start for s in serials).astimezone(UTC)
    end = max(s.release for s in serials).astimezone(UTC)
    start = start.replace(microsecond=0)
    if end.microsecond:
        end = end.replace(microsecond=0) + timedelta(seconds=1)
    return start, end


def _event(record: Mapping[str, Any], plan: MovementPlan, stamp: datetime,
           serial_names: Mapping[tuple[str, int], str]) -> tuple[datetime, str, Event]:
    start, end = span(plan)
    status = record.get("status") or ""
    event = Event()
    event.add("uid", uid(record["id"]))
    event.add("dtstamp", stamp)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", record.get("name") or record["id"])
    event.add("location", _location(plan, record))
    event.add("description", _description(record, plan, serial_names))
    if status:
        event.add("categories", [MOVEMENT_STATUSES.get(status, status)])
    event.add("status", _EVENT_STATUS.get(status, "CONFIRMED"))
    return start, record["id"], event


def _location(plan: MovementPlan, record: Mapping[str, Any]) -> str:
    route = record.get("route") or []
    points = plan.route.points
    first = points[0] if points and points[0].km <= END_KM else None
    last = points[-1] if points and points[-1].km >= plan.route.length_km - END_KM else None
    begin = first.point.name if first else _lat_lon(route[0]) if route else "?"
    finish = last.point.name if last else _lat_lon(route[-1]) if route else "?"
    return f"{begin} → {finish}"


def _lat_lon(position: Any) -> str:
    lon, lat = float(position[0]), float(position[1])
    return (f"{abs(lat):.4f}°{'N' if lat >= 0 else 'S'} "
            f"{abs(lon):.4f}°{'E' if lon >= 0 else 'W'}")


def _description(record: Mapping[str, Any], plan: MovementPlan,
                 serial_names: Mapping[tuple[str, int], str]) -> str:
    priority = record.get("priority") or ""
    status = record.get("status") or ""
    lines = [f"Owner: {record.get('owner') or '?'}"
             + (f" ({record['unit']})" if record.get("unit") else ""),
             f"Priority: {PRIORITIES.get(priority, priority)}",
             f"Status: {MOVEMENT_STATUSES.get(status, status)}",
             "Times are the forecast (UTC), with reported passages and delays.",
             "", "Serials:"]  # fmt: skip
    for s in plan.forecast.serials:
        name = serial_names.get((record["id"], s.serial))
        lines.append(f"  Serial {s.serial}{f' ({name})' if name else ''}: {s.vehicles} vehicles, "
                     f"SP {timefmt.short(s.start)}, released {timefmt.short(s.release)}")
    passages = [r for r in plan.forecast.rows if r.point_id is not None]
    if passages:
        lines += ["", "Critical points:"]
        for r in passages:
            lines.append(f"  Serial {r.serial}, {r.point} (km {r.km:.1f}): head "
                         f"{timefmt.short(r.head_arrive)}, "
                         f"tail clear {timefmt.short(r.tail_clear)}")
    return "\n".join(lines)

