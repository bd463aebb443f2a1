"""`movcon agreements ...` and `movcon preauth ...`: the deadline rules and the standing
pre-authorisations, as data a cell edits (through the write path, with its authority)."""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli_sync import _error, _open


def _codes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [c.strip().upper() for c in text.split(",") if c.strip()]


def _write(store: Any, action: Any) -> Any:
    from app.core.domain.validation import ValidationError

    try:
        with store.write() as w:
            return action(w)
    except ValidationError as exc:
        raise _error(str(exc)) from None


def _find(store: Any, table: str, key: str) -> dict[str, Any]:
    rows = [r for r in store.rows(table) if key in (r["id"], r.get("key"), r.get("reference"))]
    if not rows:
        raise _error(f"no {table[:-1].replace('_', ' ')} {key!r}")
    return rows[0]


def _agreements_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        rows = list(store.rows("agreements", order_by="name"))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for a in rows:
        members = ", ".join(a["members"]) or "any two nations without another agreement"
        print(f"{a['key'] or a['id']}: {a['name']}: {a['working_days']} working days, crisis "
              f"{a['crisis_hours']:g} h; {members}")
    return 0


def _agreements_set(args: argparse.Namespace) -> int:
    values: dict[str, Any] = {}
    if args.working_days is not None:
        values["working_days"] = args.working_days
    if args.crisis_hours is not None:
        values["crisis_hours"] = args.crisis_hours
    if args.members is not None:
        values["members"] = _codes(args.members)
    if args.name:
        values["name"] = args.name
    if not values:
        raise _error("nothing to change: give --working-days, --crisis-hours, --members or "
                     "--name")
    with _open(args) as store:
        row = _find(store, "agreements", args.key)
        changed = _write(store, lambda w: w.update("agreements", row["id"], values))
    print(f"{row['name']}: " + (", ".join(changed) + " changed" if changed else "unchanged"))
    return 0


def _preauth_list(args: argparse.Namespace) -> int:
    with _open(args) as store:
        rows = list(store.rows("preauthorisations", order_by="host_nation, reference"))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for p in rows:
        print(f"{p['reference']} ({p['host_nation']}): for {', '.join(p['holders']) or 'all'};"
              f" up to MLC {p['max_mlc']:g}; dangerous goods "
              f"{', '.join(p['dangerous_goods'] or []) or 'none'}; "
              f"{p['valid_from']} to {p['valid_until']}")
    return 0


def _preauth_add(args: argparse.Namespace) -> int:
    from app.core import timefmt

    values: dict[str, Any] = {
        "reference": args.reference, "holders": _codes(args.holders) or [],
        "categories": [c.strip() for c in (args.categories or "").split(",") if c.strip()],
        "max_mlc": args.max_mlc, "dangerous_goods": _codes(args.dangerous_goods) or [],
        "remarks": args.remarks or ""}
    for option, field, day_part in (("valid_from", "valid_from", "T00:00:00Z"),
                                    ("valid_until", "valid_until", "T23:59:59Z")):
        text = getattr(args, option).strip()
        if len(text) == 10:  # a bare date: the whole UTC day
            text += day_part
        try:
            values[field] = timefmt.normalize(text)
        except ValueError:
            raise _error(f"--{option.replace('_', '-')} {getattr(args, option)!r} is not a "
                         "time such as 2026-01-01T00:00Z") from None
    with _open(args) as store:
        values["host_nation"] = store.nation  # a nation grants its own permissions
        new = _write(store, lambda w: w.insert("preauthorisations", values))
    print(new)
    return 0


def _preauth_remove(args: argparse.Namespace) -> int:
    with _open(args) as store:
        row = _find(store, "preauthorisations", args.key)
        _write(store, lambda w: w.delete("preauthorisations", row["id"]))
    print(f"removed {row['reference']}")
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("agreements", help="agreements and their permit deadlines")
    asub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = asub.add_parser("list", help="every agreement with its deadlines and members")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_agreements_list)
    q = asub.add_parser("set", help="change an agreement (its member nations may)")
    q.add_argument("key", metavar="KEY", help="its key (bmma, csem, ...) or id")
    q.add_argument("--working-days", type=int, metavar="N")
    q.add_argument("--crisis-hours", type=float, metavar="H")
    q.add_argument("--members", metavar="CC[,CC...]")
    q.add_argument("--name", metavar="TEXT")
    q.set_defaults(func=_agreements_set)

    p = sub.add_parser("preauth", help="standing pre-authorisations (annual permissions)")
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = psub.add_parser("list", help="every pre-authorisation this store holds")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_preauth_list)
    q = psub.add_parser("add", help="grant one, as this store's nation")
    q.add_argument("--reference", required=True, metavar="TEXT")
    q.add_argument("--holders", metavar="CC[,CC...]", help="nations covered (default all)")
    q.add_argument("--max-mlc", type=float, required=True, metavar="MLC")
    q.add_argument("--categories", metavar="NAME[,NAME...]",
                   help="vehicle categories covered (tracked, wheeled, or vehicle type "
                        "categories; default all)")
    q.add_argument("--dangerous-goods", metavar="CLASS[,CLASS...]",
                   help="ADR classes allowed (default none)")
    q.add_argument("--valid-from", required=True, metavar="TIME")
    q.add_argument("--valid-until", required=True, metavar="TIME")
    q.add_argument("--remarks", metavar="TEXT")
    q.set_defaults(func=_preauth_add)
    q = psub.add_parser("remove", help="withdraw one of this nation's")
    q.add_argument("key", metavar="REFERENCE")
    q.set_defaults(func=_preauth_remove)
