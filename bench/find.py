"""The find box of the map and the timeline (Ctrl+F) over 10,000 movements: a keystroke.

The store: a synthetic one of 10,000 movements (`app.core.synthetic`, through the write
path) and its reference critical points, the movements renamed in bare SQL to code names
as bench/inbox.py names them ("Iron Lynx 00412": one two-word name picks ~1 %); set-up not
timed. One `app.gui.find_box.FindBox(store)` (offscreen), as on the map: movements and
points.

Measured, median of RUNS:
* `reload()`: the names read and folded, once per store change (the first keystroke after
  one pays it: the box reloads when it is stale);
* `matches(text)` for typed prefixes: one letter, two, a place typed without its accents
  ("adaz" finds Ādaži), a two-word code name, and words that match nothing;
* `_suggest(text)`: the keystroke itself (`textEdited`): `matches`, then the popup's model
  filled with up to 50 rows and the popup shown; and that popup part alone (`_suggest`
  with `matches` answering from a list found before);
* the same test written plainly (every folded word in every folded text, a generator an
  entry, no ranking), as `matches` first did it, to show what narrowing by the first word
  in one comprehension saves.
The baseline, in the same run: a plain `[t for t in texts if q in t.lower()]` over the same
display texts in a Python list (no accent folding, no word splitting, no ranking).
The target: a keystroke within one frame (16 ms).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.report import median_ms, table, timed

MOVEMENTS = 10_000
RUNS = 20
TARGET_MS = 16.0
QUERIES = ("a", "ad", "adaz", "iron lynx", "zqx")


def build(path: Path) -> float:
    """Write the store; returns its seconds."""
    from app.core import synthetic
    from app.core.store import Store
    from bench.inbox import CODE_FIRST, CODE_SECOND

    start = time.perf_counter()
    synthetic.generate(path, MOVEMENTS, seed=1)
    rng = random.Random(1)
    store = Store.open(path)
    try:
        conn = store.conn
        conn.execute("BEGIN IMMEDIATE")
        ids = [r[0] for r in conn.execute("SELECT id FROM movements ORDER BY id")]
        conn.executemany("UPDATE movements SET name = ? WHERE id = ?", [
            (f"{rng.choice(CODE_FIRST)} {rng.choice(CODE_SECOND)} {n:05d}", i)
            for n, i in enumerate(ids, start=1)])
        conn.execute("COMMIT")
    finally:
        store.close()
    return time.perf_counter() - start


def run(runs: int = RUNS) -> tuple[str, dict[str, float]]:
    from app.core.store import Store
    from app.gui.app import application

    application()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "find.db"
        made = build(path)
        store = Store.open(path)
        try:
            text, figures = _measure(store, runs)
        finally:
            store.close()
    figures["setup_s"] = made
    text += (f"set-up, not timed: {MOVEMENTS:,} movements (write path) and their code names "
             f"{made:.1f} s\n")
    return text, figures


def _measure(store: Any, runs: int) -> tuple[str, dict[str, float]]:
    from PySide6.QtWidgets import QApplication

    from app.gui.find_box import FindBox, fold

    box = FindBox(store)
    box.resize(320, 28)
    box.show()
    QApplication.processEvents()
    f: dict[str, float] = {"reload_ms": median_ms(timed(box.reload, max(5, runs // 4)))}
    entries = len(box._entries)
    texts = [e.text for e in box._entries]
    folded = box._folded
    rows = []
    for q in QUERIES:
        hits = len(box.matches(q))
        plain = len([t for t in texts if q in t.lower()])
        found_s, key_s = [], []
        for _ in range(runs):  # alternating, so that drift weighs on both alike
            found_s += timed(lambda q=q: box.matches(q), 1)
            key_s += timed(lambda q=q: box._suggest(q), 1)
        ms, key = median_ms(found_s), median_ms(key_s)
        QApplication.processEvents()
        shown = box.suggestions.rowCount()
        # The popup alone: the same keystroke with its matches already found (an instance
        # attribute over the method, removed after).
        found = box.matches(q)
        box.matches = lambda text, limit=None, found=found: found[:limit]
        popup = median_ms(timed(lambda q=q: box._suggest(q), runs))
        del box.matches
        QApplication.processEvents()
        base = median_ms(timed(lambda q=q: [t for t in texts if q in t.lower()], runs))
        words = " ".join(fold(q).split()).split()
        listed = median_ms(timed(lambda words=words: [
            i for i, s in enumerate(folded) if all(w in s for w in words)], runs))
        f |= {f"{q}_hits": hits, f"{q}_matches_ms": ms, f"{q}_keystroke_ms": key,
              f"{q}_base_ms": base, f"{q}_plain_hits": plain, f"{q}_listed_ms": listed,
              f"{q}_popup_ms": popup}
        rows.append((f'"{q}"', f"{hits:,}", f"{plain:,}", f"{ms:.1f}", f"{base:.2f}",
                     f"{ms / base:.1f}x", f"{listed:.1f}", f"{key:.1f}", f"{shown}",
                     f"{popup:.1f}",
                     "yes" if key < TARGET_MS else "NO"))
    box.completer_.popup().hide()
    box.close()
    worst = max(f[f"{q}_keystroke_ms"] for q in QUERIES)
    first = f["reload_ms"] + worst
    text = table(
        f"Find box: {MOVEMENTS:,} movements + {entries - MOVEMENTS:,} critical points = "
        f"{entries:,} entries; median of {runs}; ratio: matches() ÷ baseline",
        rows, ("typed", "hits", "plain hits", "matches() ms", "baseline ms", "ratio",
               "test on list ms", "keystroke ms", "rows", "popup ms", f"< {TARGET_MS:.0f} ms"))
    text += "\n" + table(
        "Once per store change", [
            (f"reload(): read and fold every name (median of {max(5, runs // 4)})",
             f"{f['reload_ms']:.1f}"),
            ("first keystroke after a change: reload() + the slowest keystroke",
             f"{first:.1f}")],
        ("step", "ms"))
    text += ("baseline: [t for t in texts if q in t.lower()] over the display texts; "
             "plain hits: what it finds (no folding, the words as one string)\n"
             "test on list: every folded word tested in every folded text, one generator an "
             "entry (how matches() first did it; it now narrows by the first word in one "
             "comprehension)\n"
             "keystroke: _suggest(text), matches() then the popup; popup: _suggest with "
             "the matches already found (rows into the popup's model, the popup shown)\n")
    f |= {"entries": entries, "worst_keystroke_ms": worst, "first_keystroke_ms": first}
    return text, f


if __name__ == "__main__":
    print(run()[0])
