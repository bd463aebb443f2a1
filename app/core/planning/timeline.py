"""What a Gantt view of the plans draws, as numpy arrays (times in float seconds since 1970).

Two layouts: one row per movement (`build`), grouped by nation, exercise or priority, with a
bar per serial (start point to release) and a segment per serial per critical point passage
(head arrival to tail clear); and one row per critical point (`build_points`) with the
window each movement holds it. Both mark where each conflict falls on each movement's
passages. Forecast times (with reported passages and delays) are what is drawn; the times
as planned ride along so a view can show the difference. The same input gives the same
arrays: every order is fixed by times, names and ids.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from app.core.domain.vocabulary import PRIORITIES
from app.core.planning.model import Conflict, MarchRow, MovementPlan

GROUPINGS = ("nation", "exercise", "priority", "none")
NO_EXERCISE = "No exercise"
ALL_MOVEMENTS = "All movements"
NAN = math.nan
# Overlaps shorter than this (seconds) are rounding in the conflict's times, not a conflict.
_SLIVER_S = 1e-3


def _floats(values: Iterable[float]) -> np.ndarray:
    return np.fromiter(values, dtype=np.float64)


def _ints(values: Iterable[int]) -> np.ndarray:
    return np.fromiter(values, dtype=np.int64)


def _strs(values: Sequence[str]) -> np.ndarray:
    return np.array(values, dtype=str) if values else np.array([], dtype=str)


@dataclass(frozen=True, eq=False)
class Bars:
    """One per serial: head at the start point to tail clear of the release point."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    serial: np.ndarray
    planned_start: np.ndarray  # NaN: the serial is not in the plan as made
    planned_end: np.ndarray

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True, eq=False)
class Segments:
    """One per serial per critical point passed: head arrival to tail clear."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    point_id: np.ndarray
    movement_id: np.ndarray
    serial: np.ndarray
    planned_start: np.ndarray
    planned_end: np.ndarray

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True, eq=False)
class Windows:
    """One per movement holding a point: its first serial's head to its last serial's tail."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    movement_id: np.ndarray
    planned_start: np.ndarray
    planned_end: np.ndarray

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True, eq=False)
class Overlaps:
    """Per conflict, per movement in it, per passage: the passage within the conflict."""

    row: np.ndarray
    start: np.ndarray
    end: np.ndarray
    point_id: np.ndarray
    movement_id: np.ndarray
    conflict: np.ndarray  # index into the conflicts given

    def __len__(self) -> int:
        return len(self.row)


@dataclass(frozen=True, eq=False)
class _Rows:
    ids: list[str]  # row -> movement or point id
    labels: list[str]
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {k: i for i, k in enumerate(self.ids)})

    def row_of(self, key: str) -> int | None:
        """The row of a movement (or point) id; None when it has none."""
        return self._index.get(key)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True, eq=False)
class MovementRows(_Rows):
    groups: list[tuple[str, int, int]]  # (title, first row, row count), in row order
    bars: Bars
    segments: Segments
    conflicts: Overlaps
    span: tuple[float, float] | None  # earliest start, latest end (forecast or planned)


@dataclass(frozen=True, eq=False)
class PointRows(_Rows):
    windows: Windows
    conflicts: Overlaps
    span: tuple[float, float] | None


# -- one row per movement ---------------------------------------------------------------
def build(plans: Mapping[str, MovementPlan], conflicts: Sequence[Conflict],
          movements: Mapping[str, dict[str, Any]], group_by: str = "nation",
          names: Mapping[str, str] | None = None,
          exercises: Mapping[str, str] | None = None) -> MovementRows:
    """Rows of the movements in `movements`, grouped by `group_by` (see GROUPINGS).

    `names` gives display names by key: a movement id's is its row label (default the
    record's name), a nation code's titles its group (default the code); `exercises` maps an
    exercise id to its name. Within a group rows go by forecast start; movements without a
    plan (or without serials) come last, with no bars.
    """
    if group_by not in GROUPINGS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPINGS)}, not {group_by!r}")
    keyed: dict[tuple[int, str], list[str]] = {}
    for movement_id, record in movements.items():
        keyed.setdefault(_group(record, group_by, names or {}, exercises or {}),
                         []).append(movement_id)  # fmt: skip
    ids: list[str] = []
    groups: list[tuple[str, int, int]] = []
    for (_, title), members in sorted(keyed.items()):
        members.sort(key=lambda m: _row_order(m, plans.get(m), movements[m]))
        groups.append((title, len(ids), len(members)))
        ids += members
    labels = [str((names or {}).get(m) or movements[m].get("name") or m) for m in ids]
    rows = {m: i for i, m in enumerate(ids)}

    bars: dict[str, list[Any]] = {k: [] for k in ("row", "start", "end", "serial", "ps", "pe")}
    seg: dict[str, list[Any]] = {k: [] for k in ("row", "start", "end", "point", "movement",
                                                 "serial", "ps", "pe")}  # fmt: skip
    for movement_id in ids:
        plan = plans.get(movement_id)
        if plan is None:
            continue
        row = rows[movement_id]
        planned = {s.serial: s for s in plan.march.serials}
        for timing in plan.forecast.serials:
            was = planned.get(timing.serial)
            bars["row"].append(row)
            bars["start"].append(timing.start.timestamp())
            bars["end"].append(timing.release.timestamp())
            bars["serial"].append(timing.serial)
            bars["ps"].append(was.start.timestamp() if was else NAN)
            bars["pe"].append(was.release.timestamp() if was else NAN)
        for now, was in _passages(plan):
            seg["row"].append(row)
            seg["start"].append(now.head_arrive.timestamp())
            seg["end"].append(now.tail_clear.timestamp())
            seg["point"].append(now.point_id)
            seg["movement"].append(movement_id)
            seg["serial"].append(now.serial)
            seg["ps"].append(was.head_arrive.timestamp() if was else NAN)
            seg["pe"].append(was.tail_clear.timestamp() if was else NAN)
    bar_arrays = Bars(_ints(bars["row"]), _floats(bars["start"]), _floats(bars["end"]),
                      _ints(bars["serial"]), _floats(bars["ps"]), _floats(bars["pe"]))
    segments = Segments(_ints(seg["row"]), _floats(seg["start"]), _floats(seg["end"]),
                        _strs(seg["point"]), _strs(seg["movement"]), _ints(seg["serial"]),
                        _floats(seg["ps"]), _floats(seg["pe"]))  # fmt: skip
    overlaps = _overlaps(conflicts, plans, lambda movement_id, _point: rows.get(movement_id))
    span = _span([bar_arrays.start, bar_arrays.planned_start],
                 [bar_arrays.end, bar_arrays.planned_end])  # fmt: skip
    return MovementRows(ids, labels, groups, bar_arrays, segments, overlaps, span)


def _group(record: Mapping[str, Any], group_by: str, names: Mapping[str, str],
           exercises: Mapping[str, str]) -> tuple[int, str]:
    """(rank, title): groups sort by rank, then title."""
    if group_by == "nation":
        owner = record.get("owner") or ""
        return (0, names.get(owner) or owner) if owner else (1, "Unknown nation")
    if group_by == "exercise":
        exercise = record.get("exercise_id")
        if not exercise:
            return (1, NO_EXERCISE)
        return (0, exercises.get(exercise) or exercise)
    if group_by == "priority":
        priority = record.get("priority") or ""
        ranks = list(PRIORITIES)
        if priority in PRIORITIES:
            return (ranks.index(priority), PRIORITIES[priority])
        return (len(ranks), priority or "No priority")
    return (0, ALL_MOVEMENTS)


def _row_order(movement_id: str, plan: MovementPlan | None,
               record: Mapping[str, Any]) -> tuple[int, float, str, str]:
    serials = plan.forecast.serials if plan is not None else ()
    if not serials:
        return (1, 0.0, str(record.get("name") or ""), movement_id)
    start = min(s.start for s in serials).timestamp()
    return (0, start, str(record.get("name") or ""), movement_id)


def _passages(plan: MovementPlan) -> list[tuple[MarchRow, MarchRow | None]]:
    """Each forecast row at a critical point with its row as planned (None: not found).

    The forecast re-times the planned rows in place, so they pair by position; the check
    on serial and point keeps a mismatch from pairing the wrong rows.
    """
    planned = plan.march.rows
    out: list[tuple[MarchRow, MarchRow | None]] = []
    for i, row in enumerate(plan.forecast.rows):
        if row.point_id is None:
            continue
        was = planned[i] if i < len(planned) else None
        if was is not None and (was.serial, was.point_id) != (row.serial, row.point_id):
            was = None
        out.append((row, was))
    return out


def _overlaps(conflicts: Sequence[Conflict], plans: Mapping[str, MovementPlan],
              row_for: Callable[[str, str], int | None]) -> Overlaps:
    """Each conflict clipped to each of its movements' passages of its point."""
    out: dict[str, list[Any]] = {k: [] for k in ("row", "start", "end", "point", "movement",
                                                 "conflict")}  # fmt: skip
    for index, conflict in enumerate(conflicts):
        lo, hi = conflict.start.timestamp(), conflict.end.timestamp()
        for movement_id in conflict.movements:
            plan = plans.get(movement_id)
            row = row_for(movement_id, conflict.point_id)
            if plan is None or row is None:
                continue
            for passage in plan.forecast.rows:
                if passage.point_id != conflict.point_id:
                    continue
                head, tail = passage.head_arrive.timestamp(), passage.tail_clear.timestamp()
                start, end = max(head, lo), min(tail, hi)
                # A passage of no duration inside the conflict still marks it (a point).
                if end - start <= _SLIVER_S and not (head == tail and lo <= head <= hi):
                    continue
                out["row"].append(row)
                out["start"].append(start)
                out["end"].append(end)
                out["point"].append(conflict.point_id)
                out["movement"].append(movement_id)
                out["conflict"].append(index)
    return Overlaps(_ints(out["row"]), _floats(out["start"]), _floats(out["end"]),
                    _strs(out["point"]), _strs(out["movement"]), _ints(out["conflict"]))


def _span(starts: Sequence[np.ndarray], ends: Sequence[np.ndarray]) -> tuple[float, float] | None:
    lows = np.concatenate(starts)
    highs = np.concatenate(ends)
    lows, highs = lows[~np.isnan(lows)], highs[~np.isnan(highs)]
    if not len(lows) or not len(highs):
        return None
    return float(lows.min()), float(highs.max())


# -- one row per critical point ---------------------------------------------------------
def build_points(plans: Mapping[str, MovementPlan], conflicts: Sequence[Conflict],
                 points: Mapping[str, str],
                 movements: Mapping[str, Mapping[str, Any]] | None = None) -> PointRows:
    """Rows of the critical points in `points` (id -> name), by name.

    Each row has one window per movement passing the point: the forecast from its first
    serial's head to its last serial's tail. With `movements`, cancelled ones (which hold
    no point) are left out. Points not in `points` are not shown.
    """
    ids = sorted(points, key=lambda p: (points[p], p))
    labels = [points[p] for p in ids]
    rows = {p: i for i, p in enumerate(ids)}
    found: list[tuple[int, float, str, float, float, float]] = []
    for movement_id in sorted(plans):
        record = (movements or {}).get(movement_id)
        if record is not None and record.get("status") == "cancelled":
            continue
        plan = plans[movement_id]
        planned = plan.march.windows()
        for point_id, (start, end) in plan.forecast.windows().items():
            row = rows.get(point_id)
            if row is None:
                continue
            was = planned.get(point_id)
            found.append((row, start.timestamp(), movement_id, end.timestamp(),
                          was[0].timestamp() if was else NAN,
                          was[1].timestamp() if was else NAN))  # fmt: skip
    found.sort()
    windows = Windows(_ints(f[0] for f in found), _floats(f[1] for f in found),
                      _floats(f[3] for f in found), _strs([f[2] for f in found]),
                      _floats(f[4] for f in found), _floats(f[5] for f in found))  # fmt: skip
    overlaps = _overlaps(conflicts, plans, lambda _movement, point_id: rows.get(point_id))
    span = _span([windows.start, windows.planned_start], [windows.end, windows.planned_end])
    return PointRows(ids, labels, windows, overlaps, span)
