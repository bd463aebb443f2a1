"""The map's look: colours and symbols by status and kind, the layers and their order,
the view box and the scale bar."""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from app.core import mapdata
from app.gui.map_tools import pixels_to_metres

SEA = QColor("#d6e6f0")
LAND = QColor("#f3f0e6")
BORDER = QColor("#8c8271")
LABEL = QColor("#5a5348")
PLACE = QColor("#3b3b3b")
GRATICULE = QColor(90, 110, 130, 90)
OWN_COLOURS = ("#6d4c41", "#00897b", "#5e35b1", "#c2185b", "#827717")

# Route colours by movement status; later states paint over earlier ones.
STATUS_STYLE: dict[str, tuple[str, Qt.PenStyle]] = {
    "cancelled": ("#b0b0b0", Qt.PenStyle.DotLine),
    "completed": ("#8a8a8a", Qt.PenStyle.SolidLine),
    "draft": ("#9c7bb5", Qt.PenStyle.DashLine),
    "submitted": ("#e08a1e", Qt.PenStyle.DashLine),
    "planned": ("#2463b0", Qt.PenStyle.SolidLine),
    "under_way": ("#1f9a4a", Qt.PenStyle.SolidLine),
}
OTHER_STATUS = ("#555555", Qt.PenStyle.SolidLine)
CRISIS_HALO = QColor(220, 40, 40, 110)
SELECTED = "#ffd400"
CONFLICT = "#d62728"
VIOLATION = "#ff7f0e"
CONVOY = "#202020"
CONVOY_HEAD = "#00b8d4"

# One symbol per critical point kind (pyqtgraph symbol names) and a fill colour.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "bridge": ("s", "#3d6fb6"),
    "road_crossing": ("d", "#c0392b"),
    "rail_crossing": ("t1", "#8e44ad"),
    "gauge_transfer": ("x", "#6c3483"),
    "port": ("h", "#117a8b"),
    "airfield": ("star", "#d68910"),
    "garrison": ("p", "#2e7d32"),
    "staging_area": ("t", "#558b2f"),
    "rest_point": ("o", "#7f8c8d"),
}
OTHER_KIND = ("o", "#333333")

# Drawing order, top first: the layer list starts in this order and may be rearranged.
LAYERS = ("convoys", "conflicts", "points", "places", "labels", "routes", "graticule",
          "countries", "scale")
LAYER_TITLES = {"convoys": "Convoys", "conflicts": "Conflicts and violations",
                "points": "Critical points", "places": "Place names",
                "labels": "Nation labels", "routes": "Routes", "graticule": "Graticule",
                "countries": "Countries", "scale": "Scale bar"}  # fmt: skip
HIDDEN_AT_START = frozenset({"graticule"})
# Close-zoom detail: view widths (metres) below which it appears.
TOWNS_BELOW_M = 450_000
POINT_LABELS_BELOW_M = 160_000
MAX_POINT_LABELS = 60
# Which points keep a label when more are in view than the pool holds: crossings first.
LABEL_RANK = {"road_crossing": 0, "rail_crossing": 0, "bridge": 1, "port": 2,
              "gauge_transfer": 2, "airfield": 3, "garrison": 3}  # fmt: skip
PICK_PX = 9  # how near a click must be to a point or a line to pick it
SNAP_PX = 14  # how near a waypoint snaps to a point or corridor



def pen(colour: QColor | str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(colour), width, style)
    pen.setCosmetic(True)  # width in pixels whatever the zoom
    return pen


def title(text: str) -> str:
    return text.replace("_", " ").capitalize()


class MapViewBox(pg.ViewBox):
    """Drag pans; Shift+drag draws a rubber band to zoom into."""

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            mode = self.state["mouseMode"]
            self.state["mouseMode"] = pg.ViewBox.RectMode
            try:
                super().mouseDragEvent(ev, axis)
            finally:
                self.state["mouseMode"] = mode
        else:
            super().mouseDragEvent(ev, axis)


class ScaleBar(pg.ScaleBar):
    """A bar of a round length (1, 2 or 5 x 10^n) about 120 pixels long at any zoom."""

    TARGET_PX = 120

    def __init__(self) -> None:
        super().__init__(size=100_000, width=6, brush=pg.mkBrush("#333333"),
                         pen=pg.mkPen("#333333"))  # fmt: skip
        self.text.setColor(QColor("#222222"))

    def updateBar(self) -> None:
        view = self.parentItem()
        if view is None:
            return
        per_px = pixels_to_metres(view, 1.0)
        length = mapdata.nice_length(per_px * self.TARGET_PX)
        if length and length != self.size:
            self.size = length
            self.text.setText(f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m")
        super().updateBar()
