"""`movcon audit ...`: verifying and reading the hash-chained log of decisions."""

from __future__ import annotations

import argparse
import json
import re
from typing import Any

# A bare date in --since/--until means the whole day (UTC).
_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _open(args: argparse.Namespace) -> Any:
    from app.cli import _open as open_store

    return open_store(args)


def _error(message: str) -> Exception:
    from app.cli import CommandError

    return CommandError(message)


def _audit_verify(args: argparse.Namespace) -> int:
    from app.core import audit

    with _open(args) as store:
        try:
            report = audit.verify(store, expect_head=args.expect)
        except ValueError as exc:
            raise _error(f"--expect: {exc}") from None
    if not report.ok:
        print(f"audit log NOT intact: {_count(len(report.problems), 'problem')} in "
              f"{_count(report.entries, 'entry')}")
        for problem in report.problems:
            print(f"  {problem}")
        return 1
    print(f"audit log intact: {_count(report.entries, 'entry')}; head {report.head} "
          f"({audit.head_words(report)})")
    if report.expected_seq is not None:
        added = report.entries - report.expected_seq
        print(f"the noted head is entry {report.expected_seq}; {_count(added, 'entry')} "
              "added since")
    return 0


def _count(n: int, noun: str) -> str:
    plural = noun[:-1] + "ies" if noun.endswith("y") else noun + "s"
    return f"{n} {noun if n == 1 else plural}"


def _time_bound(option: str, text: str | None, end: bool) -> str | None:
    from app.core import timefmt

    if text is None:
        return None
    if _DATE.fullmatch(text.strip()):
        text = f"{text.strip()}T{'23:59:59' if end else '00:00:00'}Z"
    try:
        return timefmt.normalize(text)
    except ValueError as exc:
        raise _error(f"{option}: {exc}") from None


def _action(text: str | None) -> str | None:
    from app.core import audit

    if text is None:
        return None
    wanted = text.strip().lower()
    for name, label in audit.ACTIONS.items():
        if wanted in (name, label.lower()):
            return name
    raise _error(f"--action: unknown action {text!r}; known: {', '.join(audit.ACTIONS)}")


def _site(store: Any, text: str | None) -> str | None:
    """A site id from its id, the start of its id, or its name (case ignored)."""
    if text is None:
        return None
    wanted = text.strip()
    rows = store.conn.execute("SELECT site_id, name FROM sites").fetchall()
    exact = [r[0] for r in rows if r[0] == wanted]
    found = exact or [r[0] for r in rows if (r[1] or "").lower() == wanted.lower()
                      or (len(wanted) >= 4 and r[0].startswith(wanted))]
    if len(found) == 1:
        return found[0]
    if not found:
        raise _error(f"--site: no site named or numbered {text!r}")
    raise _error(f"--site: {text!r} names {len(found)} sites; give the site id")


def _short_detail(detail: dict[str, Any], limit: int = 60) -> str:
    text = ", ".join(f"{k}={v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)}"
                     for k, v in detail.items())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _audit_list(args: argparse.Namespace) -> int:
    from app.core import audit, timefmt

    action = _action(args.action)
    since = _time_bound("--since", args.since, end=False)
    until = _time_bound("--until", args.until, end=True)
    if args.limit is not None and args.limit < 1:
        raise _error("--limit must be at least 1")
    with _open(args) as store:
        site_id = _site(store, args.site)
        found = audit.entries(store, action=action, person=args.person, site_id=site_id,
                              text=args.text, since=since, until=until, limit=args.limit)
        names = store.site_names()
    if args.json:
        print(json.dumps([e.as_dict() | {"site": names.get(e.site_id) or e.site_id}
                          for e in found], indent=2, ensure_ascii=False))
        return 0
    rows = [(timefmt.short(e.at), e.person, names.get(e.site_id) or e.site_id[:8], e.label,
             e.subject, _short_detail(e.detail)) for e in found]
    headings = ("Time", "Person", "Site", "Action", "Subject", "Detail")
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headings)]
    for cells in [headings, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    print(_count(len(found), "entry"))
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("audit", help="the hash-chained log of decisions")
    asub = p.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    q = asub.add_parser("verify", help="check that no entry was edited, removed or reordered")
    q.add_argument("--expect", metavar="HEAD",
                   help="a head noted earlier (hash, 16+ hex digits, or its six words)")
    q.set_defaults(func=_audit_verify)
    q = asub.add_parser("list", help="decisions, newest first")
    q.add_argument("--action", metavar="A", help="only this action (name or label)")
    q.add_argument("--person", metavar="P", help="only decisions by this person")
    q.add_argument("--site", metavar="S", help="only decisions made at this site (id or name)")
    q.add_argument("--since", metavar="T", help="from this time (ISO 8601 UTC, or a date)")
    q.add_argument("--until", metavar="T", help="up to this time (ISO 8601 UTC, or a date)")
    q.add_argument("--text", metavar="T", help="subject, detail or person containing this")
    q.add_argument("--limit", type=int, metavar="N", help="at most N entries")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_audit_list)
