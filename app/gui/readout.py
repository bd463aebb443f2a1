"""Times and positions on the lists and the detail panes, as the display settings say.

A view keeps a `Readout`. Without settings it writes what the views always wrote (ISO in
UTC, latitude/longitude), so a view nobody told about the settings looks as it did. Only
the text changes: the views sort and filter on the stored values.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, tzinfo

from app.core import timefmt
from app.gui import display
from app.gui.settings import DisplayChoices, format_position, format_time

Moment = datetime | str | None
# English month names whatever the locale, as `display.day_time` writes them.
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class Readout:
    """How one view writes times and places. `local_zone`: the zone taken as local (the
    computer's by default; a test fixes it)."""

    def __init__(self, settings: DisplayChoices | None = None,
                 local_zone: tzinfo | None = None) -> None:  # fmt: skip
        self.settings = settings
        self.local_zone = local_zone

    # -- what is chosen ---------------------------------------------------------------------
    @property
    def dtg(self) -> bool:
        return self.settings is not None and self.settings.time_style == "dtg"

    @property
    def local(self) -> bool:
        return self.settings is not None and self.settings.time_zone == "local"

    @property
    def plain(self) -> bool:
        """Times as the views always wrote them: ISO in UTC."""
        return not (self.dtg or self.local)

    # -- times ------------------------------------------------------------------------------
    def time(self, moment: Moment) -> str:
        """The full form: 2026-06-09 11:00Z, 2026-06-09 14:00 +03:00, 091100ZJUN26."""
        if self.settings is None:
            return display.time_text(_text(moment))
        return format_time(moment, self.settings, self.local_zone)

    def other(self, moment: Moment) -> str:
        """The other style, in UTC, for a tooltip: the DTG beside ISO, ISO beside a DTG."""
        if not moment:
            return display.MISSING
        return timefmt.short(moment) if self.dtg else timefmt.dtg(moment)

    def both(self, moment: Moment, gap: str = "   ") -> str:
        """The chosen form, then the other in brackets: 2026-06-09 11:00Z   (091100ZJUN26)."""
        if not moment:
            return display.MISSING
        return f"{self.time(moment)}{gap}({self.other(moment)})"

    def day_time(self, moment: Moment) -> str:
        """Short, for narrow columns: 09 Jun 11:00Z, 09 Jun 14:00 +03:00, 091100ZJUN26."""
        if not moment:
            return display.MISSING
        if self.plain:
            return display.day_time(moment)
        if self.dtg:
            return self.time(moment)
        when = self._local(moment)
        return f"{_day(when)} {when:%H:%M} {_offset(when)}"

    def month_day(self, moment: Moment) -> str:
        """Shorter still, for the march table: 06-09 11:00Z, 06-09 14:00 +03:00, a DTG."""
        if not moment:
            return display.MISSING
        if self.plain:
            return timefmt.short(moment)[5:]
        if self.dtg:
            return self.time(moment)
        when = self._local(moment)
        return f"{when:%m-%d %H:%M} {_offset(when)}"

    def clock(self, moment: Moment) -> str:
        """The time of day after a day already given: 11:00Z, 14:00 +03:00; a DTG whole
        (it has no shorter form that keeps the zone)."""
        if not moment:
            return display.MISSING
        if self.plain:
            return timefmt.short(moment)[11:]
        if self.dtg:
            return self.time(moment)
        when = self._local(moment)
        return f"{when:%H:%M} {_offset(when)}"

    def span(self, start: Moment, end: Moment) -> str:
        """A window: 10 Jun 04:00–11 Jun 12:00Z, 100400ZJUN26–111200ZJUN26, or in local
        time 10 Jun 07:00–15:00 +03:00 within a day."""
        if self.plain:
            return display.span(_text(start), _text(end))
        if not (start and end):
            if start:
                return f"from {self.day_time(start)}"
            return f"until {self.day_time(end)}" if end else display.MISSING
        if self.dtg:
            return f"{self.time(start)}–{self.time(end)}"
        first, last = self._local(start), self._local(end)
        if _offset(first) != _offset(last):  # a clock change between: each says its own
            return f"{self.day_time(start)}–{self.day_time(end)}"
        if first.date() == last.date():
            return f"{_day(first)} {first:%H:%M}–{last:%H:%M} {_offset(last)}"
        return f"{_day(first)} {first:%H:%M}–{_day(last)} {last:%H:%M} {_offset(last)}"

    def zone_note(self) -> str:
        """What a heading adds to say which clock: (UTC), or (local)."""
        return "(local)" if self.local else "(UTC)"

    # -- places -----------------------------------------------------------------------------
    def position(self, lon_lat: Sequence[float] | None) -> str:
        """35U LA 89106 61342, or 54.6872° N, 25.2797° E."""
        if self.settings is None or not lon_lat:
            return display.position(lon_lat)  # type: ignore[arg-type]
        return format_position(lon_lat[0], lon_lat[1], self.settings)

    # -- inner workings ---------------------------------------------------------------------
    def _local(self, moment: datetime | str) -> datetime:
        when = timefmt.parse_utc(moment) if isinstance(moment, str) else moment
        return when.astimezone(self.local_zone) if self.local_zone else when.astimezone()


def _text(moment: Moment) -> str | None:
    if moment is None or isinstance(moment, str):
        return moment
    return timefmt.iso(moment)


def _day(when: datetime) -> str:
    return f"{when.day:02d} {_MONTHS[when.month - 1]}"


def _offset(when: datetime) -> str:
    offset = when.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"
