"""How stored values read on screen: times, numbers, positions, nations, colour cues."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel

from app.core import timefmt

if TYPE_CHECKING:
    from app.core.store import Store

MISSING = "—"

# A translucent red laid over the row background: it reads as a warm tint on a light base
# and as a dark wine on a dark base, so crisis rows stand out in either palette.
CRISIS_TINT = QColor(220, 40, 40, 46)


def nation_names(store: Store) -> dict[str, str]:
    return {n["code"]: n["name"] for n in store.rows("nations", order_by="code")}


def time_text(iso: str | None) -> str:
    return timefmt.short(iso) if iso else MISSING


def time_with_dtg(iso: str | None) -> str:
    """Both forms: ISO for the table-minded, the date-time group for the signal-minded."""
    return f"{timefmt.short(iso)}   ({timefmt.dtg(iso)})" if iso else MISSING


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return MISSING
    text = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{text} {unit}".rstrip()


def position(lon_lat: list[float] | tuple[float, float] | None) -> str:
    if not lon_lat:
        return MISSING
    lon, lat = lon_lat[0], lon_lat[1]
    return (f"{abs(lat):.4f}° {'N' if lat >= 0 else 'S'}, "
            f"{abs(lon):.4f}° {'E' if lon >= 0 else 'W'}")  # fmt: skip


def value(raw: Any, limit: int = 80) -> str:
    """Any stored value as one line, for the change history."""
    if raw is None:
        return MISSING
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    if isinstance(raw, (list, dict)):
        text = json.dumps(raw, ensure_ascii=False, separators=(", ", ": "))
    else:
        text = str(raw)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def muted(palette: QPalette) -> QColor:
    """Secondary text: the placeholder colour, which every palette keeps readable."""
    return palette.color(QPalette.ColorRole.PlaceholderText)


def mute(label: QLabel) -> None:
    """Grey a secondary text with the palette's muted colour (light and dark themes alike)."""
    label.setStyleSheet("")
    palette = label.palette()
    palette.setColor(label.foregroundRole(), muted(palette))
    label.setPalette(palette)


def duration(seconds: float) -> str:
    """A length of time as a person says it: 2 d 4 h, 3 h 20 min, 40 min."""
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        # Minutes matter only while the hours are few.
        return f"{hours} h {mins} min" if mins and hours < 10 else f"{hours} h"
    return f"{mins} min"


def countdown(due: datetime, now: datetime) -> str:
    """Time left until `due`: "in 2 d 4 h", or how late it is: "overdue 3 h"."""
    seconds = (due - now).total_seconds()
    if abs(seconds) < 60:
        return "due now"
    return f"in {duration(seconds)}" if seconds > 0 else f"overdue {duration(seconds)}"


# English month names whatever the locale (Qt sets the C library's locale from the desktop).
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def day_time(moment: datetime | str) -> str:
    """Short day and time for narrow columns: 10 Jun 04:00Z."""
    when = (timefmt.parse_utc(moment) if isinstance(moment, str) else moment).astimezone(
        timefmt.UTC)
    return f"{when.day:02d} {_MONTHS[when.month - 1]} {when:%H:%M}Z"


def span(start: datetime | str | None, end: datetime | str | None) -> str:
    """A time window in few characters: 10 Jun 04:00–11 Jun 12:00Z, or 10 Jun 04:00–12:00Z
    within one day."""
    if start and end:
        first, last = day_time(start), day_time(end)
        if first[:6] == last[:6]:
            return f"{first[:-1]}–{last[7:]}"
        return f"{first[:-1]}–{last}"
    if start:
        return f"from {day_time(start)}"
    if end:
        return f"until {day_time(end)}"
    return MISSING
