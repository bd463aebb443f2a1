"""Envelope: sealing and opening a 50 MB bundle against SHA-256 of the same bytes.

The plaintext looks like a bundle: three quarters os.urandom (deflated batch members are
incompressible) and one quarter repeated JSON text (the stored manifest), in 1 MiB blocks.
AES-GCM's speed does not depend on the bytes; the mix only keeps the test honest. Sealed to
three recipients, opened with the last one's key. Each run times seal, open and
hashlib.sha256 side by side; medians of the times, ratios per run then their median.
"""

from __future__ import annotations

import hashlib
import json
import os
import statistics
import time
from collections.abc import Callable

from app.core.sync import envelope
from bench.report import table

SIZE = 50_000_000
RUNS = 7
TARGET_RATIO = 3.0  # seal or open at most this many times a SHA-256 of the same bytes


def plaintext(size: int = SIZE) -> bytes:
    record = json.dumps({"origin": "0198a0d2-1c00-7000-8000-0000000000a1", "seq": 123456,
                         "tbl": "movements", "field": "remarks", "value": "via Kalvarija"})
    text = (record * (1 + (1 << 18) // len(record))).encode()[:1 << 18]
    block = os.urandom(3 << 18) + text
    return (block * (1 + size // len(block)))[:size]


def _timed(fn: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def run(runs: int = RUNS) -> tuple[str, dict[str, float]]:
    data = plaintext()
    pairs = [envelope.x25519_keypair() for _ in range(3)]
    publics = [public for _, public in pairs]
    seal_s, open_s, sha_s = [], [], []
    for _ in range(runs):
        took, sealed = _timed(lambda: envelope.seal(data, publics))
        seal_s.append(took)
        took, opened = _timed(lambda s=sealed: envelope.open_sealed(s, [pairs[-1][0]]))
        open_s.append(took)
        assert opened == data
        sha_s.append(_timed(lambda: hashlib.sha256(data).digest())[0])
        del sealed, opened
    mb = SIZE / 1e6
    f = {
        "bytes": float(SIZE), "seal_s": statistics.median(seal_s),
        "open_s": statistics.median(open_s), "sha256_s": statistics.median(sha_s),
        "seal_ratio": statistics.median(a / b for a, b in zip(seal_s, sha_s, strict=True)),
        "open_ratio": statistics.median(a / b for a, b in zip(open_s, sha_s, strict=True)),
    }  # fmt: skip

    def mark(ratio: float) -> str:
        return f"<= {TARGET_RATIO:g}x" + ("" if ratio <= TARGET_RATIO else "  MISSED")

    rows = [
        ("seal (3 recipients)", f"{f['seal_s'] * 1000:.0f} ms",
         f"{mb / f['seal_s']:.0f} MB/s", ""),
        ("open", f"{f['open_s'] * 1000:.0f} ms", f"{mb / f['open_s']:.0f} MB/s", ""),
        ("hashlib.sha256, same bytes", f"{f['sha256_s'] * 1000:.0f} ms",
         f"{mb / f['sha256_s']:.0f} MB/s", ""),
        ("  seal against sha256", "", f"{f['seal_ratio']:.2f}x", mark(f["seal_ratio"])),
        ("  open against sha256", "", f"{f['open_ratio']:.2f}x", mark(f["open_ratio"])),
    ]  # fmt: skip
    text = table(f"Envelope: seal and open {mb:g} MB (median of {runs} runs)", rows,
                 ("step", "time", "rate / ratio", "target"))
    return text, f


if __name__ == "__main__":
    print(run()[0])
