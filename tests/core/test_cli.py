import hashlib
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.core.request_data import request


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "cell.db"
    assert run(capsys, "--db", str(path), "init", "--nation", "LT", "--site", "Vilnius")[0] == 0
    return path


def log_size(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM change_log").fetchone()[0]


def test_init_refuses_an_existing_store_and_unknown_nations(
        tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(db), "init", "--nation", "LV")
    assert code == 2 and err.count("\n") == 1 and "exists already" in err
    code, _, err = run(capsys, "--db", str(tmp_path / "x.db"), "init", "--nation", "QQ")
    assert code == 2 and "unknown nation code 'QQ'" in err
    assert not (tmp_path / "x.db").exists()


def test_movement_add_prints_the_new_id_alone(
        tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "request.json"
    file.write_text(json.dumps(request()), encoding="utf-8")
    code, out, err = run(capsys, "--db", str(db), "movement", "add", str(file))
    assert code == 0 and err == ""
    new_id = out.strip()
    assert out == new_id + "\n" and len(new_id) == 36

    code, out, _ = run(capsys, "--db", str(db), "movements", "list", "--json")
    listed = json.loads(out)
    assert [m["id"] for m in listed] == [new_id] and listed[0]["vehicles"] == 44

    code, out, _ = run(capsys, "--db", str(db), "movement", "show", new_id, "--json")
    shown = json.loads(out)
    assert shown["owner"] == "LT" and len(shown["serials"]) == 2

    code, out, _ = run(capsys, "--db", str(db), "movement", "show", new_id)
    assert "Panzerbataillon 393 to Rukla" in out and "serial 2" in out

    code, out, _ = run(capsys, "--db", str(db), "history", new_id)
    assert code == 0 and "movements.owner = \"LT\"" in out and "Vilnius (this site)" in out


@pytest.mark.parametrize(("content", "words"), [
    ("{not json", "$: not valid JSON (line 1, column 2"),
    (json.dumps(request(owner="ZZ")), "$.owner: unknown nation code 'ZZ'"),
    (json.dumps(request(vehicles=[])), "$.vehicles: [] should be non-empty"),
    (json.dumps([1, 2]), "$: [1, 2] is not of type 'object'"),
])  # fmt: skip
def test_a_bad_request_file_is_refused_on_one_line_and_writes_nothing(
        tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str], content: str,
        words: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(content, encoding="utf-8")
    before = log_size(db)
    code, out, err = run(capsys, "--db", str(db), "movement", "add", str(file))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert words in err and str(file) in err
    assert log_size(db) == before


def test_missing_request_file_and_unknown_id(
        tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--db", str(db), "movement", "add", str(tmp_path / "none.json"))
    assert code == 2 and "cannot read" in err and "No such file" in err
    code, _, err = run(capsys, "--db", str(db), "movement", "show", "nope")
    assert code == 2 and "no movement with id nope" in err


def test_store_comes_from_movcon_db(db: Path, capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVCON_DB", str(db))
    code, out, _ = run(capsys, "movements", "list")
    assert code == 0 and out.startswith("ID")


def test_a_damaged_store_is_named_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 1000)
    code, _, err = run(capsys, "--db", str(bad), "movements", "list")
    assert code == 2 and err.count("\n") == 1 and "not a MovCon store" in err


def test_generate_is_deterministic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    digests = []
    for name in ("a.db", "b.db"):
        path = tmp_path / name
        assert run(capsys, "--db", str(path), "generate", "--movements", "40",
                   "--seed", "5")[0] == 0
        with sqlite3.connect(path) as conn:
            rows = conn.execute("SELECT origin, seq, hlc, tbl, row_id, field, value "
                                "FROM changes ORDER BY origin, seq").fetchall()
            assert conn.execute("SELECT count(*) FROM movements").fetchone()[0] == 40
        digests.append(hashlib.sha256(repr(rows).encode()).hexdigest())
    assert digests[0] == digests[1]
    code, _, err = run(capsys, "--db", str(tmp_path / "a.db"), "generate", "--movements", "3")
    assert code == 2 and "--force" in err


def test_python_dash_m_app_reports_its_version() -> None:
    result = subprocess.run([sys.executable, "-m", "app", "--version"], capture_output=True,
                            text=True, cwd=Path(__file__).parents[2])
    assert result.returncode == 0 and result.stdout.startswith("movcon ")


def _vehicle_without_dimensions() -> dict:
    doc = request()
    for key in ("length_m", "width_m", "height_m"):
        del doc["vehicles"][0][key]
    return doc


@pytest.mark.parametrize(("doc", "words"), [
    (request(route=[[23.12, 54.30]]), "$.route: [[23.12, 54.3]] is too short"),
    (request(route=[[21.12, 55.71], [18.3, 57.6]]),
     "$.route: the road route runs through open sea from km"),
    (request(speed_kmh=0), "$.speed_kmh: 0 is less than or equal to the minimum of 0"),
    (_vehicle_without_dimensions(), "$.vehicles[0]: 'length_m' is a required property"),
])  # fmt: skip
def test_requests_that_cannot_be_planned_are_refused(
        tmp_path: Path, db: Path, capsys: pytest.CaptureFixture[str], doc: dict,
        words: str) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps(doc), encoding="utf-8")
    before = log_size(db)
    code, out, err = run(capsys, "--db", str(db), "movement", "add", str(file))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert words in err, err
    assert log_size(db) == before


def test_a_sea_leg_may_cross_the_sea(tmp_path: Path, db: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "ferry.json"
    file.write_text(json.dumps(request(domain="sea", route=[[21.12, 55.71], [18.3, 57.6]])),
                    encoding="utf-8")
    assert run(capsys, "--db", str(db), "movement", "add", str(file))[0] == 0
