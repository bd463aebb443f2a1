"""The main window: who it belongs to, and opening and creating stores."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.main_window import MainWindow
from app.gui.views import new_store_dialog
from app.gui.views.new_store_dialog import NewStore, NewStoreDialog
from tests.gui.movement_data import add, request


def _window(qtbot: QtBot, store: Store) -> MainWindow:
    window = MainWindow(store)
    qtbot.addWidget(window)
    return window


def test_the_window_shows_nation_site_store_and_count(store: Store, qtbot: QtBot) -> None:
    add(store, request(1))
    add(store, request(2))
    window = _window(qtbot, store)
    # request(2) is a crisis move of EE through LT: its permit is due within hours, and the
    # title says so.
    assert window.windowTitle() == "MovCon — Vilnius NMCC (LT) — 1 permit due"
    assert window.header.nation.text() == "LT"
    assert window.header.site.text() == "Vilnius NMCC"
    assert window.header.path.text() == str(store.path)
    assert window.header.count.text() == "2 movements in store"
    assert window.movement_list.model.rowCount() == 2


def test_menus_hold_the_store_actions_and_their_keys(store: Store, qtbot: QtBot) -> None:
    window = _window(qtbot, store)
    keys = {
        a.text(): a.shortcut().toString()
        for a in (window.open_action, window.new_action, window.quit_action)
    }
    assert keys == {"&Open store…": "Ctrl+O", "&New store…": "Ctrl+N", "&Quit": "Ctrl+Q"}
    menus = [a.text() for a in window.menuBar().actions()]
    assert menus == ["&File", "&Edit", "&View", "&Permits", "&Sync", "&Help"]


def test_a_store_that_will_not_open_is_reported_and_the_current_one_kept(
    store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    shown: list[str] = []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(junk), ""))
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text: shown.append(text))
    window = _window(qtbot, store)
    window.open_store()
    assert shown and "not a MovCon store" in shown[0]
    assert window.store is store
    assert window.header.path.text() == str(store.path)


def test_opening_another_store_switches_the_views_to_it(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    other = Store.create(tmp_path / "riga.db", "LV", "Riga NMCC")
    add(other, request(3))
    other.close()
    window = _window(qtbot, store)
    assert window.open_store_at(tmp_path / "riga.db")
    assert window.windowTitle() == "MovCon — Riga NMCC (LV)"
    assert window.movement_list.model.rowCount() == 1
    window.integrity.wait(5000)
    assert window.integrity.problems == []


def test_new_store_creates_the_file_and_switches_to_it(
    store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "tallinn.db"
    monkeypatch.setattr(
        "app.gui.main_window.ask_new_store",
        lambda parent, nation: NewStore("EE", "Tallinn NMCC", target),
    )
    window = _window(qtbot, store)
    window.new_store()
    assert target.is_file()
    assert window.store.nation == "EE"
    assert window.header.site.text() == "Tallinn NMCC"


def test_the_new_store_dialog_offers_known_nations_and_needs_a_name_and_file(
    qtbot: QtBot,
) -> None:
    dialog = NewStoreDialog(nation="LV")
    qtbot.addWidget(dialog)
    codes = {dialog.nation.itemData(i) for i in range(dialog.nation.count())}
    assert codes == {n["code"] for n in new_store_dialog.baseline.nations()}
    assert dialog.nation.currentData() == "LV"
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled()
    dialog.site_name.setText("Riga NMCC")
    dialog.file.setText("~/riga.db")
    assert ok.isEnabled()
    choice = dialog.choice()
    assert (choice.nation, choice.site_name) == ("LV", "Riga NMCC")
    assert choice.path == Path("~/riga.db").expanduser()


def test_damage_found_by_the_background_check_is_reported(
    store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    add(store, request(1))
    # An index that disagrees with its table: a quick check passes, the full one does not.
    store.conn.execute("PRAGMA writable_schema = ON")
    store.conn.execute(
        "UPDATE sqlite_master SET sql = replace(sql, '(\"owner\")', '(\"unit\")') "
        "WHERE name = 'movements_owner'"
    )
    path = store.path
    store.close()
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text: warned.append(text))
    damaged = Store.open(path, check="quick")
    window = _window(qtbot, damaged)
    window.check_integrity()
    qtbot.waitUntil(lambda: bool(warned), timeout=5000)
    assert "damaged" in warned[0]
