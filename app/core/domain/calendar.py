"""Working days on a nation's public-holiday calendar (the `holidays` package)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache

import holidays


@cache
def _calendar(nation: str) -> holidays.HolidayBase:
    try:
        return holidays.country_holidays(nation)
    except NotImplementedError:
        return holidays.HolidayBase()  # no calendar known: weekends only


def is_working_day(day: date, nation: str) -> bool:
    return day.weekday() < 5 and day not in _calendar(nation)


def add_working_days(start: datetime, days: int, nation: str) -> datetime:
    """The same time of day `days` working days after `start`, in `nation`'s calendar."""
    moment = start
    left = days
    while left > 0:
        moment += timedelta(days=1)
        if is_working_day(moment.date(), nation):
            left -= 1
    return moment
