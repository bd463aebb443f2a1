"""The settings window: how times and places read, the theme, and the classification marking.

Nothing changes until OK: the choices are written to the settings then, and the views follow
through `Settings.changed`. Cancel leaves everything as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.gui import display
from app.gui.marking import MarkingBanner
from app.gui.settings import (
    MARKING_MAX,
    PRESETS,
    Settings,
    clean_marking,
    format_position,
    format_time,
)

# A fixed example, so the preview reads the same every time the window opens.
_SAMPLE_TIME = datetime(2026, 3, 2, 14, 30, tzinfo=timefmt.UTC)
_SAMPLE_PLACE = (25.2797, 54.6872)  # Vilnius
_CUSTOM = "custom"


@dataclass(frozen=True)
class _Chosen:
    """The display choices made in the window but not yet saved, for the example."""

    time_style: str
    time_zone: str
    coordinates: str


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.setWindowTitle("Settings")

        self.time_style = _combo((("ISO 8601 (2026-03-02 14:30Z)", "iso"),
                                  ("Date-time group (021430ZMAR26)", "dtg")),
                                 settings.time_style)  # fmt: skip
        self.time_zone = _combo((("UTC (Zulu)", "utc"), ("Local time of this computer", "local")),
                                settings.time_zone)  # fmt: skip
        self.coordinates = _combo((("MGRS (35U LA 89106 61342)", "mgrs"),
                                   ("Latitude, longitude (54.6872° N, 25.2797° E)", "latlon")),
                                  settings.coordinates)  # fmt: skip
        self.theme = _combo((("As the system", "system"), ("Light", "light"), ("Dark", "dark")),
                            settings.theme)  # fmt: skip
        self.sample = QLabel()
        self.sample.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.sample.palette()
        palette.setColor(self.sample.foregroundRole(), display.muted(palette))
        self.sample.setPalette(palette)

        display_form = QFormLayout()
        display_form.addRow("&Times as:", self.time_style)
        display_form.addRow("Time &zone:", self.time_zone)
        display_form.addRow("&Coordinates:", self.coordinates)
        display_form.addRow("Example:", self.sample)
        display_form.addRow("T&heme:", self.theme)

        self.colour = QColor(settings.marking_colour)
        self.preset = QComboBox()
        self.preset.addItem("None", "")
        for preset in PRESETS:
            self.preset.addItem(preset.text, preset.text)
        self.preset.addItem("Custom", _CUSTOM)
        self.marking_text = QLineEdit(settings.marking_text)
        self.marking_text.setMaxLength(MARKING_MAX)
        self.marking_text.setPlaceholderText("No marking")
        self.marking_text.setClearButtonEnabled(True)
        self.colour_button = QPushButton("Co&lour…")
        self.colour_button.setToolTip("Choose the banner's colour")
        self.colour_name = QLabel()
        colour_row = QHBoxLayout()
        colour_row.addWidget(self.colour_button)
        colour_row.addWidget(self.colour_name, 1)
        self.preview = MarkingBanner()
        self.no_marking = QLabel("No marking: the window and the exports carry none.")
        self.no_marking.setPalette(palette)

        marking_form = QFormLayout()
        marking_form.addRow("&Preset:", self.preset)
        marking_form.addRow("Marking te&xt:", self.marking_text)
        marking_form.addRow("Colour:", colour_row)
        note = QLabel("Shown at the top and bottom of the window and on every exported page "
                      "and file.")  # fmt: skip
        note.setWordWrap(True)
        marking_form.addRow(note)
        marking_form.addRow(self.preview)
        marking_form.addRow(self.no_marking)
        marking_box = QGroupBox("Classification marking")
        marking_box.setLayout(marking_form)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(display_form)
        layout.addWidget(marking_box)
        layout.addWidget(self.buttons)

        for combo in (self.time_style, self.time_zone, self.coordinates):
            combo.currentIndexChanged.connect(self._show_sample)
        self.preset.activated.connect(self._preset_chosen)
        self.marking_text.textChanged.connect(self._marking_changed)
        self.colour_button.clicked.connect(self._choose_colour)
        self._show_sample()
        self._marking_changed()
        self.resize(max(self.sizeHint().width(), 520), self.sizeHint().height())

    def accept(self) -> None:
        s = self.settings
        s.time_style = self.time_style.currentData()
        s.time_zone = self.time_zone.currentData()
        s.coordinates = self.coordinates.currentData()
        s.theme = self.theme.currentData()
        s.marking_text = clean_marking(self.marking_text.text())
        s.marking_colour = self.colour.name()
        s.sync()
        super().accept()

    def set_colour(self, colour: QColor | str) -> None:
        self.colour = QColor(colour)
        self._marking_changed()

    def _preset_chosen(self, index: int) -> None:
        value = self.preset.itemData(index)
        if value == _CUSTOM:
            self.marking_text.setFocus()
            return
        match = next((p for p in PRESETS if p.text == value), None)
        if match is not None:
            self.colour = QColor(match.colour)
        self.marking_text.setText(value)  # shows the banner through _marking_changed
        self._marking_changed()

    def _choose_colour(self) -> None:
        chosen = QColorDialog.getColor(self.colour, self, "Marking colour")
        if chosen.isValid():
            self.set_colour(chosen)

    def _marking_changed(self) -> None:
        text = clean_marking(self.marking_text.text())
        self.preview.set_marking(text, self.colour)
        self.no_marking.setVisible(not text)
        self.colour_name.setText(self.colour.name())
        swatch = QPixmap(16, 16)
        swatch.fill(self.colour)
        self.colour_button.setIcon(QIcon(swatch))
        # The preset that matches what is set, without choosing it again.
        match = next((p for p in PRESETS if p.text == text and QColor(p.colour) == self.colour),
                     None)  # fmt: skip
        value = "" if not text else match.text if match is not None else _CUSTOM
        self.preset.setCurrentIndex(self.preset.findData(value))

    def _show_sample(self) -> None:
        chosen = _Chosen(self.time_style.currentData(), self.time_zone.currentData(),
                         self.coordinates.currentData())  # fmt: skip
        self.sample.setText(
            f"{format_time(_SAMPLE_TIME, chosen)}    {format_position(*_SAMPLE_PLACE, chosen)}"
        )


def _combo(items: tuple[tuple[str, str], ...], current: str) -> QComboBox:
    combo = QComboBox()
    for text, value in items:
        combo.addItem(text, value)
    combo.setCurrentIndex(max(0, combo.findData(current)))
    return combo
