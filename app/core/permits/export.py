"""The permit inbox as a CSV file for spreadsheets: rows of `inbox.page`, one permit a line.

A classification marking, when given, is the first line, as a `#` comment (as the march
tables' CSV writes it).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from app.core import timefmt
from app.core.domain.vocabulary import PERMIT_MODES, PERMIT_STATUSES
from app.core.exports.geojson import marking_text
from app.core.sync.keys import fsync_folder


def _time(value: Any) -> str:
    return timefmt.normalize(value) if value else ""


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _text(value: Any) -> str:
    """Free text from any nation: a leading =, +, - or @ would make a spreadsheet run it as
    a formula, so such a cell starts with an apostrophe (shown as text, OWASP's advice)."""
    text = _plain(value)
    return "'" + text if text[:1] in _FORMULA_STARTS else text


_FORMULA_STARTS = frozenset("=+-@\t\r")


def _label(names: Mapping[str, str]) -> Callable[[Any], str]:
    return lambda value: names.get(value, value or "")


# Column heading, row key, how the value is written. Times stay ISO 8601 UTC so that a
# spreadsheet in any time zone reads the same moment; the ids let a file be matched back.
COLUMNS: tuple[tuple[str, str, Callable[[Any], str]], ...] = (
    ("Movement", "movement", _text),
    ("Owner", "owner", _plain),
    ("Host nation", "host", _plain),
    ("Route", "route", _text),
    ("Vehicles", "vehicles", _plain),
    ("Highest MLC", "max_mlc", _plain),
    ("Valid from (UTC)", "window", _time),
    ("Valid until (UTC)", "valid_until", _time),
    ("Deadline (UTC)", "deadline", _time),
    ("Status", "status", _label(PERMIT_STATUSES)),
    ("Mode", "mode", _label(PERMIT_MODES)),
    ("Requested at (UTC)", "requested_at", _time),
    ("Reference", "reference", _text),
    ("Permit ID", "id", _plain),
    ("Movement ID", "movement_id", _plain),
)
HEADER = tuple(name for name, _, _ in COLUMNS)


def csv_text(rows: Iterable[Mapping[str, Any]], marking: str | None = None) -> str:
    """The CSV text of inbox rows: the marking (if any), a heading line, then one line per
    permit. ValueError for a marking of more than one printable line."""
    marking = marking_text(marking)
    out = io.StringIO()
    if marking:
        out.write(f"# {marking}\r\n")
    writer = csv.writer(out)  # RFC 4180: comma, quotes where needed, CRLF line ends
    writer.writerow(HEADER)
    for row in rows:
        values = dict(row)
        if not values.get("valid_until"):  # the movement's own dates, as the inbox shows
            values["valid_until"] = values.get("arrive_by")
        writer.writerow([fmt(values.get(key)) for _, key, fmt in COLUMNS])
    return out.getvalue()


def write_csv(rows: Iterable[Mapping[str, Any]], path: str | Path,
              marking: str | None = None) -> int:  # fmt: skip
    """Write inbox rows to `path` atomically (a reader sees the old file or the new one),
    under `marking` if given; returns how many rows. UTF-8 with a byte order mark:
    spreadsheet programs otherwise take the file for their local code page and garble Ādaži
    and Šiauliai."""
    path = Path(path)
    listed = list(rows)
    data = csv_text(listed, marking).encode("utf-8-sig")
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        fsync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return len(listed)
