"""The offline situation map: country outlines, routes, critical points, conflicts and the
convoys on the road at the time cursor, in ETRS89-LAEA metres.

Every layer is drawn as a few batched items (one path per style, one scatter), culled to the
view, never one graphics item per feature: panning stays smooth with thousands of routes.
"""

from __future__ import annotations

import contextlib
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mgrs
import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QBrush, QFont, QKeySequence, QPen, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGraphicsPathItem,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QToolBar,
    QWidget,
)

from app.core import geolayers, mapdata, timefmt
from app.core.commands import UndoStack
from app.gui import display
from app.gui.map_items import ConvoyLayer, LineLayer
from app.gui.map_legend import Legend, line_icon, ring_icon, symbol_icon
from app.gui.map_style import (
    BORDER,
    CONFLICT,
    CONVOY,
    CONVOY_HEAD,
    CRISIS_HALO,
    GRATICULE,
    HIDDEN_AT_START,
    KIND_STYLE,
    LABEL,
    LABEL_RANK,
    LAND,
    LAYER_TITLES,
    LAYERS,
    MAX_POINT_LABELS,
    OTHER_KIND,
    OTHER_STATUS,
    PLACE,
    POINT_LABELS_BELOW_M,
    SEA,
    SELECTED,
    STATUS_STYLE,
    TOWNS_BELOW_M,
    VIOLATION,
    MapViewBox,
    ScaleBar,
    pen,
    title,
)
from app.gui.map_tools import MeasureTool, RouteDrawTool, pixels_to_metres
from app.gui.selection import Selection
from app.gui.time_cursor import TimeCursor, TimeCursorBar
from app.gui.view_frame import column, side_by_side

if TYPE_CHECKING:
    from PySide6.QtWidgets import QGraphicsItem

    from app.core.store import Store
    from app.gui.planning import PlanSet
from app.gui.find_box import FindBox, Found
from app.gui.map_edits import MapEdits
from app.gui.map_exports import MapExports
from app.gui.map_own_layers import OwnLayers
from app.gui.map_tips import MapTips

_MGRS = mgrs.MGRS()


class MapView(MapEdits, MapExports, MapTips, OwnLayers, QWidget):
    """The map of the store's movements and critical points over the shipped boundaries.

    `selection` and `time_cursor` are shared with the other views (the main window passes
    its own); alone (a snapshot) the map makes its own. `undo` takes the map's edits. With
    `plans_itself` the map re-plans after its own edits; in the console window the window's
    planning service does it for every view (`set_plans`).
    """

    edited = Signal()  # the map wrote to the store (a route, an incident)

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 selection: Any = None, time_cursor: Any = None,
                 undo: UndoStack | None = None, layers_dir: Path | None = None,
                 plans_itself: bool = True) -> None:  # fmt: skip
        super().__init__(parent)
        self.store = store
        self.layers_dir = layers_dir or geolayers.default_folder()
        self.undo = undo or UndoStack(store)
        self.selection = selection if selection is not None else Selection(self)
        own_cursor = time_cursor is None
        if own_cursor:
            now = datetime.now(timefmt.UTC).replace(second=0, microsecond=0)
            time_cursor = TimeCursor(now - timedelta(hours=12), now + timedelta(hours=12),
                                     at=now, parent=self)  # fmt: skip
        self.time_cursor = time_cursor
        self.plans: PlanSet | None = None
        self.plans_itself = plans_itself
        self.tracks: Any = None
        self.positions: Any = None  # the convoys at the time shown (convoys.Positions)
        self._tool: MeasureTool | RouteDrawTool | None = None
        self._drawing: Any = None  # RouteDrawing, made when first needed
        self._names: dict[str, str] = {}

        self.view_box = MapViewBox()
        self.plot = pg.PlotWidget(background=SEA, viewBox=self.view_box)
        item = self.plot.getPlotItem()
        item.hideAxis("left")
        item.hideAxis("bottom")
        item.hideButtons()
        item.setMenuEnabled(False)
        self.view_box.setAspectLocked(True)
        self.view_box.setMenuEnabled(False)
        self.plot.setMinimumSize(320, 200)

        self.layers: dict[str, list[QGraphicsItem]] = {name: [] for name in LAYERS}
        self._sub_z: dict[int, float] = {}
        self._draw_base()
        self._draw_data()
        self._draw_overlays()

        self.layer_list = QListWidget()
        self.layer_list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.layer_list.setToolTip("Tick to show a layer; drag to draw it above or below others")
        for name in LAYERS:
            self._add_layer_entry(name, LAYER_TITLES[name], name not in HIDDEN_AT_START)
        self.layer_list.itemChanged.connect(self._layer_toggled)
        self.layer_list.model().rowsMoved.connect(self._restack)
        for name in HIDDEN_AT_START:
            for layer_item in self.layers[name]:
                layer_item.setVisible(False)
        self.legend = Legend()
        self._fill_legend()

        self.readout = QLabel("Point at the map for the position under the cursor.")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self._own_titles: dict[str, str] = {}
        self._load_own_layers()
        self._hover_at: tuple[float, float] | None = None
        self._hover = QTimer(self, singleShot=True, interval=350)
        self._hover.timeout.connect(self._show_route_tip)
        self.plot.scene().sigMouseMoved.connect(self._mouse_moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self.view_box.sigRangeChanged.connect(self._zoomed)

        self.toolbar = QToolBar("Map")
        self._build_actions()

        side = column(self.find_box, QLabel("Layers"), (self.layer_list, 1), QLabel("Legend"),
                      (self.legend, 2))  # fmt: skip
        for box in (self.layer_list, self.legend):
            box.setMinimumHeight(60)  # the map, not its side lists, sets how small it goes
        side.setMinimumWidth(190)
        side.setMaximumWidth(260)
        self.time_bar = TimeCursorBar(self.time_cursor) if own_cursor else None
        centre = column(self.toolbar, (self.plot, 1), self.status, self.readout, self.time_bar)
        self.splitter = side_by_side(self, side, centre, grows=1)

        self.selection.changed.connect(self._selection_changed)
        self.selection.point_changed.connect(self._selection_changed)
        self.time_cursor.moved.connect(self._time_moved)
        self._restack()
        self.zoom_to_baltic()

    # Drawing -------------------------------------------------------------------------

    def _add(self, layer: str, item: QGraphicsItem, z: float = 0.0) -> None:
        """Put `item` in `layer`; `z` orders items within the layer."""
        self._sub_z[id(item)] = z
        if item.parentItem() is None:
            self.plot.addItem(item)
        self.layers[layer].append(item)

    def _draw_base(self) -> None:
        base = mapdata.base_map()
        rings = [ring for code in base.codes for ring in base.rings[code]]
        x, y, connect = mapdata.joined((r[:, 0], r[:, 1]) for r in rings)
        # One path for every country: odd-even filling keeps lakes and enclaves as holes.
        land = QGraphicsPathItem(pg.arrayToQPath(x, y, connect=connect))
        land.setBrush(QBrush(LAND))
        land.setPen(QPen(Qt.PenStyle.NoPen))
        self._add("countries", land, 0)
        # East of the boundary file's edge (33°E) lies Russia, drawn as land without detail
        # so the region view does not end in a straight coast.
        ex, ey = mapdata.box_ring(mapdata.CLIP_BOX[2] - 0.5, mapdata.CLIP_BOX[1], 60.0,
                                  mapdata.CLIP_BOX[3])  # fmt: skip
        beyond = QGraphicsPathItem(pg.arrayToQPath(ex, ey))
        beyond.setBrush(QBrush(LAND))
        beyond.setPen(QPen(Qt.PenStyle.NoPen))
        self._add("countries", beyond, -0.1)
        # Coasts and borders, without the edges of the box the boundary file was cut to.
        bx, by, bc = base.borders
        borders = QGraphicsPathItem(pg.arrayToQPath(bx, by, connect=bc))
        borders.setPen(pen(BORDER, 1.0))
        self._add("countries", borders, 0.5)

        names = display.nation_names(self.store)
        font = QFont()
        font.setPointSize(10)
        font.setBold(True)
        font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 110)
        for code in base.codes:
            label = pg.TextItem(names.get(code, base.names[code]).upper(), color=LABEL,
                                anchor=(0.5, 0.5))  # fmt: skip
            label.setFont(font)
            label.setPos(*base.labels[code])
            self._add("labels", label)

        self.towns: list[pg.TextItem] = []
        town_font = QFont()
        town_font.setPointSize(8)
        for place in mapdata.places():
            label = pg.TextItem(f"• {place.name}" if place.rank > 1 else f"■ {place.name}",
                                color=PLACE, anchor=(0.0, 0.5))  # fmt: skip
            label.setFont(town_font)
            label.setPos(place.x, place.y)
            label.setData(0, place.rank)
            self._add("places", label)
            if place.rank > 1:
                self.towns.append(label)

        lines = []
        for lon in range(10, 33):
            lat = np.linspace(51.0, 61.5, 60)
            lines.append(mapdata.project(np.full_like(lat, lon), lat))
        for lat in range(51, 62):
            lon = np.linspace(9.0, 33.0, 120)
            lines.append(mapdata.project(lon, np.full_like(lon, lat)))
        gx, gy, gc = mapdata.joined(lines)
        self._add("graticule", pg.PlotCurveItem(gx, gy, connect=gc, pen=pen(GRATICULE, 1.0)))

    def _draw_data(self) -> None:
        self.routes = mapdata.routes(self.store)
        self._names = {r.id: r.name for r in self.routes}
        self._route_by_id = {r.id: r for r in self.routes}
        pens = {status: pen(colour, 2.2, style) for status, (colour, style)
                in STATUS_STYLE.items()}  # fmt: skip
        # Progressive: after a zoom, a dense region is stroked a slice per event-loop turn
        # behind the last image, so no frame waits for it (see map_items).
        self.route_layer = LineLayer(pens, default_pen=pen(OTHER_STATUS[0], 2.2),
                                     highlight_pen=pen(SELECTED, 5.0), progressive=True)
        self.halo_layer = LineLayer({"crisis": pen(CRISIS_HALO, 8.0)}, progressive=True)
        self._set_route_lines()
        self._add("routes", self.halo_layer, 0)
        self._add("routes", self.route_layer, 0.5)

        self.point_data = mapdata.points(self.store)
        self._point_records = {r["id"]: r for r in self.store.rows("critical_points")}
        pts = self.point_data
        styles = [KIND_STYLE.get(k, OTHER_KIND) for k in pts.kind]
        self.points = pg.ScatterPlotItem(pxMode=True, hoverable=True, tip=self._tip)
        self.points.setData(
            x=pts.x, y=pts.y, size=11, symbol=[s for s, _ in styles],
            brush=[pg.mkBrush(c) for _, c in styles], pen=pg.mkPen("#ffffff", width=1),
            data=list(range(len(pts))))  # fmt: skip
        self._add("points", self.points, 0)
        self.selected_point = pg.ScatterPlotItem(pxMode=True, size=34, symbol="o",
                                                 brush=None, pen=pen(SELECTED, 3.0))  # fmt: skip
        self._add("points", self.selected_point, 0.3)
        # Point names (and bridges' load classes) at close zoom: a small pool of labels
        # given to the points in view, so thousands of points cost nothing zoomed out.
        self.point_labels: list[pg.TextItem] = []
        self._label_text = [self._label_of(i) for i in range(len(pts))]
        self._label_rank = np.array([LABEL_RANK.get(k, 9) for k in pts.kind], dtype=int)
        self._kinds = sorted(set(pts.kind), key=lambda k: (k not in KIND_STYLE, k))

        self.conflict_marks = pg.ScatterPlotItem(pxMode=True, size=22, symbol="o", brush=None,
                                                 pen=pen(CONFLICT, 3.0), hoverable=True,
                                                 tip=self._mark_tip)  # fmt: skip
        self.violation_marks = pg.ScatterPlotItem(pxMode=True, size=28, symbol="o",
                                                  brush=None, hoverable=True,
                                                  pen=pen(VIOLATION, 2.5, Qt.PenStyle.DashLine),
                                                  tip=self._mark_tip)  # fmt: skip
        self._add("conflicts", self.conflict_marks, 0.1)
        self._add("conflicts", self.violation_marks, 0)
        self._marks: dict[int, str] = {}
        self.convoys = ConvoyLayer(pen(CONVOY, 5.0), CONVOY_HEAD, 9)
        self._add("convoys", self.convoys)

    def _set_route_lines(self) -> None:
        drawn = [r for r in self.routes if len(r.x)]
        self.route_layer.set_lines([(r.x, r.y) for r in drawn], [r.status for r in drawn],
                                   [r.id for r in drawn])  # fmt: skip
        crisis = [r for r in drawn if r.priority == "crisis"]
        self.halo_layer.set_lines([(r.x, r.y) for r in crisis], ["crisis"] * len(crisis),
                                  [r.id for r in crisis])  # fmt: skip
        known = [s for s in STATUS_STYLE if any(r.status == s for r in self.routes)]
        self._statuses = known + sorted({r.status for r in self.routes} - set(STATUS_STYLE))

    def _draw_overlays(self) -> None:
        scale = ScaleBar()
        scale.setParentItem(self.view_box)
        scale.anchor((1, 1), (1, 1), offset=(-30, -20))
        self._add("scale", scale)

    def _fill_legend(self) -> None:
        legend = self.legend
        legend.clear()
        legend.heading("Critical points")
        for kind in self._kinds:
            symbol, colour = KIND_STYLE.get(kind, OTHER_KIND)
            legend.add(symbol_icon(symbol, colour), title(kind))
        legend.heading("Routes by status")
        for status in self._statuses:
            colour, style = STATUS_STYLE.get(status, OTHER_STATUS)
            legend.add(line_icon(colour, 2.2, style), title(status))
        legend.add(line_icon(CRISIS_HALO, 7.0), "Crisis priority (halo)")
        legend.add(line_icon(SELECTED, 4.0), "Selected")
        legend.heading("On the road and in trouble")
        legend.add(line_icon(CONVOY, 5.0), "Convoy column, tail to head",
                   "Each serial where its march table and the latest reports put it")
        legend.add(symbol_icon("o", CONVOY_HEAD, CONVOY_HEAD, 9), "Convoy head")
        legend.add(ring_icon(CONFLICT), "Conflict at a point")
        legend.add(ring_icon(VIOLATION, 2.0), "Clearance violation or closure")

    def _add_layer_entry(self, key: str, title: str, visible: bool) -> None:
        entry = QListWidgetItem(title)
        entry.setData(Qt.ItemDataRole.UserRole, key)
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable
                       | Qt.ItemFlag.ItemIsDragEnabled)  # fmt: skip
        entry.setFlags(entry.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
        entry.setCheckState(Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked)
        self.layer_list.addItem(entry)

    def layer_order(self) -> list[str]:
        """Layer keys as the list shows them, top (drawn last) first."""
        return [self.layer_list.item(i).data(Qt.ItemDataRole.UserRole)
                for i in range(self.layer_list.count())]  # fmt: skip

    def _restack(self, *_: object) -> None:
        order = self.layer_order()
        for rank, name in enumerate(reversed(order)):
            for item in self.layers.get(name, ()):
                if name == "scale":
                    item.setZValue(1000)
                else:
                    item.setZValue(rank * 10 + self._sub_z.get(id(item), 0.0))

    # Plans and time ------------------------------------------------------------------

    def set_plans(self, plans: PlanSet) -> None:
        """Show a new plan of the store: conflicts, violations and the convoys' tracks."""
        from app.core.planning.convoys import Tracks

        self.plans = plans
        self.find_box.forget()
        routes = {m["id"]: np.asarray(m["route"], dtype=float)
                  for m in self.store.rows("movements") if m.get("route")}  # fmt: skip
        live = {mid: p for mid, p in plans.plans.items()
                if self._status(mid) != "cancelled"}  # fmt: skip
        self.tracks = Tracks.build(live.values(), routes)
        self._mark_trouble()
        start, end = self._plan_span(plans)
        if start is not None and end is not None:
            self.time_cursor.set_range(start, end)
        self._time_moved(self.time_cursor.time)

    def plan_now(self) -> None:
        """Plan the store here and now (a snapshot, or the map used alone)."""
        from app.gui.planning import plan_store

        self.set_plans(plan_store(self.store.path))

    def _status(self, movement_id: str) -> str:
        route = self._route_by_id.get(movement_id)
        return route.status if route else ""

    @staticmethod
    def _plan_span(plans: PlanSet) -> tuple[datetime | None, datetime | None]:
        starts = [s.start for p in plans.plans.values() for s in p.forecast.serials]
        ends = [s.release for p in plans.plans.values() for s in p.forecast.serials]
        return (min(starts), max(ends)) if starts else (None, None)

    def _mark_trouble(self) -> None:
        pts = self.point_data
        index = {pid: i for i, pid in enumerate(pts.ids)}
        conflicted = sorted({index[c.point_id] for c in self.plans.conflicts
                             if c.point_id in index}) if self.plans else []  # fmt: skip
        violated = sorted({index[v.point_id] for p in self.plans.plans.values()
                           for v in p.violations if v.point_id in index}) if self.plans else []
        self.conflict_marks.setData(x=pts.x[conflicted], y=pts.y[conflicted],
                                    data=conflicted)  # fmt: skip
        self.violation_marks.setData(x=pts.x[violated], y=pts.y[violated], data=violated)

    def _time_moved(self, moment: datetime | None) -> None:
        if self.tracks is None or moment is None:
            return
        self.positions = self.tracks.at(moment)
        self.convoys.set_positions(self.positions)

    def convoys_on_road(self) -> int:
        """Serials on the road at the time shown."""
        return int(self.positions.on_road.sum()) if self.positions is not None else 0

    # Selection -----------------------------------------------------------------------

    def _selection_changed(self, ids: Any) -> None:
        self.route_layer.set_selected(set(self.selection.movements))
        point = getattr(self.selection, "point", None)
        pts = self.point_data
        if point in pts.ids:
            i = pts.ids.index(point)
            self.selected_point.setData(x=[pts.x[i]], y=[pts.y[i]])
        else:
            self.selected_point.setData(x=[], y=[])
        self.draw_action.setEnabled(len(self.selection.movements) == 1)

    def zoom_to_selection(self) -> None:
        boxes = []
        for mid in self.selection.movements:
            r = self._route_by_id.get(mid)
            if r is not None and len(r.x):
                boxes.append((r.x.min(), r.y.min(), r.x.max(), r.y.max()))
        point = getattr(self.selection, "point", None)
        if point in self.point_data.ids:
            i = self.point_data.ids.index(point)
            x, y = self.point_data.x[i], self.point_data.y[i]
            boxes.append((x - 15_000, y - 15_000, x + 15_000, y + 15_000))
        if not boxes:
            return
        arr = np.array(boxes)
        self.view_box.setRange(xRange=(arr[:, 0].min(), arr[:, 2].max()),
                               yRange=(arr[:, 1].min(), arr[:, 3].max()), padding=0.08)

    def show_found(self, found: Found) -> None:
        """A movement or point picked in the find box: select it and bring it into view."""
        if found.kind == "point":
            self.selection.set_point(found.record_id, self)
            if found.record_id in self.point_data.ids:
                self.zoom_to_point(found.record_id)
        else:
            self.selection.set_movements({found.record_id}, self)
            self.zoom_to_selection()
        self.plot.setFocus()

    def zoom_to_point(self, point_id: str, half_width_m: float = 12_000) -> None:
        i = self.point_data.ids.index(point_id)
        x, y = self.point_data.x[i], self.point_data.y[i]
        self.view_box.setRange(xRange=(x - half_width_m, x + half_width_m),
                               yRange=(y - half_width_m, y + half_width_m), padding=0)

    # Interaction ---------------------------------------------------------------------

    def _build_actions(self) -> None:
        def act(text: str, key: str, tip: str, slot: Any, checkable: bool = False) -> QAction:
            action = QAction(text, self)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{tip} ({key})")
            action.setCheckable(checkable)
            action.triggered.connect(slot)
            self.addAction(action)
            return action

        self.select_action = act("Select", "S", "Click a route or a point to select it",
                                 lambda: self.set_tool("select"), True)  # fmt: skip
        self.measure_action = act("Measure", "M", "Click points to measure the geodesic "
                                  "distance", lambda: self.set_tool("measure"), True)
        self.draw_action = act("Draw route", "R", "Redraw the selected movement's route by "
                               "clicking waypoints", lambda: self.set_tool("draw"), True)
        self.incident_action = act("Incident", "I", "Click a critical point to record its "
                                   "closure", lambda: self.set_tool("incident"), True)
        group = QActionGroup(self)
        for action in (self.select_action, self.measure_action, self.draw_action,
                       self.incident_action):  # fmt: skip
            group.addAction(action)
            self.toolbar.addAction(action)
        self.select_action.setChecked(True)
        self.draw_action.setEnabled(False)
        self.toolbar.addSeparator()
        self.fit_action = act("Region", "Home", "Show the whole region", self.zoom_to_baltic)
        self.zoom_selection_action = act("Zoom to selection", "Z", "Zoom to what is selected",
                                         self.zoom_to_selection)  # fmt: skip
        self.toolbar.addAction(self.fit_action)
        self.toolbar.addAction(self.zoom_selection_action)
        self.toolbar.addSeparator()
        self.import_layer_action = QAction("Import layer…", self)
        self.import_layer_action.setToolTip("Show your own roads, bridges or areas from a "
                                            "GeoJSON or GeoPackage file")  # fmt: skip
        self.import_layer_action.triggered.connect(self.choose_layer_file)
        self.toolbar.addAction(self.import_layer_action)
        self.toolbar.addSeparator()
        self.png_action = QAction("PNG…", self)
        self.png_action.setToolTip("Save the map as shown as a picture, with the marking")
        self.png_action.triggered.connect(lambda: self.export_png())
        self.pdf_action = QAction("PDF…", self)
        self.pdf_action.setToolTip("Save the map as shown on an A4 page, with the marking")
        self.pdf_action.triggered.connect(lambda: self.export_pdf())
        self.toolbar.addAction(self.png_action)
        self.toolbar.addAction(self.pdf_action)
        self.find_box = FindBox(self.store)  # placed above the layer list
        self.find_box.chosen.connect(self.show_found)
        self.find_box.left.connect(self.plot.setFocus)
        self.find_box.missing.connect(self.status.setText)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.find_box.focus)
        act("Zoom in", "+", "Zoom in", lambda: self.zoom(0.5))
        act("Zoom in", "=", "Zoom in", lambda: self.zoom(0.5))
        act("Zoom out", "-", "Zoom out", lambda: self.zoom(2.0))
        for key, dx, dy in (("Left", -1, 0), ("Right", 1, 0), ("Up", 0, 1), ("Down", 0, -1)):
            act(f"Pan {key.lower()}", key, f"Pan {key.lower()}",
                lambda _=False, dx=dx, dy=dy: self.pan(dx * 0.2, dy * 0.2))
        self.undo_action = act("Undo", "Ctrl+Z", "Undo the map's last edit", self.undo_last)
        act("Cancel", "Esc", "End the tool", self._escape)
        act("Remove last", "Backspace", "Remove the last point", self._remove_last)
        act("Start afresh", "Delete", "Remove every waypoint of the route drawn",
            self._clear_waypoints)
        act("Save route", "Return", "Save the drawn route", self.finish_route)
        act("Save route", "Enter", "Save the drawn route", self.finish_route)

    def zoom(self, factor: float) -> None:
        self.view_box.scaleBy((factor, factor))

    def pan(self, fx: float, fy: float) -> None:
        (x0, x1), (y0, y1) = self.view_box.viewRange()
        self.view_box.translateBy(x=(x1 - x0) * fx, y=(y1 - y0) * fy)

    def zoom_to_baltic(self) -> None:
        xmin, ymin, xmax, ymax = mapdata.bounds(*mapdata.CLIP_BOX)
        # Pan and zoom stay over the mapped region, from a few hundred metres across.
        self.view_box.setLimits(xMin=xmin, xMax=xmax, yMin=ymin, yMax=ymax,
                                minXRange=500, minYRange=500)  # fmt: skip
        xmin, ymin, xmax, ymax = mapdata.bounds(*mapdata.BALTIC_LONLAT)
        self.view_box.setRange(xRange=(xmin, xmax), yRange=(ymin, ymax), padding=0.0)

    def layer_visible(self, name: str) -> bool:
        return all(item.isVisible() for item in self.layers[name] if item not in
                   (*self.towns, *self.point_labels))  # fmt: skip

    def set_layer_visible(self, name: str, visible: bool) -> None:
        """Shows or hides a layer; the layer list's check box follows."""
        for row in range(self.layer_list.count()):
            entry = self.layer_list.item(row)
            if entry.data(Qt.ItemDataRole.UserRole) == name:
                state = Qt.CheckState.Checked if visible else Qt.CheckState.Unchecked
                entry.setCheckState(state)  # itemChanged does the rest

    def _layer_toggled(self, entry: QListWidgetItem) -> None:
        visible = entry.checkState() == Qt.CheckState.Checked
        key = entry.data(Qt.ItemDataRole.UserRole)
        for item in self.layers[key]:
            item.setVisible(visible)
        if key.startswith("own:"):
            # Remembered for the next start; the map is right either way.
            with contextlib.suppress(geolayers.LayerError, OSError):
                geolayers.set_visible(self.layers_dir, key[4:], visible)
        self._zoomed()  # close-zoom detail follows its layer

    def _zoomed(self, *_: object) -> None:
        (x0, x1), _ = self.view_box.viewRange()
        width = float(x1 - x0)
        towns = self._checked("places") and width < TOWNS_BELOW_M
        for label in self.towns:
            label.setVisible(towns)
        self._label_points(self._checked("points") and width < POINT_LABELS_BELOW_M)

    def _label_of(self, i: int) -> str:
        pts = self.point_data
        if pts.kind[i] == "bridge" and not np.isnan(pts.mlc[i]):
            return f"{pts.name[i]}\nMLC {display.number(pts.mlc[i])}"
        return str(pts.name[i])

    def _label_points(self, show: bool) -> None:
        """Give the label pool to the points in view (by rank when there are too many)."""
        pts = self.point_data
        chosen: list[int] = []
        if show and len(pts):
            (x0, x1), (y0, y1) = self.view_box.viewRange()
            inside = np.flatnonzero((pts.x >= x0) & (pts.x <= x1) & (pts.y >= y0)
                                    & (pts.y <= y1))  # fmt: skip
            chosen = inside[np.argsort(self._label_rank[inside], kind="stable")]
            chosen = chosen[:MAX_POINT_LABELS].tolist()
        font = QFont()
        font.setPointSize(8)
        while len(self.point_labels) < len(chosen):
            label = pg.TextItem("", color="#1d2b3a", anchor=(0.0, 0.5),
                                fill=pg.mkBrush(255, 255, 255, 170))  # fmt: skip
            label.setFont(font)
            self._add("points", label, 0.2)
            label.setZValue(self.points.zValue() + 0.2)
            self.point_labels.append(label)
        # Right of the symbol and of a selection ring round it, at any zoom.
        gap = pixels_to_metres(self.view_box, 19)
        for label, i in zip(self.point_labels, chosen, strict=False):
            label.setText(self._label_text[i])
            label.setPos(pts.x[i] + gap, pts.y[i])
            label.setVisible(True)
        for label in self.point_labels[len(chosen):]:
            label.setVisible(False)

    def _checked(self, name: str) -> bool:
        return any(self.layer_list.item(i).data(Qt.ItemDataRole.UserRole) == name
                   and self.layer_list.item(i).checkState() == Qt.CheckState.Checked
                   for i in range(self.layer_list.count()))  # fmt: skip

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
        self._hover_at = (point.x(), point.y())
        self._hover.start()  # a route's tooltip once the pointer rests
