"""How field values are held in SQLite columns and in the change log."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.core.domain.records import JSON_KINDS, Table


def to_column(kind: str, value: Any) -> Any:
    if value is None:
        return None
    if kind in JSON_KINDS:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
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
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def from_log(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def decode_row(table: Table, row: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row["id"], "deleted": bool(row["deleted"])}
    for f in table.fields:
        out[f.name] = from_column(f.kind, row[f.name])
    return out
