"""The plans as files for other programs: one writer per format, from the store, its plans
and conflicts to bytes, shared by `movcon export` and the console's File › Export.

The callers write the bytes whole or not at all (`app.core.files.write_atomic`). The marking
goes where each format allows (see each writer).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


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
    # Laid out and painted by Qt: the command line starts it offscreen (`movcon export`), the
    # console has it running already.
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
