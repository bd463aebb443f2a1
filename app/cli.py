"""The `movcon` command: the same core as the console, from a terminal.

Bad input exits non-zero with one line naming the problem, and writes nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app import __version__
from app.core import paths

EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """A refusal to report on one line."""


def _db_path(args: argparse.Namespace) -> Path:
    if args.db:
        return Path(args.db)
    env = os.environ.get("MOVCON_DB")
    return Path(env) if env else paths.default_store_path()


def _open(args: argparse.Namespace):
    from app.core.store import Store

    return Store.open(_db_path(args))


def _cmd_init(args: argparse.Namespace) -> int:
    from app.core.store import Store

    with Store.create(_db_path(args), args.nation, args.site or "") as store:
        print(f"created {store.path}: nation {store.nation}, site {store.site_name!r}, "
              f"site id {store.site_id}")
    return 0


def _fresh_target(args: argparse.Namespace) -> Path:
    path = _db_path(args)
    if path.exists():
        if not args.force:
            raise CommandError(f"{path} exists already; use --force to replace it")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def _cmd_demo(args: argparse.Namespace) -> int:
    from app.core import demo

    path = _fresh_target(args)
    summary = demo.write(path, nation=args.nation)
    print(f"wrote demo exercise to {path}: " + ", ".join(f"{n} {k}" for k, n in summary.items()))
    return 0


def _cmd_generate(args: argparse.Namespace) -> int:
    from app.core import synthetic

    if args.movements < 1:
        raise CommandError("--movements must be at least 1")
    path = _fresh_target(args)
    synthetic.generate(path, args.movements, args.seed)
    print(f"wrote {args.movements} synthetic movements (seed {args.seed}) to {path}")
    return 0


def _cmd_movements_list(args: argparse.Namespace) -> int:
    from app.core import movements, timefmt

    with _open(args) as store:
        rows = movements.page(store, movements.MovementFilter(text=args.filter or ""))
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    header = ("ID", "DEPARTURE", "OWNER", "PRIO", "STATUS", "VEH", "MLC", "NAME")
    table = [header] + [(r["id"], timefmt.short(r["depart"]), r["owner"], r["priority"],
                         r["status"], str(r["vehicles"]), _num(r["max_mlc"]), r["name"])
                        for r in rows]  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        print("  ".join(c.ljust(w) for c, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1])
    return 0


def _value(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _num(value: Any) -> str:
    return "" if value is None else f"{value:g}"


def _cmd_movement_add(args: argparse.Namespace) -> int:
    from app.core import movement_request, movements

    with _open(args) as store:
        try:
            request = movement_request.read(args.file, store.validation_context())
        except movement_request.RequestError as exc:
            raise CommandError(f"{args.file}: {exc}") from None
        print(movements.add_movement(store, request))
    return 0


def _cmd_movement_show(args: argparse.Namespace) -> int:
    from app.core import movements

    with _open(args) as store:
        found = movements.detail(store, args.id)
    if found is None:
        raise CommandError(f"no movement with id {args.id}")
    if args.json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return 0
    print(_describe(found))
    return 0


def _describe(m: dict[str, Any]) -> str:
    from app.core import timefmt

    lines = [f"{m['name']}  ({m['id']})",
             f"  owner {m['owner']}  unit {m['unit']}  {m['domain']}  {m['priority']}  "
             f"status {m['status']}",
             f"  depart {timefmt.short(m['depart'])}  speed {m['speed_kmh']:g} km/h  "
             f"interval {m['vehicle_interval_m']:g} m  personnel {m['personnel'] or 0}",
             f"  route {len(m['route'])} points from {m['route'][0]} to {m['route'][-1]}"]
    if m["exercise"]:
        lines.append(f"  exercise {m['exercise']}")
    for s in m["serials"]:
        lines.append(f"  serial {s['number']}: " + ", ".join(
            f"{v['count']} x {v['type']} (MLC {v['mlc']:g})" for v in s["vehicles"]))
    for p in m["permits"]:
        lines.append(f"  permit {p['host_nation']}: {p['status']}"
                     + (f", deadline {timefmt.short(p['deadline'])}" if p["deadline"] else ""))
    return "\n".join(lines)


def _cmd_history(args: argparse.Namespace) -> int:
    from app.core.history import history

    with _open(args) as store:
        entries = history(store, args.id)
    if not entries:
        raise CommandError(f"no record with id {args.id} in the change log")
    for e in entries:
        new = _clip(json.dumps(e.new, ensure_ascii=False))
        change = f"= {new}" if e.old is None else \
            f"{_clip(json.dumps(e.old, ensure_ascii=False))} -> {new}"
        print(f"{e.time}  {e.site:<28}  {e.table}.{e.field} {change}")
    return 0


def _planner(store: Any) -> Any:
    from app.core.planning.planner import Planner

    planner = Planner(store)
    planner.plan_all()
    return planner


def _names(store: Any) -> dict[str, str]:
    return {r["id"]: r["name"] for r in store.conn.execute(
        "SELECT id, name FROM movements WHERE deleted = 0")}


def _cmd_plan(args: argparse.Namespace) -> int:
    from app.core.planning import march, report

    with _open(args) as store:
        if store.get("movements", args.id) is None:
            raise CommandError(f"no movement with id {args.id}")
        planner = _planner(store)
        plan = planner.plan(args.id)
        if plan is None:
            raise CommandError(f"movement {args.id} cannot be planned: "
                               + "; ".join(planner.notes.get(args.id, ["no route analysis"])))
        data = report.plan_data(plan)
        names = {p.point.id: p.point.name for p in plan.route.points}
        names[args.id] = store.get("movements", args.id)["name"]
    if args.json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return 0
    print(f"{data['length_km']:.1f} km through {' > '.join(data['nations'])}; crossings: "
          + (", ".join(data["crossings"]) or "none"))
    for c in data["unknown_crossings"]:
        print(f"  ! border {c['from']}>{c['to']} crossed at km {c['km']:.1f} "
              f"({c['lat']:.4f} N, {c['lon']:.4f} E) where no crossing point is known")
    for v in data["violations"]:
        print(f"  ! {v['point']}: {v['vehicle_type']} breaks {v['rule']} "
              f"(limit {_value(v['limit'])}, value {_value(v['value'])})")
    for note in data["notes"]:
        print(f"  ! {note}")
    print(march.format_table(plan.forecast, names))
    return 0


def _cmd_conflicts(args: argparse.Namespace) -> int:
    from app.core.planning import report

    with _open(args) as store:
        found = _planner(store).conflicts()
        names = _names(store)
    if args.json:
        print(json.dumps([report.conflict_data(c, names) for c in found], indent=2,
                         ensure_ascii=False))
        return 0
    for conflict in found:
        print(report.conflict_line(conflict, names))
    print(f"{len(found)} conflict{'s' if len(found) != 1 else ''}")
    return 0


def _cmd_suggest(args: argparse.Namespace) -> int:
    from app.core import timefmt
    from app.core.planning import report

    with _open(args) as store:
        if store.get("movements", args.id) is None:
            raise CommandError(f"no movement with id {args.id}")
        planner = _planner(store)
        suggestion = planner.suggest(args.id)
        names = _names(store)
        if args.apply:
            if suggestion.suggested is None:
                raise CommandError(f"nothing to apply: {suggestion.note}")
            planner.apply(suggestion)
    if args.json:
        print(json.dumps(report.suggestion_data(suggestion, names), indent=2,
                         ensure_ascii=False))
        return 0
    name = names.get(args.id, args.id)
    moved = suggestion.suggested is not None and suggestion.suggested != suggestion.current
    if not suggestion.clears and not moved and suggestion.suggested is not None:
        print(f"{name}: no conflict; keep {timefmt.short(suggestion.current)}")
    elif suggestion.suggested is None:
        print(f"{name}: no departure clears it. {suggestion.note}")
    else:
        verb = "moved to" if args.apply else "depart"
        print(f"{name}: {verb} {timefmt.short(suggestion.suggested)} "
              f"({suggestion.delay_min:+.0f} min)" + (" to clear:" if suggestion.clears else ""))
        for conflict in suggestion.clears:
            print("  " + report.conflict_line(conflict, names))
        if suggestion.note:
            print(f"  {suggestion.note}")
    return 0


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must be WIDTHxHEIGHT, got {text!r}") from None
    if not (200 <= width <= 8000 and 200 <= height <= 8000):
        raise argparse.ArgumentTypeError("width and height must be between 200 and 8000")
    return width, height


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from app.core import timefmt

    if args.at:
        try:
            timefmt.parse_utc(args.at)
        except ValueError as exc:
            raise CommandError(f"--at: {exc}") from None
    path = _db_path(args)
    _open(args).close()  # a clear refusal for a missing or damaged store, before Qt starts
    # A snapshot never needs a screen: render offscreen even on a desktop or over ssh.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.gui import snapshot

    try:
        out = snapshot.render(path, Path(args.out), view=args.view, at=args.at, size=args.size)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(out)
    return 0


def _cmd_gui(args: argparse.Namespace) -> int:
    # Which store: --db, else $MOVCON_DB, else the one last used (if it is still there),
    # else the default one. Qt is imported here only: the other commands run without it.
    from app.gui.app import run

    if args.db or os.environ.get("MOVCON_DB"):
        return run(_db_path(args))
    from app.gui.settings import Settings

    last = Settings().last_store
    if last is not None and last.is_file():
        return run(last)
    path = paths.default_store_path()
    if not path.exists():
        # First start (or the last store's drive is out): the wizard; Cancel writes nothing.
        # (`make run` passes --db and writes the demo first, so it never asks.)
        from app.gui.views.first_run import first_run

        chosen = first_run(path, missing=last)
        if chosen is None:
            return 0
        settings = Settings()
        settings.remember_store(chosen)  # the next start opens it, wherever it lives
        settings.sync()
        path = chosen
    elif last is not None and not paths.same_file(last, path):
        # The drive of the store last used is out: the default store opens, and says so, so
        # that nobody works on in the wrong store unawares.
        return run(path, notice=f"The store last used, {last}, cannot be found: is its drive "
                   f"connected? MovCon opened {path} instead. To go back to the other store "
                   "once its drive is in, use File › Open recent.")
    return run(path)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="movcon", description="MovCon: military mobility coordination console. "
        "With no command, starts the console.")
    parser.add_argument("--version", action="version", version=f"movcon {__version__}")
    parser.add_argument("--db", metavar="PATH",
                        help="the store file (default: $MOVCON_DB, else the user data folder)")
    parser.set_defaults(func=_cmd_gui)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("init", help="create a new store for this laptop")
    p.add_argument("--nation", required=True, metavar="CC", help="ISO alpha-2 nation code")
    p.add_argument("--site", metavar="NAME", help="a name for this site, e.g. 'Vilnius NMCC'")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser("demo", help="write the demo exercise store")
    p.add_argument("--nation", default="LT", metavar="CC", help="the demo site's nation")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("generate", help="write a deterministic synthetic store")
    p.add_argument("--movements", type=int, required=True, metavar="N")
    p.add_argument("--seed", type=int, default=1, metavar="S")
    p.add_argument("--force", action="store_true", help="replace an existing file")
    p.set_defaults(func=_cmd_generate)

    p = sub.add_parser("movements", help="movements in the store")
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = msub.add_parser("list", help="list movements by departure")
    q.add_argument("--json", action="store_true")
    q.add_argument("--filter", metavar="TEXT", help="only movements matching these words")
    q.set_defaults(func=_cmd_movements_list)

    p = sub.add_parser("movement", help="one movement")
    msub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    q = msub.add_parser("add", help="add a movement from a request file; prints its id")
    q.add_argument("file", metavar="FILE")
    q.set_defaults(func=_cmd_movement_add)
    q = msub.add_parser("show", help="show one movement")
    q.add_argument("id", metavar="ID")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_cmd_movement_show)

    p = sub.add_parser("plan", help="route analysis, clearance and march table of a movement")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_plan)

    p = sub.add_parser("conflicts", help="conflicts at critical points across all movements")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=_cmd_conflicts)

    p = sub.add_parser("suggest", help="the earliest conflict-free departure for a movement")
    p.add_argument("id", metavar="ID")
    p.add_argument("--json", action="store_true")
    p.add_argument("--apply", action="store_true", help="write the suggested departure")
    p.set_defaults(func=_cmd_suggest)

    from app.cli_sync import add_commands

    add_commands(sub)
    from app.cli_audit import add_commands as add_audit_commands

    add_audit_commands(sub)
    from app.cli_permits import add_commands as add_permit_commands

    add_permit_commands(sub)
    from app.cli_rules import add_commands as add_rule_commands

    add_rule_commands(sub)
    from app.cli_incidents import add_commands as add_incident_commands
    add_incident_commands(sub)
    from app.cli_layers import add_commands as add_layer_commands

    add_layer_commands(sub)
    from app.cli_export import add_commands as add_export_commands
    add_export_commands(sub)

    p = sub.add_parser("history", help="every change to a record")
    p.add_argument("id", metavar="ID")
    p.set_defaults(func=_cmd_history)

    p = sub.add_parser("snapshot", help="render the console offscreen to a PNG")
    p.add_argument("--out", required=True, metavar="PNG")
    p.add_argument("--view", default="main", metavar="NAME",
                   help="main (whole window), movements, detail, permits, map, timeline")
    p.add_argument("--at", metavar="TIME", help="the moment to show (ISO 8601 UTC)")
    p.add_argument("--size", type=_size, default=(1400, 850), metavar="WxH")
    p.set_defaults(func=_cmd_snapshot)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from app.core.domain.validation import ValidationError
    from app.core.store import StoreError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (CommandError, StoreError, ValidationError) as exc:
        print(f"movcon: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # output piped into `head` and the like: not an error
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - keeps Python's exit flush quiet
        return 0
