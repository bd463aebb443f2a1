"""The built application folder (`make package`): the binary starts offscreen, writes the
demo store and a snapshot of it. Skipped until the folder is built (CI builds it first)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MOVCON_PACKAGE", ROOT / "dist" / "movcon" / "movcon"))

pytestmark = pytest.mark.skipif(not BINARY.exists(),
                                reason=f"no built package at {BINARY}: run `make package`")


def _run(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "LANG": "C.UTF-8",
           "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    return subprocess.run([str(BINARY), *args], capture_output=True, text=True, env=env,
                          timeout=180, check=False)  # fmt: skip


def test_the_binary_tells_its_version(tmp_path: Path) -> None:
    done = _run("--version", tmp_path=tmp_path)
    assert done.returncode == 0 and done.stdout.startswith("movcon ")


def test_the_binary_writes_the_demo_and_a_snapshot(tmp_path: Path) -> None:
    store = tmp_path / "demo.db"
    done = _run("--db", str(store), "demo", tmp_path=tmp_path)
    assert done.returncode == 0, done.stderr
    for view in ("main", "map", "timeline"):
        out = tmp_path / f"{view}.png"
        done = _run("--db", str(store), "snapshot", "--view", view, "--size", "1200x800",
                    "--out", str(out), tmp_path=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_the_binary_refuses_bad_input_with_a_message(tmp_path: Path) -> None:
    done = _run("--db", str(tmp_path / "missing.db"), "movements", "list", tmp_path=tmp_path)
    assert done.returncode == 2 and "missing.db" in done.stderr


def test_the_binary_exports_a_marked_pdf_and_a_geopackage(tmp_path: Path) -> None:
    # The console makes its PDFs with this command of its own binary (a process of its own).
    store = tmp_path / "demo.db"
    assert _run("--db", str(store), "demo", tmp_path=tmp_path).returncode == 0
    for fmt, magic in (("pdf", b"%PDF-"), ("gpkg", b"SQLite format 3\x00")):
        out = tmp_path / f"plans.{fmt}"
        done = _run("--db", str(store), "export", "--format", fmt, "--out", str(out),
                    "--marking", "NATO RESTRICTED", tmp_path=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("wrote ") and out.read_bytes()[: len(magic)] == magic
