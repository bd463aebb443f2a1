"""When a host nation owes its decision: by the agreement the two nations share.

Each agreement (user-editable data, `agreements` table) gives a peacetime deadline in
working days, counted on the host nation's public-holiday calendar, and a crisis fast track
in hours of calendar time. A request under a standing pre-authorisation is decided on
receipt. Where several agreements bind both nations the most favourable (shortest) applies;
where none does, the general rule (the agreement without members).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from app.core.domain.calendar import add_working_days

if TYPE_CHECKING:
    from app.core.store import Store


@dataclass(frozen=True)
class Rule:
    agreement_id: str | None
    name: str
    working_days: int
    crisis_hours: float


# Used only when a store holds no agreement at all (all deleted by their members).
BUILT_IN = Rule(None, "general rule (built in)", 5, 6.0)


def rule_for(store: Store, host: str, owner: str) -> Rule:
    rows = list(store.rows("agreements"))
    shared = [a for a in rows if a["members"] and host in a["members"]
              and owner in a["members"]]
    candidates = shared or [a for a in rows if not a["members"]]
    if not candidates:
        return BUILT_IN
    best = min(candidates, key=lambda a: (a["working_days"], a["crisis_hours"], a["name"]))
    return Rule(best["id"], best["name"], int(best["working_days"]), float(best["crisis_hours"]))


def deadline(rule: Rule, mode: str, requested_at: datetime, host: str) -> datetime:
    """The moment the decision is due for a request made at `requested_at`."""
    if mode == "crisis":
        return requested_at + timedelta(hours=rule.crisis_hours)
    if mode == "preauthorised":
        return requested_at  # notification only: decided on receipt
    return add_working_days(requested_at, rule.working_days, host)


def allowed_seconds(requested_at: datetime, due: datetime) -> float:
    """The time the rule allowed, for the inbox's 'under a quarter left' warning."""
    return max((due - requested_at).total_seconds(), 0.0)
