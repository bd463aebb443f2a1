"""The permit inbox on the demo store (LT's cell): listing, sorting, filtering, the decision
keys and dialogs, undo, refusals, the due-soon badge and the overdue notice."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QSystemTrayIcon
from pytestqt.qtbot import QtBot

from app.core import timefmt
from app.core.domain.vocabulary import PERMIT_STATUSES
from app.core.ids import stable_id
from app.core.permits import decisions, inbox
from app.core.permits.inbox import OPEN_STATUSES, InboxFilter
from app.core.store import Store
from app.gui import display, snapshot
from app.gui.main_window import MainWindow
from app.gui.models.permit_table import OVERDUE_TINT, WARN_TINT, PermitTableModel
from app.gui.planning import PlanSet, plan_store
from app.gui.views.decision_dialog import DecisionDialog, ReasonDialog, fill_condition
from app.gui.views.permit_inbox import UNDO_CHECK_DELAY_MS, PermitInbox
from tests.conftest import DEMO_NOW

Clock = Callable[[], datetime]


@pytest.fixture
def demo_store(demo_copy: Path) -> Iterator[Store]:
    with Store.open(demo_copy) as store:
        yield store


@pytest.fixture(scope="module")
def demo_plans(demo_path: Path) -> PlanSet:
    return plan_store(demo_path)


def _inbox(qtbot: QtBot, store: Store, now: datetime | Clock = DEMO_NOW,
           plans: PlanSet | None = None) -> PermitInbox:  # fmt: skip
    clock = now if callable(now) else (lambda: now)
    view = PermitInbox(store, plans, now=clock)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitActive(view):
        view.activateWindow()
    return view


def _ids(view: PermitInbox) -> list[str | None]:
    return [view.model.permit_id(r) for r in range(view.model.rowCount())]


def _select(view: PermitInbox, permit_id: str) -> None:
    assert view.select_permit(permit_id)
    view.table.setFocus()


def _show_all(view: PermitInbox) -> None:
    view.status_combo.setCurrentIndex(view.status_combo.findText("All"))


def _open_one(store: Store, status: str = "requested") -> dict[str, Any]:
    return inbox.page(store, InboxFilter("incoming", statuses=(status,)))[0]


def _press(qtbot: QtBot, view: PermitInbox, key: Qt.Key,
           modifier: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
    qtbot.keyClick(view.table, key, modifier)


def _changes(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]


def _accept_with(monkeypatch: pytest.MonkeyPatch, cls: type[QDialog],
                 fill: Callable[[Any], None]) -> list[Any]:  # fmt: skip
    """Stand in for the dialog's modal run: `fill` it as a person would, then OK."""
    shown: list[Any] = []

    def run(dialog: Any) -> int:
        shown.append(dialog)
        fill(dialog)
        assert dialog.ok.isEnabled()
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(cls, "exec", run)
    return shown


# -- listing, sorting, filtering ------------------------------------------------------------
def test_the_inbox_opens_on_the_open_incoming_requests_soonest_deadline_first(
    demo_store: Store, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    expected = inbox.page(demo_store, InboxFilter("incoming", statuses=OPEN_STATUSES))
    assert expected and _ids(view) == [r["id"] for r in expected]
    incoming = inbox.count(demo_store, InboxFilter("incoming", statuses=OPEN_STATUSES))
    outgoing = inbox.count(demo_store, InboxFilter("outgoing", statuses=OPEN_STATUSES))
    assert view.incoming_button.text() == f"&Incoming ({incoming})"
    assert view.outgoing_button.text() == f"&Outgoing ({outgoing})"
    everything = inbox.count(demo_store, InboxFilter("incoming"))
    assert view.shown.text() == f"{incoming} of {everything} permits"
    view.set_direction("outgoing")
    assert view.model.inbox_filter.direction == "outgoing"
    assert view.model.headerData(1, Qt.Orientation.Horizontal) == "Host"
    assert all(view.model.item(r)["owner"] == "LT" for r in range(view.model.rowCount()))


def test_columns_read_as_a_coordinator_says_them(demo_store: Store, qtbot: QtBot) -> None:
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    model = view.model
    heavy = next(r for r in range(model.rowCount())
                 if model.item(r)["movement"] == "Heavy armour to Ādaži (HET)")  # fmt: skip
    item = model.item(heavy)
    text = {key: model.index(heavy, model.column_of(key)).data() for key in model.keys}
    assert text["vehicles"] == f"{item['vehicles']} · MLC {display.number(item['max_mlc'])}"
    assert text["route"] == item["route"] and text["route"].startswith("US → ")
    assert text["window"] == display.span(item["window"], item["valid_until"])
    assert text["status"] == "Approved"
    # Decided: no countdown, the date alone, and no warning colour.
    assert text["deadline"] == display.day_time(item["deadline"])
    deadline = model.index(heavy, model.column_of("deadline"))
    assert deadline.data(Qt.ItemDataRole.BackgroundRole) is None
    assert "Decision due" in deadline.data(Qt.ItemDataRole.ToolTipRole)


def test_the_deadline_counts_down_warns_under_a_quarter_and_marks_overdue_red_and_bold(
    demo_store: Store,
) -> None:
    request = _open_one(demo_store, "under_review")  # a standard request: days allowed
    requested = timefmt.parse_utc(request["requested_at"])
    due = timefmt.parse_utc(request["deadline"])
    allowed = due - requested
    moments = {"early": requested + allowed * 0.5, "late": due - allowed * 0.2,
               "overdue": due + timedelta(hours=3, minutes=5)}  # fmt: skip
    expected = {"early": None, "late": WARN_TINT, "overdue": OVERDUE_TINT}
    for name, moment in moments.items():
        model = PermitTableModel(demo_store, InboxFilter(statuses=OPEN_STATUSES),
                                 now=lambda m=moment: m)  # fmt: skip
        index = model.index(model.row_of(request["id"]), model.column_of("deadline"))
        assert index.data(Qt.ItemDataRole.BackgroundRole) == expected[name], name
        bold = index.data(Qt.ItemDataRole.FontRole)
        assert (bold is not None and bold.bold()) == (name == "overdue")
    assert index.data() == "overdue 3 h 5 min"
    model = PermitTableModel(demo_store, InboxFilter(statuses=OPEN_STATUSES),
                             now=lambda: due - timedelta(days=2, hours=4))  # fmt: skip
    assert model.index(model.row_of(request["id"]), model.column_of("deadline")).data() == (
        "in 2 d 4 h")


def test_rows_are_read_a_page_at_a_time_and_sorting_keeps_them_loaded(
    demo_store: Store,
) -> None:
    model = PermitTableModel(demo_store, InboxFilter("all"), now=lambda: DEMO_NOW, page_size=5)
    total = inbox.count(demo_store, InboxFilter("all"))
    assert model.rowCount() == 5 and model.total == total and model.canFetchMore()
    model.fetchMore()
    assert model.rowCount() == 10
    model.sort(model.column_of("movement"), Qt.SortOrder.DescendingOrder)
    assert model.rowCount() == 10
    assert [model.permit_id(r) for r in range(10)] == [
        r["id"] for r in inbox.page(demo_store, InboxFilter("all"), "movement", True, limit=10)]
    while model.canFetchMore():
        model.fetchMore()
    assert model.rowCount() == total


def test_clicking_headings_sorts_in_sql_by_movement_and_by_deadline(
    demo_store: Store, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    header = view.table.horizontalHeader()
    flt = view.model.inbox_filter

    def click(key: str) -> None:
        column = view.model.column_of(key)
        where = QPoint(header.sectionViewportPosition(column) + 8, header.height() // 2)
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)

    def expected(order: str, descending: bool) -> list[str]:
        return [r["id"] for r in inbox.page(demo_store, flt, order, descending)]

    assert _ids(view) == expected("deadline", False)
    click("deadline")
    assert view.model.order == ("deadline", True)
    assert _ids(view) == expected("deadline", True)
    click("movement")
    key, descending = view.model.order
    assert key == "movement"
    names = [view.model.item(r)["movement"].casefold() for r in range(view.model.rowCount())]
    assert names == sorted(names, reverse=descending)
    assert _ids(view) == expected("movement", descending)
    click("movement")
    assert view.model.order == ("movement", not descending)
    assert _ids(view) == expected("movement", not descending)
    # The flags come from the plan, not the database: the order stays as it was.
    before = _ids(view)
    click("flags")
    assert view.model.order == ("movement", not descending)
    assert header.sortIndicatorSection() == view.model.column_of("movement")
    assert _ids(view) == before


def test_typing_in_the_filter_narrows_the_inbox_and_ctrl_f_goes_there(
    demo_store: Store, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    view.table.setFocus()
    _press(qtbot, view, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(view.filter_text.hasFocus, timeout=1000)
    qtbot.keyClicks(view.filter_text, "czech")
    expected = inbox.page(demo_store, InboxFilter("incoming", text="czech"))
    qtbot.waitUntil(lambda: view.model.rowCount() == len(expected), timeout=2000)
    assert expected and _ids(view) == [r["id"] for r in expected]
    assert all("Czech" in view.model.item(r)["movement"] for r in range(len(expected)))
    view.filter_text.clear()
    everything = inbox.count(demo_store, InboxFilter("incoming"))
    qtbot.waitUntil(lambda: view.model.rowCount() == everything, timeout=2000)


def test_the_status_combo_filters_by_one_status_or_the_open_ones(
    demo_store: Store, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    labels = [view.status_combo.itemText(i) for i in range(view.status_combo.count())]
    assert labels[:2] == ["Open (undecided)", "All"]
    assert labels[2:] == list(PERMIT_STATUSES.values())
    view.status_combo.setCurrentIndex(view.status_combo.findText("Approved"))
    approved = inbox.count(demo_store, InboxFilter("incoming", statuses=("approved",)))
    assert approved and view.model.rowCount() == approved
    assert {view.model.item(r)["status"] for r in range(approved)} == {"approved"}
    view.status_combo.setCurrentIndex(0)
    assert {view.model.item(r)["status"] for r in range(view.model.rowCount())} <= set(
        OPEN_STATUSES)


# -- deciding ---------------------------------------------------------------------------------
def test_a_approves_the_selected_request_and_its_row_shows_it(
    demo_store: Store, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    request = _open_one(demo_store)
    _select(view, request["id"])
    assert view.approve_button.isEnabled() and not view.undo_button.isEnabled()
    with qtbot.waitSignal(view.changed, timeout=1000):
        _press(qtbot, view, Qt.Key.Key_A)
    permit = demo_store.get("permits", request["id"])
    assert permit["status"] == "approved" and permit["movement_number"]
    # The row stays (the filter shows open ones) so the decision can be seen and undone.
    row = view.model.row_of(request["id"])
    assert row is not None
    assert view.model.index(row, view.model.column_of("status")).data() == "Approved"
    assert view.selected_id() == request["id"]
    assert view.panel.text("status") == "Approved"
    assert permit["movement_number"] in view.message.text()
    qtbot.waitUntil(view.undo_button.isEnabled, timeout=1000)


def test_d_asks_the_reason_and_denies(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _inbox(qtbot, demo_store)
    request = _open_one(demo_store)
    _select(view, request["id"])
    monkeypatch.setattr(ReasonDialog, "exec", lambda self: QDialog.DialogCode.Rejected)
    before = _changes(demo_store)
    _press(qtbot, view, Qt.Key.Key_D)
    assert _changes(demo_store) == before  # cancelled: nothing written

    def reason(dialog: ReasonDialog) -> None:
        assert not dialog.ok.isEnabled()  # a denial needs its reason
        dialog.reason.setPlainText("Šešupė bridge closed for repairs")

    asked = _accept_with(monkeypatch, ReasonDialog, reason)
    _press(qtbot, view, Qt.Key.Key_D)
    assert len(asked) == 1
    permit = demo_store.get("permits", request["id"])
    assert permit["status"] == "denied"
    assert permit["remarks"] == "Šešupė bridge closed for repairs"
    row = view.model.row_of(request["id"])
    assert view.model.index(row, view.model.column_of("status")).data() == "Denied"


def test_c_approves_with_a_standard_condition_filled_from_the_plan(
    demo_store: Store, demo_plans: PlanSet, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _inbox(qtbot, demo_store, plans=demo_plans)
    request = _open_one(demo_store)
    part = view.model.host_part(view.model.row_of(request["id"]))
    assert part is not None and part.entry is not None and part.entry.point is not None
    crossing = part.entry.point.name
    _select(view, request["id"])

    def choose(dialog: DecisionDialog) -> None:
        assert dialog.outcome == "conditions"
        assert not dialog.ok.isEnabled()  # no condition yet
        cross = next(b for b in dialog.standard_buttons if crossing in b.text())
        assert cross.isEnabled()
        cross.click()
        assert dialog.ok.isEnabled() and dialog.ok.text() == "Approve with conditions"

    shown = _accept_with(monkeypatch, DecisionDialog, choose)
    _press(qtbot, view, Qt.Key.Key_C)
    assert len(shown) == 1
    permit = demo_store.get("permits", request["id"])
    assert permit["status"] == "approved_with_conditions"
    [condition] = permit["conditions"]
    values = part.condition_values()
    assert condition == fill_condition(decisions.STANDARD_CONDITIONS[0], values)
    assert condition.startswith(f"Cross {crossing} between ") and values["start"] in condition
    assert "Cross" in view.panel.text("conditions")


def test_enter_opens_the_decision_and_a_denial_there_needs_its_reason(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _inbox(qtbot, demo_store)  # no plan yet: the plan's conditions wait for it
    request = _open_one(demo_store)
    _select(view, request["id"])

    def deny(dialog: DecisionDialog) -> None:
        assert dialog.outcome == "approve" and dialog.ok.isEnabled()
        crossing = dialog.standard_buttons[0]
        assert not crossing.isEnabled() and "being computed" in crossing.toolTip()
        dialog.set_outcome("deny")
        assert not dialog.ok.isEnabled()
        dialog.reason.setPlainText("Load class too heavy for the diversion")

    _accept_with(monkeypatch, DecisionDialog, deny)
    _press(qtbot, view, Qt.Key.Key_Return)
    assert demo_store.get("permits", request["id"])["status"] == "denied"


def test_ctrl_z_undoes_the_last_decision_until_there_is_none(
    demo_store: Store, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    request = _open_one(demo_store)
    _select(view, request["id"])
    _press(qtbot, view, Qt.Key.Key_A)
    assert decisions.undoable(demo_store, request["id"])
    _press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    permit = demo_store.get("permits", request["id"])
    assert permit["status"] == "requested" and permit["movement_number"] is None
    row = view.model.row_of(request["id"])
    assert view.model.index(row, view.model.column_of("status")).data() == "Requested"
    assert "undone" in view.message.text()
    before = _changes(demo_store)
    _press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _changes(demo_store) == before
    assert view.message.property("problem") and "Nothing to undo" in view.message.text()


def test_a_decision_not_made_here_cannot_be_undone_and_says_why(
    demo_store: Store, qtbot: QtBot
) -> None:
    request = _open_one(demo_store)
    # Another laptop of the LT cell decided it; its bundle arrived here.
    klaipeda = stable_id("site", "test-LT-Klaipeda")
    demo_store.register_site(klaipeda, "LT", "Klaipėda NMCC")
    with demo_store.write(origin=klaipeda) as w:
        w.update("permits", request["id"], {"status": "approved",
                                            "decided_at": timefmt.iso(DEMO_NOW),
                                            "decided_by": "Klaipėda NMCC"})
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    _select(view, request["id"])
    qtbot.wait(UNDO_CHECK_DELAY_MS * 2)
    assert not view.undo_button.isEnabled()
    before = _changes(demo_store)
    _press(qtbot, view, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert _changes(demo_store) == before
    assert view.message.property("problem")
    assert "cannot be undone" in view.message.text()


def test_a_closed_or_outgoing_permit_refuses_the_decision_keys_and_writes_nothing(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(DecisionDialog, "exec", lambda self: pytest.fail("no dialog"))
    monkeypatch.setattr(ReasonDialog, "exec", lambda self: pytest.fail("no dialog"))
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    withdrawn = _open_one(demo_store, "withdrawn")
    _select(view, withdrawn["id"])
    before = _changes(demo_store)
    for key in (Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_D, Qt.Key.Key_Return):
        view.say("")
        _press(qtbot, view, key)
        assert view.message.property("problem")
        assert "withdrawn: there is nothing to decide" in view.message.text()
    view.set_direction("outgoing")
    ours = view.model.item(0)
    assert ours is not None and ours["owner"] == "LT"
    _select(view, ours["id"])
    for key in (Qt.Key.Key_A, Qt.Key.Key_C, Qt.Key.Key_D, Qt.Key.Key_Return):
        view.say("")
        _press(qtbot, view, key)
        assert "decides this request, not LT" in view.message.text()
        assert "withdraw it (W)" in view.message.text()
    assert not view.approve_button.isVisible() and view.withdraw_button.isVisible()
    assert _changes(demo_store) == before
    assert demo_store.get("permits", withdrawn["id"])["status"] == "withdrawn"
    assert demo_store.get("permits", ours["id"])["status"] == ours["status"]


def test_w_withdraws_our_own_request_with_an_optional_reason(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _inbox(qtbot, demo_store)
    view.set_direction("outgoing")
    ours = view.model.item(0)
    _select(view, ours["id"])

    def reason(dialog: ReasonDialog) -> None:
        assert dialog.ok.isEnabled()  # optional
        dialog.reason.setPlainText("Moved by rail instead")

    _accept_with(monkeypatch, ReasonDialog, reason)
    _press(qtbot, view, Qt.Key.Key_W)
    permit = demo_store.get("permits", ours["id"])
    assert permit["status"] == "withdrawn" and "Moved by rail" in permit["remarks"]
    row = view.model.row_of(ours["id"])
    assert view.model.index(row, view.model.column_of("status")).data() == "Withdrawn"


def test_approve_preauthorised_approves_those_that_still_fit(
    demo_store: Store, qtbot: QtBot
) -> None:
    # The demo's Dutch request came under LT's standing permission for light movements.
    request = next(r for r in inbox.page(demo_store, InboxFilter("incoming"))
                   if r["mode"] == "preauthorised")
    standing = next(iter(demo_store.rows("preauthorisations", "host_nation = 'LT'")))
    with demo_store.write() as w:  # the permission is withdrawn before anyone approves
        w.delete("preauthorisations", standing["id"])
    view = _inbox(qtbot, demo_store)
    assert view.preauth_button.text() == "Approve pre-authorised (1)"
    view.preauth_button.click()
    assert demo_store.get("permits", request["id"])["status"] == "requested"
    assert "no longer fits" in view.message.text()
    limits = {"host_nation": "LT", "max_mlc": 40, "dangerous_goods": [],
              "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-12-31T23:59:59Z"}
    with demo_store.write() as w:
        w.insert("preauthorisations", {**limits, "reference": "LT-PA-NL", "holders": ["NL"]})
    view.preauth_button.click()
    permit = demo_store.get("permits", request["id"])
    assert permit["status"] == "approved" and "LT-PA-NL" in permit["decided_by"]
    assert view.message.text().startswith("Approved 1 request")
    assert view.preauth_button.text() == "Approve pre-authorised (0)"
    assert not view.preauth_button.isEnabled()


# -- the plan in the side panel ---------------------------------------------------------------
def test_the_side_panel_shows_the_hosts_part_of_the_route_and_its_problems(
    demo_store: Store, demo_plans: PlanSet, qtbot: QtBot
) -> None:
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    model = view.model
    assert model.index(0, model.column_of("flags")).data() == ""  # planning
    view.set_plans(demo_plans)
    flagged = [r for r in range(model.rowCount())
               if "conflict" in model.index(r, model.column_of("flags")).data()]  # fmt: skip
    assert flagged
    row = flagged[0]
    part = model.host_part(row)
    assert part is not None and part.conflicts
    n = len(part.conflicts)
    assert model.index(row, model.column_of("flags")).data() == (
        f"◷ {n} conflict{'s' if n != 1 else ''}")
    view.select_row(row)
    panel = view.panel
    assert panel.title.text() == model.item(row)["movement"]
    assert panel.route_title.text() == "<b>Route in Lithuania (LT)</b>"
    assert panel.route.row_count == len(part.points)
    assert part.points[0].name == panel.route.cell(0, 1)
    assert panel.route.cell(0, 2) == display.day_time(part.points[0].head)
    assert "Conflicts in Lithuania" in panel.issues.text()
    assert part.conflicts[0].point in panel.issues.text()
    assert "BMMA" in panel.text("agreement")


# -- attention ------------------------------------------------------------------------------
def test_the_badge_counts_requests_due_within_a_day(demo_store: Store, qtbot: QtBot,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    due = inbox.due_soon(demo_store, 24, DEMO_NOW)
    assert due > 0
    window = MainWindow(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    assert window.permit_inbox.due_count == due
    assert window.tabs.tabText(window.tabs.indexOf(window.permit_inbox)) == f"Permits ({due} due)"
    assert window.windowTitle().endswith(f"— {due} permits due")
    # Deciding one takes it off the count.
    window.permit_inbox.select_permit(_open_one(demo_store)["id"])
    window.permit_inbox.approve()
    assert window.permit_inbox.due_count == due - 1
    assert window.tabs.tabText(1) == f"Permits ({due - 1} due)"
    window.movements_action.trigger()
    assert window.tabs.currentWidget() is window.movements_page
    window.permits_action.trigger()
    assert window.tabs.currentWidget() is window.permit_inbox
    assert window.permits_action.shortcut().toString() == "Ctrl+2"
    window.planning.stop()


def test_an_overdue_request_is_notified_once(demo_store: Store, qtbot: QtBot) -> None:
    request = _open_one(demo_store)
    due = timefmt.parse_utc(request["deadline"])
    clock = [due - timedelta(minutes=5)]
    view = _inbox(qtbot, demo_store, now=lambda: clock[0])
    told: list[list[dict[str, Any]]] = []
    view.overdue_found.connect(told.append)
    earlier = {r["id"] for r in inbox.overdue(demo_store, clock[0])}
    view.check_deadlines()
    assert request["id"] not in earlier
    assert {r["id"] for batch in told for r in batch} == earlier
    told.clear()
    clock[0] = due + timedelta(minutes=1)
    view.check_deadlines()
    assert [[r["id"] for r in batch] for batch in told] == [[request["id"]]]
    view.check_deadlines()
    clock[0] += timedelta(minutes=1)
    view.check_deadlines()
    assert len(told) == 1  # once per session


def test_the_window_shows_an_overdue_banner_without_a_system_tray(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    window = MainWindow(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    overdue = inbox.overdue(demo_store, DEMO_NOW)
    assert overdue
    banner = window.overdue_banner
    assert not banner.isHidden()
    assert overdue[0]["movement"] in banner.text.text()
    banner.show_button.click()
    assert banner.isHidden() and window.tabs.currentWidget() is window.permit_inbox
    window.permit_inbox.check_deadlines()
    assert banner.isHidden()  # told once: not again
    window.planning.stop()


def test_with_a_system_tray_the_notice_is_a_desktop_notification(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[tuple[str, str]] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(QSystemTrayIcon, "show", lambda self: None)
    monkeypatch.setattr(QSystemTrayIcon, "showMessage",
                        lambda self, title, text, *rest: sent.append((title, text)))
    window = MainWindow(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    assert len(sent) == 1 and "overdue" in sent[0][1]
    assert window.overdue_banner.isHidden()
    window.permit_inbox.check_deadlines()
    assert len(sent) == 1
    window.planning.stop()


def test_a_decision_in_the_inbox_shows_in_the_movement_detail_and_imports_refresh_it(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: False))
    window = MainWindow(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    request = _open_one(demo_store)
    listing = window.movement_list
    listing.apply_filter()
    row = listing.model.row_of(request["movement_id"])
    assert row is not None
    listing.select_row(row)
    inbox_view = window.permit_inbox
    inbox_view.select_permit(request["id"])
    inbox_view.approve()
    statuses = [window.movement_detail.permits.cell(r, 1)
                for r in range(window.movement_detail.permits.row_count)]  # fmt: skip
    assert "Approved" in statuses
    # A write that did not come through the inbox (an import, another view) shows on refresh.
    decisions.undo(demo_store, request["id"])
    window.refresh()
    row = inbox_view.model.row_of(request["id"])
    assert inbox_view.model.index(row, inbox_view.model.column_of("status")).data() == (
        "Requested")
    window.planning.stop()


def test_a_on_a_decision_with_conditions_asks_before_changing_it(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _inbox(qtbot, demo_store)
    _show_all(view)
    conditional = _open_one(demo_store, "approved_with_conditions")
    _select(view, conditional["id"])
    asked: list[str] = []

    def cancel(dialog: DecisionDialog) -> int:
        asked.append(dialog.outcome)
        return QDialog.DialogCode.Rejected

    monkeypatch.setattr(DecisionDialog, "exec", cancel)
    before = _changes(demo_store)
    _press(qtbot, view, Qt.Key.Key_A)
    assert asked == ["approve"]
    assert _changes(demo_store) == before
    assert demo_store.get("permits", conditional["id"])["conditions"]


def test_the_snapshot_renders_the_inbox_at_a_given_moment(demo_path: Path, tmp_path: Path,
                                                          qtbot: QtBot) -> None:
    out = snapshot.render(demo_path, tmp_path / "inbox.png", view="permits",
                          at=timefmt.iso(DEMO_NOW), size=(1400, 850))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1400, 850)


def test_the_reason_dialog_needs_a_reason_and_ctrl_enter_confirms(qtbot: QtBot) -> None:
    dialog = ReasonDialog("Deny permit", "Deny?", "&Deny")
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    assert not dialog.ok.isEnabled()
    qtbot.keyClicks(dialog.reason, "Bridge closed")
    assert dialog.ok.isEnabled()
    qtbot.keyClick(dialog.reason, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.text() == "Bridge closed"


def test_r_takes_a_request_under_review(demo_store: Store, qtbot: QtBot) -> None:
    request = _open_one(demo_store)
    view = _inbox(qtbot, demo_store)
    _select(view, request["id"])
    _press(qtbot, view, Qt.Key.Key_R)
    assert demo_store.get("permits", request["id"])["status"] == "under_review"
    assert view.message.text().startswith("Under review")
    _press(qtbot, view, Qt.Key.Key_R)  # again: refused, nothing written
    assert "only a new request" in view.message.text()
