"""Settings: typed values that survive a restart, bad values read as defaults, the window put
back as it was, times and places as chosen, and the settings window (OK saves, Cancel not)."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialogButtonBox,
    QDockWidget,
    QLabel,
    QMainWindow,
    QSplitter,
    QTextEdit,
    QToolBar,
)
from pytestqt.qtbot import QtBot

from app.gui import display
from app.gui.settings import (
    DEFAULT_MARKING_COLOUR,
    MARKING_MAX,
    PRESETS,
    RECENT_MAX,
    Settings,
    format_position,
    format_time,
)
from app.gui.views.settings_dialog import SettingsDialog

MOMENT = datetime(2026, 3, 2, 14, 30, tzinfo=timezone.utc)
VILNIUS = (25.2797, 54.6872)


@pytest.fixture
def ini(tmp_path: Path) -> Path:
    return tmp_path / "movcon.ini"


def _settings(path: Path | None, **values: str) -> Settings:
    s = Settings(path)
    for name, value in values.items():
        setattr(s, name, value)
    return s


# -- values ----------------------------------------------------------------------------------
def test_a_new_file_gives_the_defaults(ini: Path) -> None:
    s = Settings(ini)
    assert (s.time_style, s.time_zone, s.coordinates, s.theme) == ("iso", "utc", "latlon", "system")
    assert s.marking_text == ""
    assert s.marking_colour == DEFAULT_MARKING_COLOUR
    assert s.last_store is None
    assert s.recent_stores == []
    assert s.file_name == str(ini)


def test_without_a_path_the_users_file(tmp_path: Path) -> None:
    # The test's own configuration folder (conftest), not the one of the first test run.
    expected = Path(os.environ["XDG_CONFIG_HOME"]) / "MovCon" / "MovCon.ini"
    s = _settings(None, theme="dark")
    s.sync()
    assert Path(s.file_name) == expected
    assert "theme=dark" in expected.read_text(encoding="utf-8")


def test_values_survive_a_restart(ini: Path, tmp_path: Path) -> None:
    s = _settings(
        ini,
        time_style="dtg",
        time_zone="local",
        coordinates="mgrs",
        theme="dark",
        marking_text="NATO RESTRICTED",
        marking_colour="#502B85",
    )
    s.last_store = tmp_path / "cell.db"
    s.sync()
    again = Settings(ini)
    assert (again.time_style, again.time_zone, again.coordinates, again.theme) == (
        "dtg",
        "local",
        "mgrs",
        "dark",
    )
    assert again.marking_text == "NATO RESTRICTED"
    assert again.marking_colour == "#502b85"  # kept in one spelling
    assert again.last_store == tmp_path / "cell.db"
    again.last_store = None
    assert Settings(ini).last_store is None


@pytest.mark.parametrize(("name", "bad"), [
    ("time_style", "julian"), ("time_zone", "mars"), ("coordinates", "utm"),
    ("theme", "neon"), ("marking_colour", "red"), ("marking_colour", "#12345"),
    ("marking_text", "X" * (MARKING_MAX + 1)), ("marking_text", "NATO\x07SECRET"),
])  # fmt: skip
def test_a_bad_value_is_refused_and_nothing_changes(ini: Path, name: str, bad: str) -> None:
    s = Settings(ini)
    before = getattr(s, name)
    with pytest.raises(ValueError):
        setattr(s, name, bad)
    assert getattr(s, name) == before


def test_bad_values_in_the_file_read_as_the_defaults(qtbot: QtBot, ini: Path) -> None:
    ini.write_text("[display]\ntime_style=julian\ntime_zone=mars\ncoordinates=utm\n"
                   "theme=neon\n\n[marking]\ncolour=#zz0000\n\n[window]\ngeometry=junk\n",
                   encoding="utf-8")  # fmt: skip
    s = Settings(ini)
    assert (s.time_style, s.time_zone, s.coordinates, s.theme) == ("iso", "utc", "latlon", "system")
    assert s.marking_colour == DEFAULT_MARKING_COLOUR
    window = QMainWindow()
    qtbot.addWidget(window)
    window.resize(640, 480)
    assert not s.restore_window(window)  # junk geometry: the window keeps its own size
    assert (window.width(), window.height()) == (640, 480)


def test_a_marking_edited_too_long_by_hand_is_kept_cut_to_one_line(ini: Path) -> None:
    # Dropping it would leave a classified console unmarked.
    ini.write_text("[marking]\ntext=NATO   SECRET " + "Y" * 100 + "\n", encoding="utf-8")
    text = Settings(ini).marking_text
    assert text.startswith("NATO SECRET YYY")
    assert len(text) == MARKING_MAX


def test_the_marking_is_one_line(ini: Path) -> None:
    s = _settings(ini, marking_text="  NATO\nRESTRICTED\t ")
    assert s.marking_text == "NATO RESTRICTED"
    ini.write_text("[marking]\ntext=NATO\\x7 RESTRICTED\n", encoding="utf-8")
    assert Settings(ini).marking_text == "NATO RESTRICTED"  # the bell read from the file


def test_changed_names_what_changed_once(ini: Path) -> None:
    s = Settings(ini)
    names: list[str] = []
    s.changed.connect(names.append)
    s.time_style = "dtg"
    s.time_style = "dtg"  # the same again: nothing to redraw
    s.marking_colour = "#C8102E"
    s.marking_colour = "#c8102e"
    s.marking_text = "NATO SECRET"
    s.theme = "system"  # already the default
    assert names == ["time_style", "marking_colour", "marking_text"]


def test_recent_stores_most_recent_first_without_repeats(ini: Path, tmp_path: Path) -> None:
    s = Settings(ini)
    s.remember_store(tmp_path / "only.db")
    s.sync()
    # A list of one comes back from an INI file as a plain string.
    assert Settings(ini).recent_stores == [tmp_path / "only.db"]
    for n in range(10):
        s.remember_store(tmp_path / f"s{n}.db")
    s.remember_store(tmp_path / "s5.db")
    s.sync()
    again = Settings(ini)
    assert again.last_store == tmp_path / "s5.db"
    assert again.recent_stores == [tmp_path / f"s{n}.db" for n in (5, 9, 8, 7, 6, 4, 3, 2)]
    assert len(again.recent_stores) == RECENT_MAX
    again.recent_stores = []
    assert Settings(ini).recent_stores == []


# -- the window --------------------------------------------------------------------------
def _window(qtbot: QtBot) -> tuple[QMainWindow, QDockWidget, QToolBar, QSplitter]:
    window = QMainWindow()
    qtbot.addWidget(window)
    splitter = QSplitter(Qt.Orientation.Horizontal)
    splitter.addWidget(QTextEdit())
    splitter.addWidget(QTextEdit())
    window.setCentralWidget(splitter)
    dock = QDockWidget("Detail")
    dock.setObjectName("detailDock")  # restoreState finds docks and toolbars by name
    dock.setWidget(QLabel("detail"))
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    toolbar = QToolBar("Main")
    toolbar.setObjectName("mainToolBar")
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, toolbar)
    window.resize(640, 480)  # within the offscreen screen (800 x 600): restoring clamps to it
    window.show()
    qtbot.waitExposed(window)
    return window, dock, toolbar, splitter


def test_the_window_comes_back_as_it_was_left(qtbot: QtBot, ini: Path) -> None:
    window, dock, toolbar, splitter = _window(qtbot)
    window.resize(720, 540)
    window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    window.addToolBar(Qt.ToolBarArea.LeftToolBarArea, toolbar)
    toolbar.hide()
    splitter.setSizes([150, 450])
    qtbot.wait(10)
    sizes = splitter.sizes()
    first = Settings(ini)
    first.save_window(window, {"movements": splitter})
    first.sync()
    window.close()

    # A restart: new settings on the same file, a new window built with its defaults.
    again, dock2, toolbar2, splitter2 = _window(qtbot)
    assert again.dockWidgetArea(dock2) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert Settings(ini).restore_window(again, {"movements": splitter2})
    qtbot.wait(10)
    assert (again.width(), again.height()) == (720, 540)
    assert again.dockWidgetArea(dock2) == Qt.DockWidgetArea.RightDockWidgetArea
    assert again.toolBarArea(toolbar2) == Qt.ToolBarArea.LeftToolBarArea
    assert toolbar2.isHidden()
    assert splitter2.sizes() == sizes


def test_nothing_saved_leaves_the_window_alone(qtbot: QtBot, ini: Path) -> None:
    window, dock, _toolbar, splitter = _window(qtbot)
    sizes = splitter.sizes()
    assert not Settings(ini).restore_window(window, {"movements": splitter})
    assert (window.width(), window.height()) == (640, 480)
    assert window.dockWidgetArea(dock) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert splitter.sizes() == sizes


# -- times and places ----------------------------------------------------------------------
EET = timezone(timedelta(hours=2))


@pytest.mark.parametrize(("style", "zone", "local", "expected"), [
    ("iso", "utc", EET, "2026-03-02 14:30Z"),
    ("dtg", "utc", EET, "021430ZMAR26"),
    ("iso", "local", EET, "2026-03-02 16:30 +02:00"),
    ("dtg", "local", EET, "021630BMAR26"),
    ("dtg", "local", timezone(timedelta(hours=-5)), "020930RMAR26"),
    ("dtg", "local", timezone(timedelta(hours=10)), "030030KMAR26"),  # no J: K is +10
    ("iso", "local", timezone(timedelta(hours=-3, minutes=-30)), "2026-03-02 11:00 -03:30"),
    # A zone off the whole hour has no letter: the DTG stays in Zulu rather than mislead.
    ("dtg", "local", timezone(timedelta(hours=5, minutes=30)), "021430ZMAR26"),
])  # fmt: skip
def test_format_time_in_each_mode(
    ini: Path, style: str, zone: str, local: timezone, expected: str
) -> None:
    s = _settings(ini, time_style=style, time_zone=zone)
    assert format_time(MOMENT, s, local_zone=local) == expected
    assert format_time("2026-03-02T14:30:00Z", s, local_zone=local) == expected


def test_format_time_of_nothing_and_of_the_computers_zone(ini: Path) -> None:
    s = _settings(ini, time_zone="local")
    assert format_time(None, s) == display.MISSING
    assert format_time("", s) == display.MISSING
    expected = MOMENT.astimezone().strftime("%Y-%m-%d %H:%M")
    assert format_time(MOMENT, s).startswith(expected)


def test_format_position_in_each_mode(ini: Path) -> None:
    s = Settings(ini)
    assert format_position(*VILNIUS, s) == "54.6872° N, 25.2797° E"
    s.coordinates = "mgrs"
    assert format_position(*VILNIUS, s) == "35U LA 89106 61342"
    assert format_position(*VILNIUS, s, precision=3) == "35U LA 891 613"
    assert format_position(*VILNIUS, s, precision=0) == "35U LA"
    assert format_position(0.0, 86.0, s).startswith("Z ")  # the polar grid (UPS)
    # A latitude no grid covers still reads, as latitude/longitude.
    assert format_position(10.0, 91.0, s) == display.position((10.0, 91.0))
    assert format_position(None, None, s) == display.MISSING


# -- the settings window -----------------------------------------------------------------
def _dialog(qtbot: QtBot, settings: Settings) -> SettingsDialog:
    dialog = SettingsDialog(settings)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def _pick(combo: QComboBox, value: str) -> None:
    combo.setCurrentIndex(combo.findData(value))


def test_the_dialog_shows_the_current_settings(qtbot: QtBot, ini: Path) -> None:
    s = _settings(
        ini,
        time_style="dtg",
        coordinates="mgrs",
        theme="dark",
        marking_text="NATO SECRET",
        marking_colour="#c8102e",
    )
    d = _dialog(qtbot, s)
    assert d.time_style.currentData() == "dtg"
    assert d.time_zone.currentData() == "utc"
    assert d.coordinates.currentData() == "mgrs"
    assert d.theme.currentData() == "dark"
    assert d.preset.currentText() == "NATO SECRET"
    assert d.marking_text.text() == "NATO SECRET"
    assert d.sample.text().split() == ["021430ZMAR26", "35U", "LA", "89106", "61342"]
    assert d.preview.isVisibleTo(d) and d.preview.text() == "NATO SECRET"
    assert d.preview.colour == QColor("#c8102e")


def test_ok_saves_everything(qtbot: QtBot, ini: Path) -> None:
    s = Settings(ini)
    d = _dialog(qtbot, s)
    _pick(d.time_style, "dtg")
    _pick(d.time_zone, "local")
    _pick(d.coordinates, "mgrs")
    _pick(d.theme, "light")
    restricted = next(p for p in PRESETS if p.text == "NATO RESTRICTED")
    d.preset.setCurrentIndex(d.preset.findData(restricted.text))
    d.preset.activated.emit(d.preset.currentIndex())
    assert d.marking_text.text() == "NATO RESTRICTED"
    assert d.preview.colour == QColor(restricted.colour)
    names: list[str] = []
    s.changed.connect(names.append)
    qtbot.mouseClick(d.buttons.button(QDialogButtonBox.StandardButton.Ok),
                     Qt.MouseButton.LeftButton)  # fmt: skip
    assert d.result() == d.DialogCode.Accepted
    assert "time_style=dtg" in ini.read_text(encoding="utf-8")  # on disk at once
    saved = Settings(ini)
    assert (saved.time_style, saved.time_zone, saved.coordinates, saved.theme) == (
        "dtg",
        "local",
        "mgrs",
        "light",
    )
    assert (saved.marking_text, saved.marking_colour) == ("NATO RESTRICTED", restricted.colour)
    assert set(names) == {
        "time_style",
        "time_zone",
        "coordinates",
        "theme",
        "marking_text",
        "marking_colour",
    }


def test_cancel_changes_nothing(qtbot: QtBot, ini: Path) -> None:
    s = _settings(ini, marking_text="NATO UNCLASSIFIED")
    s.sync()
    before = ini.read_bytes()
    d = _dialog(qtbot, s)
    _pick(d.time_style, "dtg")
    _pick(d.theme, "dark")
    d.marking_text.setText("SOMETHING ELSE")
    d.set_colour("#123456")
    names: list[str] = []
    s.changed.connect(names.append)
    qtbot.keyClick(d, Qt.Key.Key_Escape)
    assert d.result() == d.DialogCode.Rejected
    assert names == []
    assert (s.time_style, s.theme, s.marking_text, s.marking_colour) == (
        "iso",
        "system",
        "NATO UNCLASSIFIED",
        DEFAULT_MARKING_COLOUR,
    )
    s.sync()
    assert ini.read_bytes() == before


def test_a_custom_marking_and_colour(
    qtbot: QtBot, ini: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = Settings(ini)
    d = _dialog(qtbot, s)
    assert d.preset.currentText() == "None"
    assert d.no_marking.isVisibleTo(d) and not d.preview.isVisibleTo(d)
    qtbot.keyClicks(d.marking_text, "EXERCISE ONLY")
    assert d.preset.currentData() == "custom"
    monkeypatch.setattr(QColorDialog, "getColor", lambda *_args: QColor("#fce83a"))
    qtbot.mouseClick(d.colour_button, Qt.MouseButton.LeftButton)
    assert d.colour_name.text() == "#fce83a"
    assert d.preview.isVisibleTo(d) and not d.no_marking.isVisibleTo(d)
    monkeypatch.setattr(QColorDialog, "getColor", lambda *_args: QColor())  # cancelled
    qtbot.mouseClick(d.colour_button, Qt.MouseButton.LeftButton)
    assert d.colour_name.text() == "#fce83a"
    d.marking_text.setText(d.marking_text.text() + "\x07")  # pasted with a control character
    d.accept()
    assert (s.marking_text, s.marking_colour) == ("EXERCISE ONLY", "#fce83a")
    # Choosing "None" clears the marking.
    d2 = _dialog(qtbot, s)
    d2.preset.setCurrentIndex(d2.preset.findData(""))
    d2.preset.activated.emit(d2.preset.currentIndex())
    d2.accept()
    assert s.marking_text == ""


def test_every_field_has_its_own_key(qtbot: QtBot, ini: Path) -> None:
    d = _dialog(qtbot, Settings(ini))
    keys: list[str] = []
    for label in d.findChildren(QLabel):
        text = label.text()
        if "&" in text and label.isVisibleTo(d):
            assert label.buddy() is not None, text
            keys.append(text[text.index("&") + 1].lower())
    button = d.colour_button.text()
    keys.append(button[button.index("&") + 1].lower())
    assert len(keys) == len(set(keys)) == 7
