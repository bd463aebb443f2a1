"""How field values are held in SQLite columns and in the change log."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from json.encoder import encode_basestring as _encode_str  # type: ignore[attr-defined]
from typing import Any

from app.core.domain.records import JSON_KINDS, Table

# One encoder for all: json.dumps with options builds a new encoder on every call.
_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode


def to_column(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in JSON_KINDS:
        return _encode(value)
    if kind == "bool":
        return int(value)
    return value


def from_column(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in JSON_KINDS:
        return json.loads(value)
    if kind == "bool":
        return bool(value)
    return value


def to_log(value: Any) -> str:
    """Change-log values are JSON, so a merge can restore the exact Python value."""
    # Scalars by hand: this runs for every logged field, and the encoder is slow to start.
    kind = type(value)
    if kind is str:
        return _encode_str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is int or (kind is float and math.isfinite(value)):
        return repr(value)
    return _encode(value)


def from_log(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def decode_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["id"], "deleted": bool(row["deleted"])}
    for f in table.fields:
        out[f.name] = from_column(f.kind, row[f.name])
    return out
