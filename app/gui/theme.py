"""Light, dark, or as the desktop is: the application palette on the Fusion style.

The dark palette is the console's own rather than the desktop's: desktop dark palettes often
leave disabled text or links barely readable, and a cell works at night in dim rooms. Its key
pairs are held to WCAG ratios (see tests/gui/test_theme.py): text on its background at least
7:1, disabled text at least 3:1, link and selection colours at least 4.5:1.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette

from app.gui.settings import THEMES, Settings

Group = QPalette.ColorGroup
Role = QPalette.ColorRole

# (role, normal colour, disabled colour or None for the same)
_DARK: tuple[tuple[Role, str, str | None], ...] = (
    (Role.Window, "#2b2b2b", None),
    (Role.WindowText, "#e8e8e8", "#8e8e8e"),
    (Role.Base, "#1e1e1e", "#262626"),
    (Role.AlternateBase, "#262626", None),
    (Role.Text, "#ececec", "#8e8e8e"),
    (Role.PlaceholderText, "#a8a8a8", "#8e8e8e"),
    (Role.Button, "#353535", "#2f2f2f"),
    (Role.ButtonText, "#e8e8e8", "#8e8e8e"),
    (Role.BrightText, "#ff7b72", None),
    (Role.ToolTipBase, "#3c3c3c", None),
    (Role.ToolTipText, "#f2f2f2", None),
    (Role.Highlight, "#2f6fd0", "#3a3a3a"),
    (Role.HighlightedText, "#ffffff", "#a0a0a0"),
    (Role.Link, "#7cb8ff", "#8e8e8e"),
    (Role.LinkVisited, "#c9a2ff", "#8e8e8e"),
    # Fusion draws frames and bevels from these.
    (Role.Light, "#545454", None),
    (Role.Midlight, "#434343", None),
    (Role.Mid, "#2a2a2a", None),
    (Role.Dark, "#1a1a1a", None),
    (Role.Shadow, "#000000", None),
)


def luminance(colour: QColor | str) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""
    c = QColor(colour)

    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4

    return (0.2126 * channel(c.redF()) + 0.7152 * channel(c.greenF())
            + 0.0722 * channel(c.blueF()))  # fmt: skip


def contrast(a: QColor | str, b: QColor | str) -> float:
    """WCAG 2 contrast ratio of two colours, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def dark_palette() -> QPalette:
    palette = QPalette()
    for role, colour, disabled in _DARK:
        for group in (Group.Active, Group.Inactive):
            palette.setColor(group, role, QColor(colour))
        palette.setColor(Group.Disabled, role, QColor(disabled or colour))
    return palette


def light_palette(app: QGuiApplication) -> QPalette:
    """The style's own palette (Fusion's light grey), not the desktop's."""
    style = getattr(app, "style", None)
    return style().standardPalette() if style is not None else QPalette()


def system_is_dark(app: QGuiApplication) -> bool:
    """Whether the desktop asks for a dark look. Before Qt 6.5 it cannot be told: light."""
    hints = app.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    return scheme is not None and scheme() == Qt.ColorScheme.Dark


def apply_theme(app: QGuiApplication, mode: str) -> None:
    """Set the palette for `mode` ("system", "light" or "dark"). With "system" the palette
    follows the desktop when it switches between light and dark while the console runs."""
    if mode not in THEMES:
        raise ValueError(f"theme is one of {', '.join(THEMES)}, not {mode!r}")
    app.setProperty("movcon_theme", mode)
    dark = system_is_dark(app) if mode == "system" else mode == "dark"
    _set_palette(app, dark)
    hints = app.styleHints()
    if hasattr(hints, "colorSchemeChanged") and not app.property("movcon_theme_watch"):
        app.setProperty("movcon_theme_watch", True)
        hints.colorSchemeChanged.connect(lambda scheme: _scheme_changed(app, scheme))


def _scheme_changed(app: QGuiApplication, scheme: Qt.ColorScheme) -> None:
    # Only a palette this module set to follow the desktop is replaced.
    if app.property("movcon_theme") == "system":
        _set_palette(app, scheme == Qt.ColorScheme.Dark)


def _set_palette(app: QGuiApplication, dark: bool) -> None:
    app.setPalette(dark_palette() if dark else light_palette(app))


def follow_settings(app: QGuiApplication, settings: Settings) -> None:
    """Apply the theme of `settings` now and again whenever the user changes it."""
    apply_theme(app, settings.theme)
    settings.changed.connect(
        lambda name: apply_theme(app, settings.theme) if name == "theme" else None
    )
