"""How stored values read on screen: times, numbers, positions, nations, colour cues."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QColor, QPalette

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
