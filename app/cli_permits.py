"""`movcon permits list` and `movcon permit decide|withdraw|undo|paper`: the inbox from a
terminal."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from app.cli_sync import _error, _open


def _list(args: argparse.Namespace) -> int:
    from app.core import timefmt
    from app.core.domain.vocabulary import PERMIT_STATUSES
    from app.core.permits import inbox

    statuses = tuple(s.strip() for s in (args.status or "").split(",") if s.strip())
    for status in statuses:
        if status not in PERMIT_STATUSES:
            raise _error(f"unknown status {status!r}; statuses are {', '.join(PERMIT_STATUSES)}")
    flt = inbox.InboxFilter(args.direction, text=args.filter or "", statuses=statuses)
    marking = _marking(args)
    if marking and not args.csv:
        raise _error("--marking is for --csv")
    if args.csv:
        _check_target(args.csv, "--csv")
    with _open(args) as store:
        rows = inbox.page(store, flt, order=args.sort, descending=args.descending)
    if args.csv:
        from app.core.permits import export

        try:
            count = export.write_csv(rows, args.csv, marking)
        except OSError as exc:
            raise _error(f"cannot write {args.csv}: {exc.strerror or exc}") from None
        print(f"wrote {count} permit{'s' if count != 1 else ''} ({args.direction}) to "
              f"{args.csv}")
        return 0
    if args.json:
        print(json.dumps([{"id": r["id"], "movement": r["movement"],
                           "movement_id": r["movement_id"], "owner": r["owner"],
                           "host": r["host"], "status": r["status"], "mode": r["mode"],
                           "requested_at": r["requested_at"], "deadline": r["deadline"],
                           "vehicles": r["vehicles"], "max_mlc": r["max_mlc"],
                           "route": r["route"]} for r in rows],
                         indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        due = timefmt.short(r["deadline"]) if r["deadline"] else "—"
        print(f"{r['id']}  {r['host']} ← {r['owner']}  {PERMIT_STATUSES[r['status']]:<26}"
              f"  due {due:<17}  {r['movement']}")
    print(f"{len(rows)} permit{'s' if len(rows) != 1 else ''} ({args.direction})")
    return 0


def _decide(args: argparse.Namespace) -> int:
    from app.core.permits import decisions

    if args.approve:
        outcome, conditions, reason = "approve", [], ""
    elif args.conditions:
        outcome, conditions, reason = "conditions", args.conditions, ""
    else:
        outcome, conditions, reason = "deny", [], args.deny
    with _open(args) as store:
        try:
            status = decisions.decide(store, args.id, outcome, conditions, reason)
        except decisions.DecisionError as exc:
            raise _error(str(exc)) from None
        permit: Any = store.get("permits", args.id)
    print(f"permit {args.id}: {status.replace('_', ' ')}"
          + (f", movement number {permit['movement_number']}"
             if permit and permit["movement_number"] else ""))
    return 0


def _review(args: argparse.Namespace) -> int:
    from app.core.permits import decisions

    with _open(args) as store:
        try:
            decisions.review(store, args.id)
        except decisions.DecisionError as exc:
            raise _error(str(exc)) from None
    print(f"permit {args.id}: under review")
    return 0


def _expire(args: argparse.Namespace) -> int:
    from app.core.permits import decisions

    with _open(args) as store:
        count = decisions.expire_lapsed(store)
    print(f"{count} approval{'s' if count != 1 else ''} past {'their' if count != 1 else 'its'}"
          " validity marked expired")
    return 0


def _withdraw(args: argparse.Namespace) -> int:
    from app.core.permits import decisions

    with _open(args) as store:
        try:
            decisions.withdraw(store, args.id, args.reason or "")
        except decisions.DecisionError as exc:
            raise _error(str(exc)) from None
    print(f"permit {args.id}: withdrawn")
    return 0


def _undo(args: argparse.Namespace) -> int:
    from app.core.permits import decisions

    with _open(args) as store:
        try:
            decisions.undo(store, args.id)
        except decisions.DecisionError as exc:
            raise _error(str(exc)) from None
        permit: Any = store.get("permits", args.id)
    print(f"permit {args.id}: decision undone, now {permit['status'].replace('_', ' ')}")
    return 0


def _check_target(path: str, option: str) -> None:
    """Refuse an output file that cannot be written before anything is done."""
    target = Path(path)
    if target.is_dir():
        raise _error(f"{option}: {path} is a folder; name a file")
    if not target.absolute().parent.is_dir():
        raise _error(f"{option}: no folder {target.absolute().parent} to write {path} in")


def _paper(args: argparse.Namespace) -> int:
    from app.core.permits import paperwork

    if not args.credit and not args.form302:
        raise _error("name a document: --credit FILE.pdf and/or --form302 FILE.pdf")
    marking = _banner(_marking(args))
    customs = (args.customs or "U").strip().upper()
    operation = (args.operation or "N").strip().upper()
    if (args.customs or args.operation) and not args.form302:
        raise _error("--customs and --operation are for --form302")
    if customs not in paperwork.CUSTOMS_STATUSES:
        raise _error(f"--customs must be U (Union goods) or N (non-Union goods), "
                     f"not {args.customs!r}")
    if operation not in paperwork.OPERATIONS:
        raise _error(f"--operation must be N (NATO), E (CSDP) or O (other), "
                     f"not {args.operation!r}")
    for path, option in ((args.credit, "--credit"), (args.form302, "--form302")):
        if path:
            _check_target(path, option)
    if args.credit and args.form302 and Path(args.credit).absolute() == \
            Path(args.form302).absolute():
        raise _error("--credit and --form302 name the same file")
    # Not given: at the host's cell, whatever the recorded serial says.
    asked = (customs if args.customs else None, operation if args.operation else None)
    with _open(args) as store:
        from app.core.planning.network import Network

        network = Network.from_store(store)
        # Both documents are checked before either is written (or a serial recorded).
        try:
            if args.credit:
                paperwork.movement_credit(store, args.id, network)
            if args.form302:
                paperwork.form302(store, args.id, *asked, network=network, record=False)
        except paperwork.PaperworkError as exc:
            raise _error(str(exc)) from None
        # A document never needs a screen: render offscreen even on a desktop or over ssh.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from app.gui import paperwork as paper

        if args.credit:
            with _writing(args.credit):
                paper.credit_pdf(store, args.id, args.credit, network, marking=marking)
            permit: Any = store.get("permits", args.id)
            print(f"wrote movement credit {permit['movement_number']} to {args.credit}")
        if args.form302:
            with _writing(args.form302):
                paper.form302_pdf(store, args.id, args.form302, *asked, network,
                                  marking=marking)  # fmt: skip
            permit = store.get("permits", args.id)
            print(f"wrote draft EU Form 302 {permit['form302_serial']} to {args.form302}")
    return 0


def _marking(args: argparse.Namespace) -> str | None:
    """--marking checked before anything is read or written."""
    from app.core.exports.geojson import marking_text

    try:
        return marking_text(args.marking)
    except ValueError as exc:
        raise _error(f"--marking: {exc}") from None


def _banner(text: str | None) -> tuple[str, str] | None:
    """The marking with its colour: a NATO level's (as in the console's settings), else the
    console's default green."""
    if text is None:
        return None
    from app.gui.settings import DEFAULT_MARKING_COLOUR, PRESETS

    colour = next((p.colour for p in PRESETS if p.text == text.upper()), DEFAULT_MARKING_COLOUR)
    return text, colour


@contextlib.contextmanager
def _writing(path: str) -> Iterator[None]:
    from app.core.permits.paperwork import PaperworkError

    try:
        yield
    except PaperworkError as exc:
        raise _error(str(exc)) from None
    except OSError as exc:
        raise _error(f"cannot write {path}: {exc.strerror or exc}") from None


def add_commands(sub: Any) -> None:
    from app.core.permits import inbox

    p = sub.add_parser("permits", help="the permit inbox")
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = psub.add_parser("expire", help="mark this nation's approvals past their validity")
    q.set_defaults(func=_expire)
    q = psub.add_parser("list", help="permits to decide (incoming) or asked by us (outgoing)")
    way = q.add_mutually_exclusive_group()
    way.add_argument("--incoming", dest="direction", action="store_const", const="incoming")
    way.add_argument("--outgoing", dest="direction", action="store_const", const="outgoing")
    way.add_argument("--all", dest="direction", action="store_const", const="all")
    q.add_argument("--status", metavar="S[,S...]", help="only these statuses")
    q.add_argument("--filter", metavar="TEXT", help="movement, unit, nation or reference")
    q.add_argument("--sort", default="deadline", choices=sorted(inbox.COLUMNS))
    q.add_argument("--descending", action="store_true")
    out = q.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true")
    out.add_argument("--csv", metavar="FILE", help="write the list to a CSV file (UTF-8)")
    q.add_argument("--marking", metavar="TEXT",
                   help="classification marking on the CSV's first line, e.g. 'NATO RESTRICTED'")
    q.set_defaults(func=_list, direction="incoming")

    p = sub.add_parser("permit", help="decide, withdraw or undo one permit")
    psub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = psub.add_parser("decide", help="the host nation's decision")
    q.add_argument("id", metavar="ID")
    how = q.add_mutually_exclusive_group(required=True)
    how.add_argument("--approve", action="store_true")
    how.add_argument("--conditions", metavar="TEXT", action="append",
                     help="approve with this condition (repeat for several)")
    how.add_argument("--deny", metavar="REASON")
    q.set_defaults(func=_decide)
    q = psub.add_parser("review", help="the host takes a request under review")
    q.add_argument("id", metavar="ID")
    q.set_defaults(func=_review)
    q = psub.add_parser("withdraw", help="the owner nation withdraws its request")
    q.add_argument("id", metavar="ID")
    q.add_argument("--reason", metavar="TEXT")
    q.set_defaults(func=_withdraw)
    q = psub.add_parser("undo", help="undo this site's last decision, if not yet exported")
    q.add_argument("id", metavar="ID")
    q.set_defaults(func=_undo)
    q = psub.add_parser("paper", help="the permit's movement credit or draft EU Form 302 (PDF)")
    q.add_argument("id", metavar="ID")
    q.add_argument("--credit", metavar="FILE.pdf", help="the movement credit (approved permits)")
    q.add_argument("--form302", metavar="FILE.pdf",
                   help="a draft EU Form 302; the sending nation's cell issues its serial")
    q.add_argument("--customs", metavar="U|N", help="customs status: U Union, N non-Union "
                                                   "goods (default U)")
    q.add_argument("--operation", metavar="N|E|O",
                   help="activity: N NATO, E CSDP, O other (default N)")
    q.add_argument("--marking", metavar="TEXT",
                   help="classification marking at the top and bottom of every page")
    q.set_defaults(func=_paper)
