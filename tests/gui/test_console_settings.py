"""The console with its settings: the classification marking above and below everything,
the layout restored across a restart, the settings dialog from the File menu."""

from __future__ import annotations

from pathlib import Path

from pytestqt.qtbot import QtBot

from app.core.store import Store
from app.gui.main_window import MainWindow
from app.gui.settings import Settings


def test_the_marking_frames_the_console_and_the_layout_comes_back(store: Store, qtbot: QtBot,
                                                                   tmp_path: Path) -> None:
    ini = tmp_path / "movcon.ini"
    settings = Settings(ini)
    settings.marking_text = "NATO RESTRICTED"
    window = MainWindow(store, settings=settings)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    for banner in (window.marking_top, window.marking_bottom):
        assert banner.isVisible() and banner.text() == "NATO RESTRICTED"
    top = window.marking_top.mapTo(window, window.marking_top.rect().topLeft()).y()
    bottom = window.marking_bottom.mapTo(window, window.marking_bottom.rect().bottomLeft()).y()
    assert top <= window.menuBar().height() + 2 and bottom >= window.height() - 3
    window.resize(1100, 700)
    window.close()
    assert settings.last_store == store.path

    again = MainWindow(store, settings=Settings(ini))
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    # (The offscreen screen is 800 px wide, so Qt keeps the width to the window's minimum;
    # the splitters' own round trip is in test_settings.)
    assert again.height() == 700 and again.width() != 1400
    settings2 = again.settings
    settings2.marking_text = ""
    assert not again.marking_top.isVisible() and not again.marking_bottom.isVisible()
    assert again.settings_action.shortcut().toString() == "Ctrl+,"
    again.close()


def test_the_side_panels_come_back_after_a_restart_and_a_change_of_store(
    store: Store, demo_copy: Path, qtbot: QtBot, tmp_path: Path
) -> None:
    ini = tmp_path / "movcon.ini"
    window = MainWindow(store, settings=Settings(ini))
    qtbot.addWidget(window)
    window.resize(1400, 850)
    window.show()
    qtbot.waitExposed(window)
    window.show_map()
    window.map_view.splitter.setSizes([250, 1100])
    wanted = window.map_view.splitter.sizes()
    window.show_timeline()
    window.timeline_view.splitter.setSizes([900, 450])
    timeline = window.timeline_view.splitter.sizes()
    assert window.open_store_at(demo_copy)  # the views are made anew for the other store
    window.show_map()
    # The side panel's width (the offscreen screen is narrower than the window: the map
    # beside it takes what is left).
    assert window.map_view.splitter.sizes()[0] == wanted[0]
    window.close()

    reopened = Store.open(store.path)  # the switch closed the first one
    again = MainWindow(reopened, settings=Settings(ini))
    qtbot.addWidget(again)
    again.resize(1400, 850)
    again.show()
    qtbot.waitExposed(again)
    again.show_timeline()
    assert again.timeline_view.splitter.sizes()[1] == timeline[1]
    again.close()
    again.store.close()
