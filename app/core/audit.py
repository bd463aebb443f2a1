"""The audit log: every decision, attributable to a person, a site and a time, hash-chained.

Each entry's hash is the SHA-256 (lowercase hex) of the UTF-8 bytes of this canonical JSON
(keys sorted, separators "," and ":", non-ASCII characters kept as they are, no NaN):

    {"action": ..., "at": ..., "detail": ..., "person": ..., "prev_hash": ..., "seq": ...,
     "site_id": ..., "subject": ...}

where `detail` is the stored text of the detail column (itself canonical JSON of an object),
`seq` counts 1, 2, ... and `prev_hash` is the previous entry's hash (64 zeros for the first).
The signature is Ed25519, by the key of the entry's site, over `SIGNATURE_CONTEXT` followed
by the hash in ASCII hex (the prefix keeps it from being mistaken for a bundle signature).
`audit_head` holds the last entry's seq and hash, written in the same transaction.

`verify` detects an edited column, a removed, inserted or reordered entry, removed tail
entries (the head names more than the table holds), a removed head, and a re-hashed entry
that was not signed with its site's key. Its limit: whoever holds the store file and its
site key (they sit together on the laptop) can rewrite the whole chain and re-sign it. Only
a head noted outside the laptop (its six words on paper, or a copy of the store) detects
that: `verify(store, expect_head=...)` checks that the noted head is still in the chain.
"""

from __future__ import annotations

import functools
import getpass
import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from app.core import timefmt
from app.core.sync import exchange, keys
from app.core.sync.words import words

if TYPE_CHECKING:
    from app.core.store import Store

ACTIONS: dict[str, str] = {
    "permit_decided": "Permit decided",
    "movement_approved": "Movement approved",
    "conflict_resolved": "Conflict resolved",
    "held_accepted": "Held changes accepted",
    "key_trusted": "Site key trusted",
    "nation_trusted": "Nation key trusted",
    "certificate_issued": "Site certificate issued",
    "certificate_installed": "Site certificate installed",
    "site_revoked": "Site certificate revoked",
    "quarantine_released": "Quarantined changes released",
    "decision_undone": "Decision undone",
    "decision_received": "Decision received from another site",
}

GENESIS = "0" * 64
SIGNATURE_CONTEXT = b"movcon-audit-entry-v1:"
MAX_PERSON = 100
# A noted head shorter than this could match by chance (16 hex digits: 64 bits).
MIN_HEAD_PREFIX = 16
HEAD_WORDS = 6

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HEX = re.compile(r"[0-9a-f]+")
_HASH = re.compile(r"[0-9a-f]{64}")
_COLUMNS = ("seq", "at", "site_id", "person", "action", "subject", "detail", "prev_hash",
            "hash", "signature")


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: str
    site_id: str
    person: str
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str
    signature: bytes

    @property
    def label(self) -> str:
        return ACTIONS.get(self.action, self.action)

    def as_dict(self) -> dict[str, Any]:
        """For JSON output: the signature in hex."""
        return asdict(self) | {"signature": self.signature.hex(), "label": self.label}


@dataclass
class AuditReport:
    entries: int
    head: str
    problems: list[str] = field(default_factory=list)
    # With `expect_head`: the entry the noted head names (None if not found or not asked).
    expected_seq: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems


# -- who ------------------------------------------------------------------------------------
def current_person() -> str:
    """Who is deciding: $MOVCON_PERSON, else the OS login name, as one short line."""
    name = os.environ.get("MOVCON_PERSON", "").strip() or _login_name()
    name = _CONTROL.sub("", name).strip()[:MAX_PERSON].strip()
    return name or "unknown"


@functools.cache
def _login_name() -> str:
    # Asked once: the login does not change while MovCon runs, and asking costs a lookup.
    try:
        return getpass.getuser()
    except (OSError, KeyError, ImportError):  # no login name (a service, a container)
        return ""


# -- writing --------------------------------------------------------------------------------
def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False)


def entry_hash(seq: int, at: str, site_id: str, person: str, action: str, subject: str,
               detail_text: str, prev_hash: str) -> str:
    document = {"seq": seq, "at": at, "site_id": site_id, "person": person, "action": action,
                "subject": subject, "detail": detail_text, "prev_hash": prev_hash}
    return hashlib.sha256(canonical(document).encode("utf-8")).hexdigest()


def _signed_bytes(hash_hex: str) -> bytes:
    return SIGNATURE_CONTEXT + hash_hex.encode("ascii")


def append(conn: sqlite3.Connection, *, site_id: str, private_key: bytes, action: str,
           subject: str, detail: Mapping[str, Any], person: str,
           at: str | None = None) -> AuditEntry:
    """Append one entry inside the caller's open transaction (so it commits with the decision).

    The private key is fetched before the transaction (`exchange.site_private_key` may write).
    """
    assert conn.in_transaction, "audit.append runs inside the caller's transaction"
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    person = _CONTROL.sub("", person).strip()
    if not person or len(person) > MAX_PERSON:
        raise ValueError(f"the person must be a name of 1 to {MAX_PERSON} characters")
    if not isinstance(subject, str):
        raise ValueError("the subject of an audit entry must be text")
    try:
        detail_text = canonical(dict(detail))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"the detail of an audit entry must be JSON data: {exc}") from None
    at = timefmt.normalize(at) if at is not None else timefmt.now_iso()

    # The head, not the table's last row, says where the chain goes on: appending after
    # removed tail entries must leave the gap visible rather than close it.
    head = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
    tail = conn.execute("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").fetchone()
    if head is not None and (tail is None or head[0] >= tail[0]):
        last_seq, prev_hash = head[0], head[1]
    elif tail is not None:
        last_seq, prev_hash = tail[0], tail[1]
    else:
        last_seq, prev_hash = 0, GENESIS
    seq = last_seq + 1
    digest = entry_hash(seq, at, site_id, person, action, subject, detail_text, prev_hash)
    signature = keys.sign(private_key, _signed_bytes(digest))
    conn.execute("INSERT INTO audit_log (seq, at, site_id, person, action, subject, detail,"
                 " prev_hash, hash, signature) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 (seq, at, site_id, person, action, subject, detail_text, prev_hash, digest,
                  signature))
    conn.execute("INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) ON CONFLICT (id)"
                 " DO UPDATE SET seq = excluded.seq, hash = excluded.hash", (seq, digest))
    return AuditEntry(seq, at, site_id, person, action, subject, json.loads(detail_text),
                      prev_hash, digest, signature)


def record(store: Store, action: str, subject: str, detail: Mapping[str, Any],
           person: str | None = None, at: str | None = None) -> AuditEntry:
    """Append one entry in a transaction of its own (for a decision already committed)."""
    private = exchange.site_private_key(store)  # before BEGIN: it writes on first use
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        entry = append(store.conn, site_id=store.site_id, private_key=private, action=action,
                       subject=subject, detail=detail, person=person or current_person(),
                       at=at)
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise
    return entry


# -- reading --------------------------------------------------------------------------------
def _fold(value: object) -> str | None:
    return value.casefold() if isinstance(value, str) else None


def _where(conn: sqlite3.Connection, action: str | None, person: str | None,
           site_id: str | None, text: str | None, since: str | None,
           until: str | None) -> tuple[str, list[Any]]:
    # SQLite's lower() and NOCASE fold ASCII only; names here are Kairė and Wąsowski.
    conn.create_function("movcon_fold", 1, _fold, deterministic=True)
    clauses: list[str] = []
    params: list[Any] = []
    if action:
        clauses.append("action = ?")
        params.append(action)
    if person:
        clauses.append("movcon_fold(person) = ?")
        params.append(person.strip().casefold())
    if site_id:
        clauses.append("site_id = ?")
        params.append(site_id)
    if text and text.strip():
        # instr, not LIKE: no wildcards to escape in what people type
        needle = text.strip().casefold()
        clauses.append("(instr(movcon_fold(subject), ?) OR instr(movcon_fold(detail), ?)"
                       " OR instr(movcon_fold(person), ?))")
        params += [needle, needle, needle]
    # Stored times are canonical ISO UTC, so text order is time order; both ends inclusive.
    if since:
        clauses.append("at >= ?")
        params.append(timefmt.normalize(since))
    if until:
        clauses.append("at <= ?")
        params.append(timefmt.normalize(until))
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def entries(store: Store, *, action: str | None = None, person: str | None = None,
            site_id: str | None = None, text: str | None = None, since: str | None = None,
            until: str | None = None, limit: int | None = None,
            offset: int = 0) -> list[AuditEntry]:
    """Entries matching every filter given, newest first; `text` matches the subject, the
    detail or the person, ignoring case; `since` and `until` are inclusive ISO times."""
    where, params = _where(store.conn, action, person, site_id, text, since, until)
    sql = f"SELECT {', '.join(_COLUMNS)} FROM audit_log{where} ORDER BY seq DESC"
    if limit is not None or offset:
        sql += " LIMIT ? OFFSET ?"
        params += [-1 if limit is None else limit, offset]
    return [_entry(row) for row in store.conn.execute(sql, params)]


def count(store: Store, *, action: str | None = None, person: str | None = None,
          site_id: str | None = None, text: str | None = None, since: str | None = None,
          until: str | None = None) -> int:
    where, params = _where(store.conn, action, person, site_id, text, since, until)
    return store.conn.execute(f"SELECT count(*) FROM audit_log{where}", params).fetchone()[0]


def _entry(row: Any) -> AuditEntry:
    seq, at, site_id, person, action, subject, detail, prev_hash, digest, signature = row
    try:
        parsed = json.loads(detail)
    except (TypeError, ValueError):  # an edited row: show it as it lies, verify names it
        parsed = None
    if not isinstance(parsed, dict):
        parsed = {"text": str(detail)}
    return AuditEntry(seq, str(at), str(site_id), str(person), str(action), str(subject),
                      parsed, str(prev_hash), str(digest),
                      bytes(signature) if isinstance(signature, (bytes, memoryview)) else b"")


# -- verifying ------------------------------------------------------------------------------
def verify(store: Store, expect_head: str | None = None) -> AuditReport:
    """Check the whole chain, its head and every signature; see the module docstring.

    `expect_head` is a head noted earlier: its hash, a prefix of at least 16 hex digits,
    or its six words. The log may have grown since; the noted head must still be in it.
    Raises ValueError for an `expect_head` that is none of these.
    """
    expected = _expected(expect_head) if expect_head is not None else None
    conn = store.conn
    own = not conn.in_transaction
    if own:  # one snapshot: an append by another connection cannot fall between the reads
        conn.execute("BEGIN")
    try:
        rows = conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM audit_log ORDER BY seq"
                            ).fetchall()
        head_row = conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        names = store.site_names()
        public_keys: dict[str, bytes | None] = {}
        problems: list[str] = []
        prev_seq, prev_hash = 0, GENESIS
        for row in rows:
            seq = row[0]
            if seq != prev_seq + 1:
                missing = (f"entry {prev_seq + 1} before it is" if seq == prev_seq + 2
                           else f"entries {prev_seq + 1} to {seq - 1} before it are")
                problems.append(f"entry {seq}: {missing} missing (removed)")
            elif row[7] != prev_hash:
                problems.append(f"entry {seq}: does not follow entry {prev_seq} (its previous "
                                "hash differs: entries removed, inserted or reordered)")
            problem = _entry_problem(store, row, names, public_keys)
            if problem:
                problems.append(f"entry {seq}: {problem}")
            # The stored hash links on, so one edited entry is named once, not with all after.
            prev_seq, prev_hash = seq, row[8]
        problems += _head_problems(head_row, rows)
        head = str(rows[-1][8]) if rows else GENESIS
        report = AuditReport(len(rows), head, problems)
        if expected is not None:
            _check_expected(report, expected, rows)
        return report
    finally:
        if own:
            conn.execute("COMMIT")


def _entry_problem(store: Store, row: Any, names: Mapping[str, str],
                   public_keys: dict[str, bytes | None]) -> str | None:
    seq, at, site_id, person, action, subject, detail, prev_hash, digest, signature = row
    text_columns = dict(zip(_COLUMNS[1:9], row[1:9], strict=True))
    for name, value in text_columns.items():
        if not isinstance(value, str):
            return f"its {name} is not text (edited)"
    if not _HASH.fullmatch(digest) or not _HASH.fullmatch(prev_hash):
        return "its hash or previous hash is not a SHA-256 hex digest (edited)"
    if entry_hash(seq, at, site_id, person, action, subject, detail, prev_hash) != digest:
        return "its contents do not match its hash (edited)"
    if site_id not in public_keys:
        public_keys[site_id] = _public_key(store, site_id)
    public = public_keys[site_id]
    site = names.get(site_id) or site_id
    if public is None:
        return f"signed by site {site}, whose key this store does not hold"
    if not isinstance(signature, bytes) or not keys.verify(public, signature,
                                                           _signed_bytes(digest)):
        return f"its signature does not verify with the key of site {site} (forged or edited)"
    return None


def _public_key(store: Store, site_id: str) -> bytes | None:
    # exchange.public_key_of makes this site's key if it has none; verifying must not write.
    if site_id == store.site_id and store.conn.execute(
            "SELECT 1 FROM site_secret WHERE site_id = ?", (site_id,)).fetchone() is None:
        return None
    return exchange.public_key_of(store, site_id)


def _head_problems(head_row: Any, rows: list[Any]) -> list[str]:
    if head_row is None:
        return ([f"the audit head is missing while the log holds {len(rows)} entries "
                 "(removed)"] if rows else [])
    head_seq, head_hash = head_row
    if not rows:
        return [f"the audit head names entry {head_seq} but the log is empty "
                "(entries removed)"] if head_seq else []
    last_seq, last_hash = rows[-1][0], rows[-1][8]
    if head_seq > last_seq:
        removed = "entry was" if head_seq == last_seq + 1 else "entries were"
        return [f"the audit head names entry {head_seq} but the log ends at entry {last_seq} "
                f"(the last {removed} removed)"]
    if head_seq != last_seq or head_hash != last_hash:
        return [f"the audit head (entry {head_seq}, {str(head_hash)[:12]}…) does not match the "
                f"last entry ({last_seq}, {str(last_hash)[:12]}…): entries added or edited "
                "outside MovCon"]
    return []


def _expected(text: str) -> tuple[str, str]:
    """("hex", prefix) or ("words", six words) from what an officer noted."""
    cleaned = " ".join(text.lower().split())
    if _HEX.fullmatch(cleaned):
        if not MIN_HEAD_PREFIX <= len(cleaned) <= 64:
            raise ValueError(f"a noted head is at least {MIN_HEAD_PREFIX} and at most 64 hex "
                             f"digits; got {len(cleaned)}")
        return "hex", cleaned
    if len(cleaned.split()) == HEAD_WORDS and all(w.isalpha() for w in cleaned.split()):
        return "words", cleaned
    raise ValueError(f"a noted head is its hash (at least {MIN_HEAD_PREFIX} hex digits) or "
                     f"its {HEAD_WORDS} words")


def _check_expected(report: AuditReport, expected: tuple[str, str], rows: list[Any]) -> None:
    kind, value = expected
    candidates = [(0, GENESIS)] + [(r[0], r[8]) for r in rows if isinstance(r[8], str)
                                   and _HASH.fullmatch(r[8])]  # fmt: skip
    for seq, digest in reversed(candidates):
        if (digest.startswith(value) if kind == "hex" else hash_words(digest) == value):
            report.expected_seq = seq
            return
    report.problems.append(f"the noted head {value} is not in the log: the log was rewritten "
                           "or rolled back since it was noted")


def hash_words(digest: str) -> str:
    return words(bytes.fromhex(digest), HEAD_WORDS)


def head_words(report: AuditReport) -> str:
    """The head as six words, for officers to write down and compare later."""
    return hash_words(report.head)
