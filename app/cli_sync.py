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
        public = exchange.site_public_key(store)
        try:
            keys.write_key_file(Path(args.out), store.site_id, store.nation, store.site_name,
                                public)
        except OSError as exc:
            raise _error(f"cannot write {args.out}: {exc.strerror or exc}") from None
        print(f"wrote the public key of {store.site_name} ({store.nation}) to {args.out}")
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
                          **result.summary.as_dict()}, indent=2))
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
    print(f"  conflicts to review: {data['conflicts_open']}; held changes: {data['held']}")
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
    q.set_defaults(func=_keys_export)
    q = ksub.add_parser("import", help="trust another site's public key from its key file")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(func=_keys_import)
    q = ksub.add_parser("fingerprint", help="this site's key fingerprint as words")
    q.set_defaults(func=_keys_fingerprint)

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
