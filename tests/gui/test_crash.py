"""Unexpected errors are logged and explained; a lost store says so; one MovCon per store."""

from __future__ import annotations

import sqlite3
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from app import __version__
from app.core import paths
from app.core.store import Store
from app.core.store.lock import StoreLock
from app.gui import app as gui_app
from app.gui import crash

LOST = "cannot be reached: was its drive removed?"


@pytest.fixture
def dialogs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(crash.NO_DIALOG_ENV, raising=False)


def _raised(exc: BaseException) -> crash.ExcInfo:
    try:
        raise exc
    except BaseException:
        info = sys.exc_info()
    assert info[0] is not None and info[1] is not None
    return info  # type: ignore[return-value]


def _in_event_loop(work: Callable[[], None]) -> None:
    """Run `work` as the console would: from inside the application's event loop."""
    done: list[bool] = []

    def step() -> None:
        try:
            work()
        finally:
            done.append(True)
            QApplication.exit(0)

    # The application's own loop, not a QEventLoop: once an earlier test has quit the
    # application, a fresh QEventLoop returns at once until the next QApplication.exec().
    QTimer.singleShot(0, step)
    QApplication.exec()
    assert done


def _close(handler: crash.CrashHandler) -> None:
    if handler.dialog is not None:
        handler.dialog.close()
        handler.dialog.deleteLater()


def test_an_error_is_logged_and_explained_with_details_to_copy(
    tmp_path: Path, qtbot: QtBot, dialogs: None
) -> None:
    handler = crash.CrashHandler(tmp_path / "logs")
    handler._open_log()
    try:
        _in_event_loop(lambda: handler.handle(_raised(KeyError("convoy 7"))))
        log = (tmp_path / "logs" / "movcon.log").read_text(encoding="utf-8")
        assert "ERROR movcon: unexpected error" in log
        assert "KeyError: 'convoy 7'" in log and "Traceback (most recent call last)" in log
        dialog = handler.dialog
        assert isinstance(dialog, crash.CrashDialog) and dialog.isVisible()
        assert dialog.what.text() == "MovCon met an unexpected error: KeyError: 'convoy 7'"
        assert dialog.saved.text() == crash.WORK_SAVED
        assert str(tmp_path / "logs" / "movcon.log") in dialog.log_label.text()
        QApplication.clipboard().clear()
        dialog.copy_button.click()
        copied = QApplication.clipboard().text()
        assert "Traceback (most recent call last)" in copied and "KeyError: 'convoy 7'" in copied
        for version in (f"MovCon {__version__}", f"Python {sys.version.split()[0]}", "Qt 6.",
                        "PySide6 ", "\nOS "):
            assert version in copied
        dialog.close_button.click()
        assert not dialog.isVisible()
    finally:
        _close(handler)
        handler.uninstall()


def test_a_second_error_while_the_dialog_is_up_is_only_logged(
    tmp_path: Path, qtbot: QtBot, dialogs: None
) -> None:
    handler = crash.CrashHandler(tmp_path / "logs")
    handler._open_log()
    try:
        _in_event_loop(lambda: handler.handle(_raised(ValueError("first"))))
        first = handler.dialog
        _in_event_loop(lambda: handler.handle(_raised(ValueError("second"))))
        assert handler.dialog is first
        log = (tmp_path / "logs" / "movcon.log").read_text(encoding="utf-8")
        assert "ValueError: first" in log and "ValueError: second" in log
    finally:
        _close(handler)
        handler.uninstall()


def test_an_error_inside_the_handler_only_logs(
    tmp_path: Path, qtbot: QtBot, dialogs: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    handler = crash.CrashHandler(tmp_path / "logs")
    handler._open_log()

    def broken(exc_info: crash.ExcInfo, thread: str | None = None) -> str:
        raise RuntimeError("the handler itself broke")

    monkeypatch.setattr(crash, "details", broken)
    try:
        _in_event_loop(lambda: handler.handle(_raised(ValueError("original"))))  # no raise
        assert handler.dialog is None
        log = (tmp_path / "logs" / "movcon.log").read_text(encoding="utf-8")
        assert "the crash handler failed" in log and "the handler itself broke" in log
    finally:
        handler.uninstall()


def test_no_dialog_when_the_environment_says_so(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(crash.NO_DIALOG_ENV, "1")
    handler = crash.CrashHandler(tmp_path / "logs")
    handler._open_log()
    try:
        handler.handle(_raised(ValueError("quiet")))  # outside a loop: would block if shown
        assert handler.dialog is None
        assert "ValueError: quiet" in (tmp_path / "logs" / "movcon.log").read_text("utf-8")
    finally:
        handler.uninstall()


def test_install_hooks_both_and_uninstall_restores(
    tmp_path: Path, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(crash.NO_DIALOG_ENV, "1")
    before: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda t, e, tb: before.append(f"sys {e}"))
    monkeypatch.setattr(threading, "excepthook", lambda a: before.append(f"thread {a.exc_value}"))
    previous = (sys.excepthook, threading.excepthook)
    handler = crash.install(tmp_path / "logs")
    try:
        assert sys.excepthook == handler.excepthook
        sys.excepthook(*_raised(OSError("from the GUI thread")))
        worker = threading.Thread(target=lambda: 1 / 0, name="exporter")
        worker.start()
        worker.join()
    finally:
        handler.uninstall()
    assert (sys.excepthook, threading.excepthook) == previous
    # The previous hooks still ran (stderr for a developer, pytest-qt's capture in tests).
    assert before == ["sys from the GUI thread", "thread division by zero"]
    log = (tmp_path / "logs" / "movcon.log").read_text(encoding="utf-8")
    assert "OSError: from the GUI thread" in log
    assert "unexpected error in thread exporter" in log and "ZeroDivisionError" in log


def test_an_error_in_a_worker_thread_is_shown_by_the_gui_thread(
    tmp_path: Path, qtbot: QtBot, dialogs: None
) -> None:
    handler = crash.CrashHandler(tmp_path / "logs")
    shown_in: list[threading.Thread] = []
    original = handler._show

    def spy(kind: str, line: str, text: str) -> None:
        shown_in.append(threading.current_thread())
        original(kind, line, text)

    handler._report.disconnect(original)
    handler._report.connect(spy)

    def fail_in_a_worker() -> None:
        worker = threading.Thread(target=lambda: handler.handle(_raised(ValueError("w")), "w"))
        worker.start()
        worker.join()
        assert shown_in == []  # queued for the GUI thread, not shown from the worker
        QApplication.processEvents()

    try:
        _in_event_loop(fail_in_a_worker)
        assert shown_in == [threading.main_thread()]
        assert isinstance(handler.dialog, crash.CrashDialog)
    finally:
        _close(handler)
        handler.uninstall()


def test_rotating_log_keeps_five_files_of_one_megabyte(tmp_path: Path, qtbot: QtBot) -> None:
    handler = crash.CrashHandler(tmp_path / "logs")
    handler._open_log()
    try:
        rotating = handler._file
        assert rotating is not None
        assert (rotating.maxBytes, rotating.backupCount) == (1_000_000, 5)  # type: ignore[attr-defined]
    finally:
        handler.uninstall()


# -- a store whose drive went away ------------------------------------------------------
@pytest.mark.parametrize("error", ["disk I/O error", "unable to open database file"])
def test_sqlite_errors_of_a_vanished_file_get_the_lost_store_message(
    error: str, tmp_path: Path
) -> None:
    path = tmp_path / "cell.db"
    message = crash.store_lost_message(path, sqlite3.OperationalError(error))
    assert message == (f"The store {path} cannot be reached: was its drive removed? Reconnect "
                       "it and open the store again (File › Open). Nothing written since the "
                       "last change was lost.")


def test_other_errors_are_not_a_lost_store(store: Store) -> None:
    assert crash.store_lost_message(store.path, sqlite3.OperationalError("no such table: x")
                                    ) is None
    assert crash.store_lost_message(store.path, OSError("export folder is full")) is None
    assert crash.store_lost_message(store.path, KeyError("x")) is None


def test_any_store_error_once_its_folder_is_gone_is_a_lost_store(
    tmp_path: Path, _template_store: Path
) -> None:
    import shutil

    stick = tmp_path / "stick"
    stick.mkdir()
    shutil.copy(_template_store, stick / "cell.db")
    store = Store.open(stick / "cell.db")
    try:
        shutil.rmtree(stick)  # the drive is pulled
        problem = sqlite3.DatabaseError("database disk image is malformed")
        assert LOST in (crash.store_lost_message(store.path, problem) or "")
        wrapped = RuntimeError("refresh failed")
        wrapped.__cause__ = OSError(5, "Input/output error")
        assert LOST in (crash.store_lost_message(store.path, wrapped) or "")
    finally:
        store.close()


def test_a_read_from_a_lost_store_shows_the_lost_message_not_a_crash(
    store: Store, tmp_path: Path, qtbot: QtBot, dialogs: None
) -> None:
    class Unplugged:
        """The connection of a store whose drive was removed: every read fails."""

        def execute(self, *args: object) -> None:
            raise sqlite3.OperationalError("disk I/O error")

    live = store.conn
    store.conn = Unplugged()  # type: ignore[assignment]
    handler = crash.CrashHandler(tmp_path / "logs", lambda: store.path)
    handler._open_log()
    try:
        with pytest.raises(sqlite3.OperationalError) as failed:
            store.count("movements")
        info = (type(failed.value), failed.value, failed.value.__traceback__)
        _in_event_loop(lambda: handler.handle(info))
        box = handler.dialog
        assert isinstance(box, QMessageBox) and box.isVisible()
        assert box.text().startswith(f"The store {store.path} cannot be reached")
        assert "WARNING movcon: store lost" in (tmp_path / "logs" / "movcon.log").read_text(
            "utf-8")
    finally:
        store.conn = live
        _close(handler)
        handler.uninstall()


# -- one MovCon per store --------------------------------------------------------------
def test_a_second_console_on_a_locked_store_is_refused_politely(
    store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    said: list[tuple[str, str]] = []
    monkeypatch.setattr(QMessageBox, "information",
                        lambda parent, title, text: said.append((title, text)))

    def no_window(*args: object) -> None:
        raise AssertionError("a window was made for a refused store")

    monkeypatch.setattr("app.gui.main_window.MainWindow", no_window)
    with StoreLock(store.path):
        assert gui_app.run(store.path) == 2
    assert said and said[0][0] == "MovCon — store already open"
    assert said[0][1].startswith(f"The store {store.path} is open in another MovCon (pid ")


def test_the_console_holds_the_lock_while_it_runs_and_logs_to_the_data_folder(
    store: Store, qtbot: QtBot
) -> None:
    seen: list[str] = []

    def look_and_quit() -> None:
        try:
            StoreLock(store.path).acquire()
            seen.append("not locked")
        except gui_app.StoreLocked:
            seen.append("locked")
        seen.append(type(getattr(sys.excepthook, "__self__", None)).__name__)
        QApplication.quit()

    hook = sys.excepthook
    QTimer.singleShot(50, look_and_quit)
    assert gui_app.run(store.path) == 0
    assert seen == ["locked", "CrashHandler"]
    assert sys.excepthook is hook  # uninstalled on exit
    assert (paths.data_dir() / "logs").is_dir()
    with StoreLock(store.path):  # released on exit
        pass


def test_opening_another_store_moves_the_lock(
    store: Store, tmp_path: Path, _template_store: Path, qtbot: QtBot,
    monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    other = tmp_path / "other.db"
    shutil.copy(_template_store, other)
    first = StoreLock(store.path).acquire()
    monkeypatch.setattr(gui_app, "_held", first)
    said: list[str] = []
    monkeypatch.setattr(QMessageBox, "information", lambda p, t, text: said.append(text))
    with StoreLock(other):  # held elsewhere: refused, the current store stays locked
        assert gui_app.open_locked(other, lambda: Store.open(other), None) is None
    assert said and "is open in another MovCon" in said[0]
    with pytest.raises(sqlite3.DatabaseError):
        gui_app.open_locked(other, lambda: _fail(), None)
    assert gui_app._held is first and first.held
    opened = gui_app.open_locked(other, lambda: Store.open(other), None)
    assert opened is not None and opened.path == other
    opened.close()
    assert gui_app._held is not first and not first.held
    StoreLock(store.path).acquire().release()  # the old store is free again
    gui_app._held.release()


def _fail() -> Store:
    raise sqlite3.DatabaseError("file is not a database")


def test_work_is_saved_when_the_process_dies_right_after_a_change(
    store: Store, tmp_path: Path
) -> None:
    """What the dialog promises: a change is in the file the moment it is made."""
    import subprocess

    before = store.count("movements")
    code = ("import os\nfrom app.core.store import Store\n"
            "from tests.gui.movement_data import add, request\n"
            f"s = Store.open({str(store.path)!r})\nadd(s, request(0))\nos._exit(1)\n")
    died = subprocess.run([sys.executable, "-c", code], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=120)
    assert died.returncode == 1, died.stderr
    reopened = Store.open(store.path)
    try:
        assert reopened.count("movements") == before + 1
    finally:
        reopened.close()


def test_a_window_already_gone_still_gets_the_crash_report(
    tmp_path: Path, qtbot: QtBot, dialogs: None
) -> None:
    def gone() -> Path:
        raise RuntimeError("Internal C++ object (MainWindow) already deleted.")

    handler = crash.CrashHandler(tmp_path / "logs", gone)
    handler._open_log()
    try:
        _in_event_loop(lambda: handler.handle(_raised(ValueError("late"))))
        assert isinstance(handler.dialog, crash.CrashDialog)
        log = (tmp_path / "logs" / "movcon.log").read_text(encoding="utf-8")
        assert "ValueError: late" in log and "crash handler failed" not in log
    finally:
        _close(handler)
        handler.uninstall()


def test_a_dialog_deleted_with_its_window_does_not_silence_the_next_error(
    tmp_path: Path, qtbot: QtBot, dialogs: None
) -> None:
    import shiboken6

    handler = crash.CrashHandler(tmp_path / "logs")
    try:
        _in_event_loop(lambda: handler.handle(_raised(ValueError("first"))))
        assert handler.dialog is not None
        shiboken6.delete(handler.dialog)
        _in_event_loop(lambda: handler.handle(_raised(ValueError("second"))))
        assert isinstance(handler.dialog, crash.CrashDialog) and handler.dialog.isVisible()
        assert "ValueError: second" in handler.dialog.details
    finally:
        _close(handler)
        handler.uninstall()
