"""March tables as CSV: one row per serial per station, for a spreadsheet.

The times are the forecast (the march table with the reported passages and delays), in UTC,
as ISO 8601. The file is UTF-8 with a byte-order mark so that Excel reads the place names
right; a classification marking is the first line, as a `#` comment.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from app.core import timefmt
from app.core.exports.geojson import marking_text
from app.core.planning.model import MovementPlan

HEADER = ("movement", "movement_id", "serial", "point", "point_id", "km",
          "head_arrives_utc", "tail_clear_utc")  # fmt: skip


def tabled(records: Mapping[str, Any], plans: Mapping[str, MovementPlan],
           movement_ids: Iterable[str] | None = None) -> list[str]:
    """The movements with a march table, by forecast start (`movement_ids` only, if given).

    A movement asked for by id that is not in the store, or has no plan with a serial,
    raises ValueError naming it; unasked, such movements are left out.
    """
    if movement_ids is None:
        chosen = [m for m in records if _timed(plans.get(m))]
    else:
        chosen = list(dict.fromkeys(movement_ids))
        for movement_id in chosen:
            if movement_id not in records:
                raise ValueError(f"no movement {movement_id!r}")
            if not _timed(plans.get(movement_id)):
                raise ValueError(f"movement {movement_id} ({records[movement_id]['name']}) "
                                 "has no plan with a serial to make a march table of")
    return sorted(chosen, key=lambda m: (plans[m].forecast.serials[0].start, m))


def _timed(plan: MovementPlan | None) -> bool:
    return plan is not None and bool(plan.forecast.serials)


def march_tables_csv(store: Any, plans: Mapping[str, MovementPlan],
                     movement_ids: Iterable[str] | None = None,
                     marking: str | None = None) -> bytes:
    """The march tables' rows under one header (see `tabled` for which movements)."""
    marking = marking_text(marking)
    records = {r["id"]: r for r in store.rows("movements")}
    out = io.StringIO(newline="")
    if marking:
        out.write(f"# {marking}\r\n")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for movement_id in tabled(records, plans, movement_ids):
        name = records[movement_id].get("name") or movement_id
        for row in plans[movement_id].forecast.rows:
            writer.writerow((name, movement_id, row.serial, row.point, row.point_id or "",
                             f"{row.km:.1f}", timefmt.iso(row.head_arrive),
                             timefmt.iso(row.tail_clear)))
    return out.getvalue().encode("utf-8-sig")
