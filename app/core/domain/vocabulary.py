"""The words of the domain: kinds, priorities and states, in the order users expect them."""

from __future__ import annotations

POINT_KINDS: dict[str, str] = {
    "road_crossing": "Road border crossing",
    "rail_crossing": "Rail border crossing",
    "bridge": "Bridge",
    "tunnel": "Tunnel",
    "port": "Port",
    "airfield": "Airfield",
    "gauge_transfer": "Rail gauge transfer",
    "staging_area": "Staging area",
    "rest_point": "Rest / refuel point",
    "garrison": "Garrison",
}

DOMAINS: dict[str, str] = {"road": "Road", "rail": "Rail", "sea": "Sea", "air": "Air"}

# Listed from most to least urgent: crisis moves before exercise before routine.
PRIORITIES: dict[str, str] = {"crisis": "Crisis", "exercise": "Exercise", "routine": "Routine"}
PRIORITY_RANK = {name: rank for rank, name in enumerate(PRIORITIES)}

MOVEMENT_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "submitted": "Submitted",
    "planned": "Planned",
    "under_way": "Under way",
    "completed": "Completed",
    "cancelled": "Cancelled",
}

PERMIT_STATUSES: dict[str, str] = {
    "draft": "Draft",
    "requested": "Requested",
    "under_review": "Under review",
    "approved": "Approved",
    "approved_with_conditions": "Approved with conditions",
    "denied": "Denied",
    "withdrawn": "Withdrawn",
    "expired": "Expired",
    "superseded": "Superseded",
}
DECIDED_PERMIT_STATUSES = frozenset({"approved", "approved_with_conditions", "denied"})
# Still asking for or holding a decision: a movement has at most one per host nation.
ACTIVE_PERMIT_STATUSES = frozenset({"draft", "requested", "under_review", "approved",
                                    "approved_with_conditions", "denied"})

# How a permit's deadline is counted (domain.md: working days in peacetime on the host's
# holiday calendar, hours of calendar time in a crisis, none under a standing permission).
PERMIT_MODES: dict[str, str] = {
    "standard": "Standard",
    "crisis": "Crisis fast track",
    "preauthorised": "Pre-authorised",
}

EVENT_KINDS: dict[str, str] = {
    "passage": "Passage at a point",
    "closure": "Point closed",
    "delay": "Movement delayed",
}

CORRIDOR_KINDS: dict[str, str] = {"road": "Road", "rail": "Rail", "sea": "Sea lane"}

# ADR dangerous-goods classes (UN model regulations); "none" is written as null.
ADR_CLASSES: tuple[str, ...] = (
    "1", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "2", "2.1", "2.2", "2.3", "3",
    "4.1", "4.2", "4.3", "5.1", "5.2", "6.1", "6.2", "7", "8", "9",
)  # fmt: skip

AGREEMENTS: dict[str, str] = {
    "BMMA": "Baltic Military Mobility Area",
    "CSEM": "Central-Northern Europe military mobility region",
}
