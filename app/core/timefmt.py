"""Times: stored as ISO 8601 UTC text, shown as ISO or as a military date-time group."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

UTC = timezone.utc
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


def parse_utc(text: str) -> datetime:
    """Parse ISO 8601 with an explicit offset (Z or ±hh:mm) into an aware UTC datetime.

    A time without an offset is refused: in a multinational cell "14:30" is ambiguous.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError("expected an ISO 8601 time such as 2026-03-02T14:30:00Z")
    raw = text.strip()
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw)
    except ValueError:
        raise ValueError(f"not an ISO 8601 time: {text!r}") from None
    if parsed.tzinfo is None:
        raise ValueError(f"time {text!r} has no UTC offset; write it as {raw}Z")
    return parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    """The canonical stored form: 2026-03-02T14:30:00Z (whole seconds, UTC)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


_CANONICAL = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def normalize(text: str) -> str:
    """The canonical stored form of any accepted time."""
    if isinstance(text, str) and _CANONICAL.match(text):
        try:
            datetime.fromisoformat(text[:-1])  # still refuses 2026-13-40T25:00:00Z
        except ValueError as exc:
            raise ValueError(f"not a valid time: {text!r} ({exc})") from None
        return text
    return iso(parse_utc(text))


def now_iso() -> str:
    return iso(datetime.now(UTC))


def dtg(moment: datetime | str) -> str:
    """Date-time group: 021430ZMAR26."""
    when = parse_utc(moment) if isinstance(moment, str) else moment.astimezone(UTC)
    return f"{when:%d%H%M}Z{_MONTHS[when.month - 1]}{when:%y}"


def short(moment: datetime | str) -> str:
    """Compact ISO for tables: 2026-03-02 14:30Z."""
    when = parse_utc(moment) if isinstance(moment, str) else moment.astimezone(UTC)
    return f"{when:%Y-%m-%d %H:%M}Z"


def add_minutes(text: str, minutes: float) -> str:
    return iso(parse_utc(text) + timedelta(minutes=minutes))
