"""Runs every benchmark and prints its table: `python -m bench [name ...]`."""

from __future__ import annotations

import sys

from bench import deconfliction, first_paint, route_analysis, write_path

BENCHES = {
    "write_path": write_path.run,
    "first_paint": first_paint.run,
    "route_analysis": route_analysis.run,
    "deconfliction": deconfliction.run,
}


def main(names: list[str]) -> int:
    unknown = [n for n in names if n not in BENCHES]
    if unknown:
        print(f"unknown benchmark {unknown[0]!r}; known: {', '.join(BENCHES)}", file=sys.stderr)
        return 2
    for name in names or list(BENCHES):
        text, _ = BENCHES[name]()
        print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
