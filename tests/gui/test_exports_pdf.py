"""March tables as PDF: a movement per page, the marking on every page, `movcon export`."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from app.cli import EXIT_BAD_INPUT, main
from app.core.planning.model import MarchRow, MarchTable, MovementPlan, RouteAnalysis, SerialTiming
from app.core.planning.planner import Planner
from app.core.store import Store
from app.gui import exports_pdf

MARK = "NATO RESTRICTED"
T0 = datetime(2026, 6, 8, 6, 0, tzinfo=timezone.utc)
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="needs poppler's pdftotext (apt-get install "
                                            "poppler-utils)")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _texts(pdf: bytes, tmp_path: Path) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed); NFKC undoes the
    ligatures the PDF's font uses ("ﬄ" in "offload")."""
    path = tmp_path / "text.pdf"
    path.write_bytes(pdf)
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=60, check=True)
    return unicodedata.normalize("NFKC", done.stdout).split("\f")[:-1]


def _check_pdf(pdf: bytes) -> None:
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert b"/MediaBox [0 0 595" in pdf  # A4


class _Store:
    """What the writer reads of a store: the movement records."""

    def __init__(self, movements: list[dict[str, Any]]) -> None:
        self.movements = movements

    def rows(self, table: str) -> list[dict[str, Any]]:
        assert table == "movements"
        return self.movements


def _long_plan(movement_id: str, stations: int) -> MovementPlan:
    """One serial passing `stations` points: a table longer than a page."""
    rows = tuple(MarchRow(1, f"p{n}", f"Station {n:03d}", n * 2.0, T0 + timedelta(minutes=3 * n),
                          T0 + timedelta(minutes=3 * n + 10)) for n in range(stations))
    serial = SerialTiming(1, 40, 10.0, 10.0, 4.0, T0, rows[-1].tail_clear)
    table = MarchTable(movement_id, (serial,), rows)
    route = RouteAnalysis(rows[-1].km, ("LT",), (), ())
    return MovementPlan(movement_id, route, (), table, table)


@pytest.fixture
def demo_db(demo_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    shutil.copy(demo_path, path)
    return path


def _demo_plans(db: Path) -> tuple[list[dict[str, Any]], dict[str, MovementPlan]]:
    with Store.open(db) as store:
        planner = Planner(store)
        planner.plan_all()
        plans = {m: p for m in planner.movement_ids() if (p := planner.plan(m))}
        return list(store.rows("movements")), plans


@needs_pdftotext
def test_a_page_per_movement_with_the_marking_at_top_and_bottom(
        demo_db: Path, tmp_path: Path) -> None:
    records, plans = _demo_plans(demo_db)
    timed = [m for m, p in plans.items() if p.forecast.serials]
    pdf = exports_pdf.march_tables_pdf(_Store(records), plans, marking=MARK)
    _check_pdf(pdf)
    texts = _texts(pdf, tmp_path)
    assert _pages(pdf) == len(texts) >= len(timed) > 10
    for n, text in enumerate(texts):
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        assert lines[0] == MARK and lines[-1] == MARK, f"page {n + 1}"
        assert f"Page {n + 1} of {len(texts)}" in text
    names = {r["id"]: r["name"] for r in records}
    titles = [m.group(1).strip() for t in texts for m in re.finditer(r"March table: (.+)", t)]
    assert sorted(titles) == sorted(names[m] for m in timed)
    first = min(timed, key=lambda m: plans[m].forecast.serials[0].start)
    assert titles[0] == names[first]


@needs_pdftotext
def test_a_long_table_runs_over_pages_each_marked(tmp_path: Path) -> None:
    records = [{"id": "m1", "name": "Long column", "owner": "LT", "unit": "MECH BDE",
                "status": "planned", "priority": "routine"},
               {"id": "m2", "name": "Short column", "owner": "LV", "status": "draft",
                "priority": "crisis"}]
    plans = {"m1": _long_plan("m1", 150), "m2": _long_plan("m2", 3)}
    pdf = exports_pdf.march_tables_pdf(_Store(records), plans, marking=MARK)
    texts = _texts(pdf, tmp_path)
    assert _pages(pdf) == len(texts) >= 4  # 150 rows do not fit on one page
    body = "".join(texts)
    for n in range(150):
        assert f"Station {n:03d}" in body
    assert texts[-1].count("March table: Short column") == 1  # its own page
    for text in texts:
        assert text.count(MARK) == 2
    # Only the movements asked for; no marking, no marking line.
    one = exports_pdf.march_tables_pdf(_Store(records), plans, ["m2"])
    assert _pages(one) == 1
    text = _texts(one, tmp_path)[0]
    assert "Short column" in text and "Long column" not in text and MARK not in text
    with pytest.raises(ValueError, match="no movement 'nope'"):
        exports_pdf.march_tables_pdf(_Store(records), plans, ["nope"])
    with pytest.raises(ValueError, match="one line"):
        exports_pdf.march_tables_pdf(_Store(records), plans, marking="A\nB")


def test_the_command_writes_a_pdf_and_refuses_bad_input(
        demo_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "tables.pdf"
    argv = ["--db", str(demo_db), "export", "--format", "pdf", "--out", str(out)]
    assert main([*argv, "--marking", MARK]) == 0
    assert "movements (pdf) to" in capsys.readouterr().out
    pdf = out.read_bytes()
    _check_pdf(pdf)
    assert _pages(pdf) > 10
    assert not list(tmp_path.glob(".*.tmp"))
    out.write_bytes(b"old")
    assert main([*argv, "--movement", "no-such-id"]) == EXIT_BAD_INPUT
    assert "no movement 'no-such-id'" in capsys.readouterr().err
    assert main([*argv, "--marking", "A\x07B"]) == EXIT_BAD_INPUT
    assert out.read_bytes() == b"old"
