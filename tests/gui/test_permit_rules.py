"""The agreements and pre-authorisations dialog: editing the deadline rules and the standing
permissions through the write path, and the refusals of what this nation may not change."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.permits.deadlines import rule_for
from app.core.store import Store
from app.gui.views.permit_rule_forms import (
    AgreementForm,
    CheckGrid,
    PreauthorisationForm,
    set_utc,
    utc_editor,
    utc_text,
)
from app.gui.views.permit_rules import EXPLAIN_AGREEMENTS, PermitRulesDialog
from tests.conftest import DEMO_NOW


@pytest.fixture
def lt_store(demo_copy: Path) -> Iterator[Store]:
    """The demo as Lithuania's cell holds it: a member of BMMA, host of LT-PA-2026-007."""
    with Store.open(demo_copy) as store:
        yield store


@pytest.fixture
def us_store(demo_us_path: Path, tmp_path: Path) -> Iterator[Store]:
    """The demo as the US cell holds it: no member of BMMA, not the host of LT's permission."""
    path = tmp_path / "us.db"
    shutil.copy(demo_us_path, path)
    with Store.open(path) as store:
        yield store


def _dialog(qtbot: QtBot, store: Store) -> PermitRulesDialog:
    dialog = PermitRulesDialog(store, now=lambda: DEMO_NOW)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _run_form(monkeypatch: pytest.MonkeyPatch, cls: type[QDialog],
              fill: Callable[[Any], None]) -> list[Any]:  # fmt: skip
    """Stand in for the form's modal run: `fill` it as a person would, then Save."""
    shown: list[Any] = []

    def run(form: Any) -> int:
        shown.append(form)
        fill(form)
        form.ok.click()
        return form.result()

    monkeypatch.setattr(cls, "exec", run)
    return shown


def _no_form(monkeypatch: pytest.MonkeyPatch) -> None:
    for cls in (AgreementForm, PreauthorisationForm):
        monkeypatch.setattr(cls, "exec", lambda self: pytest.fail("no form may open"))


def _changes(store: Store) -> int:
    return store.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]


def _agreement(store: Store, key: str) -> dict[str, Any]:
    return next(a for a in store.rows("agreements") if a["key"] == key)


def _row_of(dialog: PermitRulesDialog, record_id: str, agreements: bool = True) -> int:
    return (dialog.agreement_ids if agreements else dialog.preauth_ids).index(record_id)


# -- agreements -----------------------------------------------------------------------------
def test_the_agreements_tab_lists_the_rules_and_says_how_a_deadline_is_chosen(
    lt_store: Store, qtbot: QtBot
) -> None:
    dialog = _dialog(qtbot, lt_store)
    assert dialog.windowTitle() == "Agreements and pre-authorisations"
    assert [dialog.tabs.tabText(i) for i in range(2)] == ["&Agreements", "&Pre-authorisations"]
    assert "shortest deadline; without one, the general rule" in EXPLAIN_AGREEMENTS
    table = dialog.agreements
    assert table.row_count == lt_store.count("agreements") == 4
    bmma = _row_of(dialog, _agreement(lt_store, "bmma")["id"])
    assert [table.cell(bmma, c) for c in range(4)] == [
        "BMMA (Baltic Military Mobility Area)", "LT, LV, EE", "3", "6"]
    assert table.cell(table.row_count - 1, 1) == "general rule: any two nations"  # last
    # Which rule applies to a pair, as the deadlines module decides it.
    dialog.owner_combo.setCurrentIndex(dialog.owner_combo.findData("LV"))
    assert dialog.rule_text.text() == "→ BMMA (Baltic Military Mobility Area): 3 working " \
        "days; crisis 6 h"


def test_editing_bmma_working_days_through_the_dialog_changes_the_rule(
    lt_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    bmma = _agreement(lt_store, "bmma")
    assert rule_for(lt_store, "LT", "LV").working_days == 3
    dialog = _dialog(qtbot, lt_store)
    dialog.select_agreement(bmma["id"])
    before = _changes(lt_store)
    forms = _run_form(monkeypatch, AgreementForm, lambda f: f.working_days.setValue(2))
    with qtbot.waitSignal(dialog.changed):
        dialog.edit_agreement()
    assert forms[0].members.values() == ["LT", "LV", "EE"]  # as held: no change written
    assert _changes(lt_store) == before + 1  # the working days alone
    assert lt_store.get("agreements", bmma["id"])["working_days"] == 2
    rule = rule_for(lt_store, "LT", "LV")
    assert (rule.agreement_id, rule.working_days) == (bmma["id"], 2)
    assert dialog.agreements.cell(_row_of(dialog, bmma["id"]), 2) == "2"
    assert dialog.selected_agreement() == bmma["id"]
    assert dialog.message.text().startswith("Agreement saved. Requests made from now on")

    # Longer than the EU package both also belong to: the shortest deadline applies.
    _run_form(monkeypatch, AgreementForm, lambda f: f.working_days.setValue(4))
    dialog.edit_agreement()
    assert rule_for(lt_store, "LT", "LV").name == "EU Military Mobility package (proposed)"


def test_a_non_member_edit_is_refused_with_the_message_and_nothing_written(
    us_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, us_store)
    bmma = _agreement(us_store, "bmma")
    dialog.select_agreement(bmma["id"])
    before = _changes(us_store)
    _no_form(monkeypatch)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("no question"))
    refusal = ("⚠ Refused: the agreement's members (EE or LT or LV): only EE or LT or LV may "
               "change it, not US.")
    for attempt in (dialog.edit_agreement, dialog.delete_agreement):
        dialog.say("")
        attempt()
        assert dialog.message.text() == refusal and dialog.message.property("problem")
    assert _changes(us_store) == before
    assert us_store.get("agreements", bmma["id"]) == bmma

    # The general rule binds nations without an agreement: any cell may change it.
    general = _agreement(us_store, "default")
    dialog.select_agreement(general["id"])
    _run_form(monkeypatch, AgreementForm, lambda f: f.crisis_hours.setValue(12))
    dialog.edit_agreement()
    assert us_store.get("agreements", general["id"])["crisis_hours"] == 12.0
    assert rule_for(us_store, "US", "GB").crisis_hours == 12.0


def test_a_new_agreement_without_this_nation_is_refused_and_the_form_keeps_its_text(
    lt_store: Store, qtbot: QtBot
) -> None:
    before = _changes(lt_store)
    form = AgreementForm(lt_store)
    qtbot.addWidget(form)
    assert form.members.values() == ["LT"]  # a new agreement binds its maker
    form.name.setText("Latvian-Estonian arrangement")
    form.members.set_checked("LT", False)
    for code in ("LV", "EE"):
        form.members.set_checked(code)
    assert not form.save()
    assert form.message.text() == ("⚠ Refused: the agreement's members (EE or LV): only EE or "
                                   "LV may change it, not LT.")  # fmt: skip
    assert form.result() != QDialog.DialogCode.Accepted and _changes(lt_store) == before
    assert form.name.text() == "Latvian-Estonian arrangement"  # nothing typed is lost
    form.name.setText("")
    form.members.set_checked("LT")
    assert not form.save()
    assert form.message.text() == "⚠ Name is required."
    form.name.setText("Lithuanian-Latvian arrangement")
    assert form.save()
    assert lt_store.get("agreements", form.record_id)["members"] == ["EE", "LT", "LV"]


def test_deleting_an_agreement_asks_first(
    lt_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, lt_store)
    bmma = _agreement(lt_store, "bmma")
    dialog.select_agreement(bmma["id"])
    asked: list[str] = []

    def answer(reply: QMessageBox.StandardButton) -> None:
        monkeypatch.setattr(QMessageBox, "question",
                            lambda parent, title, text, *a: asked.append(text) or reply)

    answer(QMessageBox.StandardButton.No)
    dialog.delete_agreement()
    assert lt_store.get("agreements", bmma["id"]) is not None
    answer(QMessageBox.StandardButton.Yes)
    dialog.delete_agreement()
    assert "Delete the agreement “BMMA (Baltic Military Mobility Area)”?" in asked[-1]
    assert lt_store.get("agreements", bmma["id"]) is None
    assert bmma["id"] not in dialog.agreement_ids
    assert rule_for(lt_store, "LT", "LV").name == "EU Military Mobility package (proposed)"


def test_the_lists_work_from_the_keyboard(
    lt_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, lt_store)
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    opened: list[tuple[str, bool]] = []
    for cls in (AgreementForm, PreauthorisationForm):
        monkeypatch.setattr(cls, "exec", lambda form: opened.append(
            (form.TABLE, form.current is not None)) or QDialog.DialogCode.Rejected)
    asked: list[str] = []
    monkeypatch.setattr(QMessageBox, "question", lambda parent, title, text, *a: asked.append(
        text) or QMessageBox.StandardButton.No)
    table = dialog.agreements.table
    assert table.hasFocus()
    qtbot.keyClick(table, Qt.Key.Key_Down)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.keyClick(table, Qt.Key.Key_Insert)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert opened == [("agreements", True), ("agreements", False)]
    assert asked and asked[0].startswith("Delete the agreement “CSEM")
    assert lt_store.count("agreements") == 4  # answered No


# -- pre-authorisations -----------------------------------------------------------------------
def _fill_preauth(form: PreauthorisationForm) -> None:
    form.reference.setText("LT-PA-2026-008")
    form.holders.set_checked("PL")
    form.categories.set_checked("truck")
    form.dangerous_goods.set_checked("3")
    form.max_mlc.setValue(70)
    set_utc(form.valid_from, "2026-07-01T00:00:00Z")
    set_utc(form.valid_until, "2027-06-30T23:59:00Z")
    form.remarks.setPlainText("Fuel trucks of the Polish brigade")


def test_adding_a_preauthorisation_for_lt_works(
    lt_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, lt_store)
    dialog.tabs.setCurrentIndex(1)
    assert dialog.preauths.row_count == 1
    attempts: list[bool] = []

    def fill(form: PreauthorisationForm) -> None:
        assert form.max_mlc.text() == "not set"  # a limit is chosen on purpose
        form.reference.setText("LT-PA-2026-008")
        attempts.append(form.save())  # refused: the form stays, with the reason
        assert form.message.text() == "⚠ Maximum MLC is required."
        _fill_preauth(form)

    forms = _run_form(monkeypatch, PreauthorisationForm, fill)
    with qtbot.waitSignal(dialog.changed):
        dialog.add_preauth()
    assert attempts == [False] and forms[0].result() == QDialog.DialogCode.Accepted
    added = lt_store.get("preauthorisations", forms[0].record_id)
    assert added is not None
    assert {k: added[k] for k in ("host_nation", "reference", "holders", "categories",
                                  "max_mlc", "dangerous_goods", "valid_from", "valid_until",
                                  "remarks")} == {
        "host_nation": "LT", "reference": "LT-PA-2026-008", "holders": ["PL"],
        "categories": ["truck"], "max_mlc": 70.0, "dangerous_goods": ["3"],
        "valid_from": "2026-07-01T00:00:00Z", "valid_until": "2027-06-30T23:59:00Z",
        "remarks": "Fuel trucks of the Polish brigade"}  # fmt: skip
    row = _row_of(dialog, added["id"], agreements=False)
    assert dialog.selected_preauth() == added["id"]
    assert [dialog.preauths.cell(row, c) for c in range(7)] == [
        "LT", "LT-PA-2026-008", "PL", "truck", "70", "3", "2026-07-01 – 2027-06-30 23:59Z"]

    # Editing it: a reversed window is refused and points at the field.
    def reverse(form: PreauthorisationForm) -> None:
        set_utc(form.valid_until, "2026-06-01T00:00:00Z")
        assert not form.save()
        assert form.message.text() == ("⚠ Valid until (2026-06-01T00:00:00Z) is before "
                                       "valid from (2026-07-01T00:00:00Z).")
        assert form.focusWidget() is form.valid_until
        set_utc(form.valid_until, "2026-12-31T00:00:00Z")

    _run_form(monkeypatch, PreauthorisationForm, reverse)
    dialog.edit_preauth()
    assert lt_store.get("preauthorisations", added["id"])["valid_until"] == \
        "2026-12-31T00:00:00Z"


def test_editing_another_nations_preauthorisation_is_refused(
    us_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, us_store)
    standing = next(iter(us_store.rows("preauthorisations", "host_nation = 'LT'")))
    dialog.select_preauth(standing["id"])
    row = _row_of(dialog, standing["id"], agreements=False)
    assert "Read-only here: only Lithuania changes it." in \
        dialog.preauths.table.item(row, 0).toolTip()
    before = _changes(us_store)
    _no_form(monkeypatch)
    monkeypatch.setattr(QMessageBox, "question", lambda *a: pytest.fail("no question"))
    for attempt in (dialog.edit_preauth, dialog.delete_preauth):
        dialog.say("")
        attempt()
        assert dialog.message.text() == ("⚠ Refused: a pre-authorisation is granted by its "
                                         "host nation LT: only LT may change it, not US.")
    assert _changes(us_store) == before
    # A new one is the US's own, whatever the US cell holds of others.
    form = PreauthorisationForm(us_store, now=DEMO_NOW)
    qtbot.addWidget(form)
    _fill_preauth(form)
    form.reference.setText("US-PA-2026-001")
    assert form.save()
    assert us_store.get("preauthorisations", form.record_id)["host_nation"] == "US"


# -- the editors ------------------------------------------------------------------------------
def test_check_grids_tick_with_the_space_bar_and_keep_the_records_order(qtbot: QtBot) -> None:
    grid = CheckGrid([(c, c, "") for c in ("EE", "LT", "LV", "PL")], 2)
    qtbot.addWidget(grid)
    grid.set_values(["LT", "LV", "EE"])
    assert grid.values() == ["LT", "LV", "EE"]  # not re-sorted: saving changes nothing
    grid.show()
    grid.setFocus()
    grid.setCurrentRow(3)
    qtbot.keyClick(grid, Qt.Key.Key_Space)
    assert grid.values() == ["LT", "LV", "EE", "PL"]
    grid.set_checked("LT", False)
    assert grid.values() == ["LV", "EE", "PL"]
    # Every choice is in view: the grid grows to its rows rather than scrolling.
    grid.resize(grid.minimumWidth(), grid.height())
    assert grid.height() >= 2 * grid.gridSize().height()


def test_date_editors_read_and_write_utc(qtbot: QtBot) -> None:
    editor = utc_editor()
    qtbot.addWidget(editor)
    set_utc(editor, "2026-06-09T23:30:00Z")
    assert editor.text() == "2026-06-09 23:30 UTC"
    assert utc_text(editor) == "2026-06-09T23:30:00Z"


# -- undo -------------------------------------------------------------------------------------
def test_rule_edits_are_undone_and_redone_on_the_consoles_stack(
    lt_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from app.core.commands import UndoStack

    stack = UndoStack(lt_store)
    dialog = PermitRulesDialog(lt_store, now=lambda: DEMO_NOW, undo=stack)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert not dialog.undo_button.isEnabled() and not dialog.redo_button.isEnabled()
    bmma = _agreement(lt_store, "bmma")
    dialog.select_agreement(bmma["id"])
    _run_form(monkeypatch, AgreementForm, lambda f: f.working_days.setValue(2))
    dialog.edit_agreement()
    assert stack.undo_label == "Edit agreement BMMA (Baltic Military Mobility Area)"
    assert dialog.undo_button.isEnabled()

    # Ctrl+Z in the dialog: the old deadline is back, as a new logged write.
    before = _changes(lt_store)
    dialog.activateWindow()  # the keys are the window's shortcuts
    qtbot.waitUntil(dialog.isActiveWindow)
    with qtbot.waitSignal(dialog.changed):
        qtbot.keyClick(dialog.agreements.table, Qt.Key.Key_Z,
                       Qt.KeyboardModifier.ControlModifier)
    assert lt_store.get("agreements", bmma["id"])["working_days"] == 3
    assert _changes(lt_store) == before + 1
    assert dialog.agreements.cell(_row_of(dialog, bmma["id"]), 2) == "3"
    assert dialog.message.text() == \
        "Undone: Edit agreement BMMA (Baltic Military Mobility Area)."
    assert dialog.redo_button.isEnabled()
    qtbot.keyClick(dialog.agreements.table, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert lt_store.get("agreements", bmma["id"])["working_days"] == 2

    # A deletion comes back with its values; a new record goes again.
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a: QMessageBox.StandardButton.Yes)
    dialog.delete_agreement()
    assert lt_store.get("agreements", bmma["id"]) is None
    assert stack.undo_label == "Delete agreement BMMA (Baltic Military Mobility Area)"
    dialog.undo_button.click()
    assert lt_store.get("agreements", bmma["id"])["working_days"] == 2
    assert bmma["id"] in dialog.agreement_ids
    dialog.tabs.setCurrentIndex(1)
    forms = _run_form(monkeypatch, PreauthorisationForm, _fill_preauth)
    dialog.add_preauth()
    added = forms[0].record_id
    assert stack.undo_label == "New pre-authorisation LT-PA-2026-008"
    dialog.undo_last()
    assert lt_store.get("preauthorisations", added) is None
    assert added not in dialog.preauth_ids
    dialog.redo_last()
    assert lt_store.get("preauthorisations", added) is not None
