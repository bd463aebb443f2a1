"""The map's tools and edits: measuring, selecting by click, drawing a route, recording an
incident; each edit one undoable command through the write path."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from app.core import mapdata
from app.core.domain.validation import ValidationError
from app.gui.edit_steps import EditSteps
from app.gui.map_style import PICK_PX, SNAP_PX
from app.gui.map_tools import MeasureTool, RouteDrawTool, pixels_to_metres


class MapEdits(EditSteps):
    """Mixin of `MapView`: the click tools and the edits they make."""

    # Tools -----------------------------------------------------------------------------

    def set_tool(self, name: str) -> None:
        """select | measure | draw (the selected movement's route) | incident."""
        self._end_tool()
        if name == "measure":
            self._tool = MeasureTool(self.plot)
            self.status.setText(self._tool.text())
        elif name == "draw":
            ids = list(self.selection.movements)
            if len(ids) != 1:
                self.status.setText("Select one movement to draw its route.")
                self.select_action.setChecked(True)
                return
            if self._drawing is None:
                from app.core.route_edit import RouteDrawing

                self._drawing = RouteDrawing(self.store)
            self._tool = RouteDrawTool(self.plot, self._drawing, ids[0],
                                       self._names.get(ids[0], "the movement"),
                                       self._waypoints_of(ids[0]))  # fmt: skip
            self.status.setText(self._tool.text())
        elif name == "incident":
            self.status.setText("Incident: click the critical point that is closed.")
        else:
            self.status.setText("")
        action = {"measure": self.measure_action, "draw": self.draw_action,
                  "incident": self.incident_action}.get(name, self.select_action)  # fmt: skip
        action.setChecked(True)
        self._mode = name

    def _waypoints_of(self, movement_id: str) -> list[Any]:
        """The movement's route as waypoints to adjust: its ends and, in order, the critical
        points its plan finds on it."""
        from app.core.route_edit import FREE, POINT, Waypoint

        record = self.store.get("movements", movement_id)
        route = (record or {}).get("route") or []
        if len(route) < 2:
            return []
        plan = self.plans.plans.get(movement_id) if self.plans else None
        via = [Waypoint(p.point.lon, p.point.lat, POINT, p.point.name, p.point.id)
               for p in (plan.route.points if plan else ())]  # fmt: skip
        first = Waypoint(route[0][0], route[0][1], FREE)
        last = Waypoint(route[-1][0], route[-1][1], FREE)
        # An end on a critical point is that point, not a second waypoint beside it.
        if via and (via[0].lon, via[0].lat) == (first.lon, first.lat):
            first = via.pop(0)
        if via and (via[-1].lon, via[-1].lat) == (last.lon, last.lat):
            last = via.pop()
        return [first, *via, last]

    def _end_tool(self) -> None:
        if self._tool is not None:
            self._tool.remove(self.plot)
            self._tool = None
        self._mode = "select"

    def _escape(self) -> None:
        self._end_tool()
        self.set_tool("select")

    def _remove_last(self) -> None:
        if self._tool is not None:
            self._tool.remove_last()
            self.status.setText(self._tool.text())

    def _clear_waypoints(self) -> None:
        if isinstance(self._tool, RouteDrawTool):
            self._tool.clear()
            self.status.setText(self._tool.text())

    @property
    def tool(self) -> MeasureTool | RouteDrawTool | None:
        return self._tool

    def click_at(self, x: float, y: float, modifiers: Qt.KeyboardModifier =
                 Qt.KeyboardModifier.NoModifier, double: bool = False) -> None:  # fmt: skip
        """What a click at map position (x, y) does in the current tool."""
        lon, lat = (float(v) for v in mapdata.unproject(x, y))
        if isinstance(self._tool, MeasureTool):
            self._tool.add(lon, lat)
            self.status.setText(self._tool.text())
        elif isinstance(self._tool, RouteDrawTool):
            if not double:
                self._tool.add(lon, lat, pixels_to_metres(self.view_box, SNAP_PX))
                self.status.setText(self._tool.text())
            else:
                self.finish_route()
        elif getattr(self, "_mode", "select") == "incident":
            point = self._point_near(x, y)
            if point is None:
                self.status.setText("Incident: no critical point there; click on one.")
            else:
                self.record_incident(point)
        else:
            self._select_at(x, y, bool(modifiers & Qt.KeyboardModifier.ControlModifier))

    def _clicked(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        pos = event.scenePos()
        if not self.view_box.sceneBoundingRect().contains(pos):
            return
        point = self.view_box.mapSceneToView(pos)
        self.click_at(point.x(), point.y(), event.modifiers(), event.double())

    def _point_near(self, x: float, y: float) -> str | None:
        pts = self.point_data
        if not len(pts):
            return None
        d = np.hypot(pts.x - x, pts.y - y)
        i = int(np.argmin(d))
        return pts.ids[i] if d[i] <= pixels_to_metres(self.view_box, PICK_PX) else None

    def _select_at(self, x: float, y: float, add: bool) -> None:
        point = self._point_near(x, y)
        if point is not None and self._checked("points"):
            self.selection.set_point(point, source=self)
            return
        found = self.route_layer.feature_at(x, y, pixels_to_metres(self.view_box, PICK_PX)) \
            if self._checked("routes") else None  # fmt: skip
        current = set(self.selection.movements)
        if found is None:
            chosen: set[str] = current if add else set()
            if not add:
                self.selection.set_point(None, source=self)
        elif add:
            chosen = current ^ {found}
        else:
            chosen = {found}
        self.selection.set_movements(frozenset(chosen), source=self)

    def finish_route(self) -> None:
        """Save the drawn route as one undoable command, then re-plan."""
        tool = self._tool
        if not isinstance(tool, RouteDrawTool):
            return
        if len(tool.route) < 2:
            self.status.setText("A route needs at least two waypoints.")
            return
        route = tool.route
        try:
            self.undo.run(f"Redraw route of {tool.name}",
                          lambda w: w.update("movements", tool.movement_id, {"route": route}))
        except ValidationError as exc:
            QMessageBox.warning(self, "Route not saved", exc.message)
            return
        self._escape()
        self.status.setText(f"Route of {tool.name} saved (Ctrl+Z undoes it).")
        self._after_edit()

    def record_incident(self, point_id: str) -> None:
        """Ask for the closure of `point_id` and record it as one undoable command."""
        from app.gui.incident_dialog import IncidentDialog

        record = self._point_records[point_id]
        dialog = IncidentDialog(record, self.time_cursor.time, self)
        if not dialog.exec():
            return
        self.close_point(point_id, *dialog.values())

    def _after_edit(self) -> None:
        self.reload()
        if self.plans_itself and self.plans is not None:
            self.plan_now()
        self.edited.emit()

    def reload(self) -> None:
        """Re-read the routes after an edit (the points are reference data)."""
        self.routes = mapdata.routes(self.store)
        self._names = {r.id: r.name for r in self.routes}
        self._route_by_id = {r.id: r for r in self.routes}
        self._set_route_lines()
        self.route_layer.set_selected(set(self.selection.movements))
