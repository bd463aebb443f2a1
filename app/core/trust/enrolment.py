"""Enrolling a site in its nation: the certificate and the nation's decryption key.

The nation's key officer certifies a site's key file (`movcon keys certify`); the result,
an enrolment file, carries the signed certificate, the nation's public key file and the
nation's X25519 decryption key sealed to the site's own encryption key (so the file is
useless to anyone but that laptop). The site installs it (`movcon keys enrol`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.core.sync import envelope, keys
from app.core.trust import certificates as docs
from app.core.trust import registry
from app.core.trust.certificates import Certificate, DocumentError, Signed
from app.core.trust.nation_keys import NationKey, NationKeyError, NationPublic, public_from_json
from app.core.trust.registry import TrustError

if TYPE_CHECKING:
    from app.core.store import Store

FORMAT = "movcon-site-enrolment"
VERSION = 1
_MAX_FILE = 256 * 1024


@dataclass(frozen=True)
class Enrolment:
    nation: NationPublic
    certificate: Certificate
    sealed_key: bytes  # the nation's X25519 private key, sealed to the site


def make(nation_key: NationKey, site: keys.SiteKey, role: str, days: int) -> Enrolment:
    cert = docs.issue(nation_key, site, role, days)
    assert site.encryption_key is not None  # issue() refused a key file without one
    sealed = envelope.seal(nation_key.encryption_private, [site.encryption_key])
    return Enrolment(nation_key.public, cert, sealed)


def write(path: Path, enrolment: Enrolment) -> None:
    doc = {"format": FORMAT, "version": VERSION, "nation": enrolment.nation.to_json(),
           "certificate": enrolment.certificate.signed.to_json(),
           "decryption_key": base64.b64encode(enrolment.sealed_key).decode("ascii")}
    path = Path(path)
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write((json.dumps(doc, indent=2) + "\n").encode())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        keys.fsync_folder(path.parent)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise TrustError(f"cannot write {path}: {exc.strerror or exc}; nothing was written"
                         ) from None


def read(path: Path) -> Enrolment:
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_FILE + 1)
        doc: Any = json.loads(raw.decode("utf-8")) if len(raw) <= _MAX_FILE else None
    except OSError as exc:
        raise TrustError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise TrustError(f"{path} is not a MovCon enrolment file")
    if doc.get("version") != VERSION:
        raise TrustError(f"{path}: enrolment version {doc.get('version')!r} is not known to "
                         "this MovCon: upgrade MovCon")
    try:
        nation = public_from_json(doc.get("nation"), path)
        cert = docs.parse_certificate(Signed.from_json(doc.get("certificate"), "certificate"))
        sealed = base64.b64decode(str(doc.get("decryption_key")), validate=True)
    except (NationKeyError, DocumentError) as exc:
        raise TrustError(f"{path}: {exc}") from None
    except (binascii.Error, ValueError):
        raise TrustError(f"{path}: the decryption key is not base64") from None
    if not docs.verify(cert, nation):
        raise TrustError(f"{path}: the certificate is not signed by {nation.nation}'s root "
                         "key in the file: altered?")
    return Enrolment(nation, cert, sealed)


def install(store: Store, enrolment: Enrolment, words: str | None = None) -> Certificate:
    """Install this site's certificate and its nation's decryption key.

    The nation's root key must be trusted already, or `words` must match its fingerprint
    (then it is trusted now, as by `registry.trust_nation`).
    """
    from app.core import audit
    from app.core.sync.exchange import site_private_key

    cert, nation = enrolment.certificate, enrolment.nation
    private = site_private_key(store)
    if cert.site_id != store.site_id or cert.signing_key != keys.public_of(private):
        raise TrustError(f"this certificate is for {cert.label}, site {cert.site_id}, not "
                         "for this laptop's site")
    if cert.nation != store.nation:
        raise TrustError(f"this certificate is {cert.nation}'s; this store belongs to "
                         f"{store.nation}")
    trusted = registry.nation_public(store, nation.nation)
    if trusted is None:
        if words is None:
            raise TrustError(f"{nation.nation}'s nation key is not trusted yet: confirm its "
                             f"words ({nation.fingerprint}) with the key officer")
        registry.trust_nation(store, nation, words)
    elif trusted.root_key != nation.root_key:
        raise TrustError(f"the certificate is signed by a root key other than the "
                         f"{nation.nation} key this store trusts: refused")
    try:
        decryption = envelope.open_sealed(enrolment.sealed_key,
                                          [keys.encryption_private_of(private)])
    except envelope.EnvelopeError as exc:
        raise TrustError(f"the nation's decryption key cannot be opened here: {exc}") from None
    if envelope.x25519_public_of(decryption) != nation.encryption_key:
        raise TrustError("the decryption key in the file is not the nation's: altered?")
    with registry.transaction(store):
        if not registry.add_certificate(store, cert):
            raise TrustError("the certificate does not verify with the trusted nation key")
        registry.store_decryption_key(store, nation.nation, decryption)
        audit.append(store.conn, site_id=store.site_id, private_key=private,
                     action="certificate_installed", subject=cert.label,
                     detail={"serial": cert.serial, "role": cert.role,
                             "not_before": cert.not_before, "not_after": cert.not_after},
                     person=audit.current_person())
    store.forget_cached()
    return cert
