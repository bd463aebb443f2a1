"""The permit inbox as SQL: requests this nation decides (incoming) and the ones it asked
of others (outgoing), filtered and sorted in the database, read a page at a time.

Columns computed from other tables (the nations a movement crosses, its vehicles, its
highest MLC) are subqueries: evaluated for the rows of a page, or for all rows only when
the inbox is sorted by them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from app.core import timefmt

if TYPE_CHECKING:
    from app.core.store import Store

DIRECTIONS = ("incoming", "outgoing", "all")
OPEN_STATUSES = ("requested", "under_review")

# The route as the nations involved: the owner, then the hosts asked (alphabetical: the
# order of travel needs the route's geometry, which the plan gives).
_ROUTE = ("(m.owner || coalesce((SELECT ' → ' || group_concat(q.host_nation, ', ') FROM"
          " (SELECT DISTINCT host_nation FROM permits WHERE movement_id = m.id AND deleted = 0"
          " AND status NOT IN ('superseded', 'withdrawn') ORDER BY host_nation) q), ''))")
_VEHICLES = ("(SELECT coalesce(sum(json_extract(v.value, '$.count')), 0) FROM serials s,"
             " json_each(s.vehicles) v WHERE s.movement_id = m.id AND s.deleted = 0)")
_MAX_MLC = ("(SELECT max(json_extract(v.value, '$.mlc')) FROM serials s,"
            " json_each(s.vehicles) v WHERE s.movement_id = m.id AND s.deleted = 0)")

COLUMNS: dict[str, str] = {
    "movement": "m.name", "owner": "m.owner", "host": "p.host_nation", "route": _ROUTE,
    "vehicles": _VEHICLES, "max_mlc": _MAX_MLC, "window": "coalesce(p.valid_from, m.depart)",
    "deadline": "p.deadline", "status": "p.status", "requested_at": "p.requested_at",
    "mode": "p.mode",
}
_SORT: dict[str, str] = COLUMNS | {"movement": "m.name COLLATE NOCASE"}
_SEARCHED = ("m.name", "m.unit", "m.owner", "p.host_nation", "p.reference", "p.agreement")


@dataclass(frozen=True)
class InboxFilter:
    direction: str = "incoming"
    text: str = ""
    statuses: tuple[str, ...] = ()  # empty: all
    due_before: str | None = None  # ISO UTC: deadlines up to then (overdue included)
    ids: tuple[str, ...] = ()  # only these permits
    indexed: bool = True  # use the trigram index for the text, where the store has one

    def where(self, nation: str) -> tuple[str, list[Any]]:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}")
        clauses = ["p.deleted = 0", "m.deleted = 0"]
        params: list[Any] = []
        if self.direction == "incoming":
            clauses.append("p.host_nation = ? AND m.owner != ?")
            params += [nation, nation]
        elif self.direction == "outgoing":
            clauses.append("m.owner = ? AND p.host_nation != ?")
            params += [nation, nation]
        else:
            clauses.append("(p.host_nation = ? OR m.owner = ?)")
            params += [nation, nation]
        text = self.text.strip()
        if text and self.indexed and not any(c in text for c in "%_"):
            # The trigram index answers LIKE without reading the permits (no ESCAPE there).
            clauses.append("p.rowid IN (SELECT rowid FROM permit_search WHERE text LIKE ?)")
            params.append(f"%{text}%")
        elif text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            clauses.append("(" + " OR ".join(f"{c} LIKE ? ESCAPE '\\'" for c in _SEARCHED)
                           + ")")
            params += [f"%{escaped}%"] * len(_SEARCHED)
        if self.statuses:
            clauses.append(f"p.status IN ({', '.join('?' * len(self.statuses))})")
            params += list(self.statuses)
        if self.due_before:
            clauses.append("p.deadline <= ?")
            params.append(self.due_before)
        if self.ids:
            clauses.append(f"p.id IN ({', '.join('?' * len(self.ids))})")
            params += list(self.ids)
        return " AND ".join(clauses), params


_FROM = "FROM permits p JOIN movements m ON m.id = p.movement_id"


def _searchable(store: Store, flt: InboxFilter) -> InboxFilter:
    if flt.text.strip() and flt.indexed and store.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'permit_search'").fetchone() is None:
        return replace(flt, indexed=False)
    return flt


def count(store: Store, flt: InboxFilter = InboxFilter()) -> int:
    flt = _searchable(store, flt)
    if flt.direction == "all":  # two counts, each by its index, beat one OR over every row
        return count(store, replace(flt, direction="incoming")) + \
            count(store, replace(flt, direction="outgoing"))  # fmt: skip
    where, params = flt.where(store.nation)
    return store.conn.execute(f"SELECT count(*) {_FROM} WHERE {where}", params).fetchone()[0]


def page(store: Store, flt: InboxFilter = InboxFilter(), order: str = "deadline",
         descending: bool = False, limit: int = -1, offset: int = 0) -> list[dict[str, Any]]:
    """One page of the inbox: each row with `id`, `movement_id` and every COLUMNS key."""
    if order not in _SORT:
        raise ValueError(f"cannot sort the inbox by {order!r}")
    where, params = _searchable(store, flt).where(store.nation)
    direction = "DESC" if descending else "ASC"
    select = ", ".join(f"{sql} AS {name}" for name, sql in COLUMNS.items())
    rows = store.conn.execute(
        f"SELECT p.id AS id, p.movement_id AS movement_id, p.reference AS reference,"
        f" p.valid_until AS valid_until, m.depart AS depart, m.arrive_by AS arrive_by,"
        f" p.preauthorisation_id AS preauthorisation_id, {select} {_FROM} WHERE {where}"
        # Empty values (a draft's deadline) last either way; written so that the index on
        # (host, deleted, deadline, id) gives the order and a page reads only its rows.
        f" ORDER BY {_SORT[order]} {direction} NULLS LAST, p.id {direction} LIMIT ? OFFSET ?",
        [*params, limit, offset])
    names = [d[0] for d in rows.description]
    return [dict(zip(names, r, strict=True)) for r in rows]


def row(store: Store, permit_id: str) -> dict[str, Any] | None:
    """One permit as the inbox shows it (to refresh a row in place), whatever the filter."""
    found = page(store, InboxFilter("all", ids=(permit_id,)), limit=1)
    return found[0] if found else None


def due_soon(store: Store, hours: float = 24, now: datetime | None = None) -> int:
    """Open requests to this nation due within `hours` (overdue ones included)."""
    moment = now or datetime.now(timefmt.UTC)
    flt = InboxFilter("incoming", statuses=OPEN_STATUSES,
                      due_before=timefmt.iso(moment + timedelta(hours=hours)))
    return count(store, flt)


def overdue(store: Store, now: datetime | None = None) -> list[dict[str, Any]]:
    """Open requests to this nation whose deadline has passed, oldest first."""
    moment = now or datetime.now(timefmt.UTC)
    return page(store, InboxFilter("incoming", statuses=OPEN_STATUSES,
                                   due_before=timefmt.iso(moment)))


def left_fraction(requested_at: str | None, deadline: str | None,
                  now: datetime | None = None) -> float | None:
    """Share of the allowed time still left (negative once overdue); None without both."""
    if not requested_at or not deadline:
        return None
    start, due = timefmt.parse_utc(requested_at), timefmt.parse_utc(deadline)
    moment = now or datetime.now(timefmt.UTC)
    allowed = (due - start).total_seconds()
    if allowed <= 0:
        return 0.0 if moment < due else -1.0
    return (due - moment).total_seconds() / allowed
