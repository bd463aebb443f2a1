"""`movcon keys ...` and `movcon sync ...`: exchanging keys and bundles from a terminal."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def _open(args: argparse.Namespace) -> Any:
    from app.cli import _open as open_store

    return open_store(args)


def _error(message: str) -> Exception:
    from app.cli import CommandError

    return CommandError(message)


def _keys_export(args: argparse.Namespace) -> int:
    from app.core.sync import exchange, keys

    with _open(args) as store:
        private = exchange.site_private_key(store)
        public = keys.public_of(private)
        try:
            if args.pem:  # for standard tools: openssl pkeyutl -verify -pubin -inkey FILE
                Path(args.out).write_bytes(keys.public_pem(public))
            else:
                keys.write_key_file(Path(args.out), store.site_id, store.nation,
                                    store.site_name, public, private)
        except OSError as exc:
            raise _error(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote the public key of {store.site_name} ({store.nation}) to {args.out}"
              + (" as PEM" if args.pem else ""))
        print(f"fingerprint: {keys.fingerprint(public)}")
    return 0


def _keys_import(args: argparse.Namespace) -> int:
    from app.core.sync import exchange, keys

    try:
        key = keys.read_key_file(Path(args.file))
    except keys.KeyFileError as exc:
        raise _error(f"{args.file}: {exc}") from None
    with _open(args) as store:
        try:
            outcome = exchange.trust_key(store, key)
        except exchange.SyncError as exc:
            raise _error(str(exc)) from None
    print(f"{outcome}: {key.site_name} ({key.nation}), site {key.site_id}")
    print(f"fingerprint: {key.fingerprint}  (check it with the sender by phone)")
    return 0


def _keys_fingerprint(args: argparse.Namespace) -> int:
    from app.core.sync import exchange, keys

    with _open(args) as store:
        print(keys.fingerprint(exchange.site_public_key(store)))
    return 0


def _sync_export(args: argparse.Namespace) -> int:
    from app.core.sync import exchange

    with _open(args) as store:
        try:
            result = exchange.export(store, args.to.split(","), Path(args.out), full=args.full)
        except exchange.SyncError as exc:
            raise _error(str(exc)) from None
    print(f"wrote {result.path}: {result.changes} changes in {result.batches} batches, "
          f"{result.size:,} bytes (bundle {result.bundle_id})")
    return 0


def _sync_import(args: argparse.Namespace) -> int:
    from app.core.sync import exchange

    with _open(args) as store:
        try:
            result = exchange.import_bundle(store, Path(args.file), margin_min=args.margin)
        except exchange.SyncError as exc:
            raise _error(f"{args.file}: {exc}; nothing was imported") from None
    if args.json:
        print(json.dumps({"bundle_id": result.bundle_id, "sender": result.sender,
                          "already_imported": result.already_imported,
                          **result.summary.as_dict(), "quarantined": result.quarantined,
                          "released": result.released}, indent=2))
    else:
        print("\n".join(result.lines()))
    return 0


def _sync_status(args: argparse.Namespace) -> int:
    from app.core.sync import exchange

    with _open(args) as store:
        data = exchange.status(store)
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    site = data["site"]
    print(f"{site['name']} ({site['nation']}), site {site['site_id']}")
    print(f"  key fingerprint: {site['fingerprint']}")
    print("  holds: " + (", ".join(f"{o[:8]} {n}" for o, n in data["holds"].items()) or "—"))
    for peer in data["peers"]:
        lacks = sum(peer["lacks_from_us"].values())
        print(f"  {peer['nation']} {peer['name']}: last bundle received "
              f"{peer['last_received_at'] or 'never'}; lacks {lacks} of our changes")
    for sent in data["sent"]:
        print(f"  sent to {sent['nation']}: {sent['changes']} changes at {sent['sent_at']}")
    print(f"  conflicts to review: {data['conflicts_open']}; held changes: {data['held']}; "
          f"quarantined: {data['quarantined']}")
    for q in data["quarantine"]:
        print(f"  quarantined: {_quarantine_line(q)}")
    if data["quarantined"] > len(data["quarantine"]):
        print(f"  ... and {data['quarantined'] - len(data['quarantine'])} more: "
              "'movcon sync quarantine'")
    return 0


def _quarantine_line(q: dict[str, Any]) -> str:
    value = q["value"] if q["value"] is None or len(q["value"]) <= 40 else q["value"][:39] + "…"
    return (f"{q['table']}.{q['field']} = {value} of {q['row_id']} made by "
            f"{q['origin_label']} at {q['stamped_at']}, through {q['sender_label']} "
            f"(bundle {q['bundle_id'][:8]}): {q['reason']}")


def _sync_quarantine(args: argparse.Namespace) -> int:
    from app.core.sync import exchange

    with _open(args) as store:
        rows = exchange.quarantined(store)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for q in rows:
        print(f"{q['received_at']}  {_quarantine_line(q)}")
    print(f"{len(rows)} quarantined change{'s' if len(rows) != 1 else ''} (kept, not applied; "
          "they apply by themselves once their origin shows authority)")
    return 0


def _sync_inspect(args: argparse.Namespace) -> int:
    from app.core.sync import bundle, envelope
    from app.core.sync.container import read_file

    path = Path(args.file)
    try:
        data = read_file(path)
    except bundle.BundleError as exc:
        raise _error(str(exc)) from None
    private: list[bytes] = []
    if data.startswith(b"MovCon sealed "):
        try:
            header = envelope.read_header(data)
        except envelope.EnvelopeError as exc:
            raise _error(f"{path}: {exc}") from None
        print(f"{path}: sealed bundle, envelope version {header.version}, {len(data):,} bytes")
        print("  recipient key ids: " + ", ".join(header.key_ids))
        if args.nation_key:
            from app.cli_trust import _load_nation_key

            private.append(_load_nation_key(args).encryption_private)
        if args.open:
            from app.core.trust import registry

            with _open(args) as store:
                private += registry.decryption_keys(store)
        if not private:
            print("  (give --open, with this store's nation key, or --nation-key FILE to read "
                  "the manifest)")
            return 0
        try:
            data = envelope.open_sealed(data, private)
        except envelope.EnvelopeError as exc:
            raise _error(f"{path}: {exc}") from None
    else:
        print(f"{path}: bundle not sealed, {len(data):,} bytes")
    try:
        text, signature = bundle.manifest_bytes(data, path.name)
        manifest = bundle.Manifest.from_json(text)
    except bundle.BundleError as exc:
        raise _error(f"{path}: {exc}") from None
    changes = sum(b.last_seq - b.first_seq + 1 for b in manifest.batches)
    print(f"  bundle {manifest.bundle_id}, made {manifest.created_at} by "
          f"{manifest.site_label(manifest.sender_site)}")
    print(f"  for {', '.join(manifest.recipients)}; schema {manifest.schema_version}; "
          f"{len(manifest.batches)} batches, {changes} changes from "
          f"{len({b.origin for b in manifest.batches})} sites")
    print(f"  carries {len(manifest.trust.get('certificates', ()))} certificates and "
          f"{len(manifest.trust.get('revocations', ()))} revocation lists")
    if args.extract:
        folder = Path(args.extract)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "manifest.json").write_bytes(text)
            (folder / "manifest.sig").write_bytes(signature)
        except OSError as exc:
            raise _error(f"cannot write into {folder}: {exc.strerror or exc}") from None
        print(f"  wrote manifest.json and manifest.sig to {folder}; with the sender's key as "
              "PEM ('movcon keys export --pem'): openssl pkeyutl -verify -pubin -inkey "
              "sender.pem -rawin -in manifest.json -sigfile manifest.sig")
    return 0


def _sync_held(args: argparse.Namespace) -> int:
    from app.core import clock
    from app.core.sync import exchange

    with _open(args) as store:
        rows = store.conn.execute(
            "SELECT s.name, s.nation, h.seq, h.hlc, h.tbl, h.row_id, h.field, h.value, h.reason"
            " FROM held h JOIN sites s ON s.site_no = h.origin ORDER BY h.hlc").fetchall()
        for name, nation, seq, hlc, tbl, row_id, field, value, reason in rows:
            print(f"{clock.to_iso(hlc)}  {name} ({nation}) #{seq}  {tbl}.{field} of {row_id}"
                  f" = {value[:60] if value else value}  [{reason}]")
        if args.accept:
            applied = exchange.release_held(store)
            print(f"accepted and merged {applied} held change{'s' if applied != 1 else ''}")
        else:
            print(f"{len(rows)} held change{'s' if len(rows) != 1 else ''}"
                  + ("; accept them with --accept" if rows else ""))
    return 0


def _sync_digest(args: argparse.Namespace) -> int:
    from app.core.sync.digest import digest_text

    with _open(args) as store:
        hex_digest, spoken = digest_text(store)
    print(hex_digest)
    print(spoken)
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("keys", help="this site's key, and other sites' public keys")
    ksub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = ksub.add_parser("export", help="write this site's public key to a file")
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--pem", action="store_true",
                   help="as a PEM public key, for standard tools such as openssl")
    q.set_defaults(func=_keys_export)
    q = ksub.add_parser("import", help="trust another site's public key from its key file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(func=_keys_import)
    q = ksub.add_parser("fingerprint", help="this site's key fingerprint as words")
    q.set_defaults(func=_keys_fingerprint)
    from app.cli_trust import add_key_commands

    add_key_commands(ksub)

    p = sub.add_parser("sync", help="exchange bundles with other nations' cells")
    ssub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = ssub.add_parser("export", help="write a bundle for one or more nations")
    q.add_argument("--to", required=True, metavar="CC[,CC...]")
    q.add_argument("--out", required=True, metavar="FILE")
    q.add_argument("--full", action="store_true", help="everything, not only what they lack")
    q.set_defaults(func=_sync_export)
    q = ssub.add_parser("import", help="verify a bundle and merge it into the store")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--margin", type=float, default=10.0, metavar="MIN",
                   help="hold changes stamped more than MIN minutes ahead (default 10)")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_sync_import)
    q = ssub.add_parser("status", help="what each known site holds and lacks")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_sync_status)
    q = ssub.add_parser("held", help="changes held for review (stamped too far ahead)")
    q.add_argument("--accept", action="store_true", help="merge them now")
    q.set_defaults(func=_sync_held)
    q = ssub.add_parser("digest", help="a digest of all synced content, also as words")
    q.set_defaults(func=_sync_digest)
    q = ssub.add_parser("quarantine", help="received changes refused for lack of authority")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_sync_quarantine)
    q = ssub.add_parser("inspect", help="what a bundle file reveals, and with a key, its "
                        "manifest")
    q.add_argument("file", metavar="FILE")
    q.add_argument("--open", action="store_true", help="open it with this store's nation key")
    q.add_argument("--nation-key", metavar="FILE", help="open it with a nation key file")
    q.add_argument("--passphrase-file", metavar="FILE")
    q.add_argument("--extract", metavar="DIR",
                   help="write manifest.json and manifest.sig there, to verify with openssl")
    q.set_defaults(func=_sync_inspect)
