"""The planning commands: plan, conflicts and suggest, on the demo exercise."""

import json
from pathlib import Path

import pytest

from app.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(list(argv)) == 0
    return json.loads(capsys.readouterr().out)


def movement_id(capsys: pytest.CaptureFixture[str], db: Path, name: str) -> str:
    rows = run_json(capsys, "--db", str(db), "movements", "list", "--json")
    return next(r["id"] for r in rows if r["name"] == name)


def test_plan_json_has_the_documented_keys(demo_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    het = movement_id(capsys, demo_path, "Heavy armour to Ādaži (HET)")
    plan = run_json(capsys, "--db", str(demo_path), "plan", het, "--json")
    assert {"length_km", "nations", "crossings", "critical_points", "violations",
            "march_table"} <= set(plan)
    assert plan["nations"] == ["PL", "LT", "LV"]
    assert plan["crossings"] == ["Budzisko – Kalvarija", "Saločiai – Grenctāle"]
    flagged = {k: plan["violations"][0][k] for k in ("point", "rule", "limit", "value")}
    assert flagged == {"point": "Mūsa bridge, Bauska (E67/A7)", "rule": "mlc", "limit": 85,
                       "value": 105}
    first = plan["march_table"][0]
    assert set(first) >= {"serial", "point", "head_arrive", "tail_clear"}
    assert first["head_arrive"].endswith("Z")
    kms = [p["km"] for p in plan["critical_points"]]
    assert kms == sorted(kms) and plan["length_km"] >= kms[-1] > 0


def test_a_suggestion_for_another_nations_movement_is_not_applied(
        demo_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(demo_path.read_bytes())  # the LT cell's store
    troop = movement_id(capsys, db, "Stryker troop to Ādaži")
    before = db.read_bytes()
    assert main(["--db", str(db), "suggest", troop, "--apply"]) == 2
    err = capsys.readouterr().err
    assert "only US may change it, not LT" in err and len(err.splitlines()) == 1
    assert run_json(capsys, "--db", str(db), "suggest", troop, "--json")  # still advised
    assert db.read_bytes() == before


def test_conflicts_and_an_applied_suggestion(demo_us_path: Path, tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "copy.db"
    db.write_bytes(demo_us_path.read_bytes())  # the US cell's store: the troop is its own
    before = run_json(capsys, "--db", str(db), "conflicts", "--json")
    assert all(set(c) >= {"point", "movements", "start", "end", "reason"} for c in before)
    troop = movement_id(capsys, db, "Stryker troop to Ādaži")
    mine = [c for c in before if troop in c["movements"]]
    assert mine and {c["point"] for c in mine} >= {"Budzisko – Kalvarija"}
    advice = run_json(capsys, "--db", str(db), "suggest", troop, "--json")
    assert advice["suggested_depart"] > advice["current_depart"]
    assert len(advice["clears"]) == len(mine)
    assert main(["--db", str(db), "suggest", troop, "--apply"]) == 0
    capsys.readouterr()
    after = run_json(capsys, "--db", str(db), "conflicts", "--json")
    assert not [c for c in after if troop in c["movements"]]
    assert len(after) == len(before) - len(mine)  # nothing new appeared
