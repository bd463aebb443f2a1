"""The first-run wizard: nation, site name, where the store lives, empty or the demo; its
key words; the store it leaves for the console, and which store a bare start opens."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QLabel
from pytestqt.qtbot import QtBot

from app import cli
from app.core import paths
from app.core.store import Store
from app.core.sync import exchange, keys
from app.gui import app as gui_app
from app.gui.settings import Settings
from app.gui.views import first_run
from app.gui.views.first_run import FirstRunDialog


def _dialog(qtbot: QtBot, path: Path, missing: Path | None = None) -> FirstRunDialog:
    dialog = FirstRunDialog(path, missing)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _fill(dialog: FirstRunDialog, nation: str, site: str, path: Path | None = None) -> None:
    dialog.nation.setCurrentIndex(dialog.nation.findData(nation))
    dialog.site_name.setText(site)
    if path is not None:
        dialog.set_path(path)


def _settled(dialog: FirstRunDialog) -> bool:
    # Events processed here too: after a test quit the application, qtbot's own waits
    # return at once and would never deliver the worker's result.
    QApplication.processEvents()
    return not dialog.busy


def _files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*"))


def _remember(path: Path) -> None:
    settings = Settings()
    settings.remember_store(path)
    settings.sync()


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_an_empty_store_at_a_chosen_place_has_the_reference_data_and_a_key(
    qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, tmp_path / "default" / "movcon.db")
    assert dialog.focusWidget() is dialog.nation and dialog.nation.currentIndex() == -1
    assert dialog.ok_button.text() == "&Create store" and dialog.ok_button.isDefault()
    assert dialog.empty_choice.isChecked() and not dialog.with_demo
    place = tmp_path / "usb" / "cells" / "vilnius.db"  # folders made on the way
    _fill(dialog, "LT", "  LT NMCC Vilnius ", place)
    dialog.activateWindow()
    dialog.cancel_button.setFocus(Qt.FocusReason.TabFocusReason)
    QApplication.processEvents()
    assert dialog.cancel_button.isDefault()  # Enter on Cancel cancels...
    dialog.site_name.setFocus(Qt.FocusReason.TabFocusReason)
    assert dialog.ok_button.isDefault()  # ...but in a field it is Create store again
    qtbot.keyClick(dialog.site_name, Qt.Key.Key_Return)

    assert dialog.ready and dialog.pages.currentIndex() == 1 and dialog.store is not None
    assert dialog.path == place and not (tmp_path / "default").exists()
    assert (dialog.store.nation, dialog.store.site_name) == ("LT", "LT NMCC Vilnius")
    words = keys.fingerprint(exchange.site_public_key(dialog.store))
    assert dialog.words.text() == words and str(place) in dialog.summary.text()
    assert dialog.ok_button.text() == "&Start MovCon" and dialog.cancel_button.isHidden()
    key_file = dialog.save_key_file(tmp_path / "vilnius.mck")
    assert key_file is not None and keys.read_key_file(key_file).encryption_key is not None
    assert dialog.status.good

    dialog.ok_button.click()
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted and dialog.store is None
    with Store.open(place) as store:  # closed by the dialog: the console opens it afresh
        assert store.site_name == "LT NMCC Vilnius"
        assert keys.fingerprint(exchange.site_public_key(store)) == words
        assert store.count("movements") == 0
        assert store.count("critical_points") > 0 and store.count("corridors") > 0


def test_the_demo_has_the_chosen_nation_site_name_and_a_key(
    qtbot: QtBot, tmp_path: Path
) -> None:
    place = tmp_path / "exercise" / "riga.db"
    dialog = _dialog(qtbot, place)
    _fill(dialog, "LV", "LV NMCC Riga")
    dialog.choose_demo()
    dialog.ok_button.click()
    assert dialog.busy and not dialog.buttons.isEnabled() and not dialog.pages.isEnabled()
    dialog.reject()  # Escape while it is written: ignored, it finishes in a moment
    qtbot.waitUntil(lambda: _settled(dialog), timeout=60_000)
    assert dialog.ready and dialog.pages.currentIndex() == 1 and dialog.isVisible()
    assert dialog.store is not None and dialog.store.site_name == "LV NMCC Riga"
    assert dialog.words.text() == keys.fingerprint(exchange.site_public_key(dialog.store))
    assert "demo exercise" in dialog.summary.text()
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # the store exists: closing starts on it
    assert dialog.result() == FirstRunDialog.DialogCode.Accepted and dialog.path == place
    with Store.open(place) as store:
        assert (store.nation, store.site_name) == ("LV", "LV NMCC Riga")
        assert store.count("movements") > 10


def test_refusals_name_the_problem_and_write_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a folder")
    (tmp_path / "photo.db").write_bytes(b"\x89PNG not a store")
    before = _files(tmp_path)
    dialog = _dialog(qtbot, tmp_path / "new" / "movcon.db")

    def refused(start: str) -> None:
        dialog.ok_button.click()
        assert not dialog.ready and dialog.status.good is False
        assert dialog.status.text().startswith(start), dialog.status.text()
        assert _files(tmp_path) == before

    refused("Choose the nation this cell serves")
    assert dialog.focusWidget() is dialog.nation
    _fill(dialog, "EE", "   ")
    refused("Type a name for this site")
    dialog.site_name.setText("EE NMCC Tallinn")
    dialog.set_path(tmp_path / "notes.txt" / "cell" / "movcon.db")  # under a regular file
    refused(f"Cannot make the folder {tmp_path / 'notes.txt' / 'cell'}: "
            f"{tmp_path / 'notes.txt'} is not a folder")
    assert dialog.focusWidget() is dialog.path_edit
    dialog.set_path(tmp_path / "photo.db")
    assert dialog.ok_button.text() == "&Create store"  # no store to offer there
    refused(f"{tmp_path / 'photo.db'} exists and is not a MovCon store")
    dialog.set_path(tmp_path)
    refused(f"{tmp_path} is a folder")
    dialog.set_path("  ")
    refused("Type where to keep the store")
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and not dialog.ready
    assert _files(tmp_path) == before


def test_an_existing_store_at_the_path_is_offered_and_left_as_it_is(
    qtbot: QtBot, tmp_path: Path, _template_store: Path
) -> None:
    place = tmp_path / "stick" / "cell.db"
    place.parent.mkdir()
    shutil.copy(_template_store, place)
    before = _digest(place)
    dialog = _dialog(qtbot, tmp_path / "movcon.db")
    dialog.set_path(place)
    assert dialog.ok_button.text() == "&Open this store"
    assert "Vilnius NMCC, LT" in dialog.status.text()
    assert not dialog.nation.isEnabled() and not dialog.demo_choice.isEnabled()
    dialog.ok_button.click()  # no nation or name needed: the store has its own
    assert dialog.ready and dialog.result() == FirstRunDialog.DialogCode.Accepted
    assert dialog.path == place and dialog.store is None
    assert _digest(place) == before and not (tmp_path / "movcon.db").exists()


def test_browse_adds_the_extension(
    qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dialog = _dialog(qtbot, tmp_path / "movcon.db")
    asked: list[tuple[str, str]] = []

    def choose(parent: object, caption: str, start: str, filters: str) -> tuple[str, str]:
        asked.append((start, filters))
        return str(tmp_path / "cells" / "tallinn"), filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", choose)
    dialog.browse_button.click()
    assert asked == [(str(tmp_path / "movcon.db"), "MovCon stores (*.db)")]
    assert dialog.chosen_path() == tmp_path / "cells" / "tallinn.db"


def test_a_missing_last_store_is_named_on_the_first_page(qtbot: QtBot, tmp_path: Path) -> None:
    gone = tmp_path / "media" / "usb" / "cell.db"
    dialog = _dialog(qtbot, tmp_path / "movcon.db", missing=gone)
    text = f"The store last used, {gone}, cannot be found: is its drive connected?"
    assert text in [label.text() for label in dialog.findChildren(QLabel)]
    plain = _dialog(qtbot, tmp_path / "movcon.db")
    assert not any("last used" in label.text() for label in plain.findChildren(QLabel))


# -- which store a bare start opens -----------------------------------------------------------
class _Start:
    """Records what the wizard and the console were given instead of running them."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, chosen: Path | None) -> None:
        self.asked: list[tuple[Path, Path | None]] = []
        self.started: list[Path] = []
        self.notices: list[str | None] = []
        self.chosen = chosen
        monkeypatch.setattr(first_run, "first_run", self.wizard)
        monkeypatch.setattr(gui_app, "run", self.run)

    def run(self, path: Path, notice: str | None = None) -> int:
        self.started.append(path)
        self.notices.append(notice)
        return 0

    def wizard(self, path: Path, missing: Path | None = None) -> Path | None:
        self.asked.append((path, missing))
        return self.chosen


def test_a_bare_start_with_no_store_runs_the_wizard_and_remembers_its_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = paths.default_store_path()
    start = _Start(monkeypatch, None)  # cancelled
    assert cli.main([]) == 0
    assert start.asked == [(default, None)] and start.started == []
    assert not default.exists() and Settings().last_store is None

    chosen = tmp_path / "usb" / "cell.db"
    chosen.parent.mkdir()
    chosen.touch()  # what the wizard made
    start.chosen = chosen
    assert cli.main([]) == 0
    assert start.started == [chosen] and Settings().last_store == chosen
    assert cli.main([]) == 0  # remembered: no wizard the next time
    assert len(start.asked) == 2 and start.started == [chosen, chosen]


def test_a_store_named_on_the_command_line_never_asks(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    start = _Start(monkeypatch, tmp_path / "chosen.db")
    _remember(tmp_path / "last.db")
    (tmp_path / "last.db").touch()
    assert cli.main(["--db", str(tmp_path / "demo.db")]) == 0
    monkeypatch.setenv("MOVCON_DB", str(tmp_path / "env.db"))
    assert cli.main([]) == 0
    assert cli.main(["--db", str(tmp_path / "demo.db")]) == 0  # --db before $MOVCON_DB
    assert start.asked == []
    assert start.started == [tmp_path / "demo.db", tmp_path / "env.db", tmp_path / "demo.db"]


def test_the_last_store_comes_before_the_default_and_a_missing_one_is_named(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    default = paths.default_store_path()
    last = tmp_path / "usb" / "cell.db"
    _remember(last)
    start = _Start(monkeypatch, None)
    assert cli.main([]) == 0  # the drive is out and there is no default store: ask
    assert start.asked == [(default, last)] and start.started == []

    default.parent.mkdir(parents=True)
    default.touch()
    assert cli.main([]) == 0  # still out: the default store opens
    assert start.notices[0] is not None and str(last) in start.notices[0]  # and says so
    assert "cannot be found" in start.notices[0] and str(default) in start.notices[0]
    last.parent.mkdir()
    last.touch()
    assert cli.main([]) == 0  # back: the last store opens, not the default one
    assert len(start.asked) == 1 and start.started == [default, last]
    assert start.notices[1] is None
