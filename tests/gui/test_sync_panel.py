"""The Sync panel and the conflicts view: bundles written, imported, refused and stopped."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog
from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.core.sync import conflicts, exchange, merge
from app.core.sync.digest import digest_text
from app.gui import bundle_transfer
from app.gui.main_window import MainWindow
from app.gui.views.conflicts_view import ConflictsView
from app.gui.views.sync_panel import SyncPanel
from tests.core.sync_sites import concurrent_edit, exercise, make_sites, send
from tests.gui.movement_data import add, request

REMOVABLE_DRIVES = bundle_transfer.removable_drives


@pytest.fixture(autouse=True)
def _no_drives(monkeypatch: pytest.MonkeyPatch) -> None:
    """Never offer (or write to) a real USB drive of the machine running the tests."""
    monkeypatch.setattr(bundle_transfer, "removable_drives", lambda volumes=None: [])


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[list[Store]]:
    """An LT and an LV store that trust each other's keys."""
    stores = make_sites(tmp_path / "sites", "LT", "LV")
    yield stores
    for store in stores:
        store.close()


def _window(qtbot: QtBot, store: Store) -> MainWindow:
    window = MainWindow(store)
    qtbot.addWidget(window)
    return window


def _wait(panel: SyncPanel, timeout_s: float = 10.0) -> None:
    # Events processed by hand: after a test that quit the application's event loop,
    # qtbot.waitUntil's nested loops return at once and deliver nothing.
    deadline = time.monotonic() + timeout_s
    while panel.busy and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()
    assert not panel.busy, "the transfer did not finish"


def _bundle(source: Store, nation: str, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "from-lt.mcb"
    exchange.export(source, [nation], path)
    return path


def test_export_and_import_through_the_panels(
    sites: list[Store], qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lt, lv = sites
    add(lt, request(1, owner="LT"))
    drive = tmp_path / "usb"
    drive.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(drive))

    sender = _window(qtbot, lt)
    sender.export_action.trigger()
    panel = sender.sync_panel
    assert sender.sync_dialog.isVisible()
    assert not panel.export_button.isEnabled()  # no nation ticked yet
    assert "LT" not in [panel.nation_list.item(i).data(Qt.ItemDataRole.UserRole)
                        for i in range(panel.nation_list.count())]  # fmt: skip
    panel.set_recipients(["LV"])
    assert panel.file_name.text().startswith("movcon-LT-to-LV-")
    panel.export_button.click()
    _wait(panel)
    [bundle] = drive.glob("movcon-LT-to-LV-*Z.mcb")
    assert f"Wrote {bundle.name} for LV" in panel.report.toPlainText()
    assert panel.sent.row_count == 1
    assert panel.sent.cell(0, 0).startswith("LV")

    monkeypatch.setattr(QFileDialog, "getOpenFileNames", lambda *a, **k: ([str(bundle)], ""))
    receiver = _window(qtbot, lv)
    assert receiver.movement_list.model.rowCount() == 0
    receiver.import_action.trigger()
    _wait(receiver.sync_panel)
    report = receiver.sync_panel.report.toPlainText()
    assert f"{bundle.name}:\nbundle " in report
    assert "records new" in report
    assert receiver.movement_list.model.rowCount() == 1
    assert receiver.header.count.text() == "1 movement in store"
    peers = receiver.sync_panel.peers
    assert (peers.row_count, peers.cell(0, 0), peers.cell(0, 1)) == (1, "LT", lt.site_name)


def test_a_file_that_is_no_bundle_is_refused_and_nothing_changes(
    sites: list[Store], qtbot: QtBot, tmp_path: Path
) -> None:
    lv = sites[1]
    junk = tmp_path / "notes.mcb"
    junk.write_text("shopping list")
    before = digest_text(lv)
    panel = SyncPanel(lv)
    qtbot.addWidget(panel)
    panel.import_files([junk])
    _wait(panel)
    report = panel.report.toPlainText()
    assert "Not imported: notes.mcb" in report
    assert "Nothing was written to this store." in report
    assert digest_text(lv) == before
    assert exchange.status(lv)["peers"] == []


def test_dropping_a_file_on_the_window_imports_it(
    sites: list[Store], qtbot: QtBot, tmp_path: Path
) -> None:
    lt, lv = sites
    add(lt, request(2, owner="LT"))
    bundle = _bundle(lt, "LV", tmp_path / "usb")
    window = _window(qtbot, lv)
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(bundle))])
    enter = QDragEnterEvent(QPoint(50, 50), Qt.DropAction.CopyAction, data,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(50, 50), Qt.DropAction.CopyAction, data,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(drop)
    assert window.sync_dialog.isVisible()
    _wait(window.sync_panel)
    assert window.movement_list.model.rowCount() == 1
    assert "records new" in window.sync_panel.report.toPlainText()


def test_text_that_is_no_local_file_is_not_taken_for_a_bundle(
    store: Store, qtbot: QtBot
) -> None:
    window = _window(qtbot, store)
    data = QMimeData()
    data.setUrls([QUrl("https://example.org/bundle.mcb")])
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, data,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    enter.ignore()
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_an_import_stopped_inside_its_transaction_writes_nothing(
    sites: list[Store], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lt, lv = sites
    for i in range(3):
        add(lt, request(i, owner="LT"))
    bundle = _bundle(lt, "LV", tmp_path / "usb")
    before = digest_text(lv)
    stop = threading.Event()
    real_merge = merge.merge

    def stop_then_merge(*args: Any, **kwargs: Any) -> Any:
        stop.set()  # the user presses Cancel while the changes are being applied
        return real_merge(*args, **kwargs)

    monkeypatch.setattr(merge, "merge", stop_then_merge)
    outcome = bundle_transfer.import_bundle(lv.path, bundle, stop)
    assert outcome.kind == "stopped"
    assert "nothing was written" in outcome.lines[0]
    assert digest_text(lv) == before
    assert exchange.status(lv)["peers"] == []

    monkeypatch.setattr(merge, "merge", real_merge)
    done = bundle_transfer.import_bundle(lv.path, bundle, threading.Event())
    assert (done.kind, done.changed) == ("done", True)  # the same bundle imports afterwards


def test_cancel_before_the_work_starts_and_cancel_in_the_panel(
    sites: list[Store], qtbot: QtBot, tmp_path: Path
) -> None:
    lt, lv = sites
    add(lt, request(3, owner="LT"))
    bundle = _bundle(lt, "LV", tmp_path / "usb")
    stop = threading.Event()
    stop.set()
    assert bundle_transfer.import_bundle(lv.path, bundle, stop).kind == "stopped"
    assert bundle_transfer.export_bundle(lt.path, ["LV"], tmp_path / "x.mcb", stop).kind \
        == "stopped"  # fmt: skip
    assert not (tmp_path / "x.mcb").exists()

    panel = SyncPanel(lv)
    qtbot.addWidget(panel)
    panel.import_files([bundle, bundle])
    assert panel.busy and not panel.activity_row.isHidden()
    panel.cancel()
    _wait(panel)
    # Either it stopped in time or it had finished: the report says which, and the queued
    # second copy is dropped.
    report = panel.report.toPlainText()
    assert ("stopped: nothing was written" in report) != ("Finished before" in report)
    assert report.count(bundle.name) == 1
    assert panel.activity_row.isHidden()


def test_the_conflicts_view_lists_a_conflict_and_settles_it(
    sites: list[Store], qtbot: QtBot, tmp_path: Path
) -> None:
    lt, lv = sites
    ex = concurrent_edit(lt, lv, tmp_path)
    [conflict] = conflicts.open_conflicts(lt)

    window = _window(qtbot, lt)
    window.conflicts_action.trigger()
    view = window.conflicts_view
    assert window.sync_dialog.tabs.currentWidget() is view
    assert window.sync_dialog.tabs.tabText(1) == "&Conflicts (1)"
    assert view.table.row_count == 1
    assert view.table.cell(0, 0) == "Iron Wolf 26 (exercise)"
    assert view.table.cell(0, 1) == "Description"
    assert view.table.cell(0, 2) == conflict.current
    assert view.table.cell(0, 4) == conflict.other
    assert view.table.cell(0, 3).startswith(conflict.current_site)
    assert view.table.cell(0, 5).startswith(conflict.other_site)
    window.show_sync()
    assert "Conflicts to review: 1" in window.sync_panel.counts.text()

    view.use_other_button.click()
    assert lt.get("exercises", ex)["description"] == conflict.other
    assert conflicts.open_conflicts(lt) == []
    assert view.table.currentWidget() is view.table.empty
    assert view.table.empty.text() == "No conflicts to review"
    assert not view.use_other_button.isEnabled()
    assert "Conflicts to review: 0" in window.sync_panel.counts.text()
    assert window.sync_dialog.tabs.tabText(1) == "&Conflicts"


def test_keep_current_settles_without_changing_the_value(
    sites: list[Store], qtbot: QtBot, tmp_path: Path
) -> None:
    lt, lv = sites
    ex = concurrent_edit(lt, lv, tmp_path)
    [conflict] = conflicts.open_conflicts(lt)
    view = ConflictsView(lt)
    qtbot.addWidget(view)
    view.keep_current_button.click()
    assert lt.get("exercises", ex)["description"] == conflict.current
    assert view.table.row_count == 0


def test_the_sync_menu_holds_its_actions_and_keys(store: Store, qtbot: QtBot) -> None:
    window = _window(qtbot, store)
    actions = (window.export_action, window.import_action, window.sync_status_action,
               window.conflicts_action)  # fmt: skip
    assert {a.text(): a.shortcut().toString() for a in actions} == {
        "&Export bundle…": "Ctrl+E", "&Import bundle…": "Ctrl+I", "Sync &status": "",
        "&Conflicts": ""}
    assert not window.sync_dialog.isVisible()
    window.sync_status_action.trigger()
    panel = window.sync_panel
    assert panel.site_name.text() == "Vilnius NMCC"
    assert panel.nation.text().startswith("LT")
    assert len(panel.fingerprint.text().split()) == 6
    assert panel.peers.currentWidget() is panel.peers.empty


class _Volume:
    def __init__(self, root: str, name: str = "", ready: bool = True, read_only: bool = False,
                 is_root: bool = False) -> None:  # fmt: skip
        self._root, self._name = root, name
        self._ready, self._read_only, self._is_root = ready, read_only, is_root

    def rootPath(self) -> str:
        return self._root

    def displayName(self) -> str:
        return self._name

    def isValid(self) -> bool:
        return True

    def isReady(self) -> bool:
        return self._ready

    def isReadOnly(self) -> bool:
        return self._read_only

    def isRoot(self) -> bool:
        return self._is_root

    def bytesAvailable(self) -> int:
        return 14_200_000_000


def test_removable_drives_are_ready_writable_and_not_the_system_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    media = tmp_path / "media"
    for name in ("NATO-USB", "CARD", "CDROM"):
        (media / name).mkdir(parents=True)
    monkeypatch.setattr(bundle_transfer, "_REMOVABLE_ROOTS", (f"{media}/",))
    volumes = [_Volume("/", is_root=True), _Volume(str(media / "NATO-USB"), "NATO-USB"),
               _Volume(str(media / "CARD"), ready=False),
               _Volume(str(media / "CDROM"), "CDROM", read_only=True),
               _Volume("/home", "home")]  # fmt: skip
    [drive] = REMOVABLE_DRIVES(volumes)
    assert (drive.path, drive.label) == (media / "NATO-USB", "NATO-USB")
    assert drive.text == "NATO-USB — 14.2 GB free"


def test_bundle_file_names_say_who_for_whom_and_when(tmp_path: Path) -> None:
    when = datetime(2026, 6, 9, 11, 2, 30, tzinfo=timezone.utc)
    name = bundle_transfer.bundle_file_name("LT", ["LV", "EE"], when)
    assert name == "movcon-LT-to-EE-LV-20260609T1102Z.mcb"
    (tmp_path / name).touch()
    assert bundle_transfer.unused_path(tmp_path, name).name == \
        "movcon-LT-to-EE-LV-20260609T1102Z-2.mcb"  # fmt: skip


def test_keys_are_saved_and_trusted_from_the_panel(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.core.sync import keys

    riga = Store.create(tmp_path / "riga.db", "LV", "Riga")
    tallinn = Store.create(tmp_path / "tallinn.db", "EE", "Tallinn")
    key_file = tmp_path / "riga.mck"
    shown: list[str] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(key_file), ""))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(key_file), ""))
    monkeypatch.setattr(QMessageBox, "information", lambda p, t, text: shown.append(text))
    monkeypatch.setattr(QMessageBox, "critical", lambda p, t, text: shown.append(text))
    riga_panel = SyncPanel(riga)
    qtbot.addWidget(riga_panel)
    riga_panel.export_key_button.click()
    assert key_file.is_file() and keys.fingerprint(exchange.site_public_key(riga)) in shown[-1]

    panel = SyncPanel(tallinn)
    qtbot.addWidget(panel)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.No)
    panel.trust_key_button.click()
    assert exchange.public_key_of(tallinn, riga.site_id) is None  # not confirmed: not trusted
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    panel.trust_key_button.click()
    assert exchange.public_key_of(tallinn, riga.site_id) == exchange.site_public_key(riga)
    assert "Riga (LV): trusted" in shown[-1]
    riga.close()
    tallinn.close()


def test_held_changes_are_accepted_from_the_panel(
    sites: list[Store], qtbot: QtBot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QMessageBox

    from app.core.clock import wall_ms

    lt, lv = sites
    ahead = wall_ms() + 2 * 3_600_000
    lt.clock._now_ms = lambda: ahead
    with lt.write() as w:
        ex = w.insert("exercises", exercise())
    send(lt, lv, tmp_path)
    panel = SyncPanel(lv)
    qtbot.addWidget(panel)
    panel.refresh()
    assert panel.accept_held_button.isEnabled() and "Held changes: 3" in panel.counts.text()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Yes)
    panel.accept_held_button.click()
    assert lv.get("exercises", ex) is not None
    assert "accepted and merged 3 held changes" in panel.report.toPlainText()
    assert not panel.accept_held_button.isEnabled()


def test_a_conflict_choice_is_undone_and_redone_here_and_from_the_console(
    sites: list[Store], qtbot: QtBot, tmp_path: Path
) -> None:
    lt, lv = sites
    ex = concurrent_edit(lt, lv, tmp_path)
    [conflict] = conflicts.open_conflicts(lt)
    window = _window(qtbot, lt)
    window.conflicts_action.trigger()
    view = window.conflicts_view
    view.use_other_button.click()
    assert lt.get("exercises", ex)["description"] == conflict.other
    assert window.undo_action.text() == \
        "&Undo Use the other value: Iron Wolf 26, description"
    view.undo_last()  # Ctrl+Z in the sync window: the value and the open conflict come back
    assert lt.get("exercises", ex)["description"] == conflict.current
    assert [c.id for c in conflicts.open_conflicts(lt)] == [conflict.id]
    assert view.table.row_count == 1
    assert view.message.text() == \
        "Undone: Use the other value: Iron Wolf 26, description."
    view.redo_last()
    assert lt.get("exercises", ex)["description"] == conflict.other
    assert conflicts.open_conflicts(lt) == []
    window.undo_action.trigger()  # and from the console's Edit menu
    assert conflicts.open_conflicts(lt) != [] and view.table.row_count == 1
    # Keeping the current value changes no field; undone, the conflict is open again.
    view.keep_current_button.click()
    assert conflicts.open_conflicts(lt) == []
    view.undo_last()
    assert [c.id for c in conflicts.open_conflicts(lt)] == [conflict.id]
    assert lt.get("exercises", ex)["description"] == conflict.current
