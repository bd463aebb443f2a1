"""`movcon keys ...` for nation keys: create, certify, enrol, trust, revoke, list.

A nation's key officer runs `nation-init` once (on a laptop kept apart), then `certify` for
each of the nation's sites; each site runs `enrol` with the file it receives. Other nations
`trust-nation` the public file after reading its fingerprint words over the phone.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from app.cli_sync import _error, _open

PASSPHRASE_ENV = "MOVCON_PASSPHRASE"


def _passphrase(args: argparse.Namespace, confirm: bool = False) -> str:
    """From --passphrase-file, else $MOVCON_PASSPHRASE, else asked on the terminal."""
    if args.passphrase_file:
        try:
            text = Path(args.passphrase_file).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise _error(f"cannot read the passphrase file {args.passphrase_file}: "
                         f"{getattr(exc, 'strerror', None) or exc}") from None
        return text.rstrip("\r\n")
    if os.environ.get(PASSPHRASE_ENV):
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise _error(f"no passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV}")
    first = getpass.getpass("Nation key passphrase: ")
    if confirm and getpass.getpass("The same passphrase again: ") != first:
        raise _error("the two passphrases differ; nothing was written")
    return first


def _load_nation_key(args: argparse.Namespace) -> Any:
    from app.core.trust import nation_keys

    try:
        return nation_keys.load(Path(args.nation_key), _passphrase(args))
    except nation_keys.NationKeyError as exc:
        raise _error(str(exc)) from None


def _nation_init(args: argparse.Namespace) -> int:
    from app.core.trust import nation_keys

    out = Path(args.out)
    public_path = Path(args.public) if args.public else out.with_name(out.stem + ".pub.json")
    for path in (out, public_path):
        if path.exists():
            raise _error(f"{path} exists already: a nation key is never overwritten")
    try:
        passphrase = _passphrase(args, confirm=True)
        nation_keys.check_passphrase(passphrase)
        key = nation_keys.create(args.nation)
        nation_keys.save(out, key, passphrase)
    except (ValueError, nation_keys.NationKeyError) as exc:
        raise _error(str(exc)) from None
    try:
        nation_keys.write_public(public_path, key.public)
    except nation_keys.NationKeyError as exc:
        out.unlink()  # a root key whose public half nobody has is of no use: nothing written
        raise _error(str(exc)) from None
    print(f"wrote the {args.nation} nation key to {out} (keep it offline, with its passphrase)")
    print(f"wrote its public file to {public_path} (give it to the other nations' cells)")
    print(f"fingerprint: {key.public.fingerprint}")
    return 0


def _certify(args: argparse.Namespace) -> int:
    from app.core.sync import keys
    from app.core.trust import certificates, enrolment

    try:
        site = keys.read_key_file(Path(args.site_key))
    except keys.KeyFileError as exc:
        raise _error(str(exc)) from None
    nation_key = _load_nation_key(args)
    try:
        made = enrolment.make(nation_key, site, args.role, args.days)
        enrolment.write(Path(args.out), made)
    except (certificates.DocumentError, enrolment.TrustError) as exc:
        raise _error(str(exc)) from None
    cert = made.certificate
    print(f"certified {cert.label}, site {cert.site_id}: valid {cert.not_before} to "
          f"{cert.not_after}")
    print(f"wrote {args.out}: give it to that site; it installs it with 'movcon keys enrol'")
    print(f"site key fingerprint (check it with the site): {site.fingerprint}")
    return 0


def _enrol(args: argparse.Namespace) -> int:
    from app.core.trust import enrolment

    try:
        made = enrolment.read(Path(args.file))
    except enrolment.TrustError as exc:
        raise _error(str(exc)) from None
    with _open(args) as store:
        try:
            cert = enrolment.install(store, made, args.words)
        except enrolment.TrustError as exc:
            raise _error(str(exc)) from None
    print(f"installed the certificate of this site: {cert.label}, valid {cert.not_before} to "
          f"{cert.not_after}; bundles for {cert.nation} now open here")
    return 0


def _trust_nation(args: argparse.Namespace) -> int:
    from app.core.trust import nation_keys, registry

    try:
        public = nation_keys.read_public(Path(args.file))
    except nation_keys.NationKeyError as exc:
        raise _error(str(exc)) from None
    if not args.words:
        raise _error(f"{public.nation} key fingerprint: {public.fingerprint}; read it with "
                     f"{public.nation}'s key officer, then repeat with --words \"...\"")
    with _open(args) as store:
        try:
            outcome = registry.trust_nation(store, public, args.words)
        except registry.TrustError as exc:
            raise _error(str(exc)) from None
    print(f"{outcome}: the nation key of {public.nation} ({public.fingerprint})")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from app.core import timefmt
    from app.core.trust import certificates, registry

    since = datetime.now(timefmt.UTC)
    if args.since:
        try:
            since = timefmt.parse_utc(timefmt.normalize(args.since))
        except ValueError:
            raise _error(f"--since {args.since!r} is not a time such as 2026-06-09T11:00Z"
                         ) from None
    nation_key = _load_nation_key(args)
    with _open(args) as store:
        try:
            made = certificates.revoke(nation_key, registry.revocations(store, nation_key.nation),
                                       args.site, since, args.reason)
            label = next((c.label for c in registry.certificates(store, args.site)),
                         f"site {args.site}")
            registry.record_revocation(store, made, label)
        except (certificates.DocumentError, registry.TrustError) as exc:
            raise _error(str(exc)) from None
    entry = made.entry(args.site)
    assert entry is not None
    print(f"revoked {label} from {entry.since} ({made.nation} revocation list {made.number}); "
          "it travels in the next bundles")
    return 0


def _list(args: argparse.Namespace) -> int:
    from app.core.sync import exchange, keys
    from app.core.trust import registry

    with _open(args) as store:
        own = registry.own_certificate(store)
        print(f"this site: {store.site_name} ({store.nation}), site {store.site_id}")
        print(f"  key fingerprint: {keys.fingerprint(exchange.site_public_key(store))}")
        print(f"  certificate: {own.role}, valid {own.not_before} to {own.not_after}" if own
              else "  certificate: none yet (give 'movcon keys export' to your key officer)")
        print("trusted nation keys:")
        for t in registry.trusted_nations(store):
            print(f"  {t.public.nation}  {t.public.fingerprint}  (trusted {t.trusted_at} by "
                  f"{t.trusted_by})")
        authorities = registry.Authorities(store)
        print("site certificates:")
        for cert in registry.certificates(store):
            who = authorities.of(cert.site_id)
            revoked = f"; REVOKED from {who.revoked.since}" if who and who.revoked else ""
            print(f"  {cert.nation} {cert.site_name or cert.site_id} ({cert.role}), site "
                  f"{cert.site_id}: {cert.not_before} to {cert.not_after}{revoked}")
        for rl in registry.all_revocations(store):
            print(f"revocation list {rl.nation} #{rl.number} ({rl.issued_at}): "
                  + (", ".join(f"{r.site_id} from {r.since}" for r in rl.revoked) or "empty"))
    return 0


def add_key_commands(ksub: Any) -> None:
    def passphrase_option(q: Any) -> None:
        q.add_argument("--passphrase-file", metavar="FILE",
                       help=f"read the passphrase from FILE (else ${PASSPHRASE_ENV}, else asked)")

    q = ksub.add_parser("nation-init", help="create a nation's root key (key officer, once)")
    q.add_argument("--nation", required=True, metavar="CC")
    q.add_argument("--out", required=True, metavar="FILE", help="the private key file")
    q.add_argument("--public", metavar="FILE", help="the public file (default FILE.pub.json)")
    passphrase_option(q)
    q.set_defaults(func=_nation_init)
    q = ksub.add_parser("certify", help="certify a site of the nation (key officer)")
    q.add_argument("--nation-key", required=True, metavar="FILE")
    q.add_argument("--site-key", required=True, metavar="FILE",
                   help="the site's key file ('movcon keys export' on that laptop)")
    q.add_argument("--role", default="cell", choices=("cell", "field", "observer"))
    q.add_argument("--days", type=int, default=365)
    q.add_argument("--out", required=True, metavar="FILE", help="the enrolment file to write")
    passphrase_option(q)
    q.set_defaults(func=_certify)
    q = ksub.add_parser("enrol", help="install this site's enrolment file from its key officer")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--words", help="the nation key's fingerprint words, if not trusted yet")
    q.set_defaults(func=_enrol)
    q = ksub.add_parser("trust-nation", help="trust a nation's public key file")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--words", help="the fingerprint words read by that nation's key officer")
    q.set_defaults(func=_trust_nation)
    q = ksub.add_parser("revoke", help="revoke a site of the nation, e.g. a lost laptop")
    q.add_argument("--nation-key", required=True, metavar="FILE")
    q.add_argument("--site", required=True, metavar="SITE_ID")
    q.add_argument("--since", metavar="TIME", help="refuse its changes stamped from then "
                   "(default now; the last moment the laptop was known safe)")
    q.add_argument("--reason", default="", metavar="TEXT")
    passphrase_option(q)
    q.set_defaults(func=_revoke)
    q = ksub.add_parser("list", help="this site's certificate, trusted nations, certificates")
    q.set_defaults(func=_list)
