"""The first start: set the laptop up for a cell, or open the demo; Cancel writes nothing."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import cli
from app.core import paths
from app.core.store import Store
from app.core.sync import exchange, keys
from app.gui import app as gui_app
from app.gui.views import first_run
from app.gui.views.first_run import FirstRunDialog


def _dialog(qtbot: QtBot, path: Path) -> FirstRunDialog:
    dialog = FirstRunDialog(path)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _wait(dialog: FirstRunDialog, timeout_s: float = 30.0) -> None:
    # By hand: qtbot.waitUntil's nested loops can return at once after a test quit the loop.
    deadline = time.monotonic() + timeout_s
    while dialog.busy and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    QApplication.processEvents()
    assert not dialog.busy, "the demo was not written in time"


def test_setting_up_creates_the_store_and_shows_the_sites_key(
    qtbot: QtBot, tmp_path: Path
) -> None:
    path = tmp_path / "data" / "movcon.db"
    dialog = _dialog(qtbot, path)
    assert dialog.setting_up and dialog.ok_button.text() == "&Set up"
    assert dialog.nation.currentIndex() == -1  # chosen by the user, never by default
    dialog.site_name.setText("LT NMCC Vilnius")
    dialog.ok_button.click()
    assert dialog.status.text() == "Choose the nation this cell serves."
    dialog.nation.setCurrentIndex(dialog.nation.findData("LT"))
    dialog.site_name.clear()
    dialog.ok_button.click()
    assert dialog.status.text().startswith("Type a name for this site")
    assert not path.exists()

    dialog.site_name.setText("  LT NMCC Vilnius ")
    qtbot.keyClick(dialog.site_name, Qt.Key.Key_Return)
    assert dialog.ready and dialog.pages.currentIndex() == 1
    assert dialog.store is not None
    assert (dialog.store.nation, dialog.store.site_name) == ("LT", "LT NMCC Vilnius")
    words = keys.fingerprint(exchange.site_public_key(dialog.store))
    assert dialog.words.text() == words
    assert dialog.ok_button.text() == "&Start MovCon" and dialog.cancel_button.isHidden()

    key_file = dialog.save_key_file(tmp_path / "vilnius.mck")
    assert key_file is not None and keys.read_key_file(key_file).encryption_key is not None
    assert dialog.status.good

    dialog.ok_button.click()
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted and dialog.store is None
    with Store.open(path) as store:  # closed by the dialog: the console opens it afresh
        assert store.site_name == "LT NMCC Vilnius"
        assert keys.fingerprint(exchange.site_public_key(store)) == words


def test_cancel_and_escape_write_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "movcon.db"
    dialog = _dialog(qtbot, path)
    dialog.nation.setCurrentIndex(dialog.nation.findData("LV"))
    dialog.site_name.setText("LV NMCC Riga")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not dialog.ready
    assert list(tmp_path.iterdir()) == []


def test_the_demo_is_written_in_the_background(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "movcon.db"
    dialog = _dialog(qtbot, path)
    dialog.choose_demo()
    assert dialog.ok_button.text() == "&Open demo" and not dialog.details.isEnabled()
    dialog.ok_button.click()
    assert dialog.busy and not dialog.buttons.isEnabled()
    _wait(dialog)
    assert dialog.ready and not dialog.isVisible()
    with Store.open(path) as store:
        assert store.count("movements") > 10


def test_a_bare_start_with_no_store_asks_first_and_cancel_exits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[Path] = []
    started: list[Path] = []
    monkeypatch.setattr(first_run, "first_run", lambda path: asked.append(path) or False)
    monkeypatch.setattr(gui_app, "run", lambda path: started.append(path) or 0)
    assert cli.main([]) == 0
    assert asked == [paths.default_store_path()] and started == []
    assert not paths.default_store_path().exists()

    monkeypatch.setattr(first_run, "first_run", lambda path: asked.append(path) or True)
    assert cli.main([]) == 0
    assert started == [paths.default_store_path()]


def test_a_store_named_on_the_command_line_never_asks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    asked: list[Path] = []
    started: list[Path] = []
    monkeypatch.setattr(first_run, "first_run", lambda path: asked.append(path) or True)
    monkeypatch.setattr(gui_app, "run", lambda path: started.append(path) or 0)
    assert cli.main(["--db", str(tmp_path / "demo.db")]) == 0
    monkeypatch.setenv("MOVCON_DB", str(tmp_path / "env.db"))
    assert cli.main([]) == 0
    assert asked == [] and started == [tmp_path / "demo.db", tmp_path / "env.db"]
