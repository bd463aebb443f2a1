"""F1 help: every view explained, the bundle procedure, opened at the view in front."""

from __future__ import annotations

from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.main_window import MainWindow
from app.gui.views.help_dialog import SECTIONS, HelpDialog, help_text


def test_the_help_explains_every_view_and_the_bundle_procedure(qtbot: QtBot) -> None:
    text = help_text()
    for title in SECTIONS.values():
        assert f"## {title}" in text
    dialog = HelpDialog()
    qtbot.addWidget(dialog)
    shown = dialog.browser.toPlainText()
    assert "Carrying bundles between cells" in shown and "Ctrl+I" in shown
    assert "#" not in shown.splitlines()[0]  # rendered, not raw markdown


def test_f1_opens_the_help_at_the_view_in_front(store: Store, qtbot: QtBot) -> None:
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.help_action.shortcut().toString() == "F1"
    window.show_map()
    window.help_action.trigger()
    dialog = window.help_dialog
    assert dialog.isVisible()
    cursor = dialog.browser.textCursor()
    assert "Map (Ctrl+3)" in cursor.block().text()
    window.show_timeline()
    window.help_action.trigger()
    assert "Timeline (Ctrl+4)" in dialog.browser.textCursor().block().text()
    dialog.grab().save("/tmp/help.png")
    window.close()
