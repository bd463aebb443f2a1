"""Documents a nation's root key signs: site certificates and revocation lists.

Each is a canonical JSON body (sorted keys, no spaces, UTF-8) and the root's Ed25519
signature over exactly those bytes. Both travel inside bundles, so a cell learns of an
allied nation's new laptop, or of a lost one, without meeting anybody: it only needs to
trust that nation's root key once.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.core import timefmt
from app.core.ids import new_id
from app.core.sync import keys
from app.core.sync.keys import KEY_SIZE, NAME_RE, NATION_RE, SIGNATURE_SIZE, SITE_ID_RE
from app.core.trust.nation_keys import NationKey, NationPublic

CERTIFICATE_FORMAT = "movcon-site-certificate"
REVOCATIONS_FORMAT = "movcon-revocations"
VERSION = 1
ROLES: dict[str, str] = {
    "cell": "Coordination cell: decides its nation's permits, edits its movements and data",
    "field": "Field team: edits its nation's movements and reports events",
    "observer": "Observer: reads and relays, edits nothing",
}
MAX_DAYS = 5 * 366
_TIME_RE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
_REASON_RE = re.compile(r"[^\x00-\x1f\x7f]{0,200}")


class DocumentError(Exception):
    """A certificate or revocation list that is malformed; one line naming the problem."""


def canonical(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, size: int, what: str) -> bytes:
    try:
        value = base64.b64decode(text, validate=True) if isinstance(text, str) else b""
    except (binascii.Error, ValueError):
        value = b""
    if len(value) != size:
        raise DocumentError(f"{what} is not {size} bytes of base64")
    return value


def _time(text: object, what: str) -> str:
    if not isinstance(text, str) or not _TIME_RE.fullmatch(text):
        raise DocumentError(f"{what} is not a UTC time such as 2026-03-02T14:30:00Z")
    try:
        timefmt.parse_utc(text)
    except ValueError:
        raise DocumentError(f"{what} is not a valid time") from None
    return text


def _exact_keys(doc: object, names: Iterable[str], what: str) -> dict[str, Any]:
    if not isinstance(doc, dict) or set(doc) != set(names):
        raise DocumentError(f"{what} does not have exactly the expected fields")
    return doc


def _load(body: bytes, what: str) -> dict[str, Any]:
    try:
        doc = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise DocumentError(f"{what} is not JSON") from None
    if not isinstance(doc, dict) or canonical(doc) != body:
        raise DocumentError(f"{what} is not in canonical form")
    return doc


@dataclass(frozen=True)
class Signed:
    """A body and its signature, as carried in bundles and key files."""

    body: bytes
    signature: bytes

    def to_json(self) -> dict[str, str]:
        return {"body": _b64(self.body), "signature": _b64(self.signature)}

    @classmethod
    def from_json(cls, doc: object, what: str) -> Signed:
        doc = _exact_keys(doc, ("body", "signature"), what)
        try:
            body = base64.b64decode(doc["body"], validate=True) \
                if isinstance(doc["body"], str) else b""  # fmt: skip
        except (binascii.Error, ValueError):
            body = b""
        if not body or len(body) > 64 * 1024:
            raise DocumentError(f"{what}: the body is not base64 of at most 64 KiB")
        return cls(body, _unb64(doc["signature"], SIGNATURE_SIZE, f"{what}: the signature"))

    def signed_by(self, root_key: bytes) -> bool:
        return keys.verify(root_key, self.signature, self.body)


# -- site certificates ---------------------------------------------------------------------
@dataclass(frozen=True)
class Certificate:
    serial: str
    nation: str
    site_id: str
    site_name: str
    role: str
    signing_key: bytes  # the site's Ed25519 public key
    encryption_key: bytes  # the site's X25519 public key (its enrolment is sealed to it)
    not_before: str
    not_after: str
    issued_at: str
    signed: Signed

    def valid_at(self, moment: datetime) -> bool:
        return timefmt.parse_utc(self.not_before) <= moment < timefmt.parse_utc(self.not_after)

    @property
    def label(self) -> str:
        return f"{self.site_name or self.site_id} ({self.nation}, {self.role})"


def issue(nation_key: NationKey, site: keys.SiteKey, role: str, days: int,
          start: datetime | None = None) -> Certificate:
    """Certify `site` as a `role` of the key's nation for `days` days from `start` (now)."""
    if role not in ROLES:
        raise DocumentError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
    if not 1 <= days <= MAX_DAYS:
        raise DocumentError(f"a certificate is valid 1 to {MAX_DAYS} days, not {days}")
    if site.nation != nation_key.nation:
        raise DocumentError(f"the site {site.site_name or site.site_id} belongs to "
                            f"{site.nation}; this nation key is {nation_key.nation}'s")
    if site.encryption_key is None:
        raise DocumentError("the site key file has no encryption key: export it again with "
                            "this version of MovCon")
    now = datetime.now(timefmt.UTC).replace(microsecond=0)
    start = (start or now).replace(microsecond=0)
    body = canonical({
        "format": CERTIFICATE_FORMAT, "version": VERSION, "serial": new_id(),
        "nation": nation_key.nation, "site_id": site.site_id, "site_name": site.site_name,
        "role": role, "signing_key": _b64(site.public),
        "encryption_key": _b64(site.encryption_key),
        "not_before": timefmt.iso(start), "not_after": timefmt.iso(start + timedelta(days=days)),
        "issued_at": timefmt.iso(now)})
    return parse_certificate(Signed(body, nation_key.sign(body)))


_CERT_FIELDS = ("format", "version", "serial", "nation", "site_id", "site_name", "role",
                "signing_key", "encryption_key", "not_before", "not_after", "issued_at")


def parse_certificate(signed: Signed) -> Certificate:
    """The certificate in `signed`, its shape checked (not its signature: see `verify`)."""
    what = "site certificate"
    doc = _exact_keys(_load(signed.body, what), _CERT_FIELDS, what)
    if doc["format"] != CERTIFICATE_FORMAT or doc["version"] != VERSION:
        raise DocumentError(f"{what}: format {doc['format']!r} version {doc['version']!r} is "
                            "not known to this MovCon")
    for name, pattern in (("serial", SITE_ID_RE), ("site_id", SITE_ID_RE),
                          ("nation", NATION_RE), ("site_name", NAME_RE)):
        if not isinstance(doc[name], str) or not pattern.fullmatch(doc[name]):
            raise DocumentError(f"{what}: the field '{name}' is not valid")
    if doc["role"] not in ROLES:
        raise DocumentError(f"{what}: unknown role {doc['role']!r}")
    cert = Certificate(
        doc["serial"], doc["nation"], doc["site_id"], doc["site_name"], doc["role"],
        _unb64(doc["signing_key"], KEY_SIZE, f"{what}: signing_key"),
        _unb64(doc["encryption_key"], KEY_SIZE, f"{what}: encryption_key"),
        _time(doc["not_before"], f"{what}: not_before"),
        _time(doc["not_after"], f"{what}: not_after"),
        _time(doc["issued_at"], f"{what}: issued_at"), signed)
    if cert.not_after <= cert.not_before:
        raise DocumentError(f"{what}: not_after is not after not_before")
    return cert


def verify(cert: Certificate, nation: NationPublic) -> bool:
    return cert.nation == nation.nation and cert.signed.signed_by(nation.root_key)


# -- revocation lists ----------------------------------------------------------------------
@dataclass(frozen=True)
class Revoked:
    site_id: str
    since: str  # changes the site stamped from this moment on are not accepted
    reason: str


@dataclass(frozen=True)
class RevocationList:
    """All of a nation's revoked sites. `number` grows with each list; an older one never
    replaces a newer one, so a revocation cannot be rolled back by replaying a bundle."""

    nation: str
    number: int
    issued_at: str
    revoked: tuple[Revoked, ...]
    signed: Signed

    def entry(self, site_id: str) -> Revoked | None:
        return next((r for r in self.revoked if r.site_id == site_id), None)


def revoke(nation_key: NationKey, current: RevocationList | None, site_id: str,
           since: datetime, reason: str) -> RevocationList:
    """The next revocation list: `current`'s entries plus `site_id` revoked from `since`."""
    if not SITE_ID_RE.fullmatch(site_id):
        raise DocumentError(f"{site_id!r} is not a site id")
    if not _REASON_RE.fullmatch(reason):
        raise DocumentError("the reason is one line of at most 200 characters")
    if current is not None and current.nation != nation_key.nation:
        raise DocumentError(f"that revocation list is {current.nation}'s, not "
                            f"{nation_key.nation}'s")
    entries = {r.site_id: r for r in (current.revoked if current else ())}
    if site_id in entries:
        raise DocumentError(f"site {site_id} is revoked already (since "
                            f"{entries[site_id].since})")
    entries[site_id] = Revoked(site_id, timefmt.iso(since.replace(microsecond=0)), reason)
    body = canonical({
        "format": REVOCATIONS_FORMAT, "version": VERSION, "nation": nation_key.nation,
        "number": (current.number if current else 0) + 1,
        "issued_at": timefmt.iso(datetime.now(timefmt.UTC).replace(microsecond=0)),
        "revoked": [{"site_id": r.site_id, "since": r.since, "reason": r.reason}
                    for r in sorted(entries.values(), key=lambda r: r.site_id)]})
    return parse_revocations(Signed(body, nation_key.sign(body)))


def parse_revocations(signed: Signed) -> RevocationList:
    what = "revocation list"
    doc = _exact_keys(_load(signed.body, what),
                      ("format", "version", "nation", "number", "issued_at", "revoked"), what)
    if doc["format"] != REVOCATIONS_FORMAT or doc["version"] != VERSION:
        raise DocumentError(f"{what}: format {doc['format']!r} version {doc['version']!r} is "
                            "not known to this MovCon")
    if not isinstance(doc["nation"], str) or not NATION_RE.fullmatch(doc["nation"]):
        raise DocumentError(f"{what}: the nation is not valid")
    if type(doc["number"]) is not int or not 1 <= doc["number"] < 1 << 62:
        raise DocumentError(f"{what}: the number is not a positive integer")
    if not isinstance(doc["revoked"], list):
        raise DocumentError(f"{what}: 'revoked' is not a list")
    entries = []
    for item in doc["revoked"]:
        item = _exact_keys(item, ("site_id", "since", "reason"), f"{what}: an entry")
        if not isinstance(item["site_id"], str) or not SITE_ID_RE.fullmatch(item["site_id"]):
            raise DocumentError(f"{what}: an entry's site id is not valid")
        if not isinstance(item["reason"], str) or not _REASON_RE.fullmatch(item["reason"]):
            raise DocumentError(f"{what}: an entry's reason is not one line")
        entries.append(Revoked(item["site_id"], _time(item["since"], f"{what}: since"),
                               item["reason"]))
    return RevocationList(doc["nation"], doc["number"],
                          _time(doc["issued_at"], f"{what}: issued_at"), tuple(entries), signed)
