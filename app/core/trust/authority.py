"""Who may change what: the host nation decides its permits, the owner nation edits its
movements, a nation edits its own reference data.

The same rules judge a local edit (refused with a message) and every received change
(quarantined, whatever path it travelled). A rule looks at the record as this store holds it,
or, for a record new to this store, as the incoming changes describe it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.clock import pack
from app.core.domain.records import TABLES
from app.core.domain.vocabulary import PERMIT_STATUSES
from app.core.store import codec

if TYPE_CHECKING:
    from app.core.store import Store
    from app.core.trust.registry import Authorities, SiteAuthority

# Permit fields and statuses only the host nation's coordination cell sets.
DECISION_FIELDS = frozenset({"decided_at", "decided_by", "conditions"})
# The validity a requester asks for; once the host has ruled, only the host changes it.
VALIDITY_FIELDS = frozenset({"valid_from", "valid_until"})
HOST_STATUSES = frozenset({"under_review", "approved", "approved_with_conditions", "denied",
                           "expired"})
REQUESTER_STATUSES = frozenset(PERMIT_STATUSES) - HOST_STATUSES
# What a field team may edit; reference data and decisions are for coordination cells.
FIELD_TABLES = frozenset({"movements", "serials", "events", "permits"})  # not decisions
# The fields that say whose a record is, per table: read before any other field is judged.
KEY_FIELDS: dict[str, tuple[str, ...]] = {
    "movements": ("owner",), "serials": ("movement_id",),
    "permits": ("host_nation", "movement_id", "status"), "critical_points": ("nation",),
    "corridors": ("nations",), "exercises": ("lead_nation",), "nations": ("code",),
    "events": ("kind", "movement_id", "point_id"), "vehicle_types": (),
    "agreements": ("members",), "preauthorisations": ("host_nation",),
}
ANYONE = None  # a record any coordination cell may edit (a shared catalogue)


class Records:
    """Key fields of records: as the store holds them, else as incoming changes describe them.

    `pending` maps (table, row id) to {field: decoded value} for records new to the store.
    """

    def __init__(self, store: Store, pending: Mapping[tuple[str, str], dict[str, Any]] = {},
                 ) -> None:
        self.store = store
        self.pending = pending
        self._rows: dict[tuple[str, str], dict[str, Any] | None] = {}

    def field(self, tbl: str, row_id: str | None, name: str) -> Any:
        if row_id is None:
            return None
        row = self._row(tbl, row_id)
        if row is not None:
            return row.get(name)
        return self.pending.get((tbl, row_id), {}).get(name)

    def known(self, tbl: str, row_id: str) -> bool:
        return self._row(tbl, row_id) is not None or (tbl, row_id) in self.pending

    def prefetch(self, keys: Iterable[tuple[str, str]]) -> None:
        """Read the key fields of many records at once (an import touches thousands)."""
        by_table: dict[str, list[str]] = {}
        for tbl, row_id in keys:
            if (tbl, row_id) not in self._rows and tbl in KEY_FIELDS:
                by_table.setdefault(tbl, []).append(row_id)
        for tbl, ids in by_table.items():
            for row_id in ids:
                self._rows[(tbl, row_id)] = None
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                for found in self.store.conn.execute(
                        f'SELECT id, {self._columns(tbl)} FROM "{tbl}" WHERE id IN'
                        f' ({",".join("?" * len(chunk))})', chunk):
                    self._rows[(tbl, found[0])] = self._record(tbl, found[1:])

    @staticmethod
    def _columns(tbl: str) -> str:
        return ", ".join(f'"{n}"' for n in KEY_FIELDS.get(tbl, ())) or "id"

    @staticmethod
    def _record(tbl: str, found: Sequence[Any]) -> dict[str, Any]:
        record = dict(zip(KEY_FIELDS.get(tbl, ()), found, strict=False))
        for name in ("nations", "members"):  # lists are kept as JSON text
            if name in record:
                record[name] = codec.from_log(record[name]) if record[name] else []
        return record

    def _row(self, tbl: str, row_id: str) -> dict[str, Any] | None:
        key = (tbl, row_id)
        if key not in self._rows:
            found = self.store.conn.execute(
                f'SELECT {self._columns(tbl)} FROM "{tbl}" WHERE id = ?', (row_id,)).fetchone()
            self._rows[key] = None if found is None else self._record(tbl, found)
        return self._rows[key]


def _owner(records: Records, movement_id: str | None) -> str | None:
    return records.field("movements", movement_id, "owner")


def _who(nations: set[str]) -> str:
    return " or ".join(sorted(nations))


def violation(author: SiteAuthority, tbl: str, row_id: str, field: str, value: Any,
              records: Records) -> str | None:
    """Why `author` may not set `field` of record `row_id` to `value`, or None."""
    if author.role not in ("cell", "field"):
        what = "an observer" if author.role == "observer" else "not certified by its nation"
        return f"{author.label} is {what} and edits nothing"
    if author.role == "field" and tbl not in FIELD_TABLES:
        return f"{author.label} is a field team; only a coordination cell edits {tbl}"
    nations, what = _nations(tbl, row_id, field, value, records)
    if nations is ANYONE:
        return None
    if not nations:
        return (f"{tbl} record {row_id} (or the record it belongs to) is not known to this "
                "store, so whose it is cannot be checked")
    if tbl == "permits" and _deciding(tbl, row_id, field, value, records) \
            and author.role != "cell":
        return f"{author.label} is a field team; only a coordination cell decides permits"
    if author.nation not in nations:
        return f"{what}: only {_who(nations)} may change it, not {author.nation}"
    return None


def _deciding(tbl: str, row_id: str, field: str, value: Any, records: Records) -> bool:
    """Whether setting this permit field is the host nation's decision."""
    if field in DECISION_FIELDS or (field == "status" and value in HOST_STATUSES):
        return True
    return field in VALIDITY_FIELDS and records.field(tbl, row_id, "status") in HOST_STATUSES


def _nations(tbl: str, row_id: str, field: str, value: Any,
             records: Records) -> tuple[set[str] | None, str]:
    get = records.field
    if tbl == "movements":
        owner = get(tbl, row_id, "owner")
        return {owner} - {None}, f"the movement belongs to {owner}"
    if tbl == "serials":
        movement = get(tbl, row_id, "movement_id")
        owner = _owner(records, movement)
        return {owner} - {None}, f"the serial's movement belongs to {owner}"
    if tbl == "permits":
        host = get(tbl, row_id, "host_nation")
        owner = _owner(records, get(tbl, row_id, "movement_id"))
        if _deciding(tbl, row_id, field, value, records):
            return {host} - {None}, f"a permit is decided by its host nation {host}"
        if field == "status" and value == "withdrawn":
            return {owner} - {None}, f"a request is withdrawn by its owner nation {owner}"
        if field == "form302_serial":
            return {owner} - {None}, f"the Form 302 is issued by the sending nation {owner}"
        return {host, owner} - {None}, f"the permit (host {host}, requested by {owner})"
    if tbl == "critical_points":
        nation = get(tbl, row_id, "nation")
        return {nation} - {None}, f"the critical point is {nation}'s reference data"
    if tbl == "nations":
        code = get(tbl, row_id, "code")
        return {code} - {None}, f"the nation record of {code}"
    if tbl == "corridors":
        listed = get(tbl, row_id, "nations")
        if not records.known(tbl, row_id):
            return set(), "the corridor"
        return (set(listed) if listed else ANYONE), f"the corridor ({_who(set(listed or ()))})"
    if tbl == "exercises":
        lead = get(tbl, row_id, "lead_nation")
        if not records.known(tbl, row_id):
            return set(), "the exercise"
        return ({lead} if lead else ANYONE), f"the exercise is led by {lead}"
    if tbl == "events":
        kind = get(tbl, row_id, "kind")
        point = get(tbl, row_id, "point_id")
        point_nation = records.field("critical_points", point, "nation")
        if kind == "closure":
            return {point_nation} - {None}, f"a closure of a point in {point_nation}"
        owner = _owner(records, get(tbl, row_id, "movement_id"))
        return {owner, point_nation} - {None}, f"the event of a movement of {owner}"
    if tbl == "preauthorisations":
        host = get(tbl, row_id, "host_nation")
        return {host} - {None}, f"a pre-authorisation is granted by its host nation {host}"
    if tbl == "agreements":
        members = get(tbl, row_id, "members")
        if not records.known(tbl, row_id):
            return set(), "the agreement"
        return (set(members) if members else ANYONE), \
            f"the agreement's members ({_who(set(members or ()))})"  # fmt: skip
    return ANYONE, tbl  # vehicle types: a shared catalogue


def local_check(store: Store, author: SiteAuthority, tbl: str, row_id: str,
                values: Mapping[str, Any], current: Mapping[str, Any] | None) -> str | None:
    """Why this site may not write `values` to the record (None: it may).

    For a new record (`current` None) its own key fields say whose it is; for an existing
    one, the stored record does: a site cannot take over another nation's record.
    """
    pending = {} if current is not None else {
        (tbl, row_id): {n: values.get(n) for n in KEY_FIELDS.get(tbl, ())}}
    records = Records(store, pending)
    # Outside permits every field of a record answers to the same nations: judge one.
    names = list(values) if tbl == "permits" else list(values)[:1]
    for name in names:
        problem = violation(author, tbl, row_id, name, values[name], records)
        if problem:
            return problem
    return None


# (origin site id, seq, hlc, table, row id, field, value as JSON text, base hlc)
Change = tuple[str, int, int, str, str, str, str | None, int]


def screen(store: Store, changes: Sequence[Change], authorities: Authorities,
           ) -> tuple[list[Change], list[tuple[Change, str]]]:
    """Split received changes into those their origin had authority for, and the others
    with the reason. The origin is judged, never the site that relayed the bundle."""
    newest: dict[tuple[str, str], dict[str, tuple[int, str | None]]] = {}
    written: dict[tuple[str, str], set[str]] = {}
    for change in changes:
        key = (change[3], change[4])
        fields = newest.setdefault(key, {})
        written.setdefault(key, set()).add(change[5])
        if change[5] in KEY_FIELDS.get(change[3], ()) and (
                change[5] not in fields or change[2] > fields[change[5]][0]):
            fields[change[5]] = (change[2], change[6])
    # A record new to this store is described by the incoming changes only if they create it
    # (set every required field): an edit of a record not held here cannot say whose it is.
    pending = {key: {name: codec.from_log(text) if text is not None else None
                     for name, (_, text) in fields.items()}
               for key, fields in newest.items()
               if key[0] in TABLES and _REQUIRED[key[0]] <= written[key]}
    records = Records(store, pending)
    records.prefetch(newest)
    sites: dict[str, tuple[SiteAuthority | None, int, str]] = {}
    verdicts: dict[tuple[str, str, str], str | None] = {}
    allowed: list[Change] = []
    refused: list[tuple[Change, str]] = []
    for change in changes:
        origin, _, hlc, tbl, row_id, field, value, _ = change
        site = sites.get(origin)
        if site is None:
            site = sites[origin] = _site_limit(origin, authorities)
        author, limit, late = site
        if author is None or hlc >= limit:
            refused.append((change, late))
            continue
        if tbl == "permits":
            decoded = codec.from_log(value) if field == "status" and value else None
            reason = violation(author, tbl, row_id, field, decoded, records)
        else:  # every field of a record answers to the same nations: judged once
            key = (origin, tbl, row_id)
            if key not in verdicts:
                verdicts[key] = violation(author, tbl, row_id, field, None, records)
            reason = verdicts[key]
        if reason:
            refused.append((change, reason))
        else:
            allowed.append(change)
    return allowed, refused


def _site_limit(origin: str, authorities: Authorities) -> tuple[SiteAuthority | None, int, str]:
    """Who `origin` is, and the stamp from which its changes are no longer accepted."""
    author = authorities.of(origin)
    if author is None:
        return None, 0, f"site {origin} is not known here (no certificate, no confirmed key)"
    limit, why = _NEVER, ""
    if author.revoked is not None:
        limit = pack(int(timefmt.parse_utc(author.revoked.since).timestamp() * 1000), 0)
        why = (f"{author.label} was revoked from {author.revoked.since}"
               f" ({author.revoked.reason or 'no reason given'})")
    if author.certificate is not None and author.basis == "certificate":
        expiry = pack(int(timefmt.parse_utc(author.certificate.not_after).timestamp() * 1000),
                      0)
        if expiry < limit:
            limit, why = expiry, (f"the certificate of {author.label} expired on "
                                  f"{author.certificate.not_after}")
    return author, limit, why


_NEVER = (1 << 63) - 1
_REQUIRED = {name: {f.name for f in spec.fields if f.required} for name, spec in TABLES.items()}
