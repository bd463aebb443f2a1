"""Exporting and importing bundles: what to send, verifying what arrives, applying it.

Export seals this site's new changes into a signed batch, then writes every batch the
recipients are not known to hold. Import verifies the whole bundle (via `bundle.read_bundle`)
and its chains against what this store holds, then merges everything in one transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.clock import pack, to_iso, wall_ms
from app.core.domain.vocabulary import DECIDED_PERMIT_STATUSES
from app.core.ids import new_id
from app.core.store.baseline import BASELINE_ORIGIN
from app.core.store.schema import SCHEMA_VERSION
from app.core.sync import bundle, keys, merge
from app.core.trust import authority, registry
from app.core.trust import certificates as docs

if TYPE_CHECKING:
    from app.core.store import Store


class SyncError(Exception):
    """A bundle or an exchange that cannot go ahead; nothing was written."""


# -- this site's key ------------------------------------------------------------------------
def site_private_key(store: Store) -> bytes:
    """This site's Ed25519 key, made on first use (stores older than sync have none)."""
    row = store.conn.execute("SELECT private_key FROM site_secret WHERE site_id = ?",
                             (store.site_id,)).fetchone()
    if row:
        return bytes(row[0])
    private, public = keys.generate()
    with store.conn:
        store.conn.execute("INSERT INTO site_secret VALUES (?, ?)", (store.site_id, private))
        store.conn.execute("UPDATE sites SET public_key = ?, trusted_at = ? WHERE site_id = ?",
                           (public, timefmt.now_iso(), store.site_id))
    return private


def site_public_key(store: Store) -> bytes:
    return keys.public_of(site_private_key(store))


def trust_key(store: Store, key: keys.SiteKey) -> str:
    """Record another site's public key; returns what changed, for the user."""
    row = store.conn.execute("SELECT public_key FROM sites WHERE site_id = ?",
                             (key.site_id,)).fetchone()
    if key.site_id == store.site_id:
        raise SyncError("that is this site's own key")
    if row and row[0] and bytes(row[0]) != key.public:
        raise SyncError(f"site {key.site_id} ({key.site_name}, {key.nation}) already has a "
                        "different key: refused (a replaced laptop needs a new site id)")
    with store.conn:
        store.register_site(key.site_id, key.nation, key.site_name)
        store.conn.execute("UPDATE sites SET public_key = ?, trusted_at = ? WHERE site_id = ?",
                           (key.public, timefmt.now_iso(), key.site_id))
    return "already trusted" if row and row[0] else "trusted"


def public_key_of(store: Store, site_id: str) -> bytes | None:
    """The key a site's signatures verify with: confirmed by its words, or certified."""
    return registry.Authorities(store).signing_key(site_id)


# -- what is held -------------------------------------------------------------------------
def vector(store: Store) -> dict[str, int]:
    """Per origin site, the highest sequence this store holds without a gap."""
    out = {site: upto for site, upto in store.conn.execute(
        "SELECT s.site_id, v.contiguous FROM vector v JOIN sites s ON s.site_no = v.origin")}
    own = store.last_seq(store.site_no(store.site_id))
    if own:
        out[store.site_id] = own
    out.pop(BASELINE_ORIGIN, None)
    return out


def _peer_vectors(store: Store, nation: str) -> list[dict[str, int]]:
    return [json.loads(v) for (v,) in store.conn.execute(
        "SELECT vector FROM peers WHERE nation = ?", (nation,))]


# -- export -------------------------------------------------------------------------------
@dataclass
class ExportResult:
    path: Path
    bundle_id: str
    batches: int
    changes: int
    size: int


def _seal(store: Store, private: bytes) -> None:
    """Put this site's changes not yet in a batch into a new signed batch."""
    own = store.site_no(store.site_id)
    last = store.conn.execute("SELECT last_seq, hash FROM batches WHERE origin = ?"
                              " ORDER BY last_seq DESC LIMIT 1", (own,)).fetchone()
    after, prev = (last[0], last[1]) if last else (0, bundle.GENESIS)
    rows = store.conn.execute(
        "SELECT seq, hlc, tbl, row_id, field, value, base FROM change_log WHERE origin = ?"
        " AND seq > ? ORDER BY seq", (own, after)).fetchall()
    if not rows:
        return
    sealed = bundle.make_batch(store.site_id, after + 1, prev, [tuple(r) for r in rows],
                               private)
    store.conn.execute("INSERT INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (own, sealed.first_seq, sealed.last_seq, sealed.hash, sealed.prev_hash,
                        sealed.body, sealed.signature))


def export(store: Store, recipients: Sequence[str], out: Path, full: bool = False,
           ) -> ExportResult:
    nations = [n.strip().upper() for n in recipients if n.strip()]
    known = store.validation_context().nations
    for nation in nations:
        if nation not in known:
            raise SyncError(f"unknown nation code {nation!r}")
    if not nations:
        raise SyncError("name at least one recipient nation (--to CC[,CC...])")
    try:
        seal_to = registry.recipient_keys(store, nations)
    except registry.TrustError as exc:
        raise SyncError(str(exc)) from None
    private = site_private_key(store)
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        _seal(store, private)
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise
    # What the recipients may lack: for each origin, below the least any of their sites holds.
    need: dict[str, int] = {}
    if not full:
        for nation in nations:
            peers = _peer_vectors(store, nation)
            for origin in _origins(store):
                held = min((p.get(origin, 0) for p in peers), default=0)
                need[origin] = min(need.get(origin, held), held)
    batches = _batches_after(store, need)
    sites = {origin: {"nation": nation or "", "name": name or ""}
             for origin, nation, name in store.conn.execute(
                 "SELECT site_id, nation, name FROM sites")
             if any(b.origin == origin for b in batches) or origin == store.site_id}
    bundle_id = new_id()
    try:
        manifest = bundle.write_bundle(
            out, bundle_id=bundle_id, sender_site=store.site_id, sender_nation=store.nation,
            sender_name=store.site_name, recipients=nations, created_at=timefmt.now_iso(),
            schema_version=SCHEMA_VERSION, vector=vector(store), sites=sites,
            batches=batches, private_key=private, trust=_trust_documents(store),
            seal_to=seal_to)
    except bundle.BundleError as exc:
        raise SyncError(str(exc)) from None
    changes = sum(b.last_seq - b.first_seq + 1 for b in batches)
    with store.conn:
        store.conn.executemany(
            "INSERT INTO sent VALUES (?, ?, ?, ?) ON CONFLICT (nation) DO UPDATE SET"
            " bundle_id = excluded.bundle_id, sent_at = excluded.sent_at,"
            " changes = excluded.changes",
            [(n, manifest.bundle_id, manifest.created_at, changes) for n in nations])
    return ExportResult(out, bundle_id, len(batches), changes, out.stat().st_size)


def _trust_documents(store: Store) -> dict[str, list[dict[str, str]]]:
    """Every certificate and the newest revocation list of each nation this store holds.

    They are small and few; carrying all of them lets every site learn of a new or a lost
    laptop from whichever bundle reaches it first.
    """
    return {"certificates": [{"body": c.signed.to_json()["body"],
                              "signature": c.signed.to_json()["signature"]}
                             for c in registry.certificates(store)],
            "revocations": [rl.signed.to_json() for rl in registry.all_revocations(store)]}


def seal(store: Store) -> None:
    """Seal this site's pending changes into a signed batch now (as every export does)."""
    private = site_private_key(store)
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        _seal(store, private)
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise


def _origins(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute(
        "SELECT DISTINCT s.site_id FROM batches b JOIN sites s ON s.site_no = b.origin")]


def _batches_after(store: Store, need: dict[str, int]) -> list[bundle.Batch]:
    out = []
    for site_id, first, last, prev, body, signature in store.conn.execute(
            "SELECT s.site_id, b.first_seq, b.last_seq, b.prev_hash, b.body, b.signature"
            " FROM batches b JOIN sites s ON s.site_no = b.origin ORDER BY s.site_id,"
            " b.first_seq"):
        if last > need.get(site_id, 0):
            out.append(bundle.Batch(site_id, first, last, prev, bytes(body), bytes(signature)))
    return out


# -- import -------------------------------------------------------------------------------
@dataclass
class ImportResult:
    bundle_id: str
    sender: str
    already_imported: bool = False
    summary: merge.MergeSummary = field(default_factory=merge.MergeSummary)
    refused: list[str] = field(default_factory=list)
    quarantined: int = 0  # changes whose origin lacked authority: kept, not applied
    released: int = 0  # quarantined earlier, applied now that authority is shown
    certificates: int = 0  # new site certificates learned
    revocations: int = 0  # newer revocation lists learned
    withdrawn: int = 0  # changes applied earlier, from a site revoked before it made them
    preapproved: int = 0  # requests approved on receipt under a pre-authorisation

    def lines(self) -> list[str]:
        if self.already_imported:
            return [f"bundle {self.bundle_id} from {self.sender} was imported before: "
                    "nothing to do"]
        s = self.summary
        out = [f"bundle {self.bundle_id} from {self.sender}: {s.received} changes",
               f"  records new {len(s.records_new)}, updated {len(s.records_updated)}",
               f"  changes applied {s.applied}, kept in history {s.superseded}, "
               f"already held {s.known}",
               f"  conflicts {s.conflicts}, held for review {s.held}"]
        if self.quarantined or self.released:
            out.append(f"  quarantined {self.quarantined} (no authority: see 'movcon sync "
                       f"quarantine'), released {self.released}")
        if self.certificates or self.revocations:
            out.append(f"  learned {self.certificates} site certificates, "
                       f"{self.revocations} revocation lists")
        if self.preapproved:
            out.append(f"  approved on receipt under a pre-authorisation: {self.preapproved}")
        if self.withdrawn:
            out.append(f"  withdrawn {self.withdrawn} changes made by revoked sites after "
                       "their revocation (now quarantined)")
        out += [f"  refused: {why}" for why in self.refused]
        return out


def import_bundle(store: Store, path: Path, margin_min: float = merge.DEFAULT_MARGIN_MIN,
                  now_ms: int | None = None) -> ImportResult:
    """Verify the bundle at `path` completely, then apply it in one transaction.

    Changes their origin had no authority for (by its certificate, and the revocations
    known) are quarantined: kept with the reason and the relaying site, not applied.
    """
    private = site_private_key(store)  # this site has its key before anything else
    authorities = registry.Authorities(store)
    learned: dict[str, Any] = {"certificates": [], "revocations": [], "skipped": 0}

    def on_manifest(manifest: bundle.Manifest) -> None:
        certs, lists, skipped = registry.verified_documents(
            store, manifest.trust.get("certificates", ()), manifest.trust.get("revocations", ()))
        learned.update(certificates=certs, revocations=lists, skipped=skipped)
        authorities.learn(certs, lists)

    try:
        # Parsing the changes is most of the reading: a bundle imported before skips it.
        verified: dict[str, bytes] = {}
        manifest, batches = bundle.read_bundle(
            path, public_key_of=authorities.signing_keys, our_nation=store.nation,
            max_schema=SCHEMA_VERSION, parse=False,
            decryption_keys=registry.decryption_keys(store), on_manifest=on_manifest,
            verified_keys=verified)
        authorities.bind(verified)
        sender = f"{manifest.sender_name} ({manifest.sender_nation})"
        result = ImportResult(manifest.bundle_id, sender)
        if store.conn.execute("SELECT 1 FROM bundles_seen WHERE bundle_id = ?",
                              (manifest.bundle_id,)).fetchone():
            result.already_imported = True
            return result
        for batch in batches:
            batch.changes()  # parsed and checked now: a malformed batch is refused here
    except bundle.BundleError as exc:
        raise SyncError(str(exc)) from None
    changes = _verified_changes(store, manifest, batches)
    allowed, refused = authority.screen(store, changes, authorities)
    now = wall_ms() if now_ms is None else now_ms
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        result.certificates = sum(registry.add_certificate(store, c)
                                  for c in learned["certificates"])
        newer = [rl for rl in learned["revocations"] if registry.add_revocations(store, rl)]
        result.revocations = len(newer)
        result.withdrawn = withdraw_revoked(store, newer, manifest.sender_site,
                                            manifest.bundle_id)
        for site_id, info in manifest.sites.items():
            if site_id != store.site_id:
                store.register_site(site_id, info.get("nation", ""), info.get("name", ""))
        for batch in batches:
            store.conn.execute(
                "INSERT OR IGNORE INTO batches VALUES (?, ?, ?, ?, ?, ?, ?)",
                (store.site_no(batch.origin), batch.first_seq, batch.last_seq, batch.hash,
                 batch.prev_hash, batch.body, batch.signature))
        decisions = _new_decisions(store, allowed)
        result.summary = merge.merge(store, allowed, now, margin_min)
        result.quarantined = _quarantine(store, refused, manifest)
        result.released = _rescreen(store, now, margin_min)
        _audit_received(store, private, decisions, manifest)
        store.conn.execute(
            "INSERT INTO peers (site_id, nation, name, vector, last_received_bundle,"
            " last_received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (site_id) DO UPDATE SET"
            " nation = excluded.nation, name = excluded.name, vector = excluded.vector,"
            " last_received_bundle = excluded.last_received_bundle,"
            " last_received_at = excluded.last_received_at",
            (manifest.sender_site, manifest.sender_nation, manifest.sender_name,
             json.dumps(manifest.vector), manifest.bundle_id, timefmt.now_iso()))
        store.conn.execute("INSERT INTO bundles_seen VALUES (?, ?, ?, ?)",
                           (manifest.bundle_id, manifest.sender_site, timefmt.now_iso(),
                            json.dumps(result.summary.as_dict() | {
                                "quarantined": result.quarantined,
                                "released": result.released})))
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        store.forget_cached()
        raise
    store.forget_cached()  # the log's tail and the clock must now pass what arrived
    store.clock.last = max(store.clock.last, store.last_stamp())
    if result.summary.applied:
        from app.core.permits.decisions import approve_preauthorised

        # Requests that fit one of this nation's standing permissions: approved on receipt.
        result.preapproved = approve_preauthorised(store)
    return result


def _quarantine(store: Store, refused: Sequence[tuple[merge.Change, str]],
                manifest: bundle.Manifest) -> int:
    """Keep refused changes (not already applied here) with why and through whom."""
    now = timefmt.now_iso()
    before = store.conn.total_changes
    store.conn.executemany(
        "INSERT OR IGNORE INTO quarantine SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE NOT"
        " EXISTS (SELECT 1 FROM change_log WHERE origin = ?1 AND seq = ?2)",
        [(store.site_no(c[0]), *c[1:], reason, manifest.sender_site, manifest.bundle_id, now)
         for c, reason in refused])
    count = store.conn.total_changes - before
    if count:  # held here, judged again later: no need for the senders to resend them
        merge.advance_vector(store, {store.site_no(c[0]) for c, _ in refused})
    return count


def withdraw_revoked(store: Store, lists: Sequence[docs.RevocationList], sender: str,
                     bundle_id: str) -> int:
    """Quarantine changes already applied that a revoked site stamped from its revocation on,
    and give their fields back the values they would have without them.

    Every store then ends the same whether the revocation reached it before or after the
    revoked site's changes: refused from the same moment on, everywhere.
    """
    conn = store.conn
    now = timefmt.now_iso()
    moved = 0
    touched: set[tuple[str, str]] = set()
    for rl in lists:
        for entry in rl.revoked:
            if entry.site_id == store.site_id:
                continue
            number = conn.execute("SELECT site_no FROM sites WHERE site_id = ?",
                                  (entry.site_id,)).fetchone()
            if number is None:
                continue
            limit = pack(int(timefmt.parse_utc(entry.since).timestamp() * 1000), 0)
            reason = (f"withdrawn: site {entry.site_id} was revoked by {rl.nation} from "
                      f"{entry.since} ({entry.reason or 'no reason given'})")
            for source in ("change_log", "held"):
                rows = conn.execute(
                    f"SELECT origin, seq, hlc, tbl, row_id, field, value, base FROM {source}"
                    " WHERE origin = ? AND hlc >= ?", (number[0], limit)).fetchall()
                if not rows:
                    continue
                conn.executemany(
                    "INSERT OR IGNORE INTO quarantine VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [(*r, reason, sender, bundle_id, now) for r in rows])
                conn.execute(f"DELETE FROM {source} WHERE origin = ? AND hlc >= ?",
                             (number[0], limit))
                if source == "change_log":
                    touched |= {(r[3], r[4]) for r in rows}
                    conn.execute(
                        "UPDATE conflicts SET resolved_at = :now, resolution = 'withdrawn'"
                        " WHERE resolved_at IS NULL AND ((loser_origin = :o AND loser_seq IN"
                        " (SELECT seq FROM quarantine WHERE origin = :o)) OR (winner_origin = :o"
                        " AND winner_seq IN (SELECT seq FROM quarantine WHERE origin = :o)))",
                        {"now": now, "o": number[0]})
                moved += len(rows)
    if touched:
        merge.rebuild_records(store, touched)
    return moved


def _rescreen(store: Store, now_ms: int, margin_min: float) -> int:
    """Apply quarantined changes whose origin now has authority (its certificate arrived,
    or the record they belong to): judged again with what the store now holds."""
    rows = store.conn.execute(
        "SELECT s.site_id, q.seq, q.hlc, q.tbl, q.row_id, q.field, q.value, q.base FROM"
        " quarantine q JOIN sites s ON s.site_no = q.origin ORDER BY q.origin, q.seq").fetchall()
    if not rows:
        return 0
    allowed, refused = authority.screen(store, [tuple(r) for r in rows],
                                        registry.Authorities(store))
    # Why each one waits may have changed (its record arrived, and it is not its origin's).
    store.conn.executemany("UPDATE quarantine SET reason = ? WHERE origin = ? AND seq = ?"
                           " AND reason != ?",
                           [(why, store.site_no(c[0]), c[1], why) for c, why in refused])
    if not allowed:
        return 0
    store.conn.executemany("DELETE FROM quarantine WHERE origin = ? AND seq = ?",
                           [(store.site_no(c[0]), c[1]) for c in allowed])
    merge.merge(store, allowed, now_ms, margin_min)
    return len(allowed)


# Decision values as the log holds them (JSON text): compared without decoding each change.
_DECIDED = {json.dumps(status) for status in DECIDED_PERMIT_STATUSES}
_APPROVED = json.dumps("planned")
_LISTED = 200  # decisions named one by one in an audit entry; the change log has them all


def _new_decisions(store: Store, changes: Sequence[merge.Change]) -> list[merge.Change]:
    """Received permit decisions and movement approvals not held before: for the audit log."""
    out = []
    for c in changes:
        if c[5] == "status" and ((c[3] == "permits" and c[6] in _DECIDED)
                                 or (c[3] == "movements" and c[6] == _APPROVED)):
            out.append(c)
    if not out:
        return out
    held = {(o, q) for o, q in store.conn.execute(
        "SELECT s.site_id, c.seq FROM change_log c JOIN sites s ON s.site_no = c.origin"
        " WHERE c.field = 'status' AND c.tbl IN ('permits', 'movements')")}
    return [c for c in out if (c[0], c[1]) not in held]


def _counted(n: int, what: str) -> str:
    return f"{n} {what}{'s' if n != 1 else ''}" if n else ""


def _audit_received(store: Store, private: bytes, decisions: Sequence[merge.Change],
                    manifest: bundle.Manifest) -> None:
    """One entry per origin: its decisions this bundle brought, who made them, via whom."""
    from app.core import audit

    by_origin: dict[str, list[merge.Change]] = defaultdict(list)
    for change in decisions:
        by_origin[change[0]].append(change)
    person = audit.current_person()
    for origin, changes in by_origin.items():
        permits = sum(c[3] == "permits" for c in changes)
        listed = [{"record": f"{'permit' if c[3] == 'permits' else 'movement'} {c[4]}",
                   "status": json.loads(c[6] or "null"), "seq": c[1],
                   "stamped_at": to_iso(c[2])} for c in changes[:_LISTED]]
        audit.append(store.conn, site_id=store.site_id, private_key=private,
                     action="decision_received",
                     subject=", ".join(filter(None, (
                         _counted(permits, "permit decision"),
                         _counted(len(changes) - permits, "movement approval"))))
                     + f" from {manifest.site_label(origin)}",
                     detail={"origin": origin, "origin_site": manifest.site_label(origin),
                             "via": manifest.site_label(manifest.sender_site),
                             "bundle_id": manifest.bundle_id, "count": len(changes),
                             "decisions": listed}, person=person)


def _verified_changes(store: Store, manifest: bundle.Manifest,
                      batches: Sequence[bundle.Batch]) -> list[merge.Change]:
    """Check each origin's chain against what this store holds; flatten the new changes."""
    by_origin: dict[str, list[bundle.Batch]] = defaultdict(list)
    for b in batches:
        by_origin[b.origin].append(b)
    changes: list[merge.Change] = []
    for origin, chain in by_origin.items():
        if origin == BASELINE_ORIGIN:
            raise SyncError("the bundle carries reference data changes; refused")
        first = chain[0]
        number = store.conn.execute("SELECT site_no FROM sites WHERE site_id = ?",
                                    (origin,)).fetchone()
        held = {} if number is None else {f: (last, h) for f, last, h in store.conn.execute(
            "SELECT first_seq, last_seq, hash FROM batches WHERE origin = ?", (number[0],))}
        name = _site_name(manifest, origin)
        for b in chain:
            if b.first_seq in held and held[b.first_seq][1] != b.hash:
                raise SyncError(f"the changes of {name} in this bundle differ from those this "
                                f"store already holds (seq {b.first_seq}): refused")
        if first.first_seq > 1:
            before = [h for f, (last, h) in held.items() if last == first.first_seq - 1]
            if not before:
                raise SyncError(f"the bundle lacks changes 1 to {first.first_seq - 1} of {name}"
                                "; ask the sender for a full export (--full)")
            if before[0] != first.prev_hash:
                raise SyncError(f"the changes of {name} do not follow on from those this store "
                                "holds: altered or forked history, refused")
        if origin == store.site_id:
            continue  # our own changes, relayed back to us
        for b in chain:
            for seq, hlc, tbl, row_id, field_name, value, base in b.changes():
                change = (origin, seq, hlc, tbl, row_id, field_name, value, base)
                problem = merge.check_shape(change)
                if problem:
                    raise SyncError(f"{name} sent a change this MovCon cannot read "
                                    f"({problem}): refused; upgrade MovCon")
                changes.append(change)
    return changes


def _site_name(manifest: bundle.Manifest, site_id: str) -> str:
    return manifest.site_label(site_id)


def status(store: Store) -> dict[str, Any]:
    ours = vector(store)
    peers = []
    for site_id, nation, name, vec, bundle_id, received in store.conn.execute(
            "SELECT site_id, nation, name, vector, last_received_bundle, last_received_at"
            " FROM peers ORDER BY nation, name"):
        holds = json.loads(vec)
        lacks = {o: n - holds.get(o, 0) for o, n in ours.items() if n > holds.get(o, 0)}
        peers.append({"site_id": site_id, "nation": nation, "name": name,
                      "last_received_bundle": bundle_id, "last_received_at": received,
                      "holds": holds, "lacks_from_us": lacks})
    sent = [{"nation": n, "bundle_id": b, "sent_at": at, "changes": c}
            for n, b, at, c in store.conn.execute("SELECT * FROM sent ORDER BY nation")]
    return {
        "site": {"site_id": store.site_id, "nation": store.nation, "name": store.site_name,
                 "fingerprint": keys.fingerprint(site_public_key(store))},
        "holds": ours, "peers": peers, "sent": sent,
        "conflicts_open": store.conn.execute(
            "SELECT count(*) FROM conflicts WHERE resolved_at IS NULL").fetchone()[0],
        "held": store.conn.execute("SELECT count(*) FROM held").fetchone()[0],
        "quarantined": store.conn.execute("SELECT count(*) FROM quarantine").fetchone()[0],
        "quarantine": quarantined(store, limit=20),
    }


def quarantined(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    """Received changes refused for lack of authority, newest first: who made them (origin),
    through whom they came (the bundle's sender), what they would change, and why."""
    labels = {site: f"{name or site[:8]} ({nation or '?'})" for site, nation, name in
              store.conn.execute("SELECT site_id, nation, name FROM sites")}
    rows = store.conn.execute(
        "SELECT s.site_id, q.seq, q.hlc, q.tbl, q.row_id, q.field, q.value, q.reason,"
        " q.sender, q.bundle_id, q.received_at FROM quarantine q JOIN sites s ON"
        " s.site_no = q.origin ORDER BY q.received_at DESC, q.origin, q.seq LIMIT ?",
        (-1 if limit is None else limit,))
    return [{"origin": origin, "origin_label": labels.get(origin, origin), "seq": seq,
             "stamped_at": to_iso(hlc), "table": tbl, "row_id": row_id, "field": name,
             "value": value, "reason": reason, "sender": sender,
             "sender_label": labels.get(sender, sender), "bundle_id": bundle_id,
             "received_at": received}
            for origin, seq, hlc, tbl, row_id, name, value, reason, sender, bundle_id, received
            in rows]


def release_held(store: Store, accept: bool = True) -> int:
    """Review of held changes: apply them all (accept) or keep waiting; returns how many."""
    rows = store.conn.execute(
        "SELECT s.site_id, h.seq, h.hlc, h.tbl, h.row_id, h.field, h.value, h.base FROM held h"
        " JOIN sites s ON s.site_no = h.origin ORDER BY h.origin, h.seq").fetchall()
    if not rows or not accept:
        return 0
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        store.conn.execute("DELETE FROM held")
        merge.merge(store, [tuple(r) for r in rows], wall_ms(), margin_min=float("inf"))
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        store.forget_cached()
        raise
    store.forget_cached()
    store.clock.last = max(store.clock.last, store.last_stamp())
    return len(rows)
