"""One Edit › Undo and Redo (Ctrl+Z, Ctrl+Shift+Z) for the edits of every view."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.main_window import MainWindow
from app.gui.planning import plan_store
from tests.conftest import DEMO_NOW


@pytest.fixture
def us_store(demo_us_path: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "us.db"
    shutil.copy(demo_us_path, path)
    s = Store.open(path)
    yield s
    s.close()


@pytest.fixture
def window(us_store: Store, qtbot: QtBot) -> MainWindow:
    w = MainWindow(us_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    w.planning._done(plan_store(us_store.path))
    return w


def _id(store: Store, name: str) -> str:
    return next(m["id"] for m in store.rows("movements") if m["name"] == name)


def test_an_edit_in_one_view_is_undone_and_redone_from_another(window: MainWindow,
                                                               us_store: Store) -> None:
    himars = _id(us_store, "HIMARS battery to Šiauliai")
    before = us_store.get("movements", himars)["depart"]
    window.show_timeline()
    window.timeline_view.plans_itself = True  # re-plan at once, not through the worker
    window.map_view.plans_itself = True
    assert window.timeline_view.reschedule(himars, timedelta(hours=2))
    later = us_store.get("movements", himars)["depart"]
    assert later != before
    assert window.undo_action.text() == "&Undo Reschedule HIMARS battery to Šiauliai by +120 min"
    window.show_map()
    window.undo_action.trigger()  # from the map, the timeline's edit
    assert us_store.get("movements", himars)["depart"] == before
    assert window.redo_action.isEnabled()
    window.show_movements()
    window.redo_action.trigger()  # from the list
    assert us_store.get("movements", himars)["depart"] == later
    assert not window.redo_action.isEnabled()


def test_ctrl_z_is_one_window_key_and_the_views_keep_none_of_their_own(
        window: MainWindow, us_store: Store, qtbot: QtBot) -> None:  # fmt: skip
    assert window.undo_action.shortcut() == QKeySequence("Ctrl+Z")
    assert window.redo_action.shortcut() == QKeySequence("Ctrl+Shift+Z")
    for view_action in (window.map_view.undo_action, window.timeline_view.undo_action,
                        window.permit_inbox.undo_action):  # fmt: skip
        assert view_action.shortcuts() == []
    # The key, pressed while the map has the focus, undoes the timeline's edit.
    himars = _id(us_store, "HIMARS battery to Šiauliai")
    before = us_store.get("movements", himars)["depart"]
    window.timeline_view.plans_itself = window.map_view.plans_itself = True
    assert window.timeline_view.reschedule(himars, timedelta(minutes=45))
    window.show_map()
    window.map_view.plot.setFocus()
    qtbot.keyClick(window.map_view.plot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert us_store.get("movements", himars)["depart"] == before
    qtbot.keyClick(window.map_view.plot, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert "nothing to undo" in window.map_view.status.text()


def test_ctrl_z_in_the_inbox_undoes_the_decision(demo_copy: Path, qtbot: QtBot) -> None:
    from app.core.permits import inbox
    from app.core.permits.inbox import InboxFilter

    with Store.open(demo_copy) as store:
        window = MainWindow(store, now=lambda: DEMO_NOW)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        with qtbot.waitActive(window):  # keys reach shortcuts of the active window only
            window.activateWindow()
        window.show_permits()
        request = inbox.page(store, InboxFilter("incoming", statuses=("requested",)))[0]
        view = window.permit_inbox
        assert view.select_permit(request["id"])
        view.table.setFocus()
        qtbot.keyClick(view.table, Qt.Key.Key_A)
        assert store.get("permits", request["id"])["status"] == "approved"
        qtbot.keyClick(view.table, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
        assert store.get("permits", request["id"])["status"] == "requested"
        # Redo decides it again, as it was decided; the menu says what it redoes.
        assert window.redo_action.isEnabled() and window.redo_action.text() == "&Redo decision"
        qtbot.keyClick(view.table, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
        again = store.get("permits", request["id"])
        assert again["status"] == "approved" and again["movement_number"]
        assert not window.redo_action.isEnabled()
        # A denial undone and redone keeps its reason; a new decision ends what Redo holds.
        view.undo()
        assert store.get("permits", request["id"])["status"] == "requested"
        view._decide(view.model.item(view.model.row_of(request["id"])), "deny",
                     reason="Bridge closed for repairs")
        view.undo()
        view.redo()
        denied = store.get("permits", request["id"])
        assert (denied["status"], denied["remarks"]) == ("denied", "Bridge closed for repairs")
        view.undo()
        assert view.can_redo
        view._decide(view.model.item(view.model.row_of(request["id"])), "approve")
        assert not view.can_redo
        window.show_map()
        assert window.redo_action.text() == "&Redo"  # the map's: the stack's
        window.close()


def test_an_agreement_edited_in_its_dialog_is_undone_from_the_console(
    window: MainWindow, us_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.gui.views.permit_rule_forms import AgreementForm

    general = next(a for a in us_store.rows("agreements") if not a["members"])
    window.show_permits()
    window.permit_inbox.show_rules()
    dialog = window.permit_inbox.rules_dialog
    dialog.select_agreement(general["id"])

    def run(form: AgreementForm) -> int:
        form.working_days.setValue(general["working_days"] + 2)
        form.ok.click()
        return form.result()

    monkeypatch.setattr(AgreementForm, "exec", run)
    dialog.edit_agreement()
    assert us_store.get("agreements", general["id"])["working_days"] == \
        general["working_days"] + 2
    window.show_movements()
    assert window.undo_action.text().startswith("&Undo Edit agreement")
    window.undo_action.trigger()
    assert us_store.get("agreements", general["id"])["working_days"] == general["working_days"]
    row = dialog.agreement_ids.index(general["id"])
    assert dialog.agreements.cell(row, 2) == str(general["working_days"])  # the dialog follows
    assert dialog.redo_button.isEnabled()
    dialog.close()
