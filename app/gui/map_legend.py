"""The map's legend, beside the map rather than on it: it never hides a label or a route."""

from __future__ import annotations

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QListWidget, QListWidgetItem

ICON = QSize(22, 16)


def symbol_icon(symbol: str, fill: str, outline: str = "#ffffff", size: int = 12) -> QIcon:
    """The scatter symbol a map layer draws, as an icon."""
    import pyqtgraph as pg
    from pyqtgraph.graphicsItems.ScatterPlotItem import renderSymbol

    # A cosmetic outline, as the map's scatter has: a plain pen would scale with the symbol.
    image = renderSymbol(symbol, size, pg.mkPen(outline, width=1), pg.mkBrush(fill))
    pixmap = QPixmap(ICON)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.drawImage(QPointF((ICON.width() - image.width()) / 2,
                              (ICON.height() - image.height()) / 2), image)  # fmt: skip
    painter.end()
    return QIcon(pixmap)


def ring_icon(colour: str, width: float = 2.5) -> QIcon:
    pixmap = QPixmap(ICON)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(colour), width))
    painter.drawEllipse(QPointF(ICON.width() / 2, ICON.height() / 2), 6, 6)
    painter.end()
    return QIcon(pixmap)


def line_icon(colour: QColor | str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine,
              ) -> QIcon:  # fmt: skip
    pixmap = QPixmap(ICON)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    pen = QPen(QColor(colour), width, style)
    pen.setCapStyle(Qt.PenCapStyle.FlatCap)
    painter.setPen(pen)
    y = ICON.height() / 2
    painter.drawLine(QPointF(1, y), QPointF(ICON.width() - 1, y))
    painter.end()
    return QIcon(pixmap)


class Legend(QListWidget):
    """Rows of symbol and meaning; read only."""

    def __init__(self) -> None:
        super().__init__()
        self.setIconSize(ICON)
        self.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.setAlternatingRowColors(False)

    def add(self, icon: QIcon, text: str, tip: str = "") -> None:
        entry = QListWidgetItem(icon, text)
        entry.setFlags(Qt.ItemFlag.ItemIsEnabled)
        if tip:
            entry.setToolTip(tip)
        self.addItem(entry)

    def heading(self, text: str) -> None:
        entry = QListWidgetItem(text)
        entry.setFlags(Qt.ItemFlag.ItemIsEnabled)
        font = entry.font()
        font.setBold(True)
        entry.setFont(font)
        self.addItem(entry)

    def texts(self) -> list[str]:
        return [self.item(i).text() for i in range(self.count())]
