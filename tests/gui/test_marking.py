"""The classification marking: the banner in the window and the bands on exported pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor, QImage, QPainter
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget
from pytestqt.qtbot import QtBot

from app.gui.marking import MarkingBanner, marking_for, paint_marking, text_colour
from app.gui.settings import PRESETS, Preset, Settings
from app.gui.theme import contrast


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "movcon.ini")


def _banner(qtbot: QtBot, settings: Settings | None = None) -> tuple[QWidget, MarkingBanner]:
    # In a window, as in the console: a top-level widget shown would ignore being hidden.
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    layout.setContentsMargins(0, 0, 0, 0)
    banner = MarkingBanner(settings)
    layout.addWidget(banner)
    layout.addWidget(QLabel("content"))
    window.resize(600, 100)
    window.show()
    qtbot.waitExposed(window)
    return window, banner


def test_no_marking_no_banner(qtbot: QtBot, settings: Settings) -> None:
    _window, banner = _banner(qtbot, settings)
    assert banner.isHidden()
    assert marking_for(settings) is None


def test_the_banner_shows_the_marking_in_its_colour(qtbot: QtBot, settings: Settings) -> None:
    settings.marking_text = "NATO SECRET"
    settings.marking_colour = "#c8102e"
    _window, banner = _banner(qtbot, settings)
    assert banner.isVisible()
    assert banner.width() == 600  # the window's full width
    assert banner.text() == "NATO SECRET"
    assert banner.font().bold()
    assert marking_for(settings) == "NATO SECRET"
    image = banner.grab().toImage()
    # The edges are background, and white text is drawn in the middle.
    assert image.pixelColor(3, image.height() // 2) == QColor("#c8102e")
    assert image.pixelColor(image.width() - 4, image.height() // 2) == QColor("#c8102e")
    middle = [image.pixelColor(x, y) for x in range(image.width() // 3, 2 * image.width() // 3)
              for y in range(image.height())]  # fmt: skip
    assert any(c.lightness() > 200 for c in middle)


@pytest.mark.parametrize(("background", "expected"), [
    ("#007a33", "#ffffff"), ("#c8102e", "#ffffff"), ("#0033a0", "#ffffff"),
    ("#ff8c00", "#000000"), ("#fce83a", "#000000"), ("#ffffff", "#000000"),
])  # fmt: skip
def test_text_is_black_or_white_by_contrast(background: str, expected: str) -> None:
    assert text_colour(background).name() == expected


@pytest.mark.parametrize("preset", PRESETS, ids=lambda p: p.text)
def test_every_preset_reads_well(preset: Preset) -> None:
    assert contrast(text_colour(preset.colour), preset.colour) >= 4.5
    assert len({p.colour for p in PRESETS}) == len(PRESETS)  # no two levels look alike


def test_the_banner_follows_the_settings(qtbot: QtBot, settings: Settings) -> None:
    _window, banner = _banner(qtbot)
    banner.follow(settings)
    assert banner.isHidden()
    settings.marking_text = "COSMIC TOP SECRET"
    settings.marking_colour = "#ff8c00"
    assert banner.isVisible()
    assert banner.text() == "COSMIC TOP SECRET"
    assert banner.colour == QColor("#ff8c00")
    assert "color: #000000" in banner.styleSheet()
    settings.marking_text = ""
    assert banner.isHidden()


def _page(text: str, colour: str) -> tuple[QImage, float]:
    image = QImage(595, 842, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    painter = QPainter(image)
    try:
        band = paint_marking(painter, QRectF(0, 0, 595, 842), text, colour)
    finally:
        painter.end()
    return image, band


def test_a_page_carries_the_marking_top_and_bottom(qtbot: QtBot) -> None:
    image, band = _page("NATO RESTRICTED", "#502b85")
    assert 10 < band < 42.5  # inside the paperwork's 15 mm margin
    for y in (1, image.height() - 2):
        assert image.pixelColor(2, y) == QColor("#502b85")
        row = [image.pixelColor(x, y) for x in range(image.width())]
        assert all(c == QColor("#502b85") for c in row)
    # Text in each band, white on the purple.
    for top in (0, image.height() - int(band)):
        pixels = [image.pixelColor(x, y) for x in range(200, 400)
                  for y in range(top + 2, top + int(band) - 2)]  # fmt: skip
        assert any(c.lightness() > 200 for c in pixels)
    assert image.pixelColor(300, 421) == QColor("white")  # the page between stays clear


def test_no_marking_paints_nothing(qtbot: QtBot) -> None:
    image, band = _page("", "#502b85")
    assert band == 0
    assert image.pixelColor(2, 1) == QColor("white")
    assert image.pixelColor(2, image.height() - 2) == QColor("white")
