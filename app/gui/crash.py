"""Unexpected errors: logged to the data folder, then explained to the person at the laptop.

Every change is committed when it is made, so an error never costs saved work; the dialog
says so, and gives the details to copy into a report. A store whose drive went away gets
its own plain message instead of a crash report.
"""

from __future__ import annotations

import contextlib
import logging
import logging.handlers
import os
import platform
import sqlite3
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import TracebackType

from PySide6 import __version__ as pyside_version
from PySide6.QtCore import QObject, Qt, QThread, Signal, qVersion
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app import __version__

NO_DIALOG_ENV = "MOVCON_NO_CRASH_DIALOG"  # "1": log only (offscreen tests, scripted runs)
LOG_NAME = "movcon.log"
LOG_BYTES = 1_000_000
LOG_BACKUPS = 5
WORK_SAVED = "Your work is saved: every change is written when it is made."
log = logging.getLogger("movcon")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]
# SQLite's words (and, from Python 3.11, error names) for a file it can no longer reach.
_LOST_WORDS = ("disk i/o error", "unable to open database file")
_LOST_NAMES = ("SQLITE_IOERR", "SQLITE_CANTOPEN")


def store_lost_message(path: Path | None, exc: BaseException) -> str | None:
    """The message for an error that means the store's file went away, else None."""
    gone = path is not None and not _reachable(path)
    for link in _chain(exc):
        if isinstance(link, sqlite3.OperationalError):
            name = getattr(link, "sqlite_errorname", "") or ""
            if name.startswith(_LOST_NAMES) or any(w in str(link).lower() for w in _LOST_WORDS):
                break
        if gone and isinstance(link, (sqlite3.Error, OSError)):
            break
    else:
        return None
    where = f"The store {path}" if path is not None else "The store"
    return (f"{where} cannot be reached: was its drive removed? Reconnect it and open the "
            "store again (File › Open). Nothing written since the last change was lost.")


def versions() -> str:
    return (f"MovCon {__version__}\nPython {sys.version.split()[0]} ({sys.executable})\n"
            f"Qt {qVersion()} (PySide6 {pyside_version})\nOS {platform.platform()}")


def details(exc_info: ExcInfo, thread: str | None = None) -> str:
    """Everything a report needs: versions, time, thread and the full traceback."""
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    where = f" in thread {thread}" if thread else ""
    trace = "".join(traceback.format_exception(*exc_info))
    return f"{versions()}\nTime {when}{where}\n\n{trace}"


def summary(exc: BaseException) -> str:
    """What happened, in one line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if len(text) > 200:
        text = text[:199] + "…"
    name = type(exc).__name__
    return f"MovCon met an unexpected error: {name}: {text}" if text else (
        f"MovCon met an unexpected error: {name}")


class CrashDialog(QDialog):
    """What happened, that the work is safe, where the log is, and the details to copy."""

    def __init__(self, what: str, full: str, log_path: Path,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.details = full
        self.setWindowTitle("MovCon — unexpected error")
        layout = QVBoxLayout(self)
        self.what = QLabel(what)
        self.what.setWordWrap(True)
        self.what.setStyleSheet("font-weight: bold")
        self.saved = QLabel(WORK_SAVED)
        self.log_label = QLabel(f"The details are in the log: {log_path}")
        self.log_label.setWordWrap(True)
        self.log_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for label in (self.what, self.saved, self.log_label):
            layout.addWidget(label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy details")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.copy_button.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QApplication.clipboard().setText(self.details)
        self.copy_button.setText("Copied")


class CrashHandler(QObject):
    """The hook behind `sys.excepthook` and `threading.excepthook`; lives in the GUI thread.

    Errors from any thread are logged where they happen; the dialog is shown through a
    queued signal, since widgets belong to the GUI thread.
    """

    _report = Signal(str, str, str)  # kind ("crash" | "lost"), one line, details or message

    def __init__(self, log_dir: Path, store_path: Callable[[], Path | None] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.log_path = Path(log_dir) / LOG_NAME
        self.store_path = store_path  # set by `run` once the window holds a store
        self.dialog: QDialog | None = None
        self._inside = threading.local()
        self._previous: tuple[Callable[..., object], Callable[..., object]] | None = None
        self._file: logging.Handler | None = None
        self._report.connect(self._show)

    # -- installing ---------------------------------------------------------------------
    def install(self) -> CrashHandler:
        self._open_log()
        self._previous = (sys.excepthook, threading.excepthook)
        sys.excepthook = self.excepthook
        threading.excepthook = self.thread_excepthook
        return self

    def uninstall(self) -> None:
        if self._previous is not None:
            sys.excepthook, threading.excepthook = self._previous
            self._previous = None
        if self._file is not None:
            log.removeHandler(self._file)
            self._file.close()
            self._file = None

    def _open_log(self) -> None:
        if self._file is not None:
            return
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            handler = logging.handlers.RotatingFileHandler(
                self.log_path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8",
                delay=True)  # a refused second MovCon never touches the file
        except OSError as exc:
            # A data folder that cannot be written must not stop the console starting.
            print(f"MovCon: cannot write the log {self.log_path}: {exc}", file=sys.stderr)
            return
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        log.addHandler(handler)
        if log.level == logging.NOTSET or log.level > logging.INFO:
            log.setLevel(logging.INFO)
        self._file = handler

    # -- the hooks ----------------------------------------------------------------------
    def excepthook(self, exc_type: type[BaseException], exc: BaseException,
                   tb: TracebackType | None) -> None:
        self._chain_previous(0, exc_type, exc, tb)
        if not issubclass(exc_type, KeyboardInterrupt):
            self.handle((exc_type, exc, tb))

    def thread_excepthook(self, args: threading.ExceptHookArgs) -> None:
        self._chain_previous(1, args)
        if args.exc_value is not None and not issubclass(args.exc_type, SystemExit):
            name = args.thread.name if args.thread is not None else None
            self.handle((args.exc_type, args.exc_value, args.exc_traceback), name)

    def _chain_previous(self, which: int, *args: object) -> None:
        # The previous hook still runs: stderr for a developer, pytest-qt's capture in tests.
        if self._previous is not None:
            try:
                self._previous[which](*args)
            except Exception:
                log.exception("the previous exception hook failed")

    def handle(self, exc_info: ExcInfo, thread: str | None = None) -> None:
        """Log the error and ask the GUI thread to explain it; never raises."""
        if getattr(self._inside, "active", False):
            self._log_only(exc_info, "an error while handling an error")
            return
        self._inside.active = True
        try:
            lost = store_lost_message(self._current_store(), exc_info[1])
            if lost is not None:
                log.warning("store lost: %s", lost, exc_info=exc_info)
                self._report.emit("lost", lost, lost)
            else:
                full = details(exc_info, thread)
                log.error("unexpected error%s\n%s", f" in thread {thread}" if thread else "",
                          full)
                self._report.emit("crash", summary(exc_info[1]), full)
        except Exception:
            self._log_only(sys.exc_info(), "the crash handler failed")  # type: ignore[arg-type]
        finally:
            self._inside.active = False

    def _current_store(self) -> Path | None:
        with contextlib.suppress(Exception):  # a window already gone knows no store
            return self.store_path() if self.store_path is not None else None
        return None

    def _log_only(self, exc_info: ExcInfo, what: str) -> None:
        with contextlib.suppress(Exception):  # nothing is left to tell it; stderr has it
            log.error(what, exc_info=exc_info)

    # -- showing ------------------------------------------------------------------------
    def dialogs_enabled(self) -> bool:
        return QApplication.instance() is not None and os.environ.get(NO_DIALOG_ENV) != "1"

    def _dialog_up(self) -> bool:
        try:
            return self.dialog is not None and self.dialog.isVisible()
        except RuntimeError:  # deleted with the window it belonged to
            return False

    def _show(self, kind: str, line: str, text: str) -> None:
        if not self.dialogs_enabled():
            return
        if self._dialog_up():
            return  # one at a time: a failing refresh must not stack dialogs; all are logged
        self._inside.active = True  # an error while building the dialog only logs
        try:
            if self.dialog is not None:
                with contextlib.suppress(RuntimeError):  # gone with its parent window
                    self.dialog.deleteLater()
            parent = QApplication.activeWindow()
            if kind == "lost":
                box = QMessageBox(QMessageBox.Icon.Warning, "MovCon — store cannot be reached",
                                  text, QMessageBox.StandardButton.Ok, parent)
                self.dialog = box
            else:
                self.dialog = CrashDialog(line, text, self.log_path, parent)
            # Inside the event loop the dialog opens and returns; before or after it (a
            # failure at start) nothing would paint it, so it runs its own loop.
            if QThread.currentThread().loopLevel() > 0:
                self.dialog.open()
            else:
                self.dialog.exec()
        except Exception:
            self._log_only(sys.exc_info(), "cannot show the error dialog")  # type: ignore[arg-type]
        finally:
            self._inside.active = False


def install(log_dir: Path, store_path: Callable[[], Path | None] | None = None,
            ) -> CrashHandler:
    """Log unexpected errors to `log_dir/movcon.log` and explain them; `uninstall()` undoes."""
    return CrashHandler(log_dir, store_path).install()


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        yield link
        link = link.__cause__ or link.__context__


def _reachable(path: Path) -> bool:
    try:
        return path.is_file()
    except OSError:
        return False
