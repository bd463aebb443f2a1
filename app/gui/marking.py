"""The classification marking: a coloured banner at the top and bottom of the window, and the
same text on every exported page and file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPainter
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from app.gui.theme import contrast

if TYPE_CHECKING:
    from app.gui.settings import Settings

# The band on a page, as a share of the page's height: about 9 pt type on A4 whatever units
# the painter works in (points for the paperwork, device pixels elsewhere).
PAGE_BAND = 0.022
_PAGE_TYPE = 0.5  # type height as a share of the band


def text_colour(background: QColor | str) -> QColor:
    """Black or white, whichever reads better on `background`."""
    black, white = QColor("#000000"), QColor("#ffffff")
    return black if contrast(background, black) >= contrast(background, white) else white


def marking_for(settings: Settings) -> str | None:
    """The marking to write into an exported file (a header line, a PDF's pages), or None."""
    return settings.marking_text or None


class MarkingBanner(QLabel):
    """A full-width strip with the marking in bold, centred; hidden while there is none.

    Its colours are its own (a style sheet): the marking must look the same in a light or a
    dark theme.
    """

    def __init__(self, settings: Settings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classificationMarking")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setAccessibleName("Classification marking")
        font = self.font()
        font.setBold(True)
        self.setFont(font)
        self.colour = QColor()
        self._settings: Settings | None = None
        self.set_marking("", "#000000")
        if settings is not None:
            self.apply(settings)

    def apply(self, settings: Settings) -> None:
        self.set_marking(settings.marking_text, settings.marking_colour)

    def follow(self, settings: Settings) -> None:
        """Show the marking of `settings` now and whenever it changes."""
        self._settings = settings
        self.apply(settings)
        # A bound method: the connection goes with the banner when the window closes.
        settings.changed.connect(self._setting_changed)

    def _setting_changed(self, name: str) -> None:
        if self._settings is not None and name.startswith("marking_"):
            self.apply(self._settings)

    def set_marking(self, text: str, colour: QColor | str) -> None:
        self.colour = QColor(colour)
        self.setText(text)
        self.setStyleSheet(
            f"QLabel#classificationMarking {{ background: {self.colour.name()};"
            f" color: {text_colour(self.colour).name()}; padding: 2px; }}"
        )
        self.setToolTip(f"Classification marking: {text}" if text else "")
        self.setVisible(bool(text))


def paint_marking(painter: QPainter, page_rect: QRectF | QRect, text: str,
                  colour: QColor | str) -> float:  # fmt: skip
    """The marking across the top and the bottom edge of a page; returns the height of each
    band (keep the page's content out of it). Nothing is drawn, and 0 returned, without text.
    """
    if not text:
        return 0.0
    page = QRectF(page_rect)
    band = page.height() * PAGE_BAND
    background = QColor(colour)
    painter.save()
    try:
        font = QFont(painter.font())
        font.setBold(True)
        font.setPixelSize(max(1, round(band * _PAGE_TYPE)))
        painter.setFont(font)
        for top in (page.top(), page.bottom() - band):
            strip = QRectF(page.left(), top, page.width(), band)
            painter.fillRect(strip, background)
            painter.setPen(text_colour(background))
            painter.drawText(strip, Qt.AlignmentFlag.AlignCenter, text)
    finally:
        painter.restore()
    return band
