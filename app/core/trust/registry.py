"""What a store trusts: nation root keys, site certificates, revocation lists, its own keys.

A nation's root key is trusted only after an officer confirmed its fingerprint words.
Certificates and revocation lists signed by a trusted root are taken from any bundle, so a
cell learns an allied nation's new (or lost) laptop without meeting it. Authority over data
comes from a certificate; a site key confirmed by words alone lets a site relay, not decide.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from app.core import timefmt
from app.core.sync import keys
from app.core.trust import certificates as docs
from app.core.trust.certificates import Certificate, RevocationList, Revoked, Signed
from app.core.trust.nation_keys import NationPublic

if TYPE_CHECKING:
    from app.core.store import Store


class TrustError(Exception):
    """A trust operation refused; nothing was written. One line naming the problem."""


@contextlib.contextmanager
def transaction(store: Store) -> Iterator[None]:
    """Join the caller's transaction, or run one of our own."""
    if store.conn.in_transaction:
        yield
        return
    store.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        store.conn.execute("COMMIT")
    except BaseException:
        store.conn.execute("ROLLBACK")
        raise


def same_words(given: str, expected: str) -> bool:
    return " ".join(given.lower().replace(",", " ").split()) == expected


# -- nation roots --------------------------------------------------------------------------
def nation_public(store: Store, nation: str) -> NationPublic | None:
    row = store.conn.execute("SELECT nation, root_key, encryption_key, binding FROM"
                             " trusted_nations WHERE nation = ?", (nation,)).fetchone()
    return NationPublic(row[0], bytes(row[1]), bytes(row[2]), bytes(row[3])) if row else None


@dataclass(frozen=True)
class TrustedNation:
    public: NationPublic
    trusted_at: str
    trusted_by: str


def trusted_nations(store: Store) -> list[TrustedNation]:
    return [TrustedNation(NationPublic(n, bytes(r), bytes(e), bytes(b)), at, by)
            for n, r, e, b, at, by in store.conn.execute(
                "SELECT nation, root_key, encryption_key, binding, trusted_at, trusted_by"
                " FROM trusted_nations ORDER BY nation")]


def trust_nation(store: Store, public: NationPublic, words: str) -> str:
    """Trust `public` as its nation's root once the officer typed its fingerprint words."""
    from app.core import audit

    site_private = _own_private(store)
    if not public.binding_ok():
        raise TrustError(f"the encryption key of {public.nation} is not signed by its root key")
    if not same_words(words, public.fingerprint):
        raise TrustError(f"the words do not match the fingerprint of {public.nation}'s key: "
                         "not trusted (check them with its key officer)")
    known = nation_public(store, public.nation)
    if known is not None:
        if known.root_key == public.root_key:
            return "already trusted"
        raise TrustError(f"{public.nation} already has a different trusted root key: refused")
    with transaction(store):
        store.conn.execute("INSERT INTO trusted_nations VALUES (?, ?, ?, ?, ?, ?, ?)",
                           (public.nation, public.root_key, public.encryption_key,
                            public.binding, public.fingerprint, timefmt.now_iso(),
                            audit.current_person()))
        audit.append(store.conn, site_id=store.site_id, private_key=site_private,
                     action="nation_trusted", subject=f"nation key of {public.nation}",
                     detail={"nation": public.nation, "fingerprint": public.fingerprint},
                     person=audit.current_person())
    return "trusted"


def _own_private(store: Store) -> bytes:
    from app.core.sync.exchange import site_private_key

    return site_private_key(store)  # made before any transaction: making it writes


# -- certificates --------------------------------------------------------------------------
def add_certificate(store: Store, cert: Certificate) -> bool:
    """Keep `cert` if a trusted root signed it; False (nothing kept) otherwise."""
    root = nation_public(store, cert.nation)
    if root is None or not docs.verify(cert, root):
        return False
    store.conn.execute(
        "INSERT OR IGNORE INTO certificates VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (cert.serial, cert.site_id, cert.nation, cert.role, cert.not_before, cert.not_after,
         cert.signed.body, cert.signed.signature, timefmt.now_iso()))
    return True


def certificates(store: Store, site_id: str | None = None) -> list[Certificate]:
    where, params = ("WHERE site_id = ?", (site_id,)) if site_id else ("", ())
    return [docs.parse_certificate(Signed(bytes(b), bytes(s))) for b, s in store.conn.execute(
        f"SELECT body, signature FROM certificates {where} ORDER BY nation, site_id,"
        " not_before", params)]


def own_certificate(store: Store) -> Certificate | None:
    now = datetime.now(timefmt.UTC)
    mine = [c for c in certificates(store, store.site_id)
            if c.signing_key == _own_public(store)]
    return next((c for c in reversed(mine) if c.valid_at(now)), mine[-1] if mine else None)


def _own_public(store: Store) -> bytes:
    return keys.public_of(_own_private(store))


# -- revocations ---------------------------------------------------------------------------
def revocations(store: Store, nation: str) -> RevocationList | None:
    row = store.conn.execute("SELECT body, signature FROM revocations WHERE nation = ?",
                             (nation,)).fetchone()
    return docs.parse_revocations(Signed(bytes(row[0]), bytes(row[1]))) if row else None


def all_revocations(store: Store) -> list[RevocationList]:
    return [docs.parse_revocations(Signed(bytes(b), bytes(s))) for b, s in store.conn.execute(
        "SELECT body, signature FROM revocations ORDER BY nation")]


def add_revocations(store: Store, rl: RevocationList) -> bool:
    """Keep `rl` if its nation's trusted root signed it and it is newer than the one held.

    An older list (a replayed bundle) never replaces a newer one: a revocation stays.
    """
    root = nation_public(store, rl.nation)
    if root is None or not rl.signed.signed_by(root.root_key):
        return False
    held = revocations(store, rl.nation)
    if held is not None and held.number >= rl.number:
        return False
    store.conn.execute(
        "INSERT INTO revocations VALUES (?, ?, ?, ?, ?) ON CONFLICT (nation) DO UPDATE SET"
        " version = excluded.version, body = excluded.body, signature = excluded.signature,"
        " received_at = excluded.received_at",
        (rl.nation, rl.number, rl.signed.body, rl.signed.signature, timefmt.now_iso()))
    return True


def record_revocation(store: Store, rl: RevocationList, site_label: str) -> None:
    """Keep a revocation list made here (by the nation's key officer) and log the decision."""
    private = _own_private(store)
    from app.core import audit

    held = revocations(store, rl.nation)
    before = {r.site_id for r in held.revoked} if held else set()
    from app.core.sync.exchange import withdraw_revoked

    with transaction(store):
        if not add_revocations(store, rl):
            raise TrustError(f"the revocation list of {rl.nation} is not newer than the one "
                             "held, or its root key is not trusted here")
        # What the site did here after it was lost is withdrawn, as every other store will.
        withdraw_revoked(store, [rl], store.site_id, "revoked here")
        for entry in (r for r in rl.revoked if r.site_id not in before):
            audit.append(store.conn, site_id=store.site_id, private_key=private,
                         action="site_revoked", subject=site_label,
                         detail={"nation": rl.nation, "list": rl.number,
                                 "site_id": entry.site_id, "since": entry.since,
                                 "reason": entry.reason},
                         person=audit.current_person())
    store.forget_cached()  # the log changed under the write path's cached tail


# -- who a site is -------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteAuthority:
    site_id: str
    nation: str
    role: str
    basis: str  # "this site", "certificate" or "confirmed key"
    certificate: Certificate | None
    revoked: Revoked | None

    @property
    def label(self) -> str:
        name = self.certificate.site_name if self.certificate else ""
        return f"site {self.site_id}" + (f" ({name}, {self.nation})" if name else
                                         f" ({self.nation})")


class Authorities:
    """Who each site is, looked up once per import (certificates and revocations cached)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, SiteAuthority | None] = {}
        self._revocations = {rl.nation: rl for rl in all_revocations(store)}
        self._learned: dict[str, list[Certificate]] = {}
        self._bound: dict[str, bytes] = {}

    def bind(self, verified: dict[str, bytes]) -> None:
        """The key each site's signatures verified with: its authority comes from the
        certificate of that key (not from another nation's certificate naming its id)."""
        self._bound.update(verified)
        self._cache.clear()

    def learn(self, certs: Sequence[Certificate], lists: Sequence[RevocationList]) -> None:
        """Count documents a bundle carries (verified by the caller) before they are kept."""
        for cert in certs:
            self._learned.setdefault(cert.site_id, []).append(cert)
        for rl in lists:
            held = self._revocations.get(rl.nation)
            if held is None or rl.number > held.number:
                self._revocations[rl.nation] = rl
        self._cache.clear()

    def of(self, site_id: str) -> SiteAuthority | None:
        if site_id not in self._cache:
            self._cache[site_id] = self._lookup(site_id)
        return self._cache[site_id]

    def _lookup(self, site_id: str) -> SiteAuthority | None:
        store = self.store
        if site_id == store.site_id:
            cert = own_certificate(store)
            return SiteAuthority(site_id, store.nation, cert.role if cert else "cell",
                                 "this site", cert, self._revoked(store.nation, site_id))
        confirmed = store.conn.execute("SELECT public_key, nation FROM sites WHERE site_id = ?"
                                       " AND public_key IS NOT NULL", (site_id,)).fetchone()
        key = bytes(confirmed[0]) if confirmed is not None else self._bound.get(site_id)
        certs = [c for c in certificates(store, site_id) + self._learned.get(site_id, [])
                 if key is None or c.signing_key == key]
        certs.sort(key=lambda c: c.not_before)
        if certs:
            now = datetime.now(timefmt.UTC)
            cert = next((c for c in reversed(certs) if c.valid_at(now)), certs[-1])
            return SiteAuthority(site_id, cert.nation, cert.role, "certificate", cert,
                                 self._revoked(cert.nation, site_id))
        if confirmed is not None:
            return SiteAuthority(site_id, confirmed[1] or "", "relay", "confirmed key", None,
                                 self._revoked(confirmed[1] or "", site_id))
        return None

    def _revoked(self, nation: str, site_id: str) -> Revoked | None:
        rl = self._revocations.get(nation)
        return rl.entry(site_id) if rl else None

    def signing_keys(self, site_id: str) -> list[bytes]:
        """The keys a site's signatures may verify with: its key confirmed by words, else
        the keys of its certificates (newest first; normally one)."""
        store = self.store
        if site_id == store.site_id:
            return [_own_public(store)]
        row = store.conn.execute("SELECT public_key FROM sites WHERE site_id = ?",
                                 (site_id,)).fetchone()
        if row and row[0]:
            return [bytes(row[0])]
        certs = certificates(store, site_id) + self._learned.get(site_id, [])
        now = datetime.now(timefmt.UTC)
        certs.sort(key=lambda c: (c.valid_at(now), c.not_before), reverse=True)
        return list(dict.fromkeys(c.signing_key for c in certs))

    def signing_key(self, site_id: str) -> bytes | None:
        found = self.signing_keys(site_id)
        return found[0] if found else None


def verified_documents(store: Store, certs: Sequence[dict[str, str]],
                       lists: Sequence[dict[str, str]],
                       ) -> tuple[list[Certificate], list[RevocationList], int]:
    """The certificates and revocation lists signed by a root this store trusts, and how many
    others were passed over (unknown nations, bad signatures): those are simply not used."""
    good_certs, good_lists, skipped = [], [], 0
    held = {bytes(body) for (body,) in store.conn.execute("SELECT body FROM certificates")}
    for item in certs:
        try:
            signed = Signed.from_json(item, "certificate")
            if signed.body in held:
                continue  # verified when it was kept
            cert = docs.parse_certificate(signed)
        except docs.DocumentError:
            skipped += 1
            continue
        root = nation_public(store, cert.nation)
        if root is not None and docs.verify(cert, root):
            good_certs.append(cert)
        else:
            skipped += 1
    for item in lists:
        try:
            rl = docs.parse_revocations(Signed.from_json(item, "revocation list"))
        except docs.DocumentError:
            skipped += 1
            continue
        root = nation_public(store, rl.nation)
        if root is not None and rl.signed.signed_by(root.root_key):
            good_lists.append(rl)
        else:
            skipped += 1
    return good_certs, good_lists, skipped


# -- this nation's decryption key and the recipients' keys ---------------------------------
def decryption_keys(store: Store) -> list[bytes]:
    return [bytes(k) for (k,) in store.conn.execute("SELECT private_key FROM nation_secret")]


def store_decryption_key(store: Store, nation: str, private: bytes) -> None:
    from app.core.sync import envelope

    key_id = envelope.key_id(envelope.x25519_public_of(private))
    store.conn.execute("INSERT OR IGNORE INTO nation_secret VALUES (?, ?, ?)",
                       (key_id, nation, private))


def recipient_keys(store: Store, nations: Sequence[str]) -> list[bytes]:
    out = []
    for nation in nations:
        public = nation_public(store, nation)
        if public is None:
            raise TrustError(f"no trusted nation key for {nation}: trust it first (Keys and "
                             "Trust, or 'movcon keys trust-nation'), so bundles for it can "
                             "be encrypted")
        out.append(public.encryption_key)
    return out
