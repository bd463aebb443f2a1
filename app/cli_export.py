"""`movcon export --format FORMAT --out FILE`: the plans as a file for other programs.

The writers are `app.plan_exports.FORMATS`; the file is written whole or not at all.
`--marking` puts a classification marking where the format allows.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from app.cli_sync import _error, _open
from app.core.files import write_atomic
from app.plan_exports import FORMATS, Export


def _check_target(path: Path) -> None:
    """Refuse an output file that cannot be written before anything is planned."""
    if path.is_dir():
        raise _error(f"--out: {path} is a folder; name a file")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise _error(f"--out: no folder {folder} to write {path} in")
    if not os.access(folder, os.W_OK):
        raise _error(f"--out: cannot write in {folder}")


def _export(args: argparse.Namespace) -> int:
    from app.core.exports.geojson import marking_text
    from app.core.planning.planner import Planner

    out = Path(args.out)
    _check_target(out)
    try:
        marking = marking_text(args.marking)
    except ValueError as exc:
        raise _error(f"--marking: {exc}") from None
    writer, _ = FORMATS[args.format]
    if args.format == "pdf":
        # Paper needs no screen: lay out and paint offscreen, even on a desktop or over ssh.
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
    wanted = list(dict.fromkeys(args.movement)) if args.movement else None
    with _open(args) as store:
        planner = Planner(store)
        for movement_id in wanted or ():
            if movement_id not in planner.movements:
                raise _error(f"no movement {movement_id!r}")
        planner.plan_all()
        plans = {m: plan for m in planner.movement_ids() if (plan := planner.plan(m))}
        for movement_id in wanted or ():
            if movement_id not in plans:
                why = "; ".join(planner.notes.get(movement_id, ())) or "no plan"
                raise _error(f"movement {movement_id} cannot be exported: {why}")
        try:
            data, count = writer(Export(store, plans, planner.conflicts(), wanted, marking))
        except ValueError as exc:
            raise _error(str(exc)) from None
    try:
        write_atomic(out, data)
    except OSError as exc:
        raise _error(f"cannot write {out}: {exc.strerror or exc}") from None
    print(f"wrote {count} movement{'s' if count != 1 else ''} ({args.format}) to {out}")
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("export", help="write the plans to a file for other programs")
    p.add_argument("--format", required=True, choices=sorted(FORMATS),
                   help="; ".join(f"{k}: {v[1]}" for k, v in sorted(FORMATS.items())))
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--movement", action="append", metavar="ID",
                   help="only this movement (repeat for more; default all planned)")
    p.add_argument("--marking", metavar="TEXT",
                   help="classification marking on every page and file, e.g. 'NATO RESTRICTED'")
    p.set_defaults(func=_export)
