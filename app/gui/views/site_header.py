"""The strip across the top of the window: which cell this console is, and on which store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QWidget

from app.gui import display

if TYPE_CHECKING:
    from app.core.store import Store


class SiteHeader(QFrame):
    """Nation, site name, store file and how many movements it holds."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.setAutoFillBackground(True)

        self.nation = QLabel(store.nation)
        self.nation.setToolTip(display.nation_names(store).get(store.nation, store.nation))
        self.nation.setStyleSheet("QLabel { border: 1px solid palette(mid); border-radius: 3px;"
                                  " padding: 1px 6px; font-weight: bold; }")  # fmt: skip
        self.site = QLabel(store.site_name)
        font = QFont(self.site.font())
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.site.setFont(font)
        self.path = QLabel(str(store.path))
        self.path.setToolTip(str(store.path))
        self.path.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        palette = self.path.palette()
        palette.setColor(self.path.foregroundRole(), display.muted(palette))
        self.path.setPalette(palette)
        self.count = QLabel()
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(10)
        layout.addWidget(self.nation)
        layout.addWidget(self.site)
        layout.addSpacing(8)
        layout.addWidget(self.path, 1)
        layout.addWidget(self.count)
        self.set_count(store.count("movements"))

    def set_count(self, movements: int) -> None:
        self.count.setText(f"{movements:,} movement{'s' if movements != 1 else ''} in store")
