"""The permit workflow: deadlines, pre-authorisations, superseding, decisions and undo."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.core import timefmt
from app.core.permits import deadlines, decisions, inbox, preauth
from app.core.store import Store
from app.core.store.baseline import BASELINE_ORIGIN
from app.core.sync import exchange
from tests.core.request_data import LEOPARDS, TRUCKS
from tests.core.sync_sites import make_sites, send

UTC = timefmt.UTC
KAUNAS, RIGA = [23.90, 54.90], [24.11, 56.95]
# Riga to Tallinn by land: Valmiera, Valga, Paide.
TALLINN = [[25.42, 57.54], [26.05, 57.78], [25.56, 58.89], [24.75, 59.44]]


def at(text: str) -> datetime:
    return timefmt.parse_utc(text)


@pytest.mark.parametrize(("host", "requested", "days", "due"), [
    # Friday: the weekend does not count.
    ("LT", "2026-03-20T10:00:00Z", 5, "2026-03-27T10:00:00Z"),
    # LT, Wednesday 11 March 2026: Restoration of Independence Day.
    ("LT", "2026-03-06T10:00:00Z", 5, "2026-03-16T10:00:00Z"),
    # LT, Monday 16 February 2026: Restoration of the State Day.
    ("LT", "2026-02-13T10:00:00Z", 3, "2026-02-19T10:00:00Z"),
    # EE, Tuesday 24 February 2026: Independence Day.
    ("EE", "2026-02-23T10:00:00Z", 3, "2026-02-27T10:00:00Z"),
    # LV, Friday 1 May (Labour Day) and Monday 4 May 2026 (Restoration of Independence).
    ("LV", "2026-04-30T10:00:00Z", 3, "2026-05-07T10:00:00Z"),
    # The same dates are working days elsewhere: 16 February in LV.
    ("LV", "2026-02-13T10:00:00Z", 3, "2026-02-18T10:00:00Z"),
])
def test_working_days_follow_the_host_nations_calendar(host: str, requested: str, days: int,
                                                      due: str) -> None:
    rule = deadlines.Rule(None, "test", days, 6)
    assert deadlines.deadline(rule, "standard", at(requested), host) == at(due)


def test_crisis_counts_hours_of_calendar_time_and_preauthorised_is_due_at_once() -> None:
    rule = deadlines.Rule(None, "test", 5, 6)
    saturday = at("2026-03-07T22:00:00Z")
    assert deadlines.deadline(rule, "crisis", saturday, "LT") == at("2026-03-08T04:00:00Z")
    assert deadlines.deadline(rule, "preauthorised", saturday, "LT") == saturday


def test_the_shared_agreement_with_the_shortest_deadline_applies(store: Store) -> None:
    assert deadlines.rule_for(store, "LV", "LT").name.startswith("BMMA")
    assert deadlines.rule_for(store, "LV", "LT").working_days == 3
    assert deadlines.rule_for(store, "PL", "DE").working_days == 3  # EU proposal beats CSEM
    general = deadlines.rule_for(store, "LT", "US")
    assert general.name.startswith("No agreement") and general.working_days == 5
    assert general.crisis_hours == 6
    bmma = next(a for a in store.rows("agreements") if a["key"] == "bmma")
    with store.write() as w:  # the agreements are data the members may change
        w.update("agreements", bmma["id"], {"working_days": 2})
    assert deadlines.rule_for(store, "EE", "LT").working_days == 2


def test_an_agreement_is_changed_only_by_its_members(store: Store) -> None:
    from app.core.domain.validation import ValidationError

    csem = next(a for a in store.rows("agreements") if a["key"] == "csem")
    eu = next(a for a in store.rows("agreements") if a["key"] == "eu-mm-2025")
    with store.write() as w:
        w.update("agreements", csem["id"], {"working_days": 4})  # LT is a member
    lv = Store.create(store.path.with_name("lv.db"), "LV", "Riga")
    with pytest.raises(ValidationError, match="only BE or CZ or DE or LT or LU or NL or PL or "
                                              "SK may change it, not LV"), lv.write() as w:
        w.update("agreements", csem["id"], {"working_days": 1})
    with lv.write() as w:
        w.update("agreements", eu["id"], {"crisis_hours": 4})


def test_reference_agreements_are_the_same_in_every_store(store: Store, tmp_path: Path) -> None:
    other = Store.create(tmp_path / "other.db", "LV", "Riga")
    query = ("SELECT seq, hlc, tbl, row_id, field, value FROM changes WHERE origin = ? AND"
             " tbl = 'agreements' ORDER BY seq")
    ours = store.conn.execute(query, (BASELINE_ORIGIN,)).fetchall()
    assert ours and [tuple(r) for r in ours] == [
        tuple(r) for r in other.conn.execute(query, (BASELINE_ORIGIN,))]


def _movement(store: Store, route: list[list[float]], **extra: Any) -> str:
    from app.core import movement_request, movements
    from tests.core.request_data import request

    doc = request(route=route, depart="2026-06-02T04:00:00Z",
                  arrive_by="2026-06-03T04:00:00Z", **extra)
    return movements.add_movement(store, movement_request.parse(doc, store.validation_context()))


def _permits(store: Store, movement: str) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for p in store.rows("permits", "movement_id = ?", (movement,), order_by="requested_at"):
        out.setdefault(p["host_nation"], []).append(p)
    return out


def test_a_permit_is_asked_of_every_nation_the_route_enters(store: Store) -> None:
    movement = _movement(store, [KAUNAS, RIGA, *TALLINN])
    permits = _permits(store, movement)
    assert set(permits) == {"LV", "EE"}
    for host, [permit] in permits.items():
        assert permit["status"] == "requested" and permit["mode"] == "standard"
        assert permit["agreement"].startswith("BMMA")
        rule = deadlines.rule_for(store, host, "LT")
        assert permit["deadline"] == timefmt.iso(deadlines.deadline(
            rule, "standard", at(permit["requested_at"]), host))
        assert (permit["valid_from"], permit["valid_until"]) == (
            "2026-06-02T04:00:00Z", "2026-06-03T04:00:00Z")
    # The route shortened to Riga: Estonia's request is withdrawn, Latvia's stands.
    with store.write() as w:
        w.update("movements", movement, {"route": [KAUNAS, RIGA]})
    permits = _permits(store, movement)
    assert permits["EE"][-1]["status"] == "withdrawn"
    assert "no longer enters EE" in permits["EE"][-1]["remarks"]
    assert [p["status"] for p in permits["LV"]] == ["requested"]
    with store.write() as w:
        w.update("movements", movement, {"status": "cancelled"})
    assert _permits(store, movement)["LV"][-1]["status"] == "withdrawn"


def test_a_crisis_movement_is_asked_on_the_fast_track(store: Store) -> None:
    movement = _movement(store, [KAUNAS, RIGA], priority="crisis")
    [permit] = _permits(store, movement)["LV"]
    assert permit["mode"] == "crisis"
    assert at(permit["deadline"]) - at(permit["requested_at"]) == timedelta(hours=6)


def test_a_draft_movement_has_draft_permits_until_it_is_submitted(store: Store) -> None:
    movement = _movement(store, [KAUNAS, RIGA], status="draft")
    [permit] = _permits(store, movement)["LV"]
    assert permit["status"] == "draft" and permit["deadline"] is None
    with store.write() as w:
        w.update("movements", movement, {"status": "submitted"})
    [permit] = _permits(store, movement)["LV"]
    assert permit["status"] == "requested" and permit["deadline"] is not None


def test_only_a_material_change_supersedes_a_decision(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    movement = _movement(lt, [KAUNAS, RIGA])
    send(lt, lv, tmp_path)
    [permit] = _permits(lv, movement)["LV"]
    decisions.decide(lv, permit["id"], "approve")
    send(lv, lt, tmp_path)
    with lt.write() as w:  # cosmetic: the decision stands
        w.update("movements", movement, {"remarks": "call sign changed", "unit": "PzBtl 393 A"})
    assert [p["status"] for p in _permits(lt, movement)["LV"]] == ["approved"]
    with lt.write() as w:  # material: a day later
        w.update("movements", movement, {"depart": "2026-06-03T04:00:00Z",
                                         "arrive_by": "2026-06-04T04:00:00Z"})
    old, new = _permits(lt, movement)["LV"]
    assert old["status"] == "superseded" and "changed after the decision" in old["remarks"]
    assert new["status"] == "requested" and new["supersedes"] == old["id"]
    assert new["valid_from"] == "2026-06-03T04:00:00Z"
    # The host decides the new request; then a change of vehicles supersedes it too.
    send(lt, lv, tmp_path)
    decisions.decide(lv, new["id"], "conditions", ["No movement between 22:00 and 05:00"])
    send(lv, lt, tmp_path)
    serial = next(iter(lt.rows("serials", "movement_id = ?", (movement,))))
    with lt.write() as w:
        w.update("serials", serial["id"], {"vehicles": [dict(LEOPARDS, count=2)]})
    statuses = [p["status"] for p in _permits(lt, movement)["LV"]]
    assert statuses == ["superseded", "superseded", "requested"]


def test_only_the_host_decides_and_the_owner_withdraws(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    movement = _movement(lt, [KAUNAS, RIGA])
    [permit] = _permits(lt, movement)["LV"]
    with pytest.raises(decisions.DecisionError,
                       match="a permit is decided by its host nation LV: only LV may change "
                             "it, not LT"):
        decisions.decide(lt, permit["id"], "approve")
    assert lt.get("permits", permit["id"])["status"] == "requested"
    send(lt, lv, tmp_path)
    with pytest.raises(decisions.DecisionError, match="needs at least one condition"):
        decisions.decide(lv, permit["id"], "conditions", ["  "])
    with pytest.raises(decisions.DecisionError, match="needs its reason"):
        decisions.decide(lv, permit["id"], "deny")
    assert decisions.decide(lv, permit["id"], "deny", reason="Bauska bridge closed") == "denied"
    decided = lv.get("permits", permit["id"])
    assert decided["remarks"] == "Bauska bridge closed" and decided["decided_at"]
    with pytest.raises(decisions.DecisionError, match="only LT may change it, not LV"):
        decisions.withdraw(lv, permit["id"])
    send(lv, lt, tmp_path)
    decisions.withdraw(lt, permit["id"], "exercise rescheduled")
    assert lt.get("permits", permit["id"])["status"] == "withdrawn"


def test_a_decision_is_undone_until_it_leaves_in_a_bundle(tmp_path: Path) -> None:
    from app.core import audit

    lt, lv = make_sites(tmp_path, "LT", "LV")
    movement = _movement(lt, [KAUNAS, RIGA])
    send(lt, lv, tmp_path)
    [permit] = _permits(lv, movement)["LV"]
    decisions.decide(lv, permit["id"], "approve")
    assert lv.get("permits", permit["id"])["movement_number"]
    assert decisions.undoable(lv, permit["id"])
    decisions.undo(lv, permit["id"])
    back = lv.get("permits", permit["id"])
    assert back["status"] == "requested" and back["decided_at"] is None
    assert back["movement_number"] is None
    assert audit.entries(lv)[0].action == "decision_undone"
    decisions.decide(lv, permit["id"], "deny", reason="route closed")
    exchange.export(lv, ["LT"], tmp_path / "out.mcb")  # sealed: it has left
    assert not decisions.undoable(lv, permit["id"])
    with pytest.raises(decisions.DecisionError, match="left this laptop"):
        decisions.undo(lv, permit["id"])


def _grant(store: Store, **limits: Any) -> str:
    values = {"host_nation": store.nation, "reference": f"{store.nation}-PA-2026-01",
              "holders": ["LT"], "max_mlc": 40, "dangerous_goods": [],
              "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-12-31T23:59:59Z",
              **limits}
    with store.write() as w:
        return w.insert("preauthorisations", values)


def test_a_fitting_request_is_approved_on_receipt_under_a_preauthorisation(
        tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    _grant(lv)
    send(lv, lt, tmp_path)  # the requester knows the standing permission
    light = _movement(lt, [KAUNAS, RIGA], vehicles=[dict(TRUCKS)])
    heavy = _movement(lt, [KAUNAS, RIGA])  # Leopards: MLC 70
    [fits] = _permits(lt, light)["LV"]
    [breaks] = _permits(lt, heavy)["LV"]
    assert fits["mode"] == "preauthorised" and fits["deadline"] == fits["requested_at"]
    assert breaks["mode"] == "standard"
    assert send(lt, lv, tmp_path).preapproved == 1  # approved on receipt
    assert decisions.approve_preauthorised(lv) == 0
    approved = lv.get("permits", fits["id"])
    assert approved["status"] == "approved"
    assert "LV-PA-2026-01" in approved["decided_by"]
    assert lv.get("permits", breaks["id"])["status"] == "requested"


def test_a_request_that_breaks_a_limit_is_told_which(store: Store) -> None:
    pre = {"reference": "LV-PA-1", "holders": ["LT", "EE"], "max_mlc": 40.0,
           "dangerous_goods": ["3"], "categories": [], "valid_from": "2026-01-01T00:00:00Z",
           "valid_until": "2026-06-30T00:00:00Z"}
    tanker = dict(TRUCKS, dangerous_goods="2")
    found = preauth.problems(pre, "DE", "2026-06-29T00:00:00Z", "2026-07-01T00:00:00Z",
                             [LEOPARDS, tanker], {})
    assert found == [
        "LV-PA-1 covers LT, EE, not DE",
        "LV-PA-1 is valid 2026-01-01T00:00:00Z to 2026-06-30T00:00:00Z; the movement runs "
        "2026-06-29T00:00:00Z to 2026-07-01T00:00:00Z",
        "Leopard 2A7 is MLC 70, above the limit of MLC 40",
        "MAN HX77 carries dangerous goods class 2, not allowed by LV-PA-1"]
    assert preauth.problems(pre, "LT", "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z",
                            [TRUCKS], {}) == []
    tracked_only = dict(pre, categories=["tracked"])
    assert preauth.problems(tracked_only, "LT", "2026-06-01T00:00:00Z",
                            "2026-06-02T00:00:00Z", [TRUCKS], {}) == [
        "MAN HX77 is a wheeled vehicle; LV-PA-1 covers tracked"]


def test_the_inbox_lists_incoming_and_outgoing_with_filters(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    one = _movement(lt, [KAUNAS, RIGA], name="Leopards to Adazi")
    _movement(lt, [KAUNAS, RIGA, *TALLINN], name="Trucks to Tapa")
    send(lt, lv, tmp_path)
    outgoing = inbox.page(lt, inbox.InboxFilter("outgoing"))
    assert {(r["movement"], r["host"]) for r in outgoing} == {
        ("Leopards to Adazi", "LV"), ("Trucks to Tapa", "LV"), ("Trucks to Tapa", "EE")}
    incoming = inbox.page(lv, inbox.InboxFilter("incoming"), order="movement")
    assert [r["movement"] for r in incoming] == ["Leopards to Adazi", "Trucks to Tapa"]
    assert incoming[1]["route"] == "LT → EE, LV" and incoming[0]["vehicles"] == 44
    assert incoming[0]["max_mlc"] == 70
    assert inbox.count(lv, inbox.InboxFilter("incoming", text="adazi")) == 1
    assert inbox.count(lv, inbox.InboxFilter("incoming", statuses=("approved",))) == 0
    assert inbox.page(lt, inbox.InboxFilter("incoming")) == []
    soon = datetime.now(UTC) + timedelta(days=30)
    assert inbox.due_soon(lv, hours=24 * 30, now=datetime.now(UTC)) == 2
    assert inbox.overdue(lv, now=soon)[0]["movement_id"] in {one, incoming[1]["movement_id"]}


def test_permits_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       ) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    movement = _movement(lt, [KAUNAS, RIGA])
    send(lt, lv, tmp_path)
    path = lv.path
    lv.close()
    assert main(["--db", str(path), "permits", "list", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert {"id", "movement", "host", "status", "requested_at", "deadline"} <= set(row)
    assert row["movement_id"] == movement and row["status"] == "requested"
    assert main(["--db", str(path), "permit", "decide", row["id"], "--conditions",
                 "Escort from the border", "--conditions", "Cross by day"]) == 0
    assert "approved with conditions, movement number" in capsys.readouterr().out
    assert main(["--db", str(path), "permit", "decide", "nope", "--approve"]) == 2
    assert "no permit with id nope" in capsys.readouterr().err
    assert main(["--db", str(path), "permit", "undo", row["id"]]) == 0
    assert "now requested" in capsys.readouterr().out
    with Store.open(path) as reopened:
        assert reopened.get("permits", row["id"])["conditions"] is None


def test_the_text_filter_finds_the_same_with_and_without_its_index(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        assert store.conn.execute("SELECT count(*) FROM permit_search").fetchone()[0] == \
            store.count("permits")
        for text in ("stryker", "LV", "PzBtl", "BMMA", "ādaži", "x%", "-2026-", "zzz"):
            for direction in inbox.DIRECTIONS:
                flt = inbox.InboxFilter(direction, text=text)
                plain = inbox.InboxFilter(direction, text=text, indexed=False)
                assert inbox.count(store, flt) == inbox.count(store, plain), (text, direction)
                assert [r["id"] for r in inbox.page(store, flt)] == [
                    r["id"] for r in inbox.page(store, plain)], (text, direction)
        # The index follows a renamed movement (a trigger, on every path that writes).
        movement = next(m for m in store.rows("movements") if m["owner"] == "LT")
        with store.write() as w:
            w.update("movements", movement["id"], {"name": "Quokka column"})
        assert inbox.count(store, inbox.InboxFilter("all", text="quokka")) == \
            store.conn.execute("SELECT count(*) FROM permits WHERE movement_id = ? AND"
                               " deleted = 0", (movement["id"],)).fetchone()[0] > 0


def test_rules_from_the_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lt, lv = tmp_path / "lt.db", tmp_path / "lv.db"
    Store.create(lt, "LT", "Vilnius").close()
    Store.create(lv, "LV", "Riga").close()
    assert main(["--db", str(lt), "agreements", "set", "bmma", "--working-days", "2"]) == 0
    assert main(["--db", str(lt), "agreements", "list", "--json"]) == 0
    out = capsys.readouterr().out
    bmma = next(a for a in json.loads(out[out.index("["):]) if a["key"] == "bmma")
    assert bmma["working_days"] == 2
    def log_size() -> int:
        with Store.open(lv) as store:
            return store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]

    before = log_size()
    assert main(["--db", str(lv), "agreements", "set", "csem", "--working-days", "1"]) == 2
    assert "may change it, not LV" in capsys.readouterr().err
    assert log_size() == before  # refused: nothing written
    assert main(["--db", str(lv), "agreements", "set", "csem"]) == 2
    assert "nothing to change" in capsys.readouterr().err
    assert main(["--db", str(lv), "preauth", "add", "--reference", "LV-PA-1", "--holders",
                 "LT,EE", "--max-mlc", "40", "--valid-from", "2026-01-01",
                 "--valid-until", "2026-12-31"]) == 0
    capsys.readouterr()
    assert main(["--db", str(lv), "preauth", "list", "--json"]) == 0
    [granted] = json.loads(capsys.readouterr().out)
    assert (granted["host_nation"], granted["valid_until"]) == ("LV", "2026-12-31T23:59:59Z")
    assert main(["--db", str(lv), "preauth", "add", "--reference", "bad", "--max-mlc", "40",
                 "--valid-from", "June", "--valid-until", "2026-12-31"]) == 2
    assert "--valid-from 'June' is not a time" in capsys.readouterr().err
    assert main(["--db", str(lv), "preauth", "remove", "LV-PA-1"]) == 0


def test_the_host_reviews_and_lapsed_approvals_expire(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    movement = _movement(lt, [KAUNAS, RIGA])
    [permit] = _permits(lt, movement)["LV"]
    with pytest.raises(decisions.DecisionError, match="only LV may change it, not LT"):
        decisions.review(lt, permit["id"])
    send(lt, lv, tmp_path)
    decisions.review(lv, permit["id"])
    assert lv.get("permits", permit["id"])["status"] == "under_review"
    with pytest.raises(decisions.DecisionError, match="only a new request"):
        decisions.review(lv, permit["id"])
    decisions.decide(lv, permit["id"], "approve")
    assert decisions.expire_lapsed(lv, now=at("2026-06-03T03:00:00Z")) == 0  # still valid
    assert decisions.expire_lapsed(lv, now=at("2026-06-03T05:00:00Z")) == 1
    assert lv.get("permits", permit["id"])["status"] == "expired"
    assert decisions.expire_lapsed(lt, now=at("2026-07-01T00:00:00Z")) == 0  # not LT's
