"""Starting the console: the Qt application, its look, and the first store."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication, QMessageBox

from app import __version__
from app.core.store import Store, StoreError

FONT_FAMILY = "DejaVu Sans"
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


def run(store_path: Path) -> int:
    """Open the store and show the console; returns the process exit code."""
    from app.gui.main_window import MainWindow

    app = application()
    try:
        # The quick check keeps a large store from delaying the first frame; the full one
        # follows in the background.
        store = Store.open(store_path, check="quick")
    except StoreError as exc:
        QMessageBox.critical(None, "MovCon — cannot open store", str(exc))
        return 2
    window = MainWindow(store)
    window.show()
    window.check_integrity()
    try:
        return app.exec()
    finally:
        window.close()  # ends the background check before its store goes
        window.store.close()
