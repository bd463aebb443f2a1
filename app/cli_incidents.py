"""`movcon incident close|reopen|list`: a critical point closed and reopened, and the
movements that pass it re-planned (with the departures that clear the closure)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import Any

from app.cli_sync import _error, _open


def _time(option: str, text: str | None) -> datetime:
    from app.core import timefmt

    try:
        return timefmt.parse_utc(text) if text is not None else datetime.now(timefmt.UTC)
    except ValueError as exc:
        raise _error(f"{option}: {exc}") from None


def _until(closure: Any) -> str:
    from app.core import timefmt

    return "further notice" if closure.end is None else timefmt.short(closure.end)


def _replanned(store: Any, event_id: str) -> list[dict[str, Any]]:
    """The movements passing the closure's point, re-planned: whether each meets a closure
    as planned, and what to do about those that do."""
    from app.cli import _names, _planner
    from app.core.planning import report

    planner = _planner(store)
    affected = planner.incident(event_id)
    proposals = planner.proposals(affected)
    names = _names(store)
    out = []
    for movement_id in sorted(affected, key=lambda m: planner.movements[m]["depart"]):
        found = proposals.get(movement_id)
        out.append({"movement": movement_id, "name": names.get(movement_id, movement_id),
                    "depart": planner.movements[movement_id]["depart"],
                    "status": planner.movements[movement_id]["status"],
                    "closed": bool(planner.closed(movement_id)),
                    "suggestion": report.suggestion_data(found, names) if found else None})
    return out


def _print_replanned(rows: list[dict[str, Any]]) -> None:
    from app.core import timefmt

    meeting = sum(1 for r in rows if r["closed"])
    one = len(rows) == 1
    print(f"{len(rows)} movement{'' if one else 's'} pass{'es' if one else ''} the point; "
          f"{meeting} meet{'s' if meeting == 1 else ''} a closure as planned")
    for r in rows:
        head = (f"  {r['name']} ({r['movement']}, {r['status'].replace('_', ' ')}), departs "
                f"{timefmt.short(r['depart'])}")
        note = r["suggestion"]["note"] if r["suggestion"] else ""
        print(f"{head}: " + (f"meets a closure. {note}".rstrip() if r["closed"] else "clear"))


def _close(args: argparse.Namespace) -> int:
    from app.core import timefmt
    from app.core.planning import incidents

    start = _time("--from", args.start)
    until = _time("--until", args.until) if args.until is not None else None
    with _open(args) as store:
        point = incidents.find_point(store, args.point)
        event_id = incidents.close_point(store, point["id"], start, until, args.details or "")
        rows = _replanned(store, event_id)
    if args.json:
        print(json.dumps({"event": event_id, "point": point["name"], "point_id": point["id"],
                          "from": timefmt.iso(start),
                          "until": None if until is None else timefmt.iso(until),
                          "movements": rows}, indent=2, ensure_ascii=False))
        return 0
    print(f"closed {point['name']} from {timefmt.short(start)} until "
          f"{timefmt.short(until) if until else 'further notice'}: event {event_id}")
    _print_replanned(rows)
    return 0


def _reopen(args: argparse.Namespace) -> int:
    from app.core import timefmt
    from app.core.planning import incidents

    at = _time("--at", args.at)
    with _open(args) as store:
        closure = incidents.reopen(store, args.event_id, at)
        point = store.get("critical_points", closure.point_id)
        rows = _replanned(store, args.event_id)
    if args.json:
        print(json.dumps({"event": args.event_id, "point_id": closure.point_id,
                          "until": timefmt.iso(at), "movements": rows}, indent=2,
                         ensure_ascii=False))
        return 0
    name = point["name"] if point else closure.point_id
    print(f"reopened {name} at {timefmt.short(at)}: event {args.event_id}")
    _print_replanned(rows)
    return 0


def _list(args: argparse.Namespace) -> int:
    from app.core import timefmt
    from app.core.planning import incidents

    at = _time("--at", args.at)
    with _open(args) as store:
        found = incidents.active(store, at)
        names = {c.point_id: (store.get("critical_points", c.point_id) or {}).get(
            "name", c.point_id) for c in found}
    if args.json:
        print(json.dumps([{"event": c.event_id, "point": names[c.point_id],
                           "point_id": c.point_id, "from": timefmt.iso(c.start),
                           "until": None if c.end is None else timefmt.iso(c.end),
                           "details": c.details} for c in found], indent=2, ensure_ascii=False))
        return 0
    for c in found:
        print(f"{c.event_id}  {names[c.point_id]}: closed {timefmt.short(c.start)} until "
              f"{_until(c)}" + (f"  ({c.details})" if c.details else ""))
    print(f"{len(found)} closure{'s' if len(found) != 1 else ''} in force at "
          f"{timefmt.short(at)}")
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("incident", help="close and reopen critical points; re-plans the "
                       "movements that pass them")
    isub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = isub.add_parser("close", help="record a closure (the point's nation may) and show "
                        "the movements it stops, with the departures that clear it")
    q.add_argument("--point", required=True, metavar="KEY_OR_ID",
                   help="the point's key, id or the start of its name")
    q.add_argument("--from", dest="start", required=True, metavar="TIME",
                   help="closed from (ISO 8601 UTC)")
    q.add_argument("--until", metavar="TIME", help="reopens at (default: until further notice)")
    q.add_argument("--details", metavar="TEXT", help="what happened")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_close)
    q = isub.add_parser("reopen", help="end a closure and re-plan the movements that pass it")
    q.add_argument("event_id", metavar="EVENT_ID")
    q.add_argument("--at", metavar="TIME", help="reopened at (default: now)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_reopen)
    q = isub.add_parser("list", help="the closures in force")
    q.add_argument("--at", metavar="TIME", help="in force at (default: now)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)
