"""Forecasts: the march table re-timed by what the column reported on the way.

Reports are applied in the order they were made, so each one re-bases what is still ahead:

* A passage (the head of a serial seen at a point) fixes that row at the actual time and
  shifts by (actual - forecast) at the point the rest of that serial and the later serials
  from that point on, and their rows short of it still to come (they follow the same
  column and cannot overtake). A passage
  re-bases from the forecast, so a delay reported before it is not counted twice.
* A delay shifts by its minutes every row of its serial and the later ones that had not yet
  been passed at its time: a head still to come arrives later, and a tail short of a point
  clears it later.

Rows already passed keep their reported times; rows with no report behind the latest
passage keep the times they had.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from app.core.planning.model import MarchRow, MarchTable


@dataclass(frozen=True)
class Passage:
    """The head of a serial reported at a point (serial None: serial 1, or the column)."""

    point_id: str
    at: datetime
    serial: int | None = None


@dataclass(frozen=True)
class Delay:
    """A reported delay of a serial and those behind it (serial None: the whole column)."""

    at: datetime
    minutes: float
    serial: int | None = None


def forecast(table: MarchTable, passages: Sequence[Passage] = (),
             delays: Sequence[Delay] = ()) -> MarchTable:
    """`table` with the reports applied; reports naming no row of the table are ignored."""
    if not passages and not delays:
        return table
    rows = list(table.rows)
    fixed = [False] * len(rows)
    # Each report in time order; at the same instant a passage goes before a delay.
    reports: list[tuple[datetime, int, Passage | Delay]] = [
        *((p.at, 0, p) for p in passages), *((d.at, 1, d) for d in delays)]
    reports.sort(key=lambda r: (r[0], r[1]))
    for at, _, report in reports:
        if isinstance(report, Passage):
            _passage(rows, fixed, report, at)
        else:
            _delay(rows, report, at)
    timings = []
    for timing in table.serials:
        own = [r for r in rows if r.serial == timing.serial]
        if own:
            timing = replace(timing, start=own[0].head_arrive, release=own[-1].tail_clear)
        timings.append(timing)
    return replace(table, serials=tuple(timings), rows=tuple(rows))


def _shifted(row: MarchRow, delta: timedelta, head: bool = True) -> MarchRow:
    return replace(row, head_arrive=row.head_arrive + delta if head else row.head_arrive,
                   tail_clear=row.tail_clear + delta)


def _passage(rows: list[MarchRow], fixed: list[bool], passage: Passage, at: datetime) -> None:
    serial = passage.serial or 1
    where = next((i for i, r in enumerate(rows) if r.serial == serial and not fixed[i]
                  and r.point_id == passage.point_id), None)  # fmt: skip
    if where is None:
        return
    delta = at - rows[where].head_arrive
    rows[where] = replace(_shifted(rows[where], delta), head_arrive=at)
    fixed[where] = True
    if not delta:
        return
    km = rows[where].km
    for i, row in enumerate(rows):
        if fixed[i]:
            continue
        # A later serial cannot have passed the reported serial's point; short of it, only
        # rows still to come at the report's time follow.
        if (i > where if row.serial == serial else row.serial > serial and (
                row.km >= km or row.head_arrive > at)):
            rows[i] = _shifted(row, delta)


def _delay(rows: list[MarchRow], delay: Delay, at: datetime) -> None:
    serial = delay.serial or 1
    delta = timedelta(minutes=delay.minutes)
    for i, row in enumerate(rows):
        if row.serial < serial or row.tail_clear <= at:
            continue
        rows[i] = _shifted(row, delta, head=row.head_arrive > at)
