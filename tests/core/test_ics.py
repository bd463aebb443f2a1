"""The iCalendar export and `movcon export`, on the demo store."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import icalendar
import pytest

from app import cli_export
from app.cli import EXIT_BAD_INPUT, main
from app.core.exports import ics
from app.core.planning.model import MovementPlan
from app.core.planning.planner import Planner
from app.core.store import Store
from tests.conftest import DEMO_NOW

UTC = timezone.utc


@pytest.fixture(scope="module")
def db(demo_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ics") / "demo.db"
    shutil.copy(demo_path, path)
    return path


@pytest.fixture(scope="module")
def planned(db: Path) -> Iterator[tuple[Store, dict[str, MovementPlan]]]:
    with Store.open(db) as store:
        planner = Planner(store)
        planner.plan_all()
        yield store, {m: p for m in planner.movement_ids() if (p := planner.plan(m))}


def events(data: bytes) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(data)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_the_calendar_header(planned: tuple[Store, dict[str, MovementPlan]]) -> None:
    store, plans = planned
    cal = icalendar.Calendar.from_ical(ics.movements_ics(store, plans, DEMO_NOW))
    assert cal.name == "VCALENDAR"
    assert str(cal["PRODID"]) == "-//MovCon//EN"
    assert str(cal["VERSION"]) == "2.0"


def test_one_event_per_planned_movement_at_its_forecast_times(
        planned: tuple[Store, dict[str, MovementPlan]]) -> None:
    store, plans = planned
    found = events(ics.movements_ics(store, plans, DEMO_NOW))
    assert set(found) == {f"{m}@movcon" for m, p in plans.items() if p.forecast.serials}
    assert len(found) > 10
    moved = 0
    for movement_id, plan in plans.items():
        event = found[f"{movement_id}@movcon"]
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        assert start.utcoffset() == end.utcoffset() == timedelta(0)
        first, last = plan.forecast.serials[0].start, plan.forecast.serials[-1].release
        # Whole seconds, widened: the event covers the whole movement and no more.
        assert start <= first < start + timedelta(seconds=1)
        assert end - timedelta(seconds=1) < last <= end
        assert event["DTSTAMP"].dt == DEMO_NOW
        if plan.march.serials[-1].release != last:
            moved += 1
            assert not (end - timedelta(seconds=1) < plan.march.serials[-1].release <= end)
    assert moved, "the demo's reports move some movement's release"


def test_the_text_of_an_event(planned: tuple[Store, dict[str, MovementPlan]]) -> None:
    store, plans = planned
    records = {r["id"]: r for r in store.rows("movements")}
    found = events(ics.movements_ics(store, plans, DEMO_NOW))
    for movement_id, plan in plans.items():
        event, record = found[f"{movement_id}@movcon"], records[movement_id]
        assert str(event["SUMMARY"]) == record["name"]
        assert " → " in str(event["LOCATION"])
        text = str(event["DESCRIPTION"])
        assert f"Owner: {record['owner']}" in text
        assert record["priority"].capitalize() in text
        for row in plan.forecast.rows:
            if row.point_id is not None:
                assert row.point in text
        assert len([line for line in text.splitlines() if line.startswith("  Serial ")]) \
            == len(plan.forecast.serials) + sum(r.point_id is not None
                                                for r in plan.forecast.rows)  # fmt: skip
        cancelled = record["status"] == "cancelled"
        assert (str(event["STATUS"]) == "CANCELLED") is cancelled
        assert [str(c) for c in event["CATEGORIES"].cats] == [
            record["status"].replace("_", " ").capitalize()]
    assert any(r["status"] == "cancelled" for r in records.values())


def test_the_export_is_stable(planned: tuple[Store, dict[str, MovementPlan]]) -> None:
    store, plans = planned
    first = ics.movements_ics(store, plans, DEMO_NOW)
    assert ics.movements_ics(store, dict(reversed(list(plans.items()))), DEMO_NOW) == first
    later = ics.movements_ics(store, plans, DEMO_NOW + timedelta(hours=1))
    assert set(events(later)) == set(events(first))  # same UIDs whenever it is made
    stamp = events(ics.movements_ics(store, plans))
    now = datetime.now(UTC)
    assert all(abs(e["DTSTAMP"].dt - now) < timedelta(minutes=1) for e in stamp.values())


def test_only_the_movements_asked_for(planned: tuple[Store, dict[str, MovementPlan]]) -> None:
    store, plans = planned
    two = sorted(plans)[:2]
    found = events(ics.movements_ics(store, plans, DEMO_NOW, movement_ids=[*two, two[0]]))
    assert set(found) == {f"{m}@movcon" for m in two}
    with pytest.raises(ValueError, match="no movement 'nope'"):
        ics.movements_ics(store, plans, DEMO_NOW, movement_ids=["nope"])
    without = {m: p for m, p in plans.items() if m != two[0]}
    with pytest.raises(ValueError, match="no plan"):
        ics.movements_ics(store, without, DEMO_NOW, movement_ids=[two[0]])
    assert f"{two[0]}@movcon" not in events(ics.movements_ics(store, without, DEMO_NOW))


# -- movcon export --------------------------------------------------------------------
def test_the_command_writes_a_calendar(db: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str],
                                       planned: tuple[Store, dict[str, MovementPlan]]) -> None:
    _, plans = planned
    out = tmp_path / "plans.ics"
    assert main(["--db", str(db), "export", "--format", "ics", "--out", str(out)]) == 0
    assert set(events(out.read_bytes())) == {f"{m}@movcon" for m in plans}
    assert f"wrote {len(plans)} movements (ics) to {out}" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.ics"]  # no temp file left
    chosen = sorted(plans)[-2:]
    assert main(["--db", str(db), "export", "--format", "ics", "--out", str(out),
                 "--movement", chosen[0], "--movement", chosen[1]]) == 0
    assert set(events(out.read_bytes())) == {f"{m}@movcon" for m in chosen}


def test_bad_input_writes_nothing(db: Path, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plans.ics"
    out.write_bytes(b"old")
    argv = ["--db", str(db), "export", "--format", "ics", "--out"]
    assert main([*argv, str(out), "--movement", "no-such-id"]) == EXIT_BAD_INPUT
    assert "no movement 'no-such-id'" in capsys.readouterr().err
    assert out.read_bytes() == b"old"
    missing = tmp_path / "nowhere" / "plans.ics"
    assert main([*argv, str(missing)]) == EXIT_BAD_INPUT
    assert "no folder" in capsys.readouterr().err
    assert not missing.parent.exists()
    assert main([*argv, str(tmp_path)]) == EXIT_BAD_INPUT
    assert "is a folder" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.ics"]
    with pytest.raises(SystemExit):
        main(["--db", str(db), "export", "--format", "docx", "--out", str(out)])
    assert out.read_bytes() == b"old"


def test_a_failed_write_leaves_the_old_file_and_no_temp(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "plans.ics"
    out.write_bytes(b"old")

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cli_export.os, "replace", refuse)
    argv = ["--db", str(db), "export", "--format", "ics", "--out", str(out)]
    assert main(argv) == EXIT_BAD_INPUT
    assert f"cannot write {out}: Permission denied" in capsys.readouterr().err
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plans.ics"]


@pytest.mark.skipif(os.name == "nt" or os.geteuid() == 0,
                    reason="needs POSIX permissions that bind (not root)")
def test_a_read_only_folder_is_refused_before_planning(
        db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        argv = ["--db", str(db), "export", "--format", "ics", "--out", str(folder / "p.ics")]
        assert main(argv) == EXIT_BAD_INPUT
        assert "cannot write in" in capsys.readouterr().err
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
