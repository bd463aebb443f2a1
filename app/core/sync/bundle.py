"""The bundle container: one ZIP file of signed change batches, carried between stores.

A bundle holds a format marker, a manifest signed by the sender, and batches of changes,
each signed by the site where the changes were made (its origin) and relayed unchanged by
any site in between. `read_bundle` verifies everything before it returns anything; the
exact layout is in resources/docs/bundle-format.md.

The ZIP is a strict profile (`container.py`) that refuses any byte the writer would not have
put there; every other byte is covered by a hash in the signed manifest, including the
deflated data.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from app.core import timefmt
from app.core.sync import keys
from app.core.sync.container import (
    FORMAT,
    MANIFEST_NAME,
    MARKER,
    MARKER_NAME,
    MAX_FILE_SIZE,
    MAX_MANIFEST_SIZE,
    MAX_MEMBERS,
    MAX_TOTAL_SIZE,
    SIGNATURE_NAME,
    STORED,
    BundleError,
    content,
    parse_zip,
    put,
    read_file,
    sha256,
)
from app.core.sync.keys import NAME_RE, NATION_RE, SITE_ID_RE

GENESIS = "0" * 64
MAX_INT = (1 << 63) - 1  # SQLite's INTEGER

Change = tuple[int, int, str, str, str, str | None, int]

_HASH_RE = re.compile(r"[0-9a-f]{64}")
_SEQ = r"[1-9][0-9]{0,18}"
_BATCH_MEMBER_RE = re.compile(rf"batches/([A-Za-z0-9][A-Za-z0-9_-]{{0,99}})/({_SEQ})-({_SEQ})"
                              r"\.(json|sig)")
_CREATED_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")
_TRUST_KEYS = ("certificates", "revocations")
MAX_TRUST_DOCUMENTS = 10_000
_BODY_KEYS = frozenset({"format", "origin", "first_seq", "last_seq", "prev_hash", "changes"})


def _is_int(value: object, low: int = 0, high: int = MAX_INT) -> bool:
    return type(value) is int and low <= value <= high  # bool is not a number here


def canonical_json(obj: Any) -> bytes:
    """The one byte form of a batch body: sorted keys, no spaces, UTF-8 unescaped."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode()


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("a key appears twice in one object")
    return out


def _loads(data: bytes) -> Any:
    """Strict JSON: UTF-8, no NaN or Infinity, no repeated keys. Raises ValueError."""
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_unique_keys,
                          parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


# One decoder for all: json.loads with options builds a new one on every call.
_VALUE_DECODER = json.JSONDecoder(parse_constant=_no_constant)


def _valid_json_text(text: str) -> bool:
    try:
        _VALUE_DECODER.decode(text)
    except (ValueError, RecursionError):
        return False
    return True


def _change_problem(item: object, seq: int) -> str | None:
    """Why `item` is not change number `seq` of a batch, or None."""
    if not isinstance(item, (list, tuple)) or len(item) != 7:
        return f"change {seq} is not a list of 7 items"
    number, hlc, table, row_id, field_name, value, base = item
    if number != seq or not _is_int(number):
        return f"change {number!r:.40} is out of sequence (expected {seq})"
    if not _is_int(hlc) or not _is_int(base):
        return f"change {seq}: its stamps are not integers from 0 to 2^63-1"
    if not (isinstance(table, str) and isinstance(row_id, str) and isinstance(field_name, str)
            and table and row_id and field_name):
        return f"change {seq}: table, row id and field must be non-empty text"
    if value is not None and not isinstance(value, str):
        return f"change {seq}: its value is not JSON text"
    return None


def _columns(changes: list[Any], first_seq: int) -> list[tuple[Any, ...]] | None:
    """The changes as seven columns if every one is well formed, else None.

    The same rules as `_change_problem`, checked column by column: a batch holds up to
    hundreds of thousands of changes, and this is most of the time spent reading one.
    """
    # map/set/min/max/all run in C: checks per column rather than per change.
    if set(map(type, changes)) != {list} or set(map(len, changes)) != {7}:
        return None
    seqs, hlcs, tables, rows, fields, values, bases = zip(*changes, strict=True)
    if seqs != tuple(range(first_seq, first_seq + len(changes))):
        return None
    for numbers in (hlcs, bases):
        if set(map(type, numbers)) != {int} or min(numbers) < 0 or max(numbers) > MAX_INT:
            return None
    for texts in (tables, rows, fields):
        if set(map(type, texts)) != {str} or not all(texts):
            return None
    if not set(map(type, values)) <= {str, type(None)}:
        return None
    return [seqs, hlcs, tables, rows, fields, values, bases]


def _all_json_texts(texts: Sequence[str]) -> bool:
    """Whether every text is one whole JSON value: one decode of them all as an array
    (a text that is not whole either fails or changes the count)."""
    try:
        return len(_VALUE_DECODER.decode(f"[{','.join(texts)}]")) == len(texts)
    except (ValueError, RecursionError):
        return False


# -- batches -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Batch:
    """Consecutive changes of one origin, as that origin sealed and signed them.

    `body` is the canonical JSON of the changes and `signature` the origin's Ed25519
    signature of it; both travel unchanged through relays.
    """

    origin: str
    first_seq: int
    last_seq: int
    prev_hash: str
    body: bytes = field(repr=False)
    signature: bytes = field(repr=False)

    @cached_property
    def hash(self) -> str:
        """SHA-256 (hex) of the body: the next batch of the origin names it as prev_hash."""
        return sha256(self.body)

    @property
    def member(self) -> str:
        """The body's member name in a bundle (the signature's ends in .sig)."""
        return f"batches/{self.origin}/{self.first_seq}-{self.last_seq}.json"

    def changes(self) -> list[Change]:
        """The changes, (seq, hlc, table, row_id, field, value_json_text, base_hlc) each.

        Raises BundleError if the body is not exactly the canonical encoding of a batch
        that agrees with this object's origin, seqs and prev_hash.
        """
        return list(self._parsed)

    @cached_property
    def _parsed(self) -> tuple[Change, ...]:
        def bad(why: str) -> BundleError:
            return BundleError(f"batch {self.member} is malformed: {why}")

        try:
            doc = _loads(self.body)
        except (UnicodeDecodeError, ValueError) as exc:
            raise bad(f"not JSON ({exc})") from None
        if not isinstance(doc, dict) or set(doc) != _BODY_KEYS:
            raise bad(f"its keys must be {', '.join(sorted(_BODY_KEYS))}")
        if doc["format"] != FORMAT or not _is_int(doc["format"]):
            raise bad(f"format {doc['format']!r:.20} (this MovCon reads {FORMAT})")
        for key in ("origin", "first_seq", "last_seq", "prev_hash"):
            if doc[key] != getattr(self, key) or type(doc[key]) is not type(getattr(self, key)):
                raise bad(f"its {key} {doc[key]!r:.80} disagrees with the manifest")
        changes = doc["changes"]
        if not isinstance(changes, list) or len(changes) != self.last_seq - self.first_seq + 1:
            raise bad(f"it must hold changes {self.first_seq} to {self.last_seq}")
        columns = _columns(changes, self.first_seq)
        if columns is None:  # something is off: find and name the first bad change
            for seq, item in enumerate(changes, self.first_seq):
                problem = _change_problem(item, seq)
                if problem:
                    raise bad(problem)
            columns = list(zip(*changes, strict=True))
        texts = [text for text in columns[5] if text is not None]
        if not _all_json_texts(texts):  # find the culprit, one by one
            for seq, item in enumerate(changes, self.first_seq):
                if item[5] is not None and not _valid_json_text(item[5]):
                    raise bad(f"change {seq}: its value is not JSON text")
        try:
            canonical = canonical_json(doc) == self.body
        except UnicodeEncodeError:  # a lone surrogate escaped in the JSON
            canonical = False
        if not canonical:
            raise bad("not in canonical form")
        return tuple(zip(*columns, strict=True))  # type: ignore[return-value]


def make_batch(origin: str, first_seq: int, prev_hash: str, changes: Sequence[Sequence[Any]],
               private_key: bytes) -> Batch:
    """Seal `changes` (contiguous from `first_seq`) of site `origin` into a signed batch.

    `prev_hash` is the hash of the origin's previous batch, GENESIS for its first.
    Raises ValueError for changes that do not make a valid batch.
    """
    if not SITE_ID_RE.fullmatch(origin):
        raise ValueError(f"bad origin site id {origin!r}")
    if not _is_int(first_seq, 1) or not changes:
        raise ValueError("a batch holds at least one change, numbered from 1")
    if not _HASH_RE.fullmatch(prev_hash) or (first_seq == 1) != (prev_hash == GENESIS):
        raise ValueError(f"prev_hash {prev_hash!r}: GENESIS exactly for first_seq 1, "
                         "else the hash of the previous batch")
    rows = []
    for seq, change in enumerate(changes, first_seq):
        problem = _change_problem(change, seq)
        if problem:
            raise ValueError(problem)
        rows.append(list(change))
    last_seq = first_seq + len(rows) - 1
    try:
        body = canonical_json({"format": FORMAT, "origin": origin, "first_seq": first_seq,
                               "last_seq": last_seq, "prev_hash": prev_hash, "changes": rows})
    except UnicodeEncodeError as exc:
        raise ValueError(f"a change holds text that is not valid Unicode ({exc})") from None
    return Batch(origin, first_seq, last_seq, prev_hash, body, keys.sign(private_key, body))


# -- the manifest --------------------------------------------------------------------------
@dataclass(frozen=True)
class Member:
    """A member other than the marker and the manifest: sizes and hashes of its bytes.

    `sha256` is of the content; `raw_sha256` of the bytes as they lie in the ZIP (the
    deflated stream), so that no byte of the file escapes the manifest's signature.
    """

    name: str
    size: int
    sha256: str
    raw_sha256: str


@dataclass(frozen=True)
class BatchEntry:
    """A batch as the manifest lists it; `member` is its body, `member` with .sig its signature."""

    member: str
    origin: str
    first_seq: int
    last_seq: int
    hash: str
    prev_hash: str

    @property
    def signature_member(self) -> str:
        return self.member.removesuffix(".json") + ".sig"


@dataclass(frozen=True)
class Manifest:
    """What a bundle holds, who sent it and for whom; signed by the sender.

    `vector` is what the sender holds: per origin site, the highest seq held without a gap.
    `sites` maps every origin in the bundle (and often the sender) to {"nation", "name"},
    nation "" when unknown, so that messages can name sites. `batches` are in the order to
    apply; `members` lists every member except the marker, the manifest and its signature.
    """

    bundle_id: str
    sender_site: str
    sender_nation: str
    sender_name: str
    recipients: tuple[str, ...]
    created_at: str  # ISO 8601 UTC, e.g. 2026-03-02T14:30:00Z
    schema_version: int
    vector: dict[str, int]
    sites: dict[str, dict[str, str]]
    members: tuple[Member, ...]
    batches: tuple[BatchEntry, ...]
    format: int = FORMAT
    # Documents signed by nation root keys ({"body", "signature"}, base64), carried so that
    # sites learn certificates and revocations from any bundle: "certificates", "revocations".
    trust: Mapping[str, tuple[Mapping[str, str], ...]] = field(default_factory=dict)

    @property
    def created(self) -> datetime:
        return timefmt.parse_utc(self.created_at)

    def site_label(self, site_id: str) -> str:
        """'site <id> (<name>, <nation>)' for messages."""
        info = self.sites.get(site_id)
        if site_id == self.sender_site and info is None:
            info = {"nation": self.sender_nation, "name": self.sender_name}
        if info is None:
            return f"site {site_id}"
        return f"site {site_id} ({info['name'] or '?'}, {info['nation'] or '?'})"

    def to_json(self) -> bytes:
        doc = {
            "format": self.format, "bundle_id": self.bundle_id,
            "sender": {"site_id": self.sender_site, "nation": self.sender_nation,
                       "name": self.sender_name},
            "recipients": list(self.recipients), "created_at": self.created_at,
            "schema_version": self.schema_version, "vector": self.vector, "sites": self.sites,
            "members": [asdict(m) for m in self.members],
            "batches": [asdict(b) for b in self.batches],
        }
        if any(self.trust.values()):
            doc["trust"] = {k: [dict(d) for d in v] for k, v in sorted(self.trust.items())}
        return (json.dumps(doc, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        """Parse and check every field's shape; raises BundleError naming the bad key."""
        try:
            doc = _loads(data)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BundleError(f"malformed manifest: not JSON ({exc})") from None
        if not isinstance(doc, dict):
            raise BundleError("malformed manifest: not a JSON object")
        if "format" in doc and doc["format"] != FORMAT:
            fmt = doc["format"]
            if _is_int(fmt) and fmt > FORMAT:
                raise BundleError(f"unknown bundle format {fmt} (this MovCon reads format "
                                  f"{FORMAT}): upgrade MovCon to import it")
            raise BundleError(f"unknown bundle format {fmt!r:.20}")
        trust = doc.pop("trust", {})
        _keys(doc, "", ("format", "bundle_id", "sender", "recipients", "created_at",
                        "schema_version", "vector", "sites", "members", "batches"))
        _keys(trust, "trust.", [k for k in _TRUST_KEYS if isinstance(trust, dict) and k in trust])
        for kind, items in trust.items():
            _check(isinstance(items, list) and len(items) <= MAX_TRUST_DOCUMENTS,
                   f"trust.{kind}", f"is not a list of at most {MAX_TRUST_DOCUMENTS}")
            for i, item in enumerate(items):
                _keys(item, f"trust.{kind}[{i}].", ("body", "signature"))
                _check(all(isinstance(v, str) and len(v) <= 128 * 1024 for v in item.values()),
                       f"trust.{kind}[{i}]", "holds something other than base64 text")
        _check(SITE_ID_RE.fullmatch(_str(doc["bundle_id"])), "bundle_id", "is not a valid id")
        sender = doc["sender"]
        _keys(sender, "sender.", ("site_id", "nation", "name"))
        _check(SITE_ID_RE.fullmatch(_str(sender["site_id"])), "sender.site_id", "is not valid")
        _check(NATION_RE.fullmatch(_str(sender["nation"])), "sender.nation", "is not ISO alpha-2")
        _check(NAME_RE.fullmatch(_str(sender["name"])), "sender.name", "is not a valid name")
        recipients = doc["recipients"]
        _check(isinstance(recipients, list) and recipients
               and all(NATION_RE.fullmatch(_str(n)) for n in recipients)
               and len(set(recipients)) == len(recipients),
               "recipients", "must be distinct ISO alpha-2 nation codes, at least one")
        created = _str(doc["created_at"])
        _check(_CREATED_RE.fullmatch(created) and _valid_time(created), "created_at",
               "is not an ISO 8601 UTC time such as 2026-03-02T14:30:00Z")
        _check(_is_int(doc["schema_version"], 1), "schema_version", "is not a positive integer")
        vector = doc["vector"]
        _check(isinstance(vector, dict) and all(
            SITE_ID_RE.fullmatch(k) and _is_int(v) for k, v in vector.items()),
            "vector", "must map site ids to sequence numbers")
        sites = doc["sites"]
        _check(isinstance(sites, dict), "sites", "is not an object")
        for site_id, info in sites.items():
            where = f"sites.{site_id}"
            _check(SITE_ID_RE.fullmatch(site_id), where, "is not a valid site id")
            _keys(info, where + ".", ("nation", "name"))
            _check(NATION_RE.fullmatch(_str(info["nation"])) or info["nation"] == "",
                   where + ".nation", "is not ISO alpha-2")
            _check(NAME_RE.fullmatch(_str(info["name"])), where + ".name", "is not a valid name")
        members = doc["members"]
        _check(isinstance(members, list), "members", "is not a list")
        for i, m in enumerate(members):
            where = f"members[{i}]"
            _keys(m, where + ".", ("name", "size", "sha256", "raw_sha256"))
            _check(_BATCH_MEMBER_RE.fullmatch(_str(m["name"])), where + ".name",
                   "is not a batch member name")
            _check(_is_int(m["size"], 0, MAX_TOTAL_SIZE), where + ".size", "is not a size")
            for key in ("sha256", "raw_sha256"):
                _check(_HASH_RE.fullmatch(_str(m[key])), f"{where}.{key}", "is not a SHA-256")
        batches = doc["batches"]
        _check(isinstance(batches, list), "batches", "is not a list")
        for i, b in enumerate(batches):
            where = f"batches[{i}]"
            _keys(b, where + ".", ("member", "origin", "first_seq", "last_seq", "hash",
                                   "prev_hash"))
            _check(SITE_ID_RE.fullmatch(_str(b["origin"])), where + ".origin", "is not valid")
            _check(_is_int(b["first_seq"], 1) and _is_int(b["last_seq"], 1)
                   and b["first_seq"] <= b["last_seq"], where + ".first_seq",
                   "and last_seq must be sequence numbers, first <= last")
            expected = f"batches/{b['origin']}/{b['first_seq']}-{b['last_seq']}.json"
            _check(b["member"] == expected, where + ".member", f"is not {expected}")
            for key in ("hash", "prev_hash"):
                _check(_HASH_RE.fullmatch(_str(b[key])), f"{where}.{key}", "is not a SHA-256")
            _check((b["first_seq"] == 1) == (b["prev_hash"] == GENESIS), where + ".prev_hash",
                   "must be GENESIS exactly for first_seq 1")
        return cls(
            bundle_id=doc["bundle_id"], sender_site=sender["site_id"],
            sender_nation=sender["nation"], sender_name=sender["name"],
            recipients=tuple(recipients), created_at=created,
            schema_version=doc["schema_version"], vector=dict(vector),
            sites={k: {"nation": v["nation"], "name": v["name"]} for k, v in sites.items()},
            members=tuple(Member(**m) for m in members),
            batches=tuple(BatchEntry(**b) for b in batches),
            trust={k: tuple(v) for k, v in trust.items()})

    def check_consistency(self) -> None:
        """Cross-field rules: members are exactly the batches' files, chains hold in order."""
        names = [m.name for m in self.members]
        if len(set(names)) != len(names):
            raise BundleError("malformed manifest: a member is listed twice")
        wanted = [n for b in self.batches for n in (b.member, b.signature_member)]
        if len(set(wanted)) != len(wanted):
            raise BundleError("malformed manifest: a batch is listed twice")
        for name in sorted(set(wanted) ^ set(names)):
            why = "is not listed in members" if name in wanted else "belongs to no batch"
            raise BundleError(f"malformed manifest: member {name} {why}")
        last: dict[str, BatchEntry] = {}
        for b in self.batches:
            if b.origin not in self.sites:
                raise BundleError(f"malformed manifest: sites lacks origin {b.origin}")
            before = last.get(b.origin)
            if before is not None and (b.first_seq != before.last_seq + 1
                                       or b.prev_hash != before.hash):
                raise BundleError(f"batch {b.member} does not follow {before.member} "
                                  f"of {self.site_label(b.origin)}: altered or misordered")
            last[b.origin] = b


def _str(value: object) -> str:
    return value if isinstance(value, str) else ""


def _valid_time(text: str) -> bool:
    try:
        timefmt.parse_utc(text)
    except ValueError:
        return False
    return True


def _check(ok: object, key: str, why: str) -> None:
    if not ok:
        raise BundleError(f"malformed manifest: '{key}' {why}")


def _keys(obj: object, prefix: str, names: Sequence[str]) -> None:
    if not isinstance(obj, dict):
        raise BundleError(f"malformed manifest: '{prefix.rstrip('.') or 'manifest'}' "
                          "is not an object")
    for name in names:
        if name not in obj:
            raise BundleError(f"malformed manifest: missing '{prefix}{name}'")
    for name in obj:
        if name not in names:
            raise BundleError(f"malformed manifest: unknown key '{prefix}{name}'")


# -- writing -------------------------------------------------------------------------------
def write_bundle(path: Path | str, *, bundle_id: str, sender_site: str, sender_nation: str,
                 sender_name: str, recipients: Sequence[str], created_at: datetime | str,
                 schema_version: int, vector: Mapping[str, int],
                 sites: Mapping[str, Mapping[str, str]], batches: Sequence[Batch],
                 private_key: bytes,
                 trust: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
                 seal_to: Sequence[bytes] = ()) -> Manifest:
    """Write a bundle atomically: the file at `path` is whole, or absent (or as it was).

    With `seal_to` (recipients' X25519 public keys) the file is the bundle sealed in an
    envelope (`envelope.py`) that only those keys open.

    Raises ValueError for arguments that would not make a valid bundle, and BundleError
    ("cannot write ...; nothing was written") when the disk fails or the bundle is too big.
    """
    path = Path(path)
    created = created_at if isinstance(created_at, str) else timefmt.iso(created_at)
    keys.public_of(private_key)  # a malformed key fails here, before the disk is touched

    def manifest(members: Sequence[Member]) -> Manifest:
        return Manifest(
            bundle_id=bundle_id, sender_site=sender_site, sender_nation=sender_nation,
            sender_name=sender_name, recipients=tuple(recipients), created_at=created,
            schema_version=schema_version, vector=dict(vector),
            sites={k: dict(v) for k, v in sites.items()}, members=tuple(members),
            batches=tuple(BatchEntry(b.member, b.origin, b.first_seq, b.last_seq, b.hash,
                                     b.prev_hash) for b in batches),
            trust={k: tuple(dict(d) for d in v) for k, v in (trust or {}).items() if v})

    contents = [(n, d) for b in batches
                for n, d in ((b.member, b.body), (b.member[:-5] + ".sig", b.signature))]
    # Check with the reader's own rules before touching the disk (raw hashes not known yet).
    draft = manifest([Member(n, len(d), GENESIS, GENESIS) for n, d in contents]).to_json()
    try:
        Manifest.from_json(draft).check_consistency()
    except BundleError as exc:
        raise ValueError(f"these arguments do not make a valid bundle: {exc}") from None
    total = sum(len(d) for _, d in contents) + len(draft)
    if len(contents) + 3 > MAX_MEMBERS or total > MAX_TOTAL_SIZE:
        raise BundleError(f"cannot write {path}: a bundle holds at most {MAX_MEMBERS} members "
                          f"and {MAX_TOTAL_SIZE >> 20} MiB; export less; nothing was written")
    done: list[Manifest] = []

    def sign_manifest(members: Sequence[Member]) -> bytes:
        done.append(manifest(members))
        return done[0].to_json()

    if seal_to:
        from app.core.sync import envelope

        buffer = io.BytesIO()
        _zip_into(buffer, contents, sign_manifest, private_key)
        if buffer.tell() > MAX_FILE_SIZE:
            raise BundleError(f"cannot write {path}: larger than {MAX_FILE_SIZE >> 20} MiB; "
                              "export less; nothing was written")
        try:
            envelope.seal_to_file(buffer.getbuffer(), seal_to, path)
        except envelope.EnvelopeError as exc:
            raise BundleError(str(exc)) from None
    else:
        _write_zip(path, contents, sign_manifest, private_key)
    return done[0]


def _zip_into(fh: Any, contents: Sequence[tuple[str, bytes]],
              manifest_of: Callable[[Sequence[Member]], bytes], private_key: bytes) -> None:
    """Marker, `contents`, the manifest made from their hashes and its signature, into `fh`."""
    with zipfile.ZipFile(fh, "w", allowZip64=False) as zf:
        put(zf, fh, MARKER_NAME, MARKER)
        members = []
        for name, data in contents:
            raw = put(zf, fh, name, data)
            members.append(Member(name, len(data), sha256(data), sha256(raw)))
        text = manifest_of(members)
        put(zf, fh, MANIFEST_NAME, text)
        put(zf, fh, SIGNATURE_NAME, keys.sign(private_key, text))


def _write_zip(path: Path, contents: Sequence[tuple[str, bytes]],
               manifest_of: Callable[[Sequence[Member]], bytes], private_key: bytes) -> None:
    """Write marker, `contents`, the manifest made from their hashes and its signature."""
    part = path.with_name(path.name + ".part")
    try:
        with open(part, "wb+") as fh:
            _zip_into(fh, contents, manifest_of, private_key)
            if fh.tell() > MAX_FILE_SIZE:
                raise BundleError(f"cannot write {path}: larger than "
                                  f"{MAX_FILE_SIZE >> 20} MiB; export less; nothing was written")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(part, path)
        try:
            keys.fsync_folder(path.parent)
        except OSError:
            with contextlib.suppress(OSError):
                path.unlink()  # whole, but its rename may not last: keep the message true
            raise
    except OSError as exc:
        with contextlib.suppress(OSError):
            part.unlink()
        raise BundleError(f"cannot write {path}: {exc.strerror or exc}; nothing was written"
                          ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise


# -- reading -------------------------------------------------------------------------------
def _manifest_members(view: memoryview, entries: Mapping[str, Any], name: str,
                      ) -> tuple[bytes, bytes]:
    for member in (MANIFEST_NAME, SIGNATURE_NAME):
        if member not in entries:
            raise BundleError(f"{name} is damaged: it has no {member}")
        if entries[member].method != STORED or entries[member].size > MAX_MANIFEST_SIZE:
            raise BundleError(f"{name} is damaged: {member} is not as MovCon writes it")
    text = content(view, entries[MANIFEST_NAME],
                   f"{name} is damaged: {MANIFEST_NAME} fails its CRC-32 check")
    signature = content(view, entries[SIGNATURE_NAME],
                        f"{name} is damaged: {SIGNATURE_NAME} fails its CRC-32 check")
    return text, signature


def manifest_bytes(blob: bytes, name: str) -> tuple[bytes, bytes]:
    """The manifest's exact bytes and its signature, from an unsealed bundle (not verified:
    for inspection, and for checking the signature with other tools)."""
    return _manifest_members(memoryview(blob), parse_zip(blob, name), name)


def read_bundle(path: Path | str, *,
                public_key_of: Callable[[str], bytes | Sequence[bytes] | None],
                our_nation: str, max_schema: int, parse: bool = True,
                decryption_keys: Sequence[bytes] = (),
                on_manifest: Callable[[Manifest], None] | None = None,
                verified_keys: dict[str, bytes] | None = None,
                ) -> tuple[Manifest, list[Batch]]:
    """Verify the whole bundle at `path`; return its manifest and batches in apply order.

    Raises BundleError with one line naming the first problem found. The caller still
    chains each origin's first batch here to what its store holds (GENESIS for seq 1).
    With `parse` false every byte is still checked against the signed hashes, but the
    batches' changes are parsed (and checked) only when the caller asks `Batch.changes()`.
    `public_key_of` may give several keys for a site (certificates of several nations name
    the same site id): the one that verifies is the site's key for this bundle, and is put
    in `verified_keys` (site id: key) so that the caller judges by the matching certificate.
    """
    path = Path(path)
    blob = read_file(path)
    from app.core.sync import envelope

    if blob.startswith(b"MovCon sealed "):  # a newer version is named by open_sealed
        try:
            blob = envelope.open_sealed(blob, decryption_keys)
        except envelope.EnvelopeError as exc:
            raise BundleError(f"{path.name}: {exc}") from None
    entries = parse_zip(blob, path.name)
    view = memoryview(blob)
    text, signature = _manifest_members(view, entries, path.name)
    manifest = Manifest.from_json(text)
    if on_manifest is not None:
        on_manifest(manifest)  # learn the certificates it carries: they may name the sender

    candidates: dict[str, list[bytes]] = {}

    def key_of(site: str, signed: bytes, data: bytes) -> bytes | None:
        """The site's key that made `signed` (a site may be known by several certificates),
        b"" when none of its keys did, None when it has none. One key per site per bundle."""
        if site not in candidates:
            found = public_key_of(site)
            candidates[site] = [found] if isinstance(found, bytes) else list(found or ())
        keys_ = candidates[site]
        if not keys_:
            return None
        good = next((k for k in keys_ if keys.verify(k, signed, data)), b"")
        if good:
            candidates[site] = [good]
        return good

    sender_key = key_of(manifest.sender_site, signature, text)
    if sender_key == b"":
        raise BundleError(f"the manifest signature of {path.name} does not verify with the key "
                          f"of {manifest.site_label(manifest.sender_site)}: altered or damaged")
    if manifest.schema_version > max_schema:
        raise BundleError(f"{path.name} was made by a newer MovCon (schema "
                          f"{manifest.schema_version}; this one reads up to {max_schema}): "
                          "upgrade MovCon to import it")
    if our_nation not in manifest.recipients:
        raise BundleError(f"bundle is for {', '.join(manifest.recipients)}; this store belongs "
                          f"to {our_nation}")
    if sender_key is None:
        raise BundleError(f"unknown sender: {manifest.site_label(manifest.sender_site)} has no "
                          "certificate from a nation trusted here and no confirmed key; trust "
                          "its nation ('movcon keys trust-nation') or its key ('movcon keys "
                          "import')")
    manifest.check_consistency()

    listed = {m.name for m in manifest.members}
    for name in entries:
        if name not in listed and name not in (MARKER_NAME, MANIFEST_NAME, SIGNATURE_NAME):
            raise BundleError(f"member {name} is not listed in the manifest: altered or damaged")
    contents: dict[str, bytes] = {}
    for member in manifest.members:
        entry = entries.get(member.name)
        if entry is None:
            raise BundleError(f"member {member.name} is missing: altered or damaged")
        mismatch = f"member {member.name} does not match the manifest: altered or damaged"
        if entry.size != member.size or sha256(
                view[entry.start:entry.start + entry.packed_size]) != member.raw_sha256:
            raise BundleError(mismatch)
        data = content(view, entry, mismatch)
        if sha256(data) != member.sha256:
            raise BundleError(mismatch)
        contents[member.name] = data

    batches = []
    for e in manifest.batches:
        batch = Batch(e.origin, e.first_seq, e.last_seq, e.prev_hash, contents[e.member],
                      contents[e.signature_member])
        origin_key = key_of(e.origin, batch.signature, batch.body)
        if origin_key is None:
            raise BundleError(f"unknown origin: {manifest.site_label(e.origin)} made changes "
                              "in this bundle and has no certificate from a nation trusted "
                              "here; trust its nation ('movcon keys trust-nation') or its key "
                              "('movcon keys import')")
        if not origin_key:
            raise BundleError(f"the signature of batch {e.member} does not verify with the key "
                              f"of {manifest.site_label(e.origin)}: altered or damaged")
        if batch.hash != e.hash:
            raise BundleError(f"batch {e.member} does not match its hash in the manifest")
        if parse:
            batch.changes()  # shape, seqs, agreement with the manifest; kept for the caller
        batches.append(batch)
        if verified_keys is not None:
            verified_keys[e.origin] = origin_key
    if verified_keys is not None:
        verified_keys[manifest.sender_site] = sender_key
    return manifest, batches

