"""Night at a place: the stretches between sunset and the next sunrise, for shading a timeline.

Sunrise and sunset are astral's (the sun's upper limb on the horizon, with refraction), in
UTC. Near the poles the sun may not rise or set for days: a midnight sun gives no night, a
polar night is night throughout, and neither raises.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from astral import Observer
from astral import sun as astral_sun

UTC = timezone.utc
# The sun's centre this far below the horizon is the moment of sunrise/sunset (astral's).
_HORIZON_DEG = -0.833


def nights(start: datetime, end: datetime, lon: float, lat: float,
           ) -> list[tuple[datetime, datetime]]:
    """(sunset, next sunrise) intervals overlapping [start, end], in time order, in UTC.

    A night whose sunset or sunrise is more than a day away from the window, as in a polar
    night, is cut at `start` or `end`: the search looks only a day either side.
    """
    start, end = _utc(start), _utc(end)
    if end < start:
        raise ValueError("end is before start")
    observer = Observer(latitude=lat, longitude=lon)
    lo, hi = start - timedelta(days=1), end + timedelta(days=1)
    events = sorted(e for e in _events(observer, lo.date(), hi.date()) if lo <= e[0] <= hi)
    out: list[tuple[datetime, datetime]] = []
    # Before the first event the state follows from it: a sunrise first means night till then.
    dark: datetime | None = None
    if not events:
        middle = start + (end - start) / 2
        if astral_sun.elevation(observer, middle) < _HORIZON_DEG:
            return [(start, end)]
        return []
    if events[0][1] == "rise":
        dark = start
    for moment, kind in events:
        if kind == "set" and dark is None:
            dark = moment
        elif kind == "rise" and dark is not None:
            out.append((dark, moment))
            dark = None
    if dark is not None:  # no sunrise within a day of the end: night till the end
        out.append((dark, max(dark, end)))
    return [(a, b) for a, b in out if b >= start and a <= end and b > a]


def _events(observer: Observer, first: date, last: date) -> list[tuple[datetime, str]]:
    found: dict[tuple[str, int], datetime] = {}
    day = first
    while day <= last:
        for kind, fn in (("rise", astral_sun.sunrise), ("set", astral_sun.sunset)):
            try:
                moment = fn(observer, day, tzinfo=UTC)
            except ValueError:  # no sunrise or sunset that day (midnight sun, polar night)
                continue
            # Keyed by the minute: the same event found from two dates is counted once.
            found.setdefault((kind, round(moment.timestamp() / 60)), moment)
        day += timedelta(days=1)
    return [(moment, kind) for (kind, _), moment in found.items()]


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("times must be timezone-aware")
    return moment.astimezone(UTC)
