"""Paperwork from the permit inbox: the movement credit and the draft Form 302 as PDF, the
list as CSV, and the agreements and pre-authorisations dialog opened from the console."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from app.core.permits import inbox
from app.core.permits.inbox import InboxFilter
from app.core.store import Store
from app.gui import files
from app.gui.main_window import MainWindow
from app.gui.views.form302_dialog import Form302Dialog
from app.gui.views.permit_inbox import PermitInbox
from app.gui.views.permit_rule_forms import AgreementForm
from tests.conftest import DEMO_NOW


@pytest.fixture
def demo_store(demo_copy: Path) -> Iterator[Store]:
    with Store.open(demo_copy) as store:
        yield store


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files the console offered to open after saving them (none is opened)."""
    offered: list[Path] = []
    monkeypatch.setattr(files, "offer_open", lambda parent, title, text, path: offered.append(
        path))
    return offered


def _save_as(monkeypatch: pytest.MonkeyPatch, path: Path | None) -> list[tuple[str, str]]:
    """The file dialog answers `path` (None: cancelled); returns (title, suggestion) asked."""
    asked: list[tuple[str, str]] = []

    def ask(parent: Any, title: str, suggestion: str, kinds: str) -> tuple[str, str]:
        asked.append((title, suggestion))
        return (str(path) if path else "", "")

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    return asked


def _inbox(qtbot: QtBot, store: Store) -> PermitInbox:
    view = PermitInbox(store, now=lambda: DEMO_NOW)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitActive(view):
        view.activateWindow()
    return view


def _show_all(view: PermitInbox) -> None:
    view.status_combo.setCurrentIndex(view.status_combo.findText("All"))


def _select_status(view: PermitInbox, status: str) -> dict[str, Any]:
    _show_all(view)
    row = next(r for r in range(view.model.rowCount())
               if view.model.item(r)["status"] == status)  # fmt: skip
    view.select_row(row)
    view.table.setFocus()
    return view.model.item(row)


# -- the movement credit ----------------------------------------------------------------------
def test_ctrl_p_saves_the_movement_credit_of_an_approved_permit(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    opened: list[Path]
) -> None:
    view = _inbox(qtbot, demo_store)
    item = _select_status(view, "approved")
    number = demo_store.get("permits", item["id"])["movement_number"]
    assert view.credit_button.isEnabled()
    target = tmp_path / "credit"  # typed without the extension
    asked = _save_as(monkeypatch, target)
    qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier)
    written = tmp_path / "credit.pdf"
    assert asked == [("Save movement credit",
                      str(files.documents_folder() / f"Movement credit {number}.pdf"))]
    data = written.read_bytes()
    assert data.startswith(b"%PDF-") and number.encode() in data
    assert opened == [written]
    assert view.message.text() == f"Movement credit saved: {written}"
    assert view.save_folder == tmp_path  # the next file is offered there

    # A request not yet approved has no credit: the reason, and no file dialog.
    _select_status(view, "requested")
    assert not view.credit_button.isEnabled()
    _save_as(monkeypatch, None)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: pytest.fail("no dialog"))
    view.save_credit()
    assert view.message.property("problem")
    assert view.message.text() == ("⚠ The permit is requested: a movement credit is only for "
                                   "an approved permit.")  # fmt: skip


def test_a_cancelled_or_failed_save_writes_nothing_and_says_why_in_one_line(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    opened: list[Path]
) -> None:
    view = _inbox(qtbot, demo_store)
    _select_status(view, "approved")
    view.say("")
    _save_as(monkeypatch, None)
    view.credit_action.trigger()
    assert list(tmp_path.glob("*.pdf")) == [] and opened == []
    assert not view.message.property("problem")
    missing = tmp_path / "no such folder" / "credit.pdf"
    _save_as(monkeypatch, missing)
    view.credit_action.trigger()
    assert view.message.property("problem") and "\n" not in view.message.text()
    assert view.message.text() == f"⚠ Cannot write {missing}: no folder {missing.parent}."
    assert opened == []


# -- the draft Form 302 -----------------------------------------------------------------------
def test_a_form302_draft_for_a_request_of_ours_asks_the_customs_status_and_activity(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    opened: list[Path]
) -> None:
    view = _inbox(qtbot, demo_store)
    assert view.form302_button.isHidden()  # incoming: the owner nations issue theirs
    view.set_direction("outgoing")
    item = _select_status(view, "requested")
    assert item["owner"] == "LT" and view.form302_button.isVisible()
    assert view.form302_button.isEnabled()
    shown: list[Form302Dialog] = []

    def choose(dialog: Form302Dialog) -> int:
        shown.append(dialog)
        assert dialog.choice() == ("U", "N")  # Union goods, NATO: the usual case
        texts = [b.text() for b in dialog.customs[1].buttons() + dialog.operation[1].buttons()]
        assert "Non-Union goods: not in free circulation in the EU  (N)" in texts
        assert "EU common security and defence policy (CSDP)  (E)" in texts
        dialog.set_choice("N", "E")
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(Form302Dialog, "exec", choose)
    asked = _save_as(monkeypatch, tmp_path / "form302.pdf")
    with qtbot.waitSignal(view.changed):  # a serial was recorded: it waits for export
        qtbot.keyClick(view.table, Qt.Key.Key_P, Qt.KeyboardModifier.ControlModifier
                       | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    serial = demo_store.get("permits", item["id"])["form302_serial"]
    assert serial == "LT20260609NE000001"
    assert asked[0][1].endswith(f"Form 302 draft {item['movement']}.pdf")
    assert (tmp_path / "form302.pdf").read_bytes().startswith(b"%PDF-")
    assert opened == [tmp_path / "form302.pdf"]
    assert view.message.text() == f"Form 302 draft {serial} saved: {tmp_path / 'form302.pdf'}"

    # Printed again: the recorded choices are offered, and the file is named by its serial.
    accept = QDialog.DialogCode.Accepted
    monkeypatch.setattr(Form302Dialog, "exec", lambda d: shown.append(d) or accept)
    view.save_form302()
    assert shown[-1].choice() == ("N", "E") and asked[-1][1].endswith(f"{serial}.pdf")
    assert demo_store.get("permits", item["id"])["form302_serial"] == serial


def test_the_form302_of_another_nations_movement_is_theirs_to_issue(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    view = _inbox(qtbot, demo_store)
    item = _select_status(view, "requested")
    monkeypatch.setattr(Form302Dialog, "exec", lambda d: pytest.fail("no dialog"))
    view.save_form302()
    owner = {"CZ": "Czechia", "NL": "Netherlands"}.get(item["owner"], item["owner"])
    assert view.message.text().startswith(f"⚠ {owner} issues the Form 302 of its own")


# -- the list as CSV --------------------------------------------------------------------------
def test_the_csv_export_writes_every_row_of_the_filter_in_the_inbox_order(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    opened: list[Path]
) -> None:
    view = _inbox(qtbot, demo_store)
    view.model._page_size = 5  # a large store: only the rows scrolled to are loaded
    _show_all(view)
    view.filter_text.setText("L")  # still being typed: the export takes it all the same
    view.table.sortByColumn(view.model.column_of("movement"), Qt.SortOrder.DescendingOrder)
    flt = InboxFilter("incoming", text="L")
    expected = inbox.page(demo_store, flt, "movement", descending=True)
    assert view.model.rowCount() < len(expected) == inbox.count(demo_store, flt)
    asked = _save_as(monkeypatch, tmp_path / "permits")
    qtbot.keyClick(view.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert asked == [("Export permit list",
                      str(files.documents_folder() / "Permits LT incoming 2026-06-09.csv"))]
    with open(tmp_path / "permits.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["Permit ID"] for r in rows] == [r["id"] for r in expected]
    assert opened == [tmp_path / "permits.csv"]
    assert view.message.text() == f"Exported {len(expected)} permits to {tmp_path / 'permits.csv'}"

    view.filter_text.setText("no permit has this in it")
    view.apply_filter()
    assert not view.export_button.isEnabled()
    view.export_csv()
    assert view.message.text() == "⚠ No permit matches the filter: there is nothing to export."


# -- in the console -----------------------------------------------------------------------------
def test_the_permits_menu_holds_the_rules_and_the_paperwork_with_keys_of_their_own(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = MainWindow(demo_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    entries = [(a.text(), a.shortcut().toString()) for a in window.permits_menu.actions()
               if not a.isSeparator()]  # fmt: skip
    assert entries == [("A&greements and pre-authorisations…", ""),
                       ("Mark &lapsed approvals expired", ""),
                       ("&Movement credit (PDF)…", "Ctrl+P"),
                       ("&Form 302 draft (PDF)…", "Ctrl+Shift+P"),
                       ("E&xport list (CSV)…", "Ctrl+Shift+E")]  # fmt: skip
    # No key does two things anywhere in the window: a window-wide key is unique, and a key
    # of one view (the inbox, the map) neither repeats within it nor shadows a window key.
    scopes: dict[str, list[str]] = {}
    for a in window.findChildren(type(window.open_action)):
        local = a.shortcutContext() in (Qt.ShortcutContext.WidgetShortcut,
                                        Qt.ShortcutContext.WidgetWithChildrenShortcut)
        owners = [id(o) for o in a.associatedObjects()] if local else ["window"]
        for owner in owners or ["window"]:
            scopes.setdefault(str(owner), []).extend(
                k.toString() for k in a.shortcuts() if not k.isEmpty())
    window_keys = scopes.pop("window")
    assert len(window_keys) == len(set(window_keys)), sorted(window_keys)
    for keys in scopes.values():
        assert len(keys) == len(set(keys)), sorted(keys)
        assert not set(keys) & set(window_keys), sorted(set(keys) & set(window_keys))
    assert QKeySequence("Ctrl+E").toString() in window_keys  # the bundle export keeps it

    # From the menu while the movements show: the inbox comes to the front first.
    window.show_movements()
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: ("", ""))
    window.permit_inbox.export_action.trigger()
    assert window.tabs.currentWidget() is window.permit_inbox

    # The rules dialog, and the inbox told when it changes something.
    window.permit_inbox.rules_action.trigger()
    dialog = window.permit_inbox.rules_dialog
    assert dialog is not None and dialog.isVisible()
    bmma = next(a for a in demo_store.rows("agreements") if a["key"] == "bmma")
    dialog.select_agreement(bmma["id"])

    def fill(form: AgreementForm) -> int:
        form.working_days.setValue(2)
        form.ok.click()
        return form.result()

    monkeypatch.setattr(AgreementForm, "exec", fill)
    with qtbot.waitSignal(window.permit_inbox.changed):
        dialog.edit_agreement()
    window.close()
    assert not dialog.isVisible()


def test_the_rules_dialog_follows_an_import(demo_store: Store, qtbot: QtBot) -> None:
    view = _inbox(qtbot, demo_store)
    view.rules_button.click()
    dialog = view.rules_dialog
    assert dialog is not None and dialog.preauths.row_count == 1
    with demo_store.write() as w:  # as an import would write it
        w.insert("preauthorisations", {
            "host_nation": "LT", "reference": "LT-PA-2026-009", "max_mlc": 30,
            "valid_from": "2026-01-01T00:00:00Z", "valid_until": "2026-12-31T00:00:00Z"})
    view.refresh()
    assert dialog.preauths.row_count == 2
