"""Movement request files: JSON documents an owner nation sends to ask for a movement.

The file is checked in two passes, both before anything is written: its shape against the
JSON Schema in `resources/schema/`, then the domain rules (known nations, times in order,
positions on the globe). Every refusal names the JSON path of the fault.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from app.core import timefmt
from app.core.domain import validation
from app.core.domain.records import MOVEMENTS, SERIALS
from app.core.paths import resources_dir

DEFAULT_SERIAL_SIZE = 24
_MOVEMENT_KEYS = set(MOVEMENTS.field_names)


class RequestError(ValueError):
    """A request that cannot be accepted; the message starts with the JSON path."""


@dataclass(frozen=True)
class MovementRequest:
    movement: dict[str, Any]
    serials: list[dict[str, Any]]


@cache
def schema() -> dict[str, Any]:
    path = resources_dir() / "schema" / "movement-request.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))


def read(path: str | Path, ctx: validation.Context) -> MovementRequest:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RequestError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}"
                           ) from None  # fmt: skip
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RequestError(f"$: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                           f"{exc.msg})") from None  # fmt: skip
    return parse(document, ctx)


def parse(document: Any, ctx: validation.Context) -> MovementRequest:
    import jsonschema  # only requests need it; keeps it out of the console's start-up

    errors = sorted(jsonschema.Draft202012Validator(schema()).iter_errors(document),
                    key=lambda e: (list(e.absolute_path), e.validator != "required"))
    if errors:
        best = jsonschema.exceptions.best_match(errors)
        raise RequestError(f"{best.json_path}: {best.message}")
    fields = {k: v for k, v in document.items() if k in _MOVEMENT_KEYS}
    fields.setdefault("status", "submitted")
    fields.setdefault("requested_at", timefmt.now_iso())
    try:
        movement = validation.record(MOVEMENTS, fields, ctx)
        vehicles = validation.value(SERIALS.by_name["vehicles"], "vehicles",
                                    document["vehicles"], ctx)
    except validation.ValidationError as exc:
        raise RequestError(f"$.{exc.field}: {exc.message}") from None
    size = document.get("serial_size", DEFAULT_SERIAL_SIZE)
    return MovementRequest(movement, split_into_serials(vehicles, size))


def split_into_serials(vehicles: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """Group vehicle lines into serials of at most `size` vehicles, in the order listed."""
    serials: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    room = size
    for line in vehicles:
        left = line["count"]
        while left:
            take = min(left, room)
            current.append({**line, "count": take})
            left -= take
            room -= take
            if room == 0:
                serials.append({"number": len(serials) + 1, "vehicles": current})
                current, room = [], size
    if current:
        serials.append({"number": len(serials) + 1, "vehicles": current})
    return serials
