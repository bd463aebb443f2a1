"""Routes, critical points and conflicts as KML 2.2 (Google Earth, ATAK).

One Document with a Folder per layer. Routes are coloured by movement status (the map's
colours) and carry a TimeSpan of the forecast, so Google Earth's time slider shows them
while they run; conflicts carry theirs. A classification marking leads the Document's name
and description, the first things a reader of the file sees.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shapely.geometry.base import BaseGeometry

from app.core.domain.vocabulary import MOVEMENT_STATUSES, POINT_KINDS, PRIORITIES
from app.core.exports.geojson import LAYER_TITLES, LAYERS, Feature, layers, marking_text
from app.core.planning.model import Conflict, MovementPlan

NS = "http://www.opengis.net/kml/2.2"
# The console map's route colours by status (app/gui/map_style.py), as #rrggbb.
STATUS_COLOURS = {"cancelled": "#b0b0b0", "completed": "#8a8a8a", "draft": "#9c7bb5",
                  "submitted": "#e08a1e", "planned": "#2463b0", "under_way": "#1f9a4a"}
OTHER_COLOUR = "#555555"
POINT_COLOUR = "#3d6fb6"
CONFLICT_COLOUR = "#d62728"
_ICON = "http://maps.google.com/mapfiles/kml/shapes/placemark_circle.png"


def kml_colour(rgb: str, alpha: int = 0xFF) -> str:
    """KML writes colours as aabbggrr."""
    r, g, b = rgb[1:3], rgb[3:5], rgb[5:7]
    return f"{alpha:02x}{b}{g}{r}".lower()


def plans_kml(store: Any, plans: Mapping[str, MovementPlan], conflicts: Sequence[Conflict],
              movement_ids: Iterable[str] | None = None, marking: str | None = None) -> bytes:
    """The KML file's bytes, UTF-8 (see `geojson.layers` for what the folders hold)."""
    marking = marking_text(marking)
    found = layers(store, plans, conflicts, movement_ids)
    ET.register_namespace("", NS)
    root = ET.Element(_q("kml"))
    doc = ET.SubElement(root, _q("Document"))
    _text(doc, "name", f"{marking} — MovCon plans" if marking else "MovCon plans")
    _text(doc, "description", (f"{marking}\n" if marking else "")
          + "Movement routes, critical points and conflicts (forecast times in UTC).")
    for status, colour in [*STATUS_COLOURS.items(), ("other", OTHER_COLOUR)]:
        _line_style(doc, f"status-{status}", colour)
    _icon_style(doc, "critical-point", POINT_COLOUR, 0.9)
    _icon_style(doc, "conflict", CONFLICT_COLOUR, 1.3)
    for layer in LAYERS:
        folder = ET.SubElement(doc, _q("Folder"))
        _text(folder, "name", LAYER_TITLES[layer])
        for feature in found[layer]:
            _placemark(folder, feature)
    ET.indent(root, " ")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _q(tag))
    element.text = text
    return element


def _line_style(doc: ET.Element, style_id: str, colour: str) -> None:
    style = ET.SubElement(doc, _q("Style"), id=style_id)
    line = ET.SubElement(style, _q("LineStyle"))
    _text(line, "color", kml_colour(colour))
    _text(line, "width", "4")


def _icon_style(doc: ET.Element, style_id: str, colour: str, scale: float) -> None:
    style = ET.SubElement(doc, _q("Style"), id=style_id)
    icon_style = ET.SubElement(style, _q("IconStyle"))
    _text(icon_style, "color", kml_colour(colour))
    _text(icon_style, "scale", f"{scale:g}")
    icon = ET.SubElement(icon_style, _q("Icon"))
    _text(icon, "href", _ICON)


def _placemark(folder: ET.Element, feature: Feature) -> None:
    p = feature.properties
    mark = ET.SubElement(folder, _q("Placemark"))
    if feature.layer == "routes":
        mark.set("id", f"route-{p['id']}")
        _text(mark, "name", p["name"] or p["id"])
        status = p["status"] if p["status"] in STATUS_COLOURS else "other"
        lines = [f"Owner: {p['owner'] or '?'}" + (f" ({p['unit']})" if p["unit"] else ""),
                 f"Priority: {PRIORITIES.get(p['priority'], p['priority'] or '?')}",
                 f"Status: {MOVEMENT_STATUSES.get(p['status'], p['status'] or '?')}",
                 f"Length: {p['length_km']:.1f} km"]
        begin, end, style = p["start"], p["release"], f"status-{status}"
    elif feature.layer == "critical_points":
        mark.set("id", f"point-{p['id']}")
        _text(mark, "name", p["name"] or p["id"])
        lines = [f"{POINT_KINDS.get(p['kind'], p['kind'] or '?')}, {p['nation'] or '?'}"]
        mlc = [f"{label} {p[key]:g}" for label, key in
               (("tracked", "mlc_tracked"), ("wheeled", "mlc_wheeled")) if p[key] is not None]
        if mlc:
            lines.append(f"MLC: {', '.join(mlc)}")
        begin = end = None
        style = "critical-point"
    else:
        _text(mark, "name", f"Conflict at {p['point']}")
        lines = [f"{p['reason'].capitalize()}: {p['movements']}",
                 f"{p['start']} to {p['end']}"]
        if p["load"] is not None and p["capacity"] is not None:
            lines.append(f"{p['load']} vehicles in the busiest hour, capacity {p['capacity']}")
        begin, end, style = p["start"], p["end"], "conflict"
    _text(mark, "description", "\n".join(lines))
    if begin and end:
        span = ET.SubElement(mark, _q("TimeSpan"))
        _text(span, "begin", begin)
        _text(span, "end", end)
    _text(mark, "styleUrl", f"#{style}")
    _geometry(mark, feature.geometry)


def _geometry(mark: ET.Element, geometry: BaseGeometry) -> None:
    # KML coordinates are lon,lat[,alt] tuples separated by spaces.
    coordinates = " ".join(f"{x:.6f},{y:.6f}" for x, y in geometry.coords)
    kind = "LineString" if geometry.geom_type == "LineString" else "Point"
    shape = ET.SubElement(mark, _q(kind))
    if kind == "LineString":
        _text(shape, "tessellate", "1")
    _text(shape, "coordinates", coordinates)
