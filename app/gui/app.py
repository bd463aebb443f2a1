"""Starting the console: the Qt application, its look, and the first store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app import __version__
from app.core import paths
from app.core.store import Store, StoreError
from app.core.store.lock import StoreLock, StoreLocked
from app.gui import crash

FONT_FAMILY = "DejaVu Sans"
_held: StoreLock | None = None  # the lock on the console's store, while `run` shows it
_FONT_FILES = (Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
               Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"))  # fmt: skip


def application() -> QApplication:
    """The QApplication, made if there is none, named and styled once."""
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    if app.property("movcon_styled"):
        return app
    app.setProperty("movcon_styled", True)
    app.setApplicationName("MovCon")
    app.setOrganizationName("MovCon")
    app.setApplicationVersion(__version__)
    # Fusion looks the same on every laptop in the cell; the palette stays the system's,
    # so a dark desktop gets a dark console.
    app.setStyle("Fusion")
    _use_dejavu(app)
    return app


def _use_dejavu(app: QApplication) -> None:
    # The offscreen platform has no desktop font settings; without a named family it can
    # fall back to a face with no Latin glyphs, and screenshots come out as boxes.
    if FONT_FAMILY not in QFontDatabase.families():
        for path in _FONT_FILES:
            if path.is_file():
                QFontDatabase.addApplicationFont(str(path))
    if FONT_FAMILY in QFontDatabase.families():
        font = QFont(FONT_FAMILY)
        font.setPointSizeF(app.font().pointSizeF())
        app.setFont(font)


def run(store_path: Path, notice: str | None = None) -> int:
    """Open the store and show the console; returns the process exit code. `notice`: a
    message shown over the console once it is up (e.g. why another store opened).

    The store is locked first, so a second MovCon on it is refused before it reads a page;
    unexpected errors from here on are logged to the data folder and explained.
    """
    global _held
    app = application()
    handler = crash.install(paths.data_dir() / "logs")
    try:
        try:
            lock = StoreLock(store_path).acquire()
        except StoreLocked as exc:
            _refuse(exc, None)
            return 2
        except StoreError as exc:
            QMessageBox.critical(None, "MovCon — cannot open store", str(exc))
            return 2
        _held = lock
        try:
            return _show_console(app, store_path, handler, notice)
        finally:
            held, _held = _held, None
            held.release()  # File › Open may have moved it to another store
    finally:
        handler.uninstall()


def open_locked(path: Path, opener: Callable[[], Store], parent: QWidget | None) -> Store | None:
    """Lock `path`, then open (or create) its store with `opener`, for File › Open and New.

    None when another MovCon holds it (the person has been told). On success the lock on the
    store before moves to this one; if `opener` raises, the new lock is let go and the old
    one kept. Outside `run` (tests building a window) nothing is locked.
    """
    global _held
    if _held is None or paths.same_file(_held.store_path, path):
        return opener()
    lock = StoreLock(path)
    try:
        lock.acquire()
    except StoreLocked as exc:
        _refuse(exc, parent)
        return None
    try:
        store = opener()
    except BaseException:
        lock.release()
        raise
    previous, _held = _held, lock
    previous.release()
    return store


def _refuse(exc: StoreLocked, parent: QWidget | None) -> None:
    QMessageBox.information(parent, "MovCon — store already open",
                            f"{_first_upper(str(exc))}.\n\nSwitch to that window, or close "
                            "it and open the store again.")


def _show_console(app: QApplication, store_path: Path, handler: crash.CrashHandler,
                  notice: str | None = None) -> int:
    from app.gui.main_window import MainWindow

    try:
        # The quick check keeps a large store from delaying the first frame; the full one
        # follows in the background.
        store = Store.open(store_path, check="quick")
    except StoreError as exc:
        QMessageBox.critical(None, "MovCon — cannot open store", str(exc))
        return 2
    from app.gui.settings import Settings
    from app.gui.theme import follow_settings

    settings = Settings()
    follow_settings(app, settings)  # light, dark or the desktop's, as chosen
    try:
        window = MainWindow(store, settings=settings)
    except Exception:
        store.close()
        handler.handle(sys.exc_info())  # type: ignore[arg-type]
        return 1
    handler.store_path = lambda: window.store.path  # follows File › Open to another store
    window.show()
    window.check_integrity()
    if notice:
        QTimer.singleShot(0, window, lambda: QMessageBox.information(
            window, "MovCon — another store opened", notice))
    try:
        return app.exec()
    finally:
        window.close()  # ends the background check before its store goes
        window.store.close()


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]
