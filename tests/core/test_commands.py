"""Undo and redo of commands made through the write path."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core.commands import UndoError, UndoStack
from app.core.store import Store


def _lt_movement(store: Store) -> dict:
    return next(m for m in store.rows("movements") if m["name"] == "Medical company to Riga")


def test_undo_puts_back_and_redo_makes_again(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        stack = UndoStack(store)
        m = _lt_movement(store)
        stack.run("Rename", lambda w: w.update("movements", m["id"], {"remarks": "via Panevėžys",
                                                                     "speed_kmh": 45}))
        assert stack.can_undo and stack.undo_label == "Rename"
        stack.undo()
        after = store.get("movements", m["id"])
        assert (after["remarks"], after["speed_kmh"]) == (m["remarks"], m["speed_kmh"])
        assert stack.can_redo and not stack.can_undo
        stack.redo()
        again = store.get("movements", m["id"])
        assert (again["remarks"], again["speed_kmh"]) == ("via Panevėžys", 45)


def test_undo_is_a_new_logged_change(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        stack = UndoStack(store)
        m = _lt_movement(store)
        before = store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
        stack.run("Speed", lambda w: w.update("movements", m["id"], {"speed_kmh": 41}))
        stack.undo()
        log = store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
        assert log >= before + 2  # the edit and its reversal both travel in the next bundle


def test_an_inserted_record_is_removed_and_brought_back(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        stack = UndoStack(store)
        m = _lt_movement(store)
        event_id = stack.run("Report delay", lambda w: w.insert("events", {
            "kind": "delay", "movement_id": m["id"], "at": "2026-06-10T14:30:00Z",
            "delay_min": 20}))
        stack.undo()
        assert store.get("events", event_id) is None
        stack.redo()
        assert store.get("events", event_id)["delay_min"] == 20


def test_a_field_changed_by_someone_else_is_kept_and_named(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        stack = UndoStack(store)
        m = _lt_movement(store)
        stack.run("Edit", lambda w: w.update("movements", m["id"], {"remarks": "mine",
                                                                   "speed_kmh": 44}))
        with store.write() as w:  # as if a bundle had changed the remarks since
            w.update("movements", m["id"], {"remarks": "theirs"})
        outcome = stack.undo()
        now = store.get("movements", m["id"])
        assert now["remarks"] == "theirs" and now["speed_kmh"] == m["speed_kmh"]
        assert outcome.kept == ("movements.remarks",)


def test_a_refused_undo_writes_nothing(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        stack = UndoStack(store)
        m = _lt_movement(store)
        stack.run("Speed", lambda w: w.update("movements", m["id"], {"speed_kmh": 43}))
        with pytest.raises(UndoError, match="nothing to redo"):
            stack.redo()
        log = store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
        # Another nation's movement cannot be reverted from here: a hand-made command.
        other = next(r for r in store.rows("movements") if r["owner"] == "US")
        from app.core.commands import Command
        from app.core.store.writer import Change

        stack._done.append(Command("Foreign", (Change("movements", other["id"], "speed_kmh",
                                                      10, other["speed_kmh"], 0, 0),)))
        with pytest.raises(UndoError, match="cannot undo “Foreign”"):
            stack.undo()
        assert store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == log
        assert stack.undo_label == "Foreign"  # still there to try again


def test_a_new_edit_clears_redo_and_listeners_hear_each_change(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        stack = UndoStack(store)
        heard: list[int] = []
        stack.listeners.append(lambda: heard.append(1))
        m = _lt_movement(store)
        stack.run("A", lambda w: w.update("movements", m["id"], {"speed_kmh": 42}))
        stack.undo()
        stack.run("B", lambda w: w.update("movements", m["id"], {"speed_kmh": 47}))
        assert not stack.can_redo and stack.undo_label == "B"
        stack.run("nothing", lambda w: w.update("movements", m["id"], {"speed_kmh": 47}))
        assert stack.undo_label == "B"  # an edit that changed nothing is no command
        assert len(heard) == 3


def test_undo_of_a_change_that_superseded_approvals_asks_the_hosts_again(
        demo_us_path: Path, tmp_path: Path) -> None:  # fmt: skip
    import shutil

    path = tmp_path / "us.db"
    shutil.copy(demo_us_path, path)
    with Store.open(path) as store:
        stryker = next(m for m in store.rows("movements") if m["name"] == "Stryker troop to Ādaži")
        stack = UndoStack(store)
        stack.run("Later", lambda w: w.update("movements", stryker["id"],
                                              {"depart": "2026-06-09T10:20:00Z"}))
        command = stack._done[-1]
        assert {c.table for c in command.own} == {"movements"}
        superseded = {c.row_id for c in command.answered
                      if c.field == "status" and c.new == "superseded"}
        assert superseded  # PL, LT and LV had approved the old times
        stack.undo()
        assert store.get("movements", stryker["id"])["depart"] == stryker["depart"]
        # The hosts' approvals are theirs to give: they stay superseded, and are asked again.
        assert all(store.get("permits", p)["status"] == "superseded" for p in superseded)
        live = [p for p in store.rows("permits", "movement_id = ?", (stryker["id"],))
                if p["status"] == "requested"]
        assert {p["host_nation"] for p in live} >= {"PL", "LT", "LV"}
        assert all(p["valid_from"] == stryker["depart"] for p in live)


def test_a_conflict_settled_on_the_stack_is_open_again_after_undo(tmp_path: Path) -> None:
    from app.core.sync import conflicts
    from tests.core.sync_sites import concurrent_edit, make_sites

    lt, lv = make_sites(tmp_path / "sites", "LT", "LV")
    try:
        ex = concurrent_edit(lt, lv, tmp_path)
        [conflict] = conflicts.open_conflicts(lt)
        stack = UndoStack(lt)
        conflicts.resolve(lt, conflict.id, "other", undo=stack)
        assert lt.get("exercises", ex)["description"] == conflict.other
        assert conflicts.open_conflicts(lt) == [] and stack.can_undo
        stack.undo()
        assert lt.get("exercises", ex)["description"] == conflict.current
        assert [c.id for c in conflicts.open_conflicts(lt)] == [conflict.id]
        stack.redo()
        assert lt.get("exercises", ex)["description"] == conflict.other
        assert conflicts.open_conflicts(lt) == []
        resolution = lt.conn.execute("SELECT resolution FROM conflicts WHERE id = ?",
                                     (conflict.id,)).fetchone()[0]  # fmt: skip
        assert resolution == "other"
    finally:
        lt.close()
        lv.close()
