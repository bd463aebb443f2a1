"""Record identifiers: UUIDv7 (RFC 9562) text keys, random or derived from a stable name.

Synced rows are keyed by UUIDv7 so that ids made on different laptops never collide and
sort roughly by creation time. Reference data shipped with the application gets ids derived
from a stable name, so every store holds the same id for the same bridge or nation.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid

_UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")

# Reference data is stamped with the BMMA declaration date: 2026-01-30T00:00:00Z.
BASELINE_MS = 1769731200000


def _compose(unix_ms: int, rand: bytes) -> str:
    """Lay out a UUIDv7: 48-bit big-endian ms timestamp, version 7, variant 10, 74 bits."""
    value = (unix_ms & 0xFFFF_FFFF_FFFF) << 80
    value |= 0x7 << 76
    value |= (int.from_bytes(rand[0:2], "big") & 0x0FFF) << 64
    value |= 0b10 << 62
    value |= int.from_bytes(rand[2:10], "big") & 0x3FFF_FFFF_FFFF_FFFF
    return str(uuid.UUID(int=value))


def new_id(unix_ms: int | None = None) -> str:
    """A fresh random UUIDv7 as lowercase text."""
    ms = int(time.time() * 1000) if unix_ms is None else unix_ms
    return _compose(ms, os.urandom(10))


def stable_id(kind: str, key: str) -> str:
    """The same UUIDv7 in every store for reference record `key` of `kind`."""
    digest = hashlib.sha256(f"movcon:{kind}:{key}".encode()).digest()
    return _compose(BASELINE_MS, digest)


def seeded_id(rng_bytes: bytes, unix_ms: int) -> str:
    """A UUIDv7 from caller-supplied randomness, for deterministic generated stores."""
    return _compose(unix_ms, rng_bytes)


def is_record_id(text: object) -> bool:
    return isinstance(text, str) and bool(_UUID_RE.match(text))
