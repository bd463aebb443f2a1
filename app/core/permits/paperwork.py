"""Permit paperwork as plain data: the host nation's movement credit and the sending nation's
draft EU Form 302 (the customs document for military goods), ready to be rendered.

Drawing the documents is the GUI's (app/gui/paperwork.py). This module only reads the store,
except to record a Form 302 serial on a permit, which goes through the write path like any
other edit: the sending (owner) nation's customs issue the form, so its cell records the
serial, and the host only reads it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.domain.validation import ValidationError
from app.core.domain.vocabulary import (
    ACTIVE_PERMIT_STATUSES,
    DOMAINS,
    PERMIT_MODES,
    PERMIT_STATUSES,
)

if TYPE_CHECKING:
    from app.core.planning.model import RouteAnalysis
    from app.core.planning.network import Network
    from app.core.store import Store

CUSTOMS_STATUSES: dict[str, str] = {"U": "Union goods", "N": "Non-Union goods"}
OPERATIONS: dict[str, str] = {"N": "NATO", "E": "CSDP (EU)", "O": "Other national activity"}
CREDIT_STATUSES = frozenset({"approved", "approved_with_conditions"})
# Nothing moves under these, so there is nothing to declare to customs.
NO_FORM302_STATUSES = frozenset({"denied", "withdrawn", "expired", "superseded"})
SERIAL_LENGTH = 18
_SERIAL_RE = re.compile(r"([A-Z]{2})(\d{8})([UN])([NEO])(\d{6})")
_SEQUENCE_MAX = 999_999
ACTIVE = tuple(sorted(ACTIVE_PERMIT_STATUSES))
END_TOLERANCE_KM = 2.0  # a critical point this close to the route's start or end names it


class PaperworkError(ValueError):
    """A document that cannot be made, or a serial that cannot be recorded; one line naming
    why. Nothing was written."""


# -- Form 302 serials --------------------------------------------------------------------


def check_form302_serial(text: str) -> str:
    """The serial in its canonical form (upper case), or PaperworkError naming the problem.

    18 characters: ISO alpha-2 sending nation, date of issue yyyymmdd, customs status U/N,
    activity N/E/O (NATO, CSDP, other), and a 6-digit sequence.
    """
    if not isinstance(text, str):
        raise PaperworkError("a Form 302 serial is text of 18 characters")
    serial = text.strip().upper()
    if len(serial) != SERIAL_LENGTH:
        raise PaperworkError(f"a Form 302 serial has {SERIAL_LENGTH} characters; {serial!r} "
                             f"has {len(serial)}")
    found = _SERIAL_RE.fullmatch(serial)
    if found is None:
        raise PaperworkError(f"{serial!r} is not a Form 302 serial: nation (2 letters), "
                             "yyyymmdd, U or N, N, E or O, then 6 digits")
    try:
        datetime.strptime(found[2], "%Y%m%d")
    except ValueError:
        raise PaperworkError(f"Form 302 serial {serial}: {found[2]} is not a date") from None
    if int(found[5]) == 0:
        raise PaperworkError(f"Form 302 serial {serial}: the sequence starts at 000001")
    return serial


def _check_codes(customs_status: str, operation: str) -> None:
    if customs_status not in CUSTOMS_STATUSES:
        raise PaperworkError(f"customs status must be U (Union goods) or N (non-Union goods), "
                             f"not {customs_status!r}")
    if operation not in OPERATIONS:
        raise PaperworkError(f"activity must be N (NATO), E (CSDP) or O (other), "
                             f"not {operation!r}")


def _issue_day(issued: datetime) -> str:
    if not isinstance(issued, datetime):
        raise PaperworkError("the date of issue must be a date and time")
    if issued.tzinfo is None or issued.utcoffset() is None:
        raise PaperworkError("the date of issue needs a time zone: the day depends on it")
    # The calendar day where it is issued: the caller's zone, not necessarily UTC.
    return issued.strftime("%Y%m%d")


def form302_serial(store: Store, permit_id: str, issued: datetime, customs_status: str = "U",
                   operation: str = "N") -> str:
    """The Form 302 serial for the permit's movement, issued by this site's nation.

    A movement travels under one Form 302: a serial with the same customs status and activity
    already recorded on any of its active permits is returned again (a re-print). Otherwise
    the next sequence of this nation for that day: one more than the highest recorded with
    the same nation and date, whatever their status and activity, so a sequence is never
    given twice in a day. Nothing is written; see `issue_form302`.
    """
    _check_codes(customs_status, operation)
    day = _issue_day(issued)
    permit, movement = _permit(store, permit_id)
    _require_sender(store, movement, "issues")
    _require_goods(permit)
    wanted = store.nation, customs_status + operation
    for held in _movement_serials(store, movement["id"], permit_id):
        if (held[:2], held[10:12]) == wanted:
            return held
    prefix = f"{store.nation}{day}"
    sequence = max(_used_sequences(store, prefix), default=0) + 1
    if sequence > _SEQUENCE_MAX:
        raise PaperworkError(f"no Form 302 serial left for {store.nation} on {day}")
    return f"{prefix}{customs_status}{operation}{sequence:06d}"


def _used_sequences(store: Store, prefix: str) -> list[int]:
    """Sequences given under `prefix` (nation and day): those recorded now, and those a
    permit held before (a serial once printed is never given again), deleted permits too."""
    held = store.conn.execute(
        "SELECT form302_serial FROM permits WHERE form302_serial LIKE ?", (prefix + "%",))
    # The log's values are JSON text; only permits holding a serial can have held another.
    before = store.conn.execute(
        "SELECT json_extract(c.value, '$') FROM permits p JOIN change_log c ON c.row_id = p.id"
        " AND c.field = 'form302_serial' WHERE p.form302_serial IS NOT NULL AND c.value LIKE ?",
        ('"' + prefix + "%",))
    return [int(text[12:]) for (text,) in [*held, *before]
            if isinstance(text, str) and _SERIAL_RE.fullmatch(text)]


def _movement_serials(store: Store, movement_id: str, permit_id: str) -> list[str]:
    """Serials on the movement's active permits, the asked permit's first."""
    rows = store.conn.execute(
        "SELECT form302_serial FROM permits WHERE movement_id = ? AND deleted = 0 AND"
        f" form302_serial IS NOT NULL AND status IN ({', '.join('?' * len(ACTIVE))})"
        " ORDER BY id != ?, id", (movement_id, *ACTIVE, permit_id))
    return [r[0] for r in rows]


def record_form302_serial(store: Store, permit_id: str, serial: str) -> None:
    """Record a Form 302 serial on the permit, as the sending nation's cell."""
    serial = check_form302_serial(serial)
    permit, movement = _permit(store, permit_id)
    _require_sender(store, movement, "records")
    _require_goods(permit)
    if serial[:2] != movement["owner"]:
        raise PaperworkError(f"Form 302 serial {serial} is of {serial[:2]}; the sending nation "
                             f"of this movement is {movement['owner']}")
    if permit["form302_serial"] == serial:
        return
    try:
        with store.write() as w:
            w.update("permits", permit_id, {"form302_serial": serial})
    except ValidationError as exc:  # the write path's refusal, reported as it is
        raise PaperworkError(exc.message) from None


def issue_form302(store: Store, permit_id: str, issued: datetime | None = None,
                  customs_status: str = "U", operation: str = "N") -> str:
    """`form302_serial`, recorded on the permit; returns the serial."""
    moment = issued or datetime.now(timefmt.UTC)
    serial = form302_serial(store, permit_id, moment, customs_status, operation)
    record_form302_serial(store, permit_id, serial)
    return serial


def _require_goods(permit: dict[str, Any]) -> None:
    if permit["status"] in NO_FORM302_STATUSES:
        raise PaperworkError(f"the permit is {PERMIT_STATUSES[permit['status']].lower()}: "
                             "no goods move under it")


def _require_sender(store: Store, movement: dict[str, Any], verb: str) -> None:
    if store.nation != movement["owner"]:
        raise PaperworkError(f"the sending nation {movement['owner']} {verb} the Form 302 of "
                             f"this movement, not {store.nation}")


# -- documents ---------------------------------------------------------------------------


def movement_credit(store: Store, permit_id: str, network: Network | None = None,
                    ) -> dict[str, Any]:
    """What a movement credit shows, for an approved permit with a movement number."""
    permit, movement = _permit(store, permit_id)
    if permit["status"] not in CREDIT_STATUSES:
        raise PaperworkError(f"the permit is {PERMIT_STATUSES[permit['status']].lower()}: "
                             "a movement credit is only for an approved permit")
    if not permit["movement_number"]:
        raise PaperworkError("the permit has no movement number; approve it again to assign "
                             "one")
    return _common(store, permit, movement, network) | {
        "document": "movement_credit",
        "conditions": list(permit["conditions"] or ()),
        "remarks": permit["remarks"] or "",
        "decided_by": permit["decided_by"] or "",
        "decided_at": permit["decided_at"],
    }


def form302(store: Store, permit_id: str, customs_status: str | None = None,
            operation: str | None = None, issued: datetime | None = None,
            network: Network | None = None, record: bool = True) -> dict[str, Any]:
    """What a draft EU Form 302 for the permit's movement shows.

    At the sending nation's cell the serial is issued (and, with `record`, recorded on the
    permit); elsewhere the serial recorded by the sending nation is shown, or refused if none.
    """
    permit, movement = _permit(store, permit_id)
    _require_goods(permit)
    moment = issued or datetime.now(timefmt.UTC)
    if store.nation == movement["owner"]:
        status, activity = customs_status or "U", operation or "N"
        serial = (issue_form302(store, permit_id, moment, status, activity) if record
                  else form302_serial(store, permit_id, moment, status, activity))
    else:
        held = permit["form302_serial"]
        if not held:
            raise PaperworkError(f"no Form 302 serial is recorded for this permit yet; the "
                                 f"sending nation {movement['owner']} issues it")
        serial = check_form302_serial(held)
        for asked, got, what in ((customs_status, serial[10], "customs status"),
                                 (operation, serial[11], "activity")):
            if asked is not None and asked != got:
                raise PaperworkError(f"the recorded Form 302 serial {serial} has {what} {got}; "
                                     f"only the sending nation {movement['owner']} issues "
                                     "another")
    common = _common(store, permit, movement, network)
    route = common["route_nations"]
    goods = _goods(common["serials"])
    return common | {
        "document": "form302",
        "draft": True,
        "serial": serial,
        "issued_on": f"{serial[2:6]}-{serial[6:8]}-{serial[8:10]}",
        "customs_status": serial[10], "customs_label": CUSTOMS_STATUSES[serial[10]],
        "operation": serial[11], "operation_label": OPERATIONS[serial[11]],
        "consignor_nation": movement["owner"],
        "consignor_nation_name": common["owner_name"],
        "departure_nation": route[0] if route else movement["owner"],
        "destination_nation": route[-1] if route else permit["host_nation"],
        "destination_nation_name": _nation_names(store).get(
            route[-1] if route else permit["host_nation"], ""),
        "transit_nations": route[1:-1],
        "goods": goods,
        "gross_weight_t": round(sum(g["gross_t"] or 0.0 for g in goods), 1),
    }


def _permit(store: Store, permit_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    permit = store.get("permits", permit_id)
    if permit is None:
        raise PaperworkError(f"no permit with id {permit_id}")
    movement = store.get("movements", permit["movement_id"])
    if movement is None:
        raise PaperworkError(f"the movement of permit {permit_id} is not in this store")
    return permit, movement


def _nation_names(store: Store) -> dict[str, str]:
    return {r[0]: r[1] for r in store.conn.execute(
        "SELECT code, name FROM nations WHERE deleted = 0")}


def _common(store: Store, permit: dict[str, Any], movement: dict[str, Any],
            network: Network | None) -> dict[str, Any]:
    """What both documents show: the movement, its nations, route, serials and window."""
    names = _nation_names(store)
    host, owner = permit["host_nation"], movement["owner"]
    exercise = (store.get("exercises", movement["exercise_id"])
                if movement["exercise_id"] else None)
    serials = [{
        "number": s["number"], "name": s["name"] or "",
        "vehicles": [{"type": v.get("type") or "", "count": int(v.get("count") or 0),
                      "mlc": v.get("mlc"), "weight_t": v.get("weight_t"),
                      "tracked": bool(v.get("tracked")),
                      "dangerous_goods": v.get("dangerous_goods")} for v in s["vehicles"]],
    } for s in store.rows("serials", "movement_id = ?", (movement["id"],), order_by="number")]
    for s in serials:
        s["count"] = sum(v["count"] for v in s["vehicles"])
    lines = [v for s in serials for v in s["vehicles"]]
    mlcs = [v["mlc"] for v in lines if v["mlc"] is not None]
    route = _route(store, movement, host, serials, network)
    return {
        "permit_id": permit["id"], "reference": permit["reference"] or "",
        "movement_number": permit["movement_number"] or "",
        "status": permit["status"], "status_label": PERMIT_STATUSES[permit["status"]],
        "agreement": permit["agreement"] or "",
        "mode": permit["mode"] or "", "mode_label": PERMIT_MODES.get(permit["mode"] or "", ""),
        "movement_id": movement["id"], "movement": movement["name"],
        "unit": movement["unit"], "domain": movement["domain"],
        "domain_label": DOMAINS.get(movement["domain"], movement["domain"]),
        "exercise": exercise["name"] if exercise else "",
        "owner": owner, "owner_name": names.get(owner, owner),
        "host": host, "host_name": names.get(host, host),
        "valid_from": permit["valid_from"] or movement["depart"],
        "valid_until": permit["valid_until"] or movement["arrive_by"],
        "depart": movement["depart"], "arrive_by": movement["arrive_by"],
        "personnel": movement["personnel"],
        "serials": serials,
        "vehicles": sum(s["count"] for s in serials),
        "max_mlc": max(mlcs) if mlcs else None,
        "dangerous_goods": sorted({v["dangerous_goods"] for v in lines
                                   if v["dangerous_goods"]}, key=_adr_key),
        "form302_serial": permit["form302_serial"] or "",
    } | route


def _adr_key(code: str) -> tuple[float, str]:
    try:
        return float(code), code
    except ValueError:
        return float("inf"), code


def _goods(serials: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Vehicles as customs goods: one item per kind of vehicle, in order of first use."""
    items: dict[tuple[Any, ...], dict[str, Any]] = {}
    for s in serials:
        for v in s["vehicles"]:
            key = (v["type"], v["mlc"], v["weight_t"], v["dangerous_goods"])
            item = items.get(key)
            if item is None:
                item = items[key] = {"item": len(items) + 1, "description": v["type"],
                                     "quantity": 0, "weight_t": v["weight_t"],
                                     "mlc": v["mlc"], "dangerous_goods": v["dangerous_goods"],
                                     "serials": []}
            item["quantity"] += v["count"]
            if s["number"] not in item["serials"]:
                item["serials"].append(s["number"])
    for item in items.values():
        weight = item["weight_t"]
        item["gross_t"] = round(weight * item["quantity"], 1) if weight is not None else None
    return list(items.values())


# -- where the movement enters and leaves the host nation ---------------------------------

Times = dict[str, tuple[str, str]]  # station (point id, "SP", "RP") -> first head, last tail


def _route(store: Store, movement: dict[str, Any], host: str, serials: list[dict[str, Any]],
           network: Network | None) -> dict[str, Any]:
    from app.core.planning.network import Network
    from app.core.planning.route import analyse

    empty = {"route_nations": [], "length_km": None, "entry": None, "exit": None,
             "start": None, "end": None, "route_note": ""}
    try:
        net = network or Network.from_store(store)
        analysis = analyse(net, movement["route"], movement["domain"])
    except (ValueError, TypeError, KeyError) as exc:  # the documents still say the rest
        return empty | {"route_note": f"route analysis failed: {exc}"}
    times = _planned_times(movement, serials, analysis)
    start = _end(analysis, movement["route"], 0, times)
    end = _end(analysis, movement["route"], -1, times)
    entry, exit_ = _passages(analysis, host, movement["domain"], (start, end), times)
    note = "" if entry and exit_ else f"where the route enters or leaves {host} is not known"
    return {"route_nations": list(analysis.nations), "length_km": round(analysis.length_km, 1),
            "entry": entry, "exit": exit_, "start": start, "end": end, "route_note": note}


def _planned_times(movement: dict[str, Any], serials: list[dict[str, Any]],
                   analysis: RouteAnalysis) -> Times:
    """Per station of the march table: the head of the first serial and the tail of the
    last, as planned (reported delays are the forecast's, not the credit's)."""
    from app.core.planning.march import march_table
    from app.core.planning.model import Halt

    counts = [s["count"] for s in serials]
    if not counts:
        return {}
    halts = [Halt(h["km"], h["minutes"], h.get("reason") or "")
             for h in movement.get("halts") or ()]  # fmt: skip
    try:
        table = march_table(movement["id"], timefmt.parse_utc(movement["depart"]),
                            movement["speed_kmh"], movement["vehicle_interval_m"], counts,
                            analysis, movement.get("serial_gap_min"), halts)
    except (ValueError, TypeError):
        return {}
    out: Times = {}
    for row in table.rows:
        key = row.point_id or row.point
        head, tail = timefmt.iso(row.head_arrive), timefmt.iso(row.tail_clear)
        first, last = out.get(key, (head, tail))
        out[key] = min(first, head), max(last, tail)
    return out


def _place(name: str, kind: str, km: float, lon: float, lat: float, station: str | None,
           times: Times, point_id: str | None = None) -> dict[str, Any]:
    first, last = times.get(station, (None, None)) if station else (None, None)
    return {"name": name, "kind": kind, "km": round(km, 1), "lat": round(lat, 5),
            "lon": round(lon, 5), "point_id": point_id, "first_vehicle": first,
            "last_vehicle": last}


def _end(analysis: RouteAnalysis, route: list[list[float]], which: int, times: Times,
         ) -> dict[str, Any]:
    """The route's start (which 0) or end (-1), named after a critical point right there."""
    km = 0.0 if which == 0 else analysis.length_km
    station = "SP" if which == 0 else "RP"
    kind = "start" if which == 0 else "end"
    near = [p for p in analysis.points if abs(p.km - km) <= END_TOLERANCE_KM]
    if near:
        p = near[which].point
        return _place(p.name, kind, km, p.lon, p.lat, station, times, p.id)
    lon, lat = route[which][0], route[which][1]
    label = "Start of the route" if which == 0 else "End of the route"
    return _place(label, kind, km, lon, lat, station, times)


def _passages(analysis: RouteAnalysis, host: str, domain: str,
              ends: tuple[dict[str, Any], dict[str, Any]], times: Times,
              ) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Where the movement enters and leaves the host nation: the route's start or end if it
    is in the host nation; else on land its border crossing (a known crossing point if
    there is one); in the air and at sea the host's first or last critical point on the
    route (an airfield, a port), else where it crosses the boundary."""
    ins = [c for c in analysis.crossings if c.to_nation == host and c.from_nation != host]
    outs = [c for c in analysis.crossings if c.from_nation == host and c.to_nation != host]
    own = [p for p in analysis.points if p.point.nation == host]
    surface = domain in ("road", "rail")

    def crossing(c: Any) -> dict[str, Any]:
        if c.point is not None:
            return _place(c.point.name, "crossing", c.km, c.point.lon, c.point.lat,
                          c.point.id, times, c.point.id)
        sides = f"{c.from_nation or 'sea'}–{c.to_nation or 'sea'}"
        return _place(f"{sides} border (no known crossing point)", "border", c.km, c.lon,
                      c.lat, None, times)

    def pick(crossings: list[Any], which: int) -> dict[str, Any] | None:
        if analysis.nations and analysis.nations[which] == host:
            return ends[which]
        ordered = crossings if which == 0 else crossings[::-1]
        known = [c for c in ordered if c.point is not None]
        if surface and ordered:
            return crossing((known or ordered)[0])
        if own:
            p = own[which]
            return _place(p.point.name, p.point.kind, p.km, p.point.lon, p.point.lat,
                          p.point.id, times, p.point.id)
        return crossing(ordered[0]) if ordered else None

    return pick(ins, 0), pick(outs, -1)
