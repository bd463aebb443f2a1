"""Bundles between stores: export, verify, merge, relay, conflicts, held changes."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.core import movements
from app.core.clock import pack, wall_ms
from app.core.movement_request import parse
from app.core.store import Store
from app.core.sync import exchange
from app.core.sync.digest import digest
from tests.core.request_data import request
from tests.core.sync_sites import concurrent_edit, exercise, make_sites, send, trust_nations


def test_a_movement_travels_and_the_stores_agree(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    movement_id = movements.add_movement(lt, parse(request(owner="LT"), lt.validation_context()))
    result = send(lt, lv, tmp_path)
    assert result.summary.records_new and not result.already_imported
    assert movements.detail(lv, movement_id)["serials"] == movements.detail(
        lt, movement_id)["serials"]
    assert digest(lt) == digest(lv)
    send(lv, lt, tmp_path)
    assert digest(lt) == digest(lv)


def test_importing_twice_equals_importing_once(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    with lt.write() as w:
        w.insert("exercises", exercise())
    path = tmp_path / "b.mcb"
    exchange.export(lt, ["LV"], path)
    first = exchange.import_bundle(lv, path)
    state = digest(lv)
    again = exchange.import_bundle(lv, path)
    assert again.already_imported and digest(lv) == state
    assert first.summary.applied == 3


def test_only_what_the_peer_lacks_is_sent(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    with lt.write() as w:
        w.insert("exercises", exercise())
    send(lt, lv, tmp_path)
    send(lv, lt, tmp_path)  # LT learns what LV holds
    with lt.write() as w:
        w.insert("exercises", exercise(name="Second"))
    path = tmp_path / "next.mcb"
    result = exchange.export(lt, ["LV"], path)
    assert result.changes == 3  # only the new exercise
    full = exchange.export(lt, ["LV"], tmp_path / "full.mcb", full=True)
    assert full.changes == 6


def test_concurrent_edits_converge_and_the_loser_is_kept(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    with lt.write() as w:
        ex = w.insert("exercises", exercise())
    send(lt, lv, tmp_path)
    with lt.write() as w:
        w.update("exercises", ex, {"description": "from Vilnius"})
    with lv.write() as w:
        w.update("exercises", ex, {"description": "from Riga"})
    send(lt, lv, tmp_path)
    send(lv, lt, tmp_path)
    assert digest(lt) == digest(lv)
    winner = lt.get("exercises", ex)["description"]
    assert winner in ("from Vilnius", "from Riga")
    for store in (lt, lv):
        logged = {r[0] for r in store.conn.execute(
            "SELECT value FROM change_log WHERE row_id = ? AND field = 'description'", (ex,))}
        assert logged == {'"from Vilnius"', '"from Riga"'}
    conflicts = [lt.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0],
                 lv.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0]]
    assert conflicts == [1, 1]


def test_an_edit_made_on_top_of_a_received_value_is_no_conflict(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    with lt.write() as w:
        ex = w.insert("exercises", exercise(description="first"))
    send(lt, lv, tmp_path)
    with lv.write() as w:
        w.update("exercises", ex, {"description": "second, after reading the first"})
    send(lv, lt, tmp_path)
    assert lt.get("exercises", ex)["description"] == "second, after reading the first"
    assert lt.conn.execute("SELECT count(*) FROM conflicts").fetchone()[0] == 0


def test_relayed_changes_stay_verifiable(tmp_path: Path) -> None:
    lt, lv, ee = make_sites(tmp_path, "LT", "LV", "EE")
    with lt.write() as w:
        w.insert("exercises", exercise(name="From Lithuania"))
    send(lt, lv, tmp_path)
    send(lv, ee, tmp_path)  # EE gets LT's changes through LV
    assert [r["name"] for r in ee.rows("exercises")] == ["From Lithuania"]
    assert digest(ee) == digest(lt)


def test_exact_round_trips(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    text = "Šeštokai – Ämari 🚛 " + "long text " * 20000 + "end"
    with lt.write() as w:
        ex = w.insert("exercises", exercise(description=text, name="x"))
        point = w.insert("critical_points", {
            "name": "Ąčęėįšųūž", "kind": "bridge", "nation": "LT",
            "position": [23.123456789, 54.1],
            "mlc_tracked": 0.1, "mlc_wheeled": 1e-300, "restrictions": "", "source": None})
    send(lt, lv, tmp_path)
    assert lv.get("exercises", ex)["description"] == text
    got = lv.get("critical_points", point)
    assert got["position"] == [23.123456789, 54.1]
    assert (got["mlc_tracked"], got["mlc_wheeled"]) == (0.1, 1e-300)
    assert (got["restrictions"], got["source"]) == ("", None)


def test_changes_stamped_far_ahead_are_held(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    ahead = wall_ms() + 3 * 3_600_000  # LT's clock is three hours fast
    lt.clock._now_ms = lambda: ahead
    with lt.write() as w:
        ex = w.insert("exercises", exercise())
    result = send(lt, lv, tmp_path)
    assert result.summary.held == 3 and lv.get("exercises", ex) is None
    assert lv.conn.execute("SELECT count(*) FROM held").fetchone()[0] == 3
    assert lv.clock.last < pack(ahead)  # the fast clock did not poison this one
    assert exchange.vector(lv).get(lt.site_id, 0) == 0


@pytest.mark.parametrize("case", ["unknown sender", "other nation", "not a bundle"])
def test_bad_bundles_are_refused_and_nothing_changes(tmp_path: Path, case: str) -> None:
    lt, lv, _ee = make_sites(tmp_path, "LT", "LV", "EE")
    with lt.write() as w:
        w.insert("exercises", exercise())
    path = tmp_path / "b.mcb"
    if case == "unknown sender":
        stranger = Store.create(tmp_path / "pl.db", "PL", "Warsaw")
        trust_nations(stranger, "LV")  # it can seal for LV; LV knows nothing of it
        with stranger.write() as w:
            w.insert("exercises", exercise())
        exchange.export(stranger, ["LV"], path)
        words = "unknown sender"
    elif case == "other nation":
        exchange.export(lt, ["EE"], path)
        words = "encrypted for key ids [0-9a-f]{16}; none of them is held here"
    else:
        path.write_bytes(b"just some file" * 100)
        words = "not a MovCon bundle"
    before = digest(lv)
    with pytest.raises(exchange.SyncError, match=words):
        exchange.import_bundle(lv, path)
    assert digest(lv) == before


def test_a_bundle_missing_earlier_changes_is_refused(tmp_path: Path) -> None:
    lt, riga, daugavpils = make_sites(tmp_path, "LT", "LV", "LV")
    with lt.write() as w:
        w.insert("exercises", exercise(name="one"))
    send(lt, riga, tmp_path)
    send(riga, lt, tmp_path)  # LT learns that LV (Riga) holds its first batch
    with lt.write() as w:
        w.insert("exercises", exercise(name="two"))
    path = tmp_path / "only-new.mcb"
    assert exchange.export(lt, ["LV"], path).changes == 3
    before = digest(daugavpils)
    with pytest.raises(exchange.SyncError, match=r"lacks changes 1 to 3 .*--full"):
        exchange.import_bundle(daugavpils, path)
    assert digest(daugavpils) == before
    full = tmp_path / "full.mcb"
    exchange.export(lt, ["LV"], full, full=True)
    assert exchange.import_bundle(daugavpils, full).summary.applied == 6


def test_choosing_the_other_value_is_a_change_that_syncs(tmp_path: Path) -> None:
    from app.core.sync import conflicts

    lt, lv = make_sites(tmp_path, "LT", "LV")
    ex = concurrent_edit(lt, lv, tmp_path)
    [open_one] = conflicts.open_conflicts(lt)
    assert {open_one.current, open_one.other} == {"from Vilnius", "from Riga"}
    assert open_one.record == "Iron Wolf 26"
    conflicts.resolve(lt, open_one.id, "other")
    assert lt.get("exercises", ex)["description"] == open_one.other
    assert conflicts.open_conflicts(lt) == []
    send(lt, lv, tmp_path)
    assert lv.get("exercises", ex)["description"] == open_one.other
    assert digest(lt) == digest(lv)


def test_held_changes_are_listed_and_can_be_accepted(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    from app.cli import main

    lt, lv = make_sites(tmp_path, "LT", "LV")
    ahead = wall_ms() + 2 * 3_600_000
    lt.clock._now_ms = lambda: ahead
    with lt.write() as w:
        ex = w.insert("exercises", exercise())
    send(lt, lv, tmp_path)
    path = lv.path
    lv.close()
    assert main(["--db", str(path), "sync", "held"]) == 0
    out = capsys.readouterr().out
    assert "3 held changes; accept them with --accept" in out and "exercises.name" in out
    assert main(["--db", str(path), "sync", "held", "--accept"]) == 0
    assert "accepted and merged 3 held changes" in capsys.readouterr().out
    with Store.open(path) as reopened:
        assert reopened.get("exercises", ex)["name"] == "Iron Wolf 26"
        assert exchange.vector(reopened)[lt.site_id] == 3
        assert digest(reopened) == digest(lt)
