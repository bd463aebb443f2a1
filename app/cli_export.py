"""`movcon export --format ics --out FILE`: the plans as a file for other programs.

Each format is a writer from the store and its plans to bytes (FORMATS); the file is
written whole or not at all (a temporary file renamed over it).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.cli_sync import _error, _open

# format -> (writer(store, plans, movement ids or None) -> (file bytes, items), help)
Writer = Callable[[Any, dict[str, Any], Sequence[str] | None], tuple[bytes, int]]


def _ics(store: Any, plans: dict[str, Any], movement_ids: Sequence[str] | None,
         ) -> tuple[bytes, int]:
    from app.core.exports import ics

    records = {r["id"]: r for r in store.rows("movements")}
    count = len(ics.exported(records, plans, movement_ids))
    return ics.movements_ics(store, plans, movement_ids=movement_ids), count


FORMATS: dict[str, tuple[Writer, str]] = {
    "ics": (_ics, "iCalendar: one event per planned movement"),
}


def _check_target(path: Path) -> None:
    """Refuse an output file that cannot be written before anything is planned."""
    if path.is_dir():
        raise _error(f"--out: {path} is a folder; name a file")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise _error(f"--out: no folder {folder} to write {path} in")
    if not os.access(folder, os.W_OK):
        raise _error(f"--out: cannot write in {folder}")


def write_atomic(path: Path, data: bytes) -> None:
    """A reader sees the old file or the whole new one, never half of it."""
    from app.core.sync.keys import fsync_folder

    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        fsync_folder(path.absolute().parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _export(args: argparse.Namespace) -> int:
    from app.core.planning.planner import Planner

    out = Path(args.out)
    _check_target(out)
    writer, _ = FORMATS[args.format]
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
            data, count = writer(store, plans, wanted)
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
    p.set_defaults(func=_export)
