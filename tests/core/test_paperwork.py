"""Permit paperwork without Qt: Form 302 serials, the movement credit's data, the CSV export."""

from __future__ import annotations

import csv
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from app.core import movement_request, movements, timefmt
from app.core.permits import decisions, export, inbox, paperwork
from app.core.permits.paperwork import PaperworkError
from app.core.store import Store
from tests.core.request_data import request
from tests.core.sync_sites import make_sites, send

UTC = timefmt.UTC
KAUNAS, RIGA = [23.90, 54.90], [24.11, 56.95]
PANEVEZYS, SALOCIAI = [24.36, 55.73], [24.28, 56.29]  # the E67 and its LT/LV crossing
TALLINN = [[25.42, 57.54], [26.05, 57.78], [25.56, 58.89], [24.75, 59.44]]
DAY = datetime(2026, 6, 9, 9, 30, tzinfo=UTC)
SERIAL_RE = re.compile(r"[A-Z]{2}\d{8}[UN][NEO]\d{6}")


def _movement(store: Store, route: list[list[float]], **extra: Any) -> str:
    doc = request(route=route, depart="2026-06-10T04:00:00Z", arrive_by="2026-06-11T04:00:00Z",
                  **extra)
    return movements.add_movement(store, movement_request.parse(doc, store.validation_context()))


def _permit(store: Store, movement: str, host: str) -> str:
    [permit] = store.rows("permits", "movement_id = ? AND host_nation = ?", (movement, host))
    return permit["id"]


# -- Form 302 serials ----------------------------------------------------------------------


def test_a_serial_is_nation_date_status_activity_and_a_sequence_per_nation_and_day(
        store: Store) -> None:
    first = _permit(store, _movement(store, [KAUNAS, RIGA]), "LV")
    second = _permit(store, _movement(store, [KAUNAS, RIGA], name="Second"), "LV")

    serial = paperwork.form302_serial(store, first, DAY, "U", "N")
    assert serial == "LT20260609UN000001" and len(serial) == 18 and SERIAL_RE.fullmatch(serial)
    assert store.get("permits", first)["form302_serial"] is None  # only computed
    assert paperwork.issue_form302(store, first, DAY, "U", "N") == serial
    assert store.get("permits", first)["form302_serial"] == serial
    # Asked again (a re-print, even days later): the same serial.
    assert paperwork.form302_serial(store, first, DAY + timedelta(days=3)) == serial

    # Another movement the same day: the next sequence, whatever its status and activity.
    assert paperwork.issue_form302(store, second, DAY, "N", "E") == "LT20260609NE000002"
    # Another day starts again at 1; the date is the issuer's calendar day, not UTC's.
    vilnius = timezone(timedelta(hours=3))
    late = datetime(2026, 6, 9, 22, 30, tzinfo=UTC).astimezone(vilnius)  # 10 June there
    assert paperwork.form302_serial(store, second, late, "U", "N") == "LT20260610UN000001"
    # A different customs status is another form: a new serial replaces the recorded one.
    assert paperwork.issue_form302(store, first, DAY, "N", "N") == "LT20260609NN000003"
    assert store.get("permits", first)["form302_serial"] == "LT20260609NN000003"


def test_a_replaced_serial_is_not_given_again(store: Store) -> None:
    first, second, third = (_permit(store, _movement(store, [KAUNAS, RIGA], name=name), "LV")
                            for name in ("First", "Second", "Third"))
    assert paperwork.issue_form302(store, first, DAY) == "LT20260609UN000001"
    assert paperwork.issue_form302(store, second, DAY) == "LT20260609UN000002"
    # The second's form issued again the next day for other goods: no permit holds its
    # 000002 of the 9th any more, but it was printed once.
    assert paperwork.issue_form302(store, second, DAY + timedelta(days=1), "N", "O") \
        == "LT20260610NO000001"
    assert paperwork.form302_serial(store, third, DAY) == "LT20260609UN000003"


def test_a_movement_travels_under_one_form302_across_its_permits(store: Store) -> None:
    movement = _movement(store, [KAUNAS, RIGA, *TALLINN])
    lv, ee = _permit(store, movement, "LV"), _permit(store, movement, "EE")
    serial = paperwork.issue_form302(store, lv, DAY)
    assert paperwork.issue_form302(store, ee, DAY + timedelta(days=1)) == serial
    assert store.get("permits", ee)["form302_serial"] == serial


@pytest.mark.parametrize(("text", "problem"), [
    ("LT20260609UN00001", "has 18 characters; 'LT20260609UN00001' has 17"),
    ("LT20261301UN000001", "20261301 is not a date"),
    ("LT20260609XN000001", "is not a Form 302 serial"),
    ("LT20260609UQ000001", "is not a Form 302 serial"),
    ("L720260609UN000001", "is not a Form 302 serial"),
    ("LT20260609UN000000", "the sequence starts at 000001"),
])
def test_a_malformed_serial_is_refused_naming_the_problem(text: str, problem: str) -> None:
    with pytest.raises(PaperworkError, match=re.escape(problem)):
        paperwork.check_form302_serial(text)


def test_a_serial_is_read_in_upper_case() -> None:
    assert paperwork.check_form302_serial(" lt20260609un000001 ") == "LT20260609UN000001"


def test_serial_arguments_are_checked(store: Store) -> None:
    permit = _permit(store, _movement(store, [KAUNAS, RIGA]), "LV")
    with pytest.raises(PaperworkError, match=r"customs status must be U .* or N .*not 'X'"):
        paperwork.form302_serial(store, permit, DAY, "X", "N")
    with pytest.raises(PaperworkError, match=r"activity must be N \(NATO\), E .* not 'C'"):
        paperwork.form302_serial(store, permit, DAY, "U", "C")
    with pytest.raises(PaperworkError, match="needs a time zone"):
        paperwork.form302_serial(store, permit, datetime(2026, 6, 9, 9, 30))
    with pytest.raises(PaperworkError, match="no permit with id nope"):
        paperwork.form302_serial(store, "nope", DAY)
    with pytest.raises(PaperworkError, match="serial LV20260609UN000001 is of LV; the sending "
                                             "nation of this movement is LT"):
        paperwork.record_form302_serial(store, permit, "LV20260609UN000001")
    decisions.withdraw(store, permit, "not needed")
    with pytest.raises(PaperworkError, match="the permit is withdrawn: no goods move under it"):
        paperwork.form302_serial(store, permit, DAY)
    assert store.get("permits", permit)["form302_serial"] is None


def test_the_sending_nation_records_the_serial_and_the_host_reads_it(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    permit = _permit(lt, _movement(lt, [KAUNAS, RIGA]), "LV")
    send(lt, lv, tmp_path)
    # The host has nothing to show yet, and issues no serial for another nation's goods.
    with pytest.raises(PaperworkError, match="no Form 302 serial is recorded for this permit "
                                             "yet; the sending nation LT issues it"):
        paperwork.form302(lv, permit)
    with pytest.raises(PaperworkError, match="the sending nation LT issues the Form 302 of "
                                             "this movement, not LV"):
        paperwork.form302_serial(lv, permit, DAY)
    with pytest.raises(PaperworkError, match="the sending nation LT records"):
        paperwork.record_form302_serial(lv, permit, "LT20260609UN000001")

    data = paperwork.form302(lt, permit, "N", "N", issued=DAY)
    assert data["serial"] == "LT20260609NN000001" and data["draft"]
    send(lt, lv, tmp_path)
    seen = paperwork.form302(lv, permit)
    assert seen["serial"] == "LT20260609NN000001" and seen["customs_label"] == "Non-Union goods"
    assert seen["consignor_nation"] == "LT" and seen["destination_nation"] == "LV"
    with pytest.raises(PaperworkError, match="has customs status N; only the sending nation LT"):
        paperwork.form302(lv, permit, customs_status="U")


def test_a_refused_write_is_reported_not_bypassed(store: Store,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from app.core.trust import authority

    permit = _permit(store, _movement(store, [KAUNAS, RIGA]), "LV")
    monkeypatch.setattr(authority, "local_check",
                        lambda *args: "LT cell 0 is an observer and edits nothing")
    with pytest.raises(PaperworkError, match="refused: LT cell 0 is an observer"):
        paperwork.issue_form302(store, permit, DAY)
    assert store.get("permits", permit)["form302_serial"] is None


def test_form302_goods_are_the_vehicles_by_kind(store: Store) -> None:
    permit = _permit(store, _movement(store, [KAUNAS, PANEVEZYS, SALOCIAI, RIGA]), "LV")
    data = paperwork.form302(store, permit, issued=DAY, record=False)
    assert store.get("permits", permit)["form302_serial"] is None
    goods = {g["description"]: g for g in data["goods"]}
    assert goods["Leopard 2A7"]["quantity"] == 14 and goods["Leopard 2A7"]["gross_t"] == 903.0
    assert goods["MAN HX77"]["quantity"] == 30
    assert data["vehicles"] == 44 and data["max_mlc"] == 70
    assert data["gross_weight_t"] == pytest.approx(903.0 + 960.0)
    assert data["route_nations"] == ["LT", "LV"] and data["transit_nations"] == []
    assert data["entry"]["name"] == "Saločiai – Grenctāle"
    assert data["entry"]["kind"] == "crossing" and data["exit"]["kind"] == "end"
    # Straight from Kaunas to Riga misses every known crossing: the border is named instead.
    straight = paperwork.form302(store, _permit(store, _movement(store, [KAUNAS, RIGA]), "LV"),
                                 issued=DAY, record=False)
    assert straight["entry"]["name"] == "LT–LV border (no known crossing point)"


# -- the movement credit ---------------------------------------------------------------------


def test_the_credit_of_an_approved_incoming_permit(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        permit = next(p for p in store.rows("permits", "host_nation = 'LT' AND status ="
                                            " 'requested'"))
        movement = store.get("movements", permit["movement_id"])
        with pytest.raises(PaperworkError, match="the permit is requested: a movement credit "
                                                 "is only for an approved permit"):
            paperwork.movement_credit(store, permit["id"])
        now = datetime(2026, 6, 9, 11, 0, tzinfo=UTC)
        decisions.decide(store, permit["id"], "conditions", ["Military police escort"],
                         person="mjr. A. Petraitis", now=now)
        credit = paperwork.movement_credit(store, permit["id"])

    assert re.fullmatch(r"09LTVN\d{3}", credit["movement_number"])
    assert credit["host"] == "LT" and credit["host_name"] == "Lithuania"
    assert credit["owner"] == movement["owner"] != "LT"
    assert credit["movement"] == movement["name"] and credit["unit"] == movement["unit"]
    assert credit["status"] == "approved_with_conditions"
    assert credit["conditions"] == ["Military police escort"]
    assert credit["decided_by"] == "mjr. A. Petraitis, Vilnius NMCC"
    assert credit["decided_at"] == "2026-06-09T11:00:00Z"
    assert credit["valid_from"] == (permit["valid_from"] or movement["depart"])
    assert "LT" in credit["route_nations"]
    for place in (credit["entry"], credit["exit"]):
        assert place and place["name"] and place["km"] is not None
    assert credit["entry"]["km"] <= credit["exit"]["km"]
    if credit["entry"]["first_vehicle"]:
        assert credit["entry"]["first_vehicle"] <= credit["exit"]["last_vehicle"]
    assert credit["vehicles"] == sum(s["count"] for s in credit["serials"]) > 0
    assert credit["max_mlc"] == max(v["mlc"] for s in credit["serials"]
                                    for v in s["vehicles"])


def test_a_credit_needs_a_movement_number(demo_copy: Path) -> None:
    with Store.open(demo_copy) as store:
        permit = next(store.rows("permits", "host_nation = 'LT' AND status = 'approved'"))
        assert permit["movement_number"]  # the demo's decisions carry theirs
        with store.write() as w:  # as a decision recorded before movement numbers existed
            w.update("permits", permit["id"], {"movement_number": None})
        with pytest.raises(PaperworkError, match="no movement number; approve it again"):
            paperwork.movement_credit(store, permit["id"])
        decisions.decide(store, permit["id"], "approve")  # assigns one
        credit = paperwork.movement_credit(store, permit["id"])
    entry, exit_ = credit["entry"], credit["exit"]
    assert credit["movement_number"] and entry is not None and exit_ is not None


# -- the inbox as CSV ------------------------------------------------------------------------


def test_the_inbox_round_trips_through_csv(demo: Store, tmp_path: Path) -> None:
    rows = inbox.page(demo, inbox.InboxFilter("all"))
    path = tmp_path / "inbox.csv"
    assert export.write_csv(rows, path) == len(rows) > 5
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the BOM spreadsheets look for
    assert [p.name for p in tmp_path.iterdir()] == ["inbox.csv"]  # no temp file left
    with open(path, encoding="utf-8-sig", newline="") as fh:
        read = list(csv.reader(fh))
    assert tuple(read[0]) == export.HEADER
    assert "Movement" in read[0] and "Deadline (UTC)" in read[0]
    back = [dict(zip(read[0], line, strict=True)) for line in read[1:]]
    assert len(back) == len(rows)
    for row, line in zip(rows, back, strict=True):
        assert line["Permit ID"] == row["id"] and line["Movement"] == row["movement"]
        assert line["Host nation"] == row["host"] and line["Owner"] == row["owner"]
        assert line["Route"] == row["route"]
        assert line["Vehicles"] == str(row["vehicles"])
        assert line["Status"] == {"requested": "Requested", "approved": "Approved"}.get(
            row["status"], line["Status"])
        for name in ("Deadline (UTC)", "Requested at (UTC)", "Valid from (UTC)"):
            assert line[name] == "" or re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                                     line[name])
        assert line["Deadline (UTC)"] == (row["deadline"] or "")
    assert any("Ā" in line["Movement"] or "Š" in line["Movement"] for line in back)


def test_csv_cells_that_look_like_formulas_stay_text(tmp_path: Path) -> None:
    row = {"id": "x", "movement_id": "y", "movement": "=HYPERLINK(\"http://evil\")",
           "owner": "LT", "host": "LV", "route": "-LT", "vehicles": 3, "max_mlc": 30.0,
           "window": "2026-06-10T04:00:00+00:00", "deadline": None, "status": "requested",
           "requested_at": None, "mode": "crisis", "reference": "@ref", "valid_until": None,
           "arrive_by": "2026-06-11T04:00:00Z"}
    path = tmp_path / "one.csv"
    export.write_csv([row], path)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        [line] = list(csv.DictReader(fh))
    assert line["Movement"] == "'=HYPERLINK(\"http://evil\")"
    assert line["Route"] == "'-LT" and line["Reference"] == "'@ref"
    assert line["Highest MLC"] == "30" and line["Mode"] == "Crisis fast track"
    assert line["Valid from (UTC)"] == "2026-06-10T04:00:00Z"
    assert line["Valid until (UTC)"] == "2026-06-11T04:00:00Z"  # the movement's, as shown


def test_a_csv_that_cannot_be_written_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        export.write_csv([], tmp_path / "missing" / "inbox.csv")
    assert list(tmp_path.iterdir()) == []
