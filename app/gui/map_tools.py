"""The map's click tools: measure a distance, draw a movement's route.

Each tool keeps its clicks in longitude/latitude (what the core measures and stores) and
draws them as one line and one scatter over the map.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPen

from app.core import mapdata
from app.core.geography import GEOD
from app.core.route_edit import FREE, RouteDrawing, Waypoint, measure
from app.gui import display

MEASURE_COLOUR = "#d81b60"
DRAW_COLOUR = "#ff6f00"


def _pen(colour: str, width: float, style: Qt.PenStyle = Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(colour), width, style)
    pen.setCosmetic(True)
    return pen


def distance_text(metres: float) -> str:
    return f"{metres / 1000:,.1f} km" if metres >= 1000 else f"{metres:,.0f} m"


class _Overlay:
    """A line and its vertices over the map."""

    def __init__(self, plot: pg.PlotWidget, colour: str, style: Qt.PenStyle) -> None:
        self.line = pg.PlotCurveItem(pen=_pen(colour, 2.5, style))
        self.dots = pg.ScatterPlotItem(size=8, brush=pg.mkBrush(colour),
                                       pen=pg.mkPen("#ffffff", width=1))  # fmt: skip
        for z, item in ((60, self.line), (61, self.dots)):
            item.setZValue(z)
            plot.addItem(item)

    def show(self, line: list[list[float]], dots: list[list[float]]) -> None:
        x, y = _xy(line)
        self.line.setData(x, y)
        dx, dy = _xy(dots)
        self.dots.setData(dx, dy)

    def remove(self, plot: pg.PlotWidget) -> None:
        plot.removeItem(self.line)
        plot.removeItem(self.dots)


def _xy(lonlat: list[list[float]]) -> tuple[np.ndarray, np.ndarray]:
    if not lonlat:
        return np.empty(0), np.empty(0)
    x, y = mapdata.project([p[0] for p in lonlat], [p[1] for p in lonlat])
    return x.reshape(-1), y.reshape(-1)


class MeasureTool:
    """Click to add points; the geodesic length on the WGS84 ellipsoid (pyproj)."""

    def __init__(self, plot: pg.PlotWidget) -> None:
        self.points: list[list[float]] = []
        self._overlay = _Overlay(plot, MEASURE_COLOUR, Qt.PenStyle.DashLine)

    def add(self, lon: float, lat: float) -> None:
        self.points.append([lon, lat])
        self._overlay.show(self.points, self.points)

    def remove_last(self) -> None:
        if self.points:
            self.points.pop()
            self._overlay.show(self.points, self.points)

    def clear(self) -> None:
        self.points.clear()
        self._overlay.show([], [])

    @property
    def metres(self) -> float:
        return measure(self.points)[0]

    def text(self) -> str:
        if len(self.points) < 2:
            return "Measure: click points on the map (Backspace removes the last, Esc ends)."
        total, legs = measure(self.points)
        (a_lon, a_lat), (b_lon, b_lat) = self.points[-2], self.points[-1]
        bearing = GEOD.inv(a_lon, a_lat, b_lon, b_lat)[0] % 360.0
        return (f"Measured {distance_text(total)} over {len(legs)} "
                f"leg{'s' if len(legs) != 1 else ''}; last leg {distance_text(legs[-1])}, "
                f"bearing {bearing:03.0f}°")

    def remove(self, plot: pg.PlotWidget) -> None:
        self._overlay.remove(plot)


class RouteDrawTool:
    """Waypoints for one movement's route: each click snaps, legs follow the corridors.

    Started on a movement that has a route, the tool holds that route's ends and the
    critical points it passes as waypoints, so the user adjusts it: a click near the drawn
    line adds a via point where it lengthens the route least; a click elsewhere extends it.
    """

    def __init__(self, plot: pg.PlotWidget, drawing: RouteDrawing, movement_id: str,
                 name: str, current: list[Waypoint] | None = None) -> None:  # fmt: skip
        self.drawing = drawing
        self.movement_id = movement_id
        self.name = name
        self.waypoints: list[Waypoint] = list(current or [])
        self.route: list[list[float]] = []
        self._overlay = _Overlay(plot, DRAW_COLOUR, Qt.PenStyle.SolidLine)
        if self.waypoints:
            self._redraw()

    def add(self, lon: float, lat: float, tolerance_m: float) -> Waypoint:
        waypoint = self.drawing.snap(lon, lat, tolerance_m)
        if waypoint.point_id and any(w.point_id == waypoint.point_id for w in self.waypoints):
            return waypoint  # the route passes that point already
        at = len(self.waypoints)
        if len(self.waypoints) >= 2 and _near_line(self.route, lon, lat, tolerance_m):
            at = _cheapest_insertion(self.waypoints, waypoint)
        self.waypoints.insert(at, waypoint)
        self._redraw()
        return waypoint

    def remove_last(self) -> None:
        if self.waypoints:
            self.waypoints.pop()
            self._redraw()

    def clear(self) -> None:
        """Start the route afresh."""
        self.waypoints.clear()
        self._redraw()

    def _redraw(self) -> None:
        self.route = self.drawing.route(self.waypoints)
        self._overlay.show(self.route, [w.lonlat() for w in self.waypoints])

    def text(self) -> str:
        if not self.waypoints:
            return (f"Drawing the route of {self.name}: click waypoints; they snap to "
                    "crossings, bridges and corridors. Enter saves, Backspace removes the "
                    "last, Delete starts afresh, Esc cancels.")
        last = self.waypoints[-1]
        where = "free" if last.snapped == FREE else f"on {last.name}"
        length = measure(self.route)[0]
        return (f"Route of {self.name}: {len(self.waypoints)} waypoints, "
                f"{distance_text(length)}; last {where} "
                f"({display.position((last.lon, last.lat))}). A click on the line adds a via "
                "point; Enter saves, Backspace removes the last, Delete starts afresh, Esc "
                "cancels.")

    def remove(self, plot: pg.PlotWidget) -> None:
        self._overlay.remove(plot)


def _near_line(line: list[list[float]], lon: float, lat: float, tolerance_m: float) -> bool:
    if len(line) < 2:
        return False
    import shapely

    x, y = _xy(line)
    px, py = (float(v) for v in mapdata.project(lon, lat))
    drawn = shapely.LineString(np.column_stack([x, y]))
    return bool(drawn.distance(shapely.Point(px, py)) <= tolerance_m)


def _cheapest_insertion(waypoints: list[Waypoint], new: Waypoint) -> int:
    """Where between two consecutive waypoints `new` adds the least straight-line length."""
    def leg(a: Waypoint, b: Waypoint) -> float:
        return float(GEOD.inv(a.lon, a.lat, b.lon, b.lat)[2])

    costs = [leg(a, new) + leg(new, b) - leg(a, b)
             for a, b in itertools.pairwise(waypoints)]
    return int(np.argmin(costs)) + 1


def pixels_to_metres(view_box: pg.ViewBox, pixels: float) -> float:
    """How many map metres `pixels` screen pixels span at the current zoom."""
    size = view_box.viewPixelSize()
    return float(pixels * max(size[0], size[1])) if all(map(math.isfinite, size)) else 0.0
