"""What the console remembers between runs: layout, stores, how times and places read, the
look and the classification marking. Kept with QSettings in an INI file.

Every value read back is checked: a hand-edited or older file with a value this version does
not know gives the default, never an error at start-up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Protocol

import mgrs
import platformdirs
from PySide6.QtCore import QByteArray, QObject, QSettings, Signal
from PySide6.QtWidgets import QMainWindow, QSplitter

from app.core import timefmt
from app.core.paths import APP_NAME
from app.gui import display

TIME_STYLES = ("iso", "dtg")
TIME_ZONES = ("utc", "local")
COORDINATES = ("mgrs", "latlon")
THEMES = ("system", "light", "dark")
MARKING_MAX = 80
RECENT_MAX = 8
DEFAULT_MARKING_COLOUR = "#007a33"
_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Preset:
    text: str
    colour: str


# NATO prescribes no banner colours. These follow the US CAPCO banner colours, which most
# NATO systems copy, for the levels they share; RESTRICTED has no CAPCO level and takes the
# colour of the nearest one below CONFIDENTIAL (CUI purple), so that no two levels look alike.
PRESETS: tuple[Preset, ...] = (
    Preset("NATO UNCLASSIFIED", "#007a33"),
    Preset("NATO RESTRICTED", "#502b85"),
    Preset("NATO CONFIDENTIAL", "#0033a0"),
    Preset("NATO SECRET", "#c8102e"),
    Preset("COSMIC TOP SECRET", "#ff8c00"),
)

_DEFAULTS: dict[str, str] = {
    "time_style": "iso",
    "time_zone": "utc",
    "coordinates": "latlon",
    "theme": "system",
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "time_style": TIME_STYLES,
    "time_zone": TIME_ZONES,
    "coordinates": COORDINATES,
    "theme": THEMES,
}


def default_path() -> Path:
    """The user's settings file: MovCon/MovCon.ini in the configuration folder, where QSettings
    would put organisation "MovCon", application "MovCon" on Linux. Found afresh each time:
    QSettings fixes its own folders once per process, which would ignore a changed
    XDG_CONFIG_HOME (each test has its own)."""
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)) / f"{APP_NAME}.ini"


class Settings(QObject):
    """Typed, validated access to the console's settings.

    `path`: an INI file of its own (tests, a portable install); without it, the user's
    (`default_path`). `changed` carries the name of a value that changed (e.g. "time_style")
    so that the views can redraw.
    """

    changed = Signal(str)

    def __init__(self, path: str | Path | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # INI everywhere, Windows included (not the registry): one readable file to copy.
        self._q = QSettings(str(path or default_path()), QSettings.Format.IniFormat)

    @property
    def file_name(self) -> str:
        return self._q.fileName()

    def sync(self) -> None:
        """Write to disk now (QSettings otherwise writes when idle or at exit)."""
        self._q.sync()

    # -- choices ---------------------------------------------------------------------------
    @property
    def time_style(self) -> str:
        return self._choice("time_style")

    @time_style.setter
    def time_style(self, value: str) -> None:
        self._set_choice("time_style", value)

    @property
    def time_zone(self) -> str:
        return self._choice("time_zone")

    @time_zone.setter
    def time_zone(self, value: str) -> None:
        self._set_choice("time_zone", value)

    @property
    def coordinates(self) -> str:
        return self._choice("coordinates")

    @coordinates.setter
    def coordinates(self, value: str) -> None:
        self._set_choice("coordinates", value)

    @property
    def theme(self) -> str:
        return self._choice("theme")

    @theme.setter
    def theme(self, value: str) -> None:
        self._set_choice("theme", value)

    # -- classification marking ------------------------------------------------------------
    @property
    def marking_text(self) -> str:
        raw = self._q.value("marking/text")
        if not isinstance(raw, str):
            return ""
        # A file edited by hand keeps its marking, cut to one printable line of the allowed
        # length: dropping it would show a classified console unmarked.
        return clean_marking(raw)[:MARKING_MAX]

    @marking_text.setter
    def marking_text(self, value: str) -> None:
        text = _one_line(value)
        if len(text) > MARKING_MAX:
            raise ValueError(f"a marking has at most {MARKING_MAX} characters")
        if not text.isprintable():  # the exports refuse control characters too
            raise ValueError("a marking is one line of printable text")
        self._store("marking_text", "marking/text", text)

    @property
    def marking_colour(self) -> str:
        raw = self._q.value("marking/colour")
        return raw.lower() if isinstance(raw, str) and _HEX.match(raw) else DEFAULT_MARKING_COLOUR

    @marking_colour.setter
    def marking_colour(self, value: str) -> None:
        if not isinstance(value, str) or not _HEX.match(value):
            raise ValueError(f"a marking colour is #rrggbb, not {value!r}")
        self._store("marking_colour", "marking/colour", value.lower())

    # -- stores ----------------------------------------------------------------------------
    @property
    def last_store(self) -> Path | None:
        raw = self._q.value("stores/last")
        return Path(raw) if isinstance(raw, str) and raw.strip() else None

    @last_store.setter
    def last_store(self, value: str | Path | None) -> None:
        self._store("last_store", "stores/last", str(value) if value else "")

    @property
    def recent_stores(self) -> list[Path]:
        """Most recent first. Stores now missing stay listed: a removable drive comes back."""
        raw = self._q.value("stores/recent")
        # An INI list of one comes back as a plain string, and an empty one as None.
        items = [raw] if isinstance(raw, str) else raw if isinstance(raw, list) else []
        return [Path(p) for p in _unique(str(p) for p in items if isinstance(p, str) and p)]

    @recent_stores.setter
    def recent_stores(self, paths: list[Path] | list[str]) -> None:
        self._store("recent_stores", "stores/recent",
                    _unique(str(p) for p in paths if str(p))[:RECENT_MAX])  # fmt: skip

    def remember_store(self, path: str | Path) -> None:
        """The store just opened: the one to reopen next time, first among the recent."""
        self.last_store = path
        self.recent_stores = [Path(path), *self.recent_stores]

    # -- window layout ---------------------------------------------------------------------
    def save_window(self, window: QMainWindow,
                    splitters: dict[str, QSplitter] | None = None) -> None:  # fmt: skip
        """Geometry, docks and toolbars (which need object names), and splitter positions."""
        self._q.setValue("window/geometry", window.saveGeometry())
        self._q.setValue("window/state", window.saveState())
        for name, splitter in (splitters or {}).items():
            self._q.setValue(f"splitters/{name}", splitter.saveState())

    def restore_window(self, window: QMainWindow,
                       splitters: dict[str, QSplitter] | None = None) -> bool:  # fmt: skip
        """Put the window back as saved; False when nothing (usable) was saved, so the
        caller keeps its own default size."""
        geometry = self._bytes("window/geometry")
        restored = bool(geometry) and window.restoreGeometry(geometry)
        state = self._bytes("window/state")
        if state:
            window.restoreState(state)
        self.restore_splitters(splitters or {})
        return restored

    def restore_splitters(self, splitters: dict[str, QSplitter]) -> None:
        """The splitter positions saved by `save_window` (views made anew for a store)."""
        for name, splitter in splitters.items():
            saved = self._bytes(f"splitters/{name}")
            if saved:
                splitter.restoreState(saved)

    # -- inner workings --------------------------------------------------------------------
    def _choice(self, name: str) -> str:
        raw = self._q.value(f"display/{name}")
        return raw if isinstance(raw, str) and raw in _CHOICES[name] else _DEFAULTS[name]

    def _set_choice(self, name: str, value: str) -> None:
        if value not in _CHOICES[name]:
            raise ValueError(f"{name} is one of {', '.join(_CHOICES[name])}, not {value!r}")
        self._store(name, f"display/{name}", value)

    def _store(self, name: str, key: str, value: object) -> None:
        before = getattr(self, name)
        self._q.setValue(key, value)
        if getattr(self, name) != before:
            self.changed.emit(name)

    def _bytes(self, key: str) -> QByteArray | None:
        raw = self._q.value(key)
        return raw if isinstance(raw, QByteArray) and not raw.isEmpty() else None


def clean_marking(text: str) -> str:
    """`text` as a marking can be: one line, control characters (a paste, a hand edit) out."""
    return _one_line("".join(c for c in str(text) if c.isprintable() or c.isspace()))


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _unique(items: object) -> list[str]:
    return list(dict.fromkeys(items))  # type: ignore[call-overload]


# -- display that follows the settings --------------------------------------------------------
_MGRS = mgrs.MGRS()
# Military time zone letters, by whole hours east of UTC (J, the observer's time, is unused:
# in a multinational cell "local" must say whose).
_ZONE_LETTERS = {0: "Z", **{h: "ABCDEFGHIKLM"[h - 1] for h in range(1, 13)},
                 **{-h: "NOPQRSTUVWXY"[h - 1] for h in range(1, 13)}}  # fmt: skip
_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


class DisplayChoices(Protocol):
    """What the format functions read: a `Settings`, or choices not yet saved (a preview)."""

    @property
    def time_style(self) -> str: ...

    @property
    def time_zone(self) -> str: ...

    @property
    def coordinates(self) -> str: ...


def format_time(moment: datetime | str | None, settings: DisplayChoices,
                local_zone: tzinfo | None = None) -> str:  # fmt: skip
    """A stored time as the user chose to read it.

    ISO: 2026-03-02 14:30Z, or in local time 2026-03-02 16:30 +02:00.
    DTG: 021430ZMAR26, or in local time 021630BMAR26 (the zone's letter; a zone off the whole
    hour has none, and its times stay in Z). `local_zone`: the zone taken as local (the
    computer's by default).
    """
    if moment is None or moment == "":
        return display.MISSING
    when = timefmt.parse_utc(moment) if isinstance(moment, str) else moment.astimezone(timefmt.UTC)
    local = settings.time_zone == "local"
    if local:
        when = when.astimezone(local_zone) if local_zone is not None else when.astimezone()
    offset = when.utcoffset() or timedelta(0)
    if settings.time_style == "dtg":
        hours, rest = divmod(offset, timedelta(hours=1))
        letter = _ZONE_LETTERS.get(hours) if not rest else None
        if letter is None:
            when, letter = when.astimezone(timezone.utc), "Z"
        return f"{when:%d%H%M}{letter}{_MONTHS[when.month - 1]}{when:%y}"
    if not local:
        return timefmt.short(when)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = int(abs(offset).total_seconds()) // 60
    return f"{when:%Y-%m-%d %H:%M} {sign}{minutes // 60:02d}:{minutes % 60:02d}"


def format_position(lon: float | None, lat: float | None, settings: DisplayChoices,
                    precision: int = 5) -> str:  # fmt: skip
    """A position as MGRS (35U LA 89106 61342, 1 m with `precision` 5; the polar UPS form
    beyond 84° N and 80° S) or as latitude/longitude, which also shows for a position the grid
    refuses."""
    if lon is None or lat is None:
        return display.MISSING
    if settings.coordinates == "mgrs":
        try:
            grid = _MGRS.toMGRS(lat, lon, MGRSPrecision=precision)
        except Exception:  # the library raises its own errors for positions it refuses
            return display.position((lon, lat))
        return _spaced_grid(grid if isinstance(grid, str) else grid.decode(), precision)
    return display.position((lon, lat))


def _spaced_grid(grid: str, precision: int) -> str:
    # 35ULA8910661342 -> 35U LA 89106 61342: how grids are read out and written on maps.
    cut = len(grid) - 2 * precision - 2
    zone, square, numbers = grid[:cut], grid[cut : cut + 2], grid[cut + 2 :]
    if not precision:
        return f"{zone} {square}"
    return f"{zone} {square} {numbers[:precision]} {numbers[precision:]}"
