"""A host nation's part of a movement's plan: what its permit decision rests on.

The points on the route in the host nation (and the crossings on its borders), with the
column's times there from the march table, the clearance violations and conflicts at those
points, and what the standard permit conditions need: the crossing into the host nation with
its window, and the bridge to name.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from app.core.planning.model import BorderCrossing, Conflict, MovementPlan, Violation
from app.gui import display
from app.gui.planning import PlanSet


@dataclass(frozen=True)
class HostPoint:
    point_id: str
    name: str
    kind: str
    km: float
    head: datetime | None  # head of the first serial there (planned)
    tail: datetime | None  # tail of the last serial clear


@dataclass(frozen=True)
class HostPart:
    host: str
    plan: MovementPlan
    points: tuple[HostPoint, ...]
    violations: tuple[Violation, ...]
    conflicts: tuple[Conflict, ...]
    entry: BorderCrossing | None  # where the route enters the host nation
    entry_window: tuple[datetime, datetime] | None  # the column at that crossing
    bridge: str | None  # the bridge a condition should name

    @property
    def flags(self) -> str:
        """The table's short warning: "⚠ 2 violations  ◷ 1 conflict"."""
        parts = []
        if self.violations:
            n = len(self.violations)
            parts.append(f"⚠ {n} violation{'s' if n != 1 else ''}")
        if self.conflicts:
            n = len(self.conflicts)
            parts.append(f"◷ {n} conflict{'s' if n != 1 else ''}")
        return "  ".join(parts)

    @property
    def crossing_name(self) -> str | None:
        entry = self.entry
        if entry is None:
            return None
        if entry.point is not None:
            return entry.point.name
        return f"the {entry.from_nation or 'sea'}–{entry.to_nation or 'sea'} border"

    def condition_values(self) -> dict[str, str | None]:
        """The values of the standard conditions' placeholders; None where unknown."""
        start = end = None
        if self.entry_window is not None:
            # Whole hours around the planned passage: a little slack for the column.
            first, last = self.entry_window
            first = first.replace(minute=0, second=0, microsecond=0)
            if last.minute or last.second or last.microsecond:
                last = last.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
            start = display.day_time(first)
            end = display.day_time(last)
            if start[:6] == end[:6]:
                end = end[7:]  # same day: the time alone
        return {"crossing": self.crossing_name, "start": start, "end": end,
                "bridge": self.bridge}  # fmt: skip


def host_part(plans: PlanSet | None, movement_id: str, host: str) -> HostPart | None:
    """The part of the movement's plan in `host`; None while planning or without a plan."""
    plan = plans.plans.get(movement_id) if plans else None
    if plans is None or plan is None:
        return None
    windows = plan.march.windows()
    on_route = [p for p in plan.route.points
                if p.point.nation == host or p.point.border_with == host]  # fmt: skip
    ids = {p.point.id for p in on_route}
    points = tuple(HostPoint(p.point.id, p.point.name, p.point.kind, p.km,
                             *windows.get(p.point.id, (None, None)))
                   for p in on_route)  # fmt: skip
    violations = tuple(v for v in plan.violations if v.point_id in ids)
    conflicts = tuple(c for c in plans.conflicts_of(movement_id) if c.point_id in ids)
    entry = next((c for c in plan.route.crossings if c.to_nation == host), None) or next(
        (c for c in plan.route.crossings if c.from_nation == host), None)
    entry_window = windows.get(entry.point.id) if entry and entry.point else None
    kinds = {p.point.id: p.point.kind for p in on_route}
    # A bridge the column may not cross comes first; else the first bridge in the host.
    bridge = next((v.point for v in violations if kinds.get(v.point_id or "") == "bridge"),
                  None) or next((p.name for p in points if p.kind == "bridge"), None)
    return HostPart(host, plan, points, violations, conflicts, entry, entry_window, bridge)
