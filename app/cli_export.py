"""`movcon export --format FORMAT --out FILE`: the plans as a file for other programs.

Each format is a writer from the store, its plans and conflicts to bytes (FORMATS); the
file is written whole or not at all (a temporary file renamed over it). `--marking` puts a
classification marking where the format allows (see each writer).
"""

from __future__ import annotations

import argparse
import contextlib
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.cli_sync import _error, _open


@dataclass(frozen=True)
class Export:
    """What a writer gets: the store, the plans by movement id, the conflicts, the choice."""

    store: Any
    plans: dict[str, Any]
    conflicts: Sequence[Any]
    movement_ids: Sequence[str] | None  # None: every movement the format can show
    marking: str | None = None


# format -> (writer(export) -> (file bytes, movements in it), help)
Writer = Callable[[Export], tuple[bytes, int]]


def _ics(e: Export) -> tuple[bytes, int]:
    from app.core.exports import ics

    records = {r["id"]: r for r in e.store.rows("movements")}
    count = len(ics.exported(records, e.plans, e.movement_ids))
    return ics.movements_ics(e.store, e.plans, movement_ids=e.movement_ids,
                             marking=e.marking), count  # fmt: skip


def _routes(e: Export) -> int:
    from app.core.exports.geojson import chosen_movements

    records = {r["id"]: r for r in e.store.rows("movements")}
    return len(chosen_movements(records, e.plans, e.movement_ids))


def _geojson(e: Export) -> tuple[bytes, int]:
    from app.core.exports import geojson

    data = geojson.plans_geojson(e.store, e.plans, e.conflicts, e.movement_ids, e.marking)
    return data, _routes(e)


def _gpkg(e: Export) -> tuple[bytes, int]:
    from app.core.exports import gpkg

    data = gpkg.plans_gpkg(e.store, e.plans, e.conflicts, e.movement_ids, e.marking)
    return data, _routes(e)


def _kml(e: Export) -> tuple[bytes, int]:
    from app.core.exports import kml

    data = kml.plans_kml(e.store, e.plans, e.conflicts, e.movement_ids, e.marking)
    return data, _routes(e)


def _tables(e: Export) -> int:
    from app.core.exports.csv_tables import tabled

    records = {r["id"]: r for r in e.store.rows("movements")}
    return len(tabled(records, e.plans, e.movement_ids))


def _csv(e: Export) -> tuple[bytes, int]:
    from app.core.exports import csv_tables

    data = csv_tables.march_tables_csv(e.store, e.plans, e.movement_ids, e.marking)
    return data, _tables(e)


def _pdf(e: Export) -> tuple[bytes, int]:
    # Paper needs no screen: lay out and paint offscreen, even on a desktop or over ssh.
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    from app.gui import exports_pdf

    data = exports_pdf.march_tables_pdf(e.store, e.plans, e.movement_ids, e.marking)
    return data, _tables(e)


FORMATS: dict[str, tuple[Writer, str]] = {
    "csv": (_csv, "march tables, a row per serial per point (UTF-8 for Excel)"),
    "geojson": (_geojson, "routes, critical points and conflicts (RFC 7946)"),
    "gpkg": (_gpkg, "GeoPackage of routes, critical points and conflicts (GDAL, QGIS)"),
    "ics": (_ics, "iCalendar: one event per planned movement"),
    "kml": (_kml, "KML of routes, critical points and conflicts (Google Earth, ATAK)"),
    "pdf": (_pdf, "A4 march tables, a movement per page"),
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
    from app.core.exports.geojson import marking_text
    from app.core.planning.planner import Planner

    out = Path(args.out)
    _check_target(out)
    try:
        marking = marking_text(args.marking)
    except ValueError as exc:
        raise _error(f"--marking: {exc}") from None
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
