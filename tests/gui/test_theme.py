"""The theme: a readable dark palette, light, and following the desktop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app.gui import theme
from app.gui.settings import Settings
from app.gui.theme import Group, Role, apply_theme, contrast, dark_palette, follow_settings


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, its palette and theme put back after the test: others read them."""
    palette, mode = QPalette(qapp.palette()), qapp.property("movcon_theme")
    yield qapp
    qapp.setProperty("movcon_theme", mode)
    qapp.setPalette(palette)


def test_contrast_ratio() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#777777") == pytest.approx(1.0)
    assert contrast("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)  # WCAG's example


def _ratio(palette: QPalette, group: QPalette.ColorGroup, fg: QPalette.ColorRole,
           bg: QPalette.ColorRole) -> float:  # fmt: skip
    return contrast(palette.color(group, fg), palette.color(group, bg))


TEXT_PAIRS = [(Role.Text, Role.Base), (Role.Text, Role.AlternateBase),
              (Role.WindowText, Role.Window), (Role.ButtonText, Role.Button),
              (Role.ToolTipText, Role.ToolTipBase)]  # fmt: skip


@pytest.mark.parametrize("group", [Group.Active, Group.Inactive])
@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS)
def test_dark_text_reads_at_7_to_1(
    group: QPalette.ColorGroup, fg: QPalette.ColorRole, bg: QPalette.ColorRole
) -> None:
    assert _ratio(dark_palette(), group, fg, bg) >= 7.0


@pytest.mark.parametrize(("fg", "bg"), TEXT_PAIRS[:4])
def test_dark_disabled_text_still_reads_at_3_to_1(
    fg: QPalette.ColorRole, bg: QPalette.ColorRole
) -> None:
    palette = dark_palette()
    assert _ratio(palette, Group.Disabled, fg, bg) >= 3.0
    # And it looks disabled: clearly dimmer than the enabled text.
    assert (
        palette.color(Group.Disabled, fg).lightness()
        < palette.color(Group.Active, fg).lightness() - 60
    )


def test_dark_links_highlights_and_hints_are_visible() -> None:
    p = dark_palette()
    a = Group.Active
    for bg in (Role.Base, Role.Window):
        assert _ratio(p, a, Role.Link, bg) >= 4.5
        assert _ratio(p, a, Role.LinkVisited, bg) >= 4.5
    assert _ratio(p, a, Role.HighlightedText, Role.Highlight) >= 4.5
    assert _ratio(p, a, Role.Highlight, Role.Base) >= 3.0  # a selected row stands out
    assert _ratio(p, a, Role.PlaceholderText, Role.Base) >= 4.5  # display.muted text
    assert _ratio(p, Group.Disabled, Role.HighlightedText, Role.Highlight) >= 3.0
    assert p.color(a, Role.Window).lightness() < 64  # it is dark


def test_apply_dark_and_light(app: QApplication) -> None:
    apply_theme(app, "dark")
    assert app.palette().color(Role.Base) == QColor("#1e1e1e")
    assert app.palette().color(Role.Text) == QColor("#ececec")
    apply_theme(app, "light")
    assert app.palette().color(Role.Base) == app.style().standardPalette().color(Role.Base)
    assert app.palette().color(Role.Base).lightness() > 200


def test_system_follows_the_desktop(app: QApplication, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(theme, "system_is_dark", lambda _app: True)
    apply_theme(app, "system")
    assert app.palette().color(Role.Base) == QColor("#1e1e1e")
    # The desktop switches while the console runs.
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Light)
    assert app.palette().color(Role.Base).lightness() > 200
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert app.palette().color(Role.Base) == QColor("#1e1e1e")
    # A theme the user chose is kept whatever the desktop does.
    apply_theme(app, "light")
    app.styleHints().colorSchemeChanged.emit(Qt.ColorScheme.Dark)
    assert app.palette().color(Role.Base).lightness() > 200


def test_system_without_a_known_scheme_is_light(app: QApplication) -> None:
    if app.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        pytest.skip("this desktop asks for dark")
    apply_theme(app, "system")
    assert app.palette().color(Role.Base).lightness() > 200


def test_an_unknown_theme_is_refused(app: QApplication) -> None:
    with pytest.raises(ValueError):
        apply_theme(app, "neon")


def test_the_theme_follows_the_settings(qtbot: QtBot, app: QApplication,
                                        tmp_path: Path) -> None:  # fmt: skip
    settings = Settings(tmp_path / "movcon.ini")
    settings.theme = "light"
    follow_settings(app, settings)
    assert app.palette().color(Role.Base).lightness() > 200
    settings.theme = "dark"
    assert app.palette().color(Role.Base) == QColor("#1e1e1e")
    settings.time_style = "dtg"  # not the theme: the palette stays
    assert app.palette().color(Role.Base) == QColor("#1e1e1e")
    settings.theme = "light"
    assert app.palette().color(Role.Base).lightness() > 200
