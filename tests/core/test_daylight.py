"""Nights for shading the timeline: astral's sunsets and sunrises, and the polar cases."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from itertools import pairwise

import pytest
from astral import Observer
from astral.sun import sunrise, sunset

from app.core.planning.daylight import nights

UTC = timezone.utc
VILNIUS = (25.28, 54.69)  # lon, lat
LONGYEARBYEN = (15.63, 78.22)
MCMURDO = (166.67, -77.85)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def hours(interval: tuple[datetime, datetime]) -> float:
    return (interval[1] - interval[0]).total_seconds() / 3600


def test_a_vilnius_summer_night_is_astrals_sunset_to_sunrise() -> None:
    found = nights(at(2026, 6, 9, 12), at(2026, 6, 9, 23), *VILNIUS)
    assert len(found) == 1
    dusk, dawn = found[0]
    here = Observer(latitude=VILNIUS[1], longitude=VILNIUS[0])
    assert dusk == sunset(here, date(2026, 6, 9), tzinfo=UTC)
    assert dawn == sunrise(here, date(2026, 6, 10), tzinfo=UTC)
    # Vilnius is UTC+3 in summer: sunset near 22:00 local, sunrise near 04:45 local.
    assert at(2026, 6, 9, 18, 45) <= dusk <= at(2026, 6, 9, 19, 5)
    assert at(2026, 6, 10, 1, 30) <= dawn <= at(2026, 6, 10, 2, 0)
    assert dusk.tzinfo is not None and dusk.utcoffset() == timedelta(0)


def test_nights_overlapping_the_window_are_returned_whole_and_in_order() -> None:
    found = nights(at(2026, 6, 9), at(2026, 6, 11), *VILNIUS)
    assert len(found) == 3  # the one ending on the 9th, and the two sunsets after
    assert found[0][0] < at(2026, 6, 9) < found[0][1]
    for (a, b), (c, _) in pairwise(found):
        assert a < b < c
    # A window inside one night gets that night, from its sunset.
    inside = nights(at(2026, 6, 9, 0), at(2026, 6, 9, 0, 30), *VILNIUS)
    assert inside == [found[0]]
    # A window inside one day gets none.
    assert nights(at(2026, 6, 9, 9), at(2026, 6, 9, 15), *VILNIUS) == []


def test_winter_nights_are_longer_than_summer_ones() -> None:
    summer = nights(at(2026, 6, 21, 12), at(2026, 6, 21, 13), *VILNIUS)
    winter = nights(at(2026, 12, 21, 12), at(2026, 12, 21, 20), *VILNIUS)
    assert len(summer) == 0 and len(winter) == 1
    summer = nights(at(2026, 6, 21, 12), at(2026, 6, 21, 23), *VILNIUS)
    assert hours(summer[0]) < 8 < 16 < hours(winter[0])


def test_midnight_sun_has_no_night() -> None:
    assert nights(at(2026, 6, 15), at(2026, 6, 18), *LONGYEARBYEN) == []
    assert nights(at(2026, 12, 15), at(2026, 12, 18), *MCMURDO) == []


def test_polar_night_is_night_throughout() -> None:
    start, end = at(2026, 12, 15), at(2026, 12, 18)
    assert nights(start, end, *LONGYEARBYEN) == [(start, end)]
    assert nights(at(2026, 6, 15), at(2026, 6, 18), *MCMURDO) == [
        (at(2026, 6, 15), at(2026, 6, 18))]


def test_the_end_of_the_polar_night_is_cut_at_the_window_and_then_alternates() -> None:
    start, end = at(2026, 2, 10), at(2026, 2, 25)
    found = nights(start, end, *LONGYEARBYEN)
    assert found[0][0] == start  # the polar night began long before the window
    assert len(found) > 5
    for (a, b), (c, _) in pairwise(found):
        assert a < b < c
    assert hours(found[-1]) < hours(found[1])  # the days lengthen


def test_bad_windows_are_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        nights(datetime(2026, 6, 9), datetime(2026, 6, 10), *VILNIUS)
    with pytest.raises(ValueError, match="before"):
        nights(at(2026, 6, 10), at(2026, 6, 9), *VILNIUS)


def test_other_zones_are_read_as_the_same_instants() -> None:
    vilnius_summer = timezone(timedelta(hours=3))
    here = nights(datetime(2026, 6, 9, 15, tzinfo=vilnius_summer),
                  datetime(2026, 6, 10, 2, tzinfo=vilnius_summer), *VILNIUS)
    assert here == nights(at(2026, 6, 9, 12), at(2026, 6, 9, 23), *VILNIUS)
