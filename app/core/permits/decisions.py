"""The host nation's decisions on permits, the owner's withdrawal, and undoing a decision
that has not left this laptop yet."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.domain.validation import ValidationError
from app.core.domain.vocabulary import ACTIVE_PERMIT_STATUSES, PERMIT_STATUSES
from app.core.permits import preauth

if TYPE_CHECKING:
    from app.core.store import Store

OUTCOMES = {"approve": "approved", "conditions": "approved_with_conditions", "deny": "denied"}
# What a decision writes; undo puts these back as they were before it.
DECISION_FIELDS = ("status", "decided_at", "decided_by", "conditions", "remarks",
                   "movement_number")
DECIDABLE = frozenset({"requested", "under_review", "approved", "approved_with_conditions",
                       "denied"})


class DecisionError(Exception):
    """A decision that cannot be taken; one line naming why. Nothing was written."""


STANDARD_CONDITIONS: tuple[str, ...] = (
    "Cross {crossing} between {start} and {end} only",
    "Military police escort from the border to the first halt",
    "Avoid {bridge}; use the diversion the host nation's road authority names",
    "No movement between 22:00 and 05:00 local time",
)


def decider(store: Store, person: str | None = None) -> str:
    from app.core import audit

    return f"{person or audit.current_person()}, {store.site_name or store.nation}"


def decide(store: Store, permit_id: str, outcome: str, conditions: Sequence[str] = (),
           reason: str = "", person: str | None = None, now: datetime | None = None) -> str:
    """Approve, approve with conditions, or deny; returns the new status."""
    if outcome not in OUTCOMES:
        raise DecisionError(f"unknown decision {outcome!r}; use approve, conditions or deny")
    permit = store.get("permits", permit_id)
    if permit is None:
        raise DecisionError(f"no permit with id {permit_id}")
    if permit["status"] not in DECIDABLE:
        raise DecisionError(f"the permit is {PERMIT_STATUSES[permit['status']].lower()}: "
                            "there is nothing to decide")
    clean = [c.strip() for c in conditions if c.strip()]
    if outcome == "conditions" and not clean:
        raise DecisionError("approving with conditions needs at least one condition")
    if outcome == "deny" and not reason.strip():
        raise DecisionError("a denial needs its reason")
    status = OUTCOMES[outcome]
    moment = (now or datetime.now(timefmt.UTC)).replace(microsecond=0)
    values: dict[str, Any] = {
        "status": status, "decided_at": timefmt.iso(moment),
        "decided_by": decider(store, person),
        "conditions": clean if outcome == "conditions" else None,
        "remarks": reason.strip() or permit["remarks"]}
    if status != "denied" and not permit["movement_number"]:
        values["movement_number"] = movement_number(store, permit, moment)
    try:
        with store.write() as w:
            w.update("permits", permit_id, values)
    except ValidationError as exc:
        raise DecisionError(exc.message) from None
    return status


def movement_number(store: Store, permit: dict[str, Any], moment: datetime) -> str:
    """The movement number of a movement credit (after STANAG 2154): day of the month, the
    issuing nation and authority, and a serial of that authority for that day."""
    day = moment.strftime("%d")
    prefix = f"{day}{store.nation}{_authority(store)}"
    taken = store.conn.execute(
        "SELECT count(*) FROM permits WHERE movement_number LIKE ? AND decided_at LIKE ?",
        (prefix + "%", moment.strftime("%Y-%m-%d") + "%")).fetchone()[0]
    return f"{prefix}{taken + 1:03d}"


def _authority(store: Store) -> str:
    """Two letters naming the issuing cell: the site name's initials (NMCC Vilnius → NV)."""
    words = [w for w in (store.site_name or "").replace("-", " ").split() if w[:1].isalpha()]
    letters = "".join(w[0] for w in words).upper()
    return (letters + "XX")[:2] if letters else "MC"


def withdraw(store: Store, permit_id: str, reason: str = "") -> None:
    """The owner nation withdraws its request (or a decision it no longer needs)."""
    permit = store.get("permits", permit_id)
    if permit is None:
        raise DecisionError(f"no permit with id {permit_id}")
    if permit["status"] not in ACTIVE_PERMIT_STATUSES:
        raise DecisionError(f"the permit is {PERMIT_STATUSES[permit['status']].lower()}: "
                            "there is nothing to withdraw")
    try:
        with store.write() as w:
            w.update("permits", permit_id, {
                "status": "withdrawn",
                "remarks": f"withdrawn: {reason.strip()}" if reason.strip() else "withdrawn"})
    except ValidationError as exc:
        raise DecisionError(exc.message) from None


def undoable(store: Store, permit_id: str) -> bool:
    """Whether this site's last decision on the permit is still only on this laptop: not yet
    sealed into a batch (every export seals first), so no other site can hold it."""
    return _last_decision(store, permit_id) is not None


def _last_decision(store: Store, permit_id: str) -> tuple[int, int] | None:
    own = store.site_no(store.site_id)
    # By the (row, field, stamp) index: this site's changes follow its clock.
    row = store.conn.execute(
        "SELECT seq, hlc, value FROM change_log WHERE row_id = ? AND field = 'status' AND"
        " origin = ? ORDER BY hlc DESC LIMIT 1", (permit_id, own)).fetchone()
    if row is None or json.loads(row[2] or "null") not in OUTCOMES.values():
        return None
    sealed = store.conn.execute("SELECT max(last_seq) FROM batches WHERE origin = ?",
                                (own,)).fetchone()[0] or 0
    newest = store.conn.execute("SELECT max(hlc) FROM change_log WHERE row_id = ? AND field ="
                                " 'status'", (permit_id,)).fetchone()[0]
    if row[0] <= sealed or newest != row[1]:
        return None  # exported, or another change came after it
    return row[0], row[1]


def undo(store: Store, permit_id: str) -> None:
    """Put back what the permit held before this site's last decision (not yet exported)."""
    from app.core import audit

    last = _last_decision(store, permit_id)
    if last is None:
        raise DecisionError("this decision cannot be undone: it has left this laptop in a "
                            "bundle, or was not made here")
    _, stamp = last
    before: dict[str, Any] = {}
    for name in DECISION_FIELDS:
        row = store.conn.execute(
            "SELECT value FROM change_log WHERE row_id = ? AND field = ? AND hlc < ?"
            " ORDER BY hlc DESC LIMIT 1", (permit_id, name, stamp)).fetchone()
        before[name] = json.loads(row[0]) if row and row[0] is not None else None
    if before["status"] is None:
        before["status"] = "requested"
    permit = store.get("permits", permit_id)
    assert permit is not None
    private = _site_private(store)
    with store.write() as w:
        w.update("permits", permit_id, before)
        audit.append(store.conn, site_id=store.site_id, private_key=private,
                     action="decision_undone",
                     subject=f"permit {permit['reference'] or permit_id}",
                     detail={"permit_id": permit_id, "was": permit["status"],
                             "now": before["status"]}, person=audit.current_person())


def _site_private(store: Store) -> bytes:
    from app.core.sync.exchange import site_private_key

    return site_private_key(store)


def approve_preauthorised(store: Store, now: datetime | None = None) -> int:
    """Approve on receipt the requests to this nation that fit one of its standing
    pre-authorisations; returns how many. Those that no longer fit wait for a person."""
    count = 0
    for permit in store.rows("permits", "host_nation = ? AND status = 'requested' AND"
                             " mode = 'preauthorised'", (store.nation,)):
        movement = store.get("movements", permit["movement_id"])
        if movement is None:
            continue
        vehicles = [v for s in store.rows("serials", "movement_id = ?", (movement["id"],))
                    for v in s["vehicles"]]
        end = movement["arrive_by"] or permit["valid_until"] or movement["depart"]
        pre, _ = preauth.find(store, store.nation, movement["owner"], movement["depart"], end,
                              vehicles)
        if pre is None:
            continue
        decide(store, permit["id"], "approve", person=f"pre-authorisation {pre['reference']}",
               reason=f"approved on receipt under pre-authorisation {pre['reference']}",
               now=now)
        count += 1
    return count


def review(store: Store, permit_id: str) -> None:
    """The host nation takes a request up: requested → under review (the owner sees it)."""
    permit = store.get("permits", permit_id)
    if permit is None:
        raise DecisionError(f"no permit with id {permit_id}")
    if permit["status"] != "requested":
        raise DecisionError(f"the permit is {PERMIT_STATUSES[permit['status']].lower()}: "
                            "only a new request is taken under review")
    try:
        with store.write() as w:
            w.update("permits", permit_id, {"status": "under_review"})
    except ValidationError as exc:
        raise DecisionError(exc.message) from None


def expire_lapsed(store: Store, now: datetime | None = None) -> int:
    """Mark this nation's approvals whose validity has ended as expired; returns how many."""
    moment = timefmt.iso((now or datetime.now(timefmt.UTC)).replace(microsecond=0))
    lapsed = [p["id"] for p in store.rows(
        "permits", "host_nation = ? AND status IN ('approved', 'approved_with_conditions')"
        " AND valid_until IS NOT NULL AND valid_until < ?", (store.nation, moment))]
    if lapsed:
        with store.write() as w:
            for permit_id in lapsed:
                w.update("permits", permit_id, {"status": "expired"})
    return len(lapsed)
