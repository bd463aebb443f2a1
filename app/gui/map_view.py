"""The offline map: country outlines, movement routes and critical points in LAEA metres.

Every layer is drawn as a few batched items (one path, one curve per status, one scatter),
not one item per feature, so panning stays smooth with hundreds of routes.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mgrs
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPen
from PySide6.QtWidgets import (
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core import mapdata
from app.gui import display

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsItem

    from app.core.store import Store

SEA = QColor("#d6e6f0")
LAND = QColor("#f3f0e6")
BORDER = QColor("#8c8271")
LABEL = QColor("#5a5348")

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

LAYERS = ("countries", "labels", "routes", "points", "legend", "scale")
LAYER_TITLES = {"countries": "Countries", "labels": "Nation labels", "routes": "Routes",
                "points": "Critical points", "legend": "Legend", "scale": "Scale bar"}  # fmt: skip

_MGRS = mgrs.MGRS()


def _pen(colour: QColor | str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(colour), width, style)
    pen.setCosmetic(True)  # width in pixels whatever the zoom
    return pen


def _title(text: str) -> str:
    return text.replace("_", " ").capitalize()


class MapView(QWidget):
    """The map of the store's movements and critical points over the shipped boundaries."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.plot = pg.PlotWidget(background=SEA)
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.hideButtons()
        item.setMenuEnabled(False)
        self.view_box = item.getViewBox()
        self.view_box.setAspectLocked(True)
        self.plot.setMinimumSize(320, 240)

        self.layers: dict[str, list[QGraphicsItem]] = {name: [] for name in LAYERS}
        self.route_curves: dict[str, pg.PlotCurveItem] = {}
        self.points = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=self._tip)
        self._draw_base()
        self._draw_data()
        self._draw_overlays()

        self.layer_list = QListWidget()
        self.layer_list.setMaximumWidth(170)
        for name in LAYERS:
            entry = QListWidgetItem(LAYER_TITLES[name])
            entry.setData(Qt.ItemDataRole.UserRole, name)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked)
            self.layer_list.addItem(entry)
        self.layer_list.itemChanged.connect(self._layer_toggled)

        self.readout = QLabel("Point at the map for the position under the cursor.")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)

        side = QVBoxLayout()
        side.addWidget(QLabel("Layers"))
        side.addWidget(self.layer_list)
        main = QVBoxLayout()
        main.addWidget(self.plot, 1)
        main.addWidget(self.readout)
        layout = QHBoxLayout(self)
        layout.addLayout(side)
        layout.addLayout(main, 1)
        self.zoom_to_baltic()

    # Drawing -------------------------------------------------------------------------

    def _add(self, layer: str, item: QGraphicsItem, z: float) -> None:
        item.setZValue(z)
        self.plot.addItem(item)
        self.layers[layer].append(item)

    def _draw_base(self) -> None:
        base = mapdata.base_map()
        rings = [ring for code in base.codes for ring in base.rings[code]]
        x, y, connect = mapdata.joined((r[:, 0], r[:, 1]) for r in rings)
        # One path for every country: odd-even filling keeps lakes and enclaves as holes.
        path = pg.arrayToQPath(x, y, connect=connect)
        land = QGraphicsPathItem(path)
        land.setBrush(QBrush(LAND))
        land.setPen(_pen(BORDER, 1.0))
        self._add("countries", land, -10)

        names = display.nation_names(self.store)
        font = QFont()
        font.setPointSize(10)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 110)
        for code in base.codes:
            name = names.get(code, base.names[code]).upper()
            label = pg.TextItem(name, color=LABEL, anchor=(0.5, 0.5))
            label.setFont(font)
            label.setPos(*base.labels[code])
            self._add("labels", label, 5)

    def _draw_data(self) -> None:
        routes = mapdata.routes(self.store)
        crisis = [(r.x, r.y) for r in routes if r.priority == "crisis"]
        x, y, connect = mapdata.joined(crisis)
        halo = pg.PlotCurveItem(x, y, connect=connect, pen=_pen(CRISIS_HALO, 7.0))
        self._add("routes", halo, 9)
        ordered = list(STATUS_STYLE) + sorted({r.status for r in routes} - set(STATUS_STYLE))
        for z, status in enumerate(ordered):
            colour, style = STATUS_STYLE.get(status, OTHER_STATUS)
            x, y, connect = mapdata.joined((r.x, r.y) for r in routes if r.status == status)
            curve = pg.PlotCurveItem(x, y, connect=connect, pen=_pen(colour, 2.2, style))
            self.route_curves[status] = curve
            self._add("routes", curve, 10 + z * 0.01)

        pts = mapdata.points(self.store)
        styles = [KIND_STYLE.get(k, OTHER_KIND) for k in pts.kind]
        self.points.setData(
            x=pts.x, y=pts.y, size=11,
            symbol=[s for s, _ in styles],
            brush=[pg.mkBrush(c) for _, c in styles],
            pen=pg.mkPen("#ffffff", width=1),
            data=[(n, k, m) for n, k, m in zip(pts.name, pts.kind, pts.mlc, strict=True)],
        )  # fmt: skip
        self._add("points", self.points, 20)
        self._kinds = sorted(set(pts.kind), key=lambda k: (k not in KIND_STYLE, k))
        self._statuses = [s for s in ordered if any(r.status == s for r in routes)]

    def _draw_overlays(self) -> None:
        legend = pg.LegendItem(offset=(10, 10), labelTextColor="#222222", labelTextSize="8pt",
                               brush=pg.mkBrush(255, 255, 255, 210),
                               pen=pg.mkPen("#999999"))  # fmt: skip
        legend.setParentItem(self.view_box)
        for kind in self._kinds:
            symbol, colour = KIND_STYLE.get(kind, OTHER_KIND)
            sample = pg.PlotDataItem([0], [0], pen=None, symbol=symbol, symbolSize=10,
                                     symbolBrush=colour, symbolPen="#ffffff")  # fmt: skip
            legend.addItem(sample, _title(kind))
        for status in self._statuses:
            colour, style = STATUS_STYLE.get(status, OTHER_STATUS)
            sample = pg.PlotDataItem([0, 1], [0, 0], pen=pg.mkPen(colour, width=2.2, style=style))
            legend.addItem(sample, f"Route: {_title(status).lower()}")
        legend.setZValue(100)
        self.layers["legend"].append(legend)

        scale = pg.ScaleBar(size=100_000, width=6, brush=pg.mkBrush("#333333"),
                            pen=pg.mkPen("#333333"))  # fmt: skip
        scale.setParentItem(self.view_box)
        scale.anchor((1, 1), (1, 1), offset=(-30, -20))
        scale.text.setColor(QColor("#222222"))
        scale.setZValue(100)
        self.layers["scale"].append(scale)

    # Interaction ---------------------------------------------------------------------

    def zoom_to_baltic(self) -> None:
        xmin, ymin, xmax, ymax = mapdata.bounds(*mapdata.BALTIC_LONLAT)
        self.view_box.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)

    def layer_visible(self, name: str) -> bool:
        return all(item.isVisible() for item in self.layers[name])

    def set_layer_visible(self, name: str, visible: bool) -> None:
        """Shows or hides a layer; the layer list's check box follows."""
        for row in range(self.layer_list.count()):
            entry = self.layer_list.item(row)
            if entry.data(Qt.ItemDataRole.UserRole) == name:
                state = Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
                entry.setCheckState(state)  # itemChanged does the rest

    def _layer_toggled(self, entry: QListWidgetItem) -> None:
        visible = entry.checkState() == Qt.CheckState.Checked
        for item in self.layers[entry.data(Qt.ItemDataRole.UserRole)]:
            item.setVisible(visible)

    @staticmethod
    def position_text(x: float, y: float) -> str:
        """The cursor position as latitude/longitude and MGRS (1 m grid)."""
        lon, lat = (float(v) for v in mapdata.unproject(x, y))
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return display.MISSING
        try:
            grid = _MGRS.toMGRS(lat, lon, MGRSPrecision=5)
        except Exception:  # mgrs refuses the poles and nonsense; the lat/lon still reads
            grid = display.MISSING
        return f"{display.position((lon, lat))}    MGRS {grid}"

    def _mouse_moved(self, pos: QPointF) -> None:
        if not self.view_box.sceneBoundingRect().contains(pos):
            return
        point = self.view_box.mapSceneToView(pos)
        self.readout.setText(self.position_text(point.x(), point.y()))

    @staticmethod
    def _tip(x: float, y: float, data: tuple[str, str, float]) -> str:
        name, kind, mlc = data
        limit = "" if np.isnan(mlc) else f"\nMLC {display.number(mlc)}"
        return f"{name}\n{_title(kind)}{limit}"
