"""The timeline's axes: UTC time as ISO or as date-time groups, and the rows' names."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pyqtgraph as pg

from app.core import timefmt

MINUTE, HOUR, DAY = 60.0, 3600.0, 86400.0
# Tick steps the time axis chooses from (seconds), finest first.
STEPS = (5 * MINUTE, 10 * MINUTE, 15 * MINUTE, 30 * MINUTE, HOUR, 2 * HOUR, 3 * HOUR,
         6 * HOUR, 12 * HOUR, DAY, 2 * DAY, 7 * DAY)  # fmt: skip
TICK_PX = 90  # at least this many pixels between labelled ticks
ROW_LABELS_UP_TO = 70  # rows in view; more, and only the groups are named


def _utc(value: float) -> datetime:
    return datetime.fromtimestamp(value, timezone.utc)


def time_label(value: float, step: float, style: str = "iso") -> str:
    """A tick label for `value` at tick spacing `step`: ISO (`09 Jun 11:00Z`) or DTG
    (`091100ZJUN26`), shortened to what the spacing needs."""
    moment = _utc(value)
    if style == "dtg":
        if step >= DAY:
            return moment.strftime("%d%b%y").upper()
        return timefmt.dtg(moment)
    if step >= DAY:
        return moment.strftime("%a %d %b")
    if moment.hour == 0 and moment.minute == 0:
        return moment.strftime("%d %b 00:00Z")
    return moment.strftime("%H:%MZ")


class TimeAxis(pg.AxisItem):
    """UTC ticks on round steps; the label style is the user's choice."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="bottom", **kwargs)
        self.label_style = "iso"  # AxisItem keeps its own `style` dict

    def set_style(self, style: str) -> None:
        self.label_style = style
        self.picture = None
        self.update()

    def step_for(self, span: float, pixels: float) -> float:
        need = span / max(pixels / TICK_PX, 1.0)
        return next((s for s in STEPS if s >= need), STEPS[-1])

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        step = self.step_for(maxVal - minVal, size)
        first = math.ceil(minVal / step) * step
        count = int((maxVal - first) // step) + 1
        major = [first + i * step for i in range(max(count, 0))]
        return [(step, major)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        return [time_label(v, spacing, self.label_style) for v in values]


class RowAxis(pg.AxisItem):
    """Movement (or point) names beside their rows when few enough are in view, else the
    group titles at their first rows."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="left", **kwargs)
        self.labels: list[str] = []
        self.groups: list[tuple[str, int, int]] = []
        self.setWidth(230)

    def set_rows(self, labels: list[str], groups: list[tuple[str, int, int]]) -> None:
        self.labels, self.groups = labels, groups
        self.picture = None
        self.update()

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        minVal, maxVal = min(minVal, maxVal), max(minVal, maxVal)  # the rows run downwards
        low, high = max(math.floor(minVal), 0), min(math.ceil(maxVal), len(self.labels))
        if high - low <= ROW_LABELS_UP_TO:
            return [(1.0, [row + 0.5 for row in range(low, high)])]
        return [(1.0, [first + 0.5 for _, first, count in self.groups
                       if first + count > low and first < high])]  # fmt: skip

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        starts = {first: title for title, first, _ in self.groups}
        (low, high) = self.range
        dense = abs(high - low) > ROW_LABELS_UP_TO
        out = []
        for v in values:
            row = int(v)
            if dense:
                out.append(starts.get(row, ""))
            elif 0 <= row < len(self.labels):
                out.append(_clip(self.labels[row], 34))
            else:
                out.append("")
        return out


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
