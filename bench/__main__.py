"""Runs benchmarks and prints their tables: `python -m bench [name ...]`.

With several names (or none: all of them) each runs in a process of its own, so one
benchmark's memory and caches do not weigh on the next one's figures.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

BENCHES = ("write_path", "first_paint", "route_analysis", "deconfliction", "sync",
           "envelope", "inbox", "map", "timeline", "exports", "find")


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    if len(names) == 1:
        text, _ = importlib.import_module(f"bench.{names[0]}").run()
        print(text)
        return 0
    failed = 0
    for name in names or BENCHES:
        failed |= subprocess.run([sys.executable, "-m", "bench", name]).returncode
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
