"""The console's menus and toolbar: the standard keys, the recent stores, the plan exports
with the classification marking, and the toolbar kept with the window layout."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui import plan_export_menu
from app.gui.main_window import MainWindow
from app.gui.planning import plan_store
from app.gui.settings import Settings
from tests.conftest import DEMO_NOW


@pytest.fixture
def demo_store(demo_copy: Path) -> Iterator[Store]:
    s = Store.open(demo_copy)
    yield s
    s.close()


def _window(qtbot: QtBot, store: Store, settings: Settings) -> MainWindow:
    window = MainWindow(store, now=lambda: DEMO_NOW, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window


def test_the_menus_have_the_standard_keys_and_the_toolbar_the_common_steps(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    window = _window(qtbot, store, Settings(tmp_path / "s.ini"))
    keys = {a.shortcut().toString(): a for a in (
        window.open_action, window.new_action, window.find_action, window.import_action,
        window.export_action, window.help_action, window.undo_action, window.redo_action,
        window.quit_action, window.settings_action)}  # fmt: skip
    assert set(keys) == {"Ctrl+O", "Ctrl+N", "Ctrl+F", "Ctrl+I", "Ctrl+E", "F1", "Ctrl+Z",
                         "Ctrl+Shift+Z", "Ctrl+Q", "Ctrl+,"}
    bar = window.toolbar
    assert bar.objectName() == "main_toolbar" and bar.isVisible()
    assert [a.iconText() for a in bar.actions() if not a.isSeparator()] == [
        "Open", "Undo", "Redo", "Find", "Import bundle", "Export bundle", "Help"]
    assert all(not a.icon().isNull() for a in bar.actions() if not a.isSeparator())
    assert [a.text() for a in window.plan_export_menu.actions()] == [
        "&GeoPackage (QGIS, GDAL)…", "Geo&JSON…", "&KML (Google Earth, ATAK)…",
        "March tables as &CSV…", "March tables as &PDF…"]


def test_a_hidden_toolbar_stays_hidden_after_a_restart(store: Store, qtbot: QtBot,
                                                       tmp_path: Path) -> None:  # fmt: skip
    ini = tmp_path / "s.ini"
    window = _window(qtbot, store, Settings(ini))
    shown = window.view_menu.actions()[-1]
    assert shown is window.toolbar.toggleViewAction() and shown.text() == "Main toolbar"
    shown.trigger()  # View › Main toolbar
    assert not window.toolbar.isVisible()
    window.close()
    again = _window(qtbot, store, Settings(ini))
    assert not again.toolbar.isVisible()
    again.toolbar.toggleViewAction().trigger()
    again.close()
    assert _window(qtbot, store, Settings(ini)).toolbar.isVisible()


def test_recent_stores_reopen_and_a_missing_one_is_explained(
    store: Store, demo_copy: Path, qtbot: QtBot, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(tmp_path / "s.ini")
    gone = tmp_path / "usb" / "exercise.db"
    settings.recent_stores = [demo_copy, gone]
    window = _window(qtbot, store, settings)
    window._fill_recent_menu()
    texts = [a.text() for a in window.recent_menu.actions()]
    assert texts == [f"&1 demo.db — {demo_copy.parent}",
                     f"&2 exercise.db — {gone.parent}  (not found)"]  # this store not listed
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    window.recent_menu.actions()[1].trigger()
    assert window.store is store and "connect the drive" in warned[0]
    window.recent_menu.actions()[0].trigger()
    assert window.store.path == demo_copy
    assert settings.recent_stores[:2] == [demo_copy, store.path]
    window._fill_recent_menu()
    assert window.recent_menu.actions()[0].text().startswith("&1 store.db")


def _export(window: MainWindow, key: str, path: Path) -> Path | None:
    """Start an export and wait for its worker (events processed here: a later test's
    qtbot may not see them otherwise)."""
    job = window.export_plans(key, path)
    assert job is not None
    ended: list[Path | None] = []
    job.ended.connect(ended.append)
    deadline = time.monotonic() + 60
    while not ended and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    assert ended, f"the {key} export did not end"
    return ended[0]


def test_the_plans_are_exported_from_the_file_menu_with_the_marking(
    demo_store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(tmp_path / "s.ini")
    settings.marking_text = "NATO RESTRICTED"
    window = _window(qtbot, demo_store, settings)
    told: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda _p, _t, text: told.append(text))
    assert window.export_plans("geojson", tmp_path / "early.geojson") is None  # not planned
    assert "still being worked out" in told[0] and not (tmp_path / "early.geojson").exists()
    window.planning._done(plan_store(demo_store.path))
    offered: list[str] = []
    monkeypatch.setattr(plan_export_menu.files, "offer_open",
                        lambda _p, _t, text, path: offered.append(text))
    out = {key: _export(window, key, tmp_path / f"plans.{key}")
           for key in ("gpkg", "geojson", "kml", "csv", "pdf")}
    assert all(path is not None and path.stat().st_size > 0 for path in out.values())
    assert offered[0].endswith("routes, critical points and conflicts, marked NATO RESTRICTED.")
    geo = json.loads(out["geojson"].read_text())
    assert geo["type"] == "FeatureCollection" and "NATO RESTRICTED" in json.dumps(geo)
    kml = ET.parse(out["kml"]).getroot()
    assert kml.tag.endswith("kml") and "NATO RESTRICTED" in out["kml"].read_text()
    assert out["csv"].read_text(encoding="utf-8-sig").count("NATO RESTRICTED") >= 1
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(out["pdf"]), "-"], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        pages = text.split("\f")[:-1]
        assert pages and all("NATO RESTRICTED" in page for page in pages)
    if shutil.which("ogrinfo"):
        info = subprocess.run(["ogrinfo", "-ro", "-so", str(out["gpkg"])], capture_output=True,
                              text=True, check=True).stdout  # fmt: skip
        assert "routes" in info
    assert "QT_QPA_PLATFORM" not in os.environ or os.environ["QT_QPA_PLATFORM"] == "offscreen"


def test_an_export_that_cannot_be_written_says_so_and_leaves_nothing(
    demo_store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window(qtbot, demo_store, Settings(tmp_path / "s.ini"))
    window.planning._done(plan_store(demo_store.path))
    warned: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda _p, _t, text: warned.append(text))
    target = tmp_path / "no-such-folder" / "plans.kml"
    assert _export(window, "kml", target) is None
    assert "Nothing was written" in warned[0] and str(target) in warned[0]
    assert not target.parent.exists()
    # The PDF, made by a process of its own, says the same.
    paper = tmp_path / "no-such-folder" / "plans.pdf"
    assert _export(window, "pdf", paper) is None
    assert warned[1].startswith("Nothing was written: --out: no folder")
    assert not paper.parent.exists()


def test_a_cancelled_export_writes_nothing(
    demo_store: Store, qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    window = _window(qtbot, demo_store, Settings(tmp_path / "s.ini"))
    window.planning._done(plan_store(demo_store.path))
    offered: list[str] = []
    monkeypatch.setattr(plan_export_menu.files, "offer_open",
                        lambda *a: offered.append("offered"))
    target = tmp_path / "plans.pdf"
    job = window.export_plans("pdf", target)
    assert job is not None
    job.progress.findChild(QPushButton).click()  # Cancel, before the worker ends
    ended: list[Path | None] = []
    job.ended.connect(ended.append)
    deadline = time.monotonic() + 60
    while not ended and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.01)
    assert ended == [None] and not target.exists() and offered == []
    assert list(tmp_path.glob(".plans.pdf*")) == []  # no temporary file left either


def test_the_pdf_is_made_by_this_installation_s_own_command(monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:  # fmt: skip
    import sys

    store, out = tmp_path / "s.db", tmp_path / "p.pdf"
    args = plan_export_menu._export_command(store, out, "NATO RESTRICTED")
    assert args == ["-m", "app", "--db", str(store), "export", "--format", "pdf", "--out",
                    str(out), "--marking", "NATO RESTRICTED"]
    monkeypatch.setattr(sys, "frozen", True, raising=False)  # the packaged binary
    assert plan_export_menu._export_command(store, out, "")[:2] == ["--db", str(store)]
