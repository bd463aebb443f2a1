"""Permit paperwork on paper: the movement credit and the draft EU Form 302 as A4 PDF.

Each document is HTML laid out once in a QTextDocument whose units are PDF points (the page
is 595 x 842), then painted page by page: into a QPdfWriter for the file, or into a QImage
for a preview. Both come from the same layout, so the preview shows what the PDF holds.
The data comes from app/core/permits/paperwork.py; nothing here reads the store itself.
A classification marking, when given, is painted in a band across the top and the bottom
of every page, outside the flowing text, so no page can lose it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QImage,
    QPageLayout,
    QPageSize,
    QPaintDevice,
    QPainter,
    QPdfWriter,
    QTextDocument,
)

from app.core import timefmt
from app.core.permits import paperwork
from app.core.sync.keys import fsync_folder
from app.gui.app import FONT_FAMILY, application
from app.gui.marking import paint_marking

if TYPE_CHECKING:
    from app.core.planning.network import Network
    from app.core.store import Store

PAGE_W, PAGE_H = 595.276, 841.89  # A4 in points, the layout's units
MARGIN = 42.5  # 15 mm
FONT_PX = 9.5  # body text, in points on paper
PDF_DPI = 600

_CSS = f"""
body {{ font-family: '{FONT_FAMILY}'; font-size: {FONT_PX}px; color: #000; }}
p {{ margin-top: 3px; margin-bottom: 3px; }}
p.title {{ font-size: 20px; font-weight: bold; margin: 0; }}
p.section {{ font-size: 11px; font-weight: bold; margin-top: 10px; margin-bottom: 3px; }}
td, th {{ font-size: {FONT_PX}px; }}
th {{ background-color: #e6e6e6; text-align: left; font-weight: bold; }}
.label {{ color: #555; }}
.big {{ font-size: 30px; font-weight: bold; letter-spacing: 2px; }}
.serial {{ font-family: 'DejaVu Sans Mono'; font-size: 18px; font-weight: bold;
          letter-spacing: 1px; }}
.small {{ font-size: 7.5px; color: #555; }}
.draft {{ color: #b00000; font-weight: bold; }}
"""
_TABLE = ('<table width="100%" cellspacing="0" cellpadding="3" border="1" '
          'style="border-collapse: collapse; border-color: #888; border-style: solid; '
          'margin-bottom: 4px;">')
_PLAIN = '<table width="100%" cellspacing="0" cellpadding="2" border="0">'
# A classification marking as the console keeps it: (text, colour "#rrggbb").
Marking = tuple[str, str]


# -- the documents ----------------------------------------------------------------------


def credit_pdf(store: Store, permit_id: str, path: str | Path,
               network: Network | None = None, now: datetime | None = None,
               marking: Marking | None = None) -> Path:  # fmt: skip
    """Write the movement credit of an approved permit to `path` (PDF, A4), with `marking`
    (text, colour) at the top and the bottom of every page."""
    data = paperwork.movement_credit(store, permit_id, network)
    doc = document(credit_html(data, _printed(store, now)))
    title = f"Movement credit {data['movement_number']}"
    return write_pdf(doc, path, title, marking=marking)


def form302_pdf(store: Store, permit_id: str, path: str | Path,
                customs_status: str | None = None, operation: str | None = None,
                network: Network | None = None, now: datetime | None = None,
                marking: Marking | None = None) -> Path:  # fmt: skip
    """Write a draft EU Form 302 for the permit's movement to `path` (PDF, A4), marked as
    `credit_pdf` is. At the sending nation's cell this issues the serial and records it on
    the permit."""
    _check_target(path)  # before a serial is recorded for a file that cannot be written
    data = paperwork.form302(store, permit_id, customs_status, operation, issued=now,
                             network=network)
    doc = document(form302_html(data, _printed(store, now)))
    return write_pdf(doc, path, f"EU Form 302 (draft) {data['serial']}", watermark="DRAFT",
                     marking=marking)


def _printed(store: Store, now: datetime | None) -> str:
    moment = now or datetime.now(timefmt.UTC)
    site = store.site_name or store.nation
    return f"Printed {timefmt.short(moment)} at {site} ({store.nation}) by MovCon"


def credit_html(d: dict[str, Any], printed: str = "") -> str:
    """The movement credit: one A4 page for a movement of ordinary size."""
    window = _window(d["valid_from"], d["valid_until"])
    parts = [
        _PLAIN, "<tr><td>", _title("Movement credit"),
        f'<span class="label">issued by the host nation</span> '
        f"<b>{_e(d['host_name'])} ({_e(d['host'])})</b></td>",
        '<td align="right"><span class="label">Movement number</span><br/>'
        f'<span class="big">{_e(d["movement_number"])}</span></td></tr></table>',
        _section("Movement"), _facts([
            ("Movement", d["movement"]), ("Unit", d["unit"]),
            ("Sending nation", f"{d['owner_name']} ({d['owner']})"),
            ("Host nation", f"{d['host_name']} ({d['host']})"),
            ("Exercise", d["exercise"] or "—"), ("Domain", d["domain_label"]),
            ("Permit reference", d["reference"] or "—"),
            ("Agreement", d["agreement"] or "—"),
            ("Status", d["status_label"]), ("Route", _route(d)),
        ]),
        _section("Movement credit window"),
        f'<p>The first vehicle may pass the entry point and the last vehicle the exit point '
        f"between {window}.</p>",
        _passage_table(d),
        _section("Serials and vehicles"), _vehicle_table(d),
        _section("Conditions"), _conditions(d["conditions"]),
        _section("Decision"), _facts([
            ("Decided by", d["decided_by"] or "—"),
            ("Decided at", _when(d["decided_at"])),
            ("Remarks", d["remarks"] or "—"),
        ]),
        f'<p class="small">{_e(printed)}<br/>Permit {_e(d["permit_id"])}'
        + (f" · Form 302 serial {_e(d['form302_serial'])}" if d["form302_serial"] else "")
        + "</p>",
    ]
    return _page("".join(parts))


def form302_html(d: dict[str, Any], printed: str = "") -> str:
    """A draft EU Form 302: the boxes of the form, the goods as the vehicles, signatures blank.
    It is a preparation for the sending nation's forces and customs, not the form itself."""
    names = {d["owner"]: d["owner_name"], d["host"]: d["host_name"],
             d["destination_nation"]: d["destination_nation_name"]}
    transit = ", ".join(names.get(n, n) + f" ({n})" for n in d["transit_nations"]) or "—"
    end = d["end"] or {}
    start = d["start"] or {}
    parts = [
        _PLAIN, "<tr><td>", _title("EU Form 302"),
        '<span class="draft">DRAFT — not valid until completed, signed and authenticated by '
        "customs</span></td>",
        '<td align="right"><span class="label">Serial No.</span><br/>'
        f'<span class="serial">{_e(d["serial"])}</span><br/>'
        '<span class="label">Copy No. ____ of 5</span></td></tr></table>',
        _section("1 · Mission / exercise / transport"), _facts([
            ("Exercise", d["exercise"] or "—"), ("Movement", d["movement"]),
            ("Movement number", d["movement_number"] or "not yet assigned"),
            ("Permit reference", d["reference"] or "—"),
            ("Customs status", f"{d['customs_status']} · {d['customs_label']}"),
            ("Activity", f"{d['operation']} · {d['operation_label']}"),
            ("Date of issue", d["issued_on"]),
        ]),
        _section("2 · Consignor and consignee"), _facts([
            ("Consignor", f"{d['unit']}, forces of {d['consignor_nation_name']} "
                          f"({d['consignor_nation']})"),
            ("Consignee", f"{d['unit']} (own forces), {d['destination_nation_name']} "
                          f"({d['destination_nation']})"),
            ("Dispatched from", f"{names.get(d['departure_nation'], '')} "
                                f"({d['departure_nation']})"),
            ("Transit through", transit),
            ("Final destination", f"{d['destination_nation_name']} "
                                  f"({d['destination_nation']})"),
        ]),
        _section("3 · Transport"), _facts([
            ("Mode", d["domain_label"]),
            ("Means", f"{d['vehicles']} vehicles in {len(d['serials'])} "
                                   f"serial{'s' if len(d['serials']) != 1 else ''}"
                                   + (f", {d['personnel']} personnel"
                                      if d["personnel"] else "")),
            ("Loading at", _place_name(start)),
            ("Unloading at", _place_name(end)),
            (f"Entry into {d['host']}", _place_name(d["entry"] or {})),
            ("Departure", _short(d["depart"])),
            ("Arrival by", _short(d["arrive_by"])),
        ]),
        _section("4 · Goods"), _goods_table(d),
        _section("5 · Certification by the military authority of the consignor"),
        "<p>The goods listed above are moved by or on behalf of the forces named as "
        "consignor, under their control.</p>",
        _signature_boxes(("Name and rank", "Signature", "Stamp", "Place and date")),
        _section("6 · Customs authentication and 7 · Arrival at destination"),
        _signature_boxes(("Customs office and stamp", "Signature and date",
                          "Received by, stamp", "Signature and date")),
        f'<p class="small">{_e(printed)}<br/>Permit {_e(d["permit_id"])} · movement '
        f"{_e(d['movement_id'])}</p>",
    ]
    return _page("".join(parts))


# -- pieces -----------------------------------------------------------------------------


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _title(text: str) -> str:
    return f'<p class="title">{_e(text)}</p>'


def _section(text: str) -> str:
    # Not <h2>: Qt sizes headings by level whatever the style sheet says.
    return f'<p class="section">{_e(text)}</p>'


def _page(body: str) -> str:
    return f"<html><head><style>{_CSS}</style></head><body>{body}</body></html>"


def _when(value: str | None) -> str:
    if not value:
        return "—"
    return f"{timefmt.dtg(value)} ({timefmt.short(value)})"


def _window(start: str | None, end: str | None) -> str:
    """The credit window as date-time groups, in bold, then in plain ISO (HTML)."""
    if not start:
        return "<b>not set</b>"
    until = timefmt.dtg(end) if end else "open end"
    plain = f"{timefmt.short(start)} – {timefmt.short(end) if end else 'open end'}"
    return (f"<b>{_e(timefmt.dtg(start))}</b> and <b>{_e(until)}</b> "
            f'<span class="label">({_e(plain)})</span>')


def _route(d: dict[str, Any]) -> str:
    nations = " → ".join(d["route_nations"]) or "—"
    return f"{nations}, {d['length_km']:g} km" if d["length_km"] is not None else nations


def _facts(rows: Sequence[tuple[str, Any]], columns: int = 2) -> str:
    """Label and value pairs, `columns` pairs a line."""
    out = [_PLAIN]
    for i in range(0, len(rows), columns):
        out.append("<tr>")
        for label, value in rows[i:i + columns]:
            out.append(f'<td width="18%" class="label" valign="top">{_e(label)}</td>'
                       f'<td width="32%" valign="top">{_e(value)}</td>')
        out.append("</tr>")
    out.append("</table>")
    return "".join(out)


def _place_name(place: dict[str, Any]) -> str:
    if not place:
        return "not known"
    name = place["name"]
    if place.get("lat") is None:
        return name
    lat, lon = place["lat"], place["lon"]
    return (f"{name} ({abs(lat):.3f}° {'N' if lat >= 0 else 'S'}, "
            f"{abs(lon):.3f}° {'E' if lon >= 0 else 'W'})")


def _passage_table(d: dict[str, Any]) -> str:
    rows = [("Entry into " + d["host_name"], d["entry"]), ("Exit from " + d["host_name"],
                                                            d["exit"])]
    out = [_TABLE, '<tr><th width="17%"></th><th width="39%">Point</th><th width="8%">km</th>'
                   '<th width="18%">Planned first vehicle</th>'
                   '<th width="18%">Planned last vehicle</th></tr>']
    for label, place in rows:
        place = place or {}
        out.append(f"<tr><td><b>{_e(label)}</b></td><td>{_e(_place_name(place))}</td>"
                   f'<td align="right">{_e(place.get("km", "—"))}</td>'
                   f"<td>{_e(_short(place.get('first_vehicle')))}</td>"
                   f"<td>{_e(_short(place.get('last_vehicle')))}</td></tr>")
    out.append("</table>")
    if d["route_note"]:
        out.append(f'<p class="small">{_e(d["route_note"])}</p>')
    return "".join(out)


def _short(value: str | None) -> str:
    return timefmt.short(value) if value else "—"


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}".rstrip("0").rstrip(".")


def _vehicle_table(d: dict[str, Any]) -> str:
    out = [_TABLE, '<tr><th width="15%">Serial</th><th width="41%">Vehicle</th>'
                   '<th width="8%">Count</th><th width="8%">MLC</th>'
                   '<th width="10%">Weight (t)</th><th width="18%">Dangerous goods (ADR)</th>'
                   "</tr>"]
    for s in d["serials"]:
        lines = s["vehicles"] or [{}]
        for i, v in enumerate(lines):
            first = (f'<td rowspan="{len(lines)}" valign="top"><b>{s["number"]}</b>'
                     f'<br/><span class="small">{_e(s["name"])}</span></td>') if i == 0 else ""
            out.append(f"<tr>{first}<td>{_e(v.get('type', '—'))}</td>"
                       f'<td align="right">{_e(v.get("count", ""))}</td>'
                       f'<td align="right">{_number(v.get("mlc"))}</td>'
                       f'<td align="right">{_number(v.get("weight_t"))}</td>'
                       f"<td>{_e(v.get('dangerous_goods') or '—')}</td></tr>")
    goods = ", ".join(d["dangerous_goods"]) or "none"
    out.append(f'<tr><td colspan="2"><b>Total</b></td><td align="right"><b>{d["vehicles"]}'
               f'</b></td><td align="right"><b>{_number(d["max_mlc"])}</b></td><td></td>'
               f"<td><b>{_e(goods)}</b></td></tr></table>")
    out.append('<p class="small">The MLC total is the highest class of any vehicle: every '
               "bridge on the route must carry it.</p>")
    return "".join(out)


def _goods_table(d: dict[str, Any]) -> str:
    out = [_TABLE, '<tr><th width="6%">No.</th><th width="36%">Description of goods</th>'
                   '<th width="9%">Qty</th><th width="10%">Unit weight (t)</th>'
                   '<th width="11%">Gross weight (t)</th><th width="7%">MLC</th>'
                   '<th width="10%">ADR class</th><th width="11%">Serials</th></tr>']
    for g in d["goods"]:
        out.append(f'<tr><td align="right">{g["item"]}</td><td>{_e(g["description"])}</td>'
                   f'<td align="right">{g["quantity"]}</td>'
                   f'<td align="right">{_number(g["weight_t"])}</td>'
                   f'<td align="right">{_number(g["gross_t"])}</td>'
                   f'<td align="right">{_number(g["mlc"])}</td>'
                   f"<td>{_e(g['dangerous_goods'] or '—')}</td>"
                   f"<td>{_e(', '.join(map(str, g['serials'])))}</td></tr>")
    out.append(f'<tr><td colspan="2"><b>Total</b></td><td align="right"><b>{d["vehicles"]}'
               f'</b></td><td></td><td align="right"><b>{_number(d["gross_weight_t"])}</b>'
               "</td><td></td><td></td><td></td></tr></table>")
    return "".join(out)


def _conditions(conditions: Iterable[str]) -> str:
    items = [f"<li>{_e(c)}</li>" for c in conditions]
    if not items:
        return "<p>None: approved without conditions.</p>"
    return "<ol>" + "".join(items) + "</ol>"


def _signature_boxes(labels: Sequence[str]) -> str:
    width = 100 // len(labels)
    heads = "".join(f'<td width="{width}%" class="label">{_e(x)}</td>' for x in labels)
    blanks = "".join("<td><br/><br/></td>" for _ in labels)
    return f"{_TABLE}<tr>{heads}</tr><tr>{blanks}</tr></table>"


# -- layout and painting ----------------------------------------------------------------


def document(html: str) -> QTextDocument:
    """The HTML laid out on A4 pages, in points."""
    application()  # fonts need a Qt application
    doc = QTextDocument()
    # Unhinted metrics: the same layout whatever device it is painted on.
    doc.setUseDesignMetrics(True)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(10)
    doc.setDefaultFont(font)
    doc.setPageSize(QSizeF(PAGE_W, PAGE_H))
    doc.setDocumentMargin(MARGIN)
    doc.setHtml(html)
    return doc


def paint(doc: QTextDocument, device: QPaintDevice, pages: Sequence[int] | None = None,
          watermark: str = "", marking: Marking | None = None) -> None:
    """Paint `pages` (all by default) of `doc`, a page per device page, scaled to fit;
    `marking` (text, colour) in a band at the top and the bottom of each."""
    numbers = list(range(doc.pageCount())) if pages is None else list(pages)
    painter = QPainter(device)
    if not painter.isActive():
        raise OSError("cannot paint the document")
    try:
        scale = device.width() / PAGE_W
        for n, page in enumerate(numbers):
            if n and isinstance(device, QPdfWriter):
                device.newPage()
            painter.save()
            painter.scale(scale, scale)
            if watermark:
                _watermark(painter, watermark)
            _footer(painter, page, doc.pageCount())
            if marking and marking[0]:
                # The bands (18.5 pt) lie inside the page margins (42.5 pt): no text under them.
                paint_marking(painter, QRectF(0, 0, PAGE_W, PAGE_H), *marking)
            painter.translate(0, -page * PAGE_H)
            doc.drawContents(painter, QRectF(0, page * PAGE_H, PAGE_W, PAGE_H))
            painter.restore()
    finally:
        painter.end()


def _watermark(painter: QPainter, text: str) -> None:
    painter.save()
    font = QFont(FONT_FAMILY)
    font.setPixelSize(110)
    font.setBold(True)
    painter.setFont(font)
    painter.setPen(QColor(200, 0, 0, 38))
    painter.translate(PAGE_W / 2, PAGE_H / 2)
    painter.rotate(-50)
    painter.drawText(QRectF(-PAGE_W, -80, 2 * PAGE_W, 160), Qt.AlignmentFlag.AlignCenter, text)
    painter.restore()


def _footer(painter: QPainter, page: int, count: int) -> None:
    painter.save()
    font = QFont(FONT_FAMILY)
    font.setPixelSize(7)
    painter.setFont(font)
    painter.setPen(QColor(110, 110, 110))
    painter.drawText(QRectF(MARGIN, PAGE_H - MARGIN + 8, PAGE_W - 2 * MARGIN, 12),
                     Qt.AlignmentFlag.AlignRight, f"Page {page + 1} of {count}")
    painter.restore()


def page_image(doc: QTextDocument, page: int = 0, dpi: float = 100,
               watermark: str = "", marking: Marking | None = None) -> QImage:
    """One page as an image, from the same layout as the PDF (for a preview, or a check)."""
    if not 0 <= page < doc.pageCount():
        raise ValueError(f"the document has {doc.pageCount()} pages; there is no page "
                         f"{page + 1}")
    width, height = round(PAGE_W / 72 * dpi), round(PAGE_H / 72 * dpi)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    image.fill(QColor("white"))
    paint(doc, image, [page], watermark, marking)
    return image


def _check_target(path: str | Path) -> None:
    folder = Path(path).absolute().parent
    if not folder.is_dir():
        raise OSError(f"cannot write {path}: no folder {folder}")


def write_pdf(doc: QTextDocument, path: str | Path, title: str = "",
              watermark: str = "", marking: Marking | None = None) -> Path:
    """Write `doc` to `path` as a PDF, atomically: a reader sees the old file or the new one.
    With `watermark`, that word across every page (a draft); with `marking` (text, colour),
    the classification at the top and the bottom of every page and in the title."""
    path = Path(path)
    _check_target(path)
    temp = path.with_name(f".{path.name}.tmp")
    try:
        open(temp, "wb").close()  # an OSError naming why, before Qt tries to open it
        writer = QPdfWriter(str(temp))
        writer.setResolution(PDF_DPI)
        writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
        marked = marking[0] if marking and marking[0] else ""
        # The title too, as the march tables do: a file list shows it without opening.
        writer.setTitle(f"{title} ({marked})" if marked and title else title or marked)
        writer.setCreator("MovCon")
        paint(doc, writer, watermark=watermark, marking=marking)
        del writer  # closes the file
        if not temp.is_file() or temp.stat().st_size == 0:
            raise OSError(f"cannot write {path}")
        with open(temp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(temp, path)
        fsync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
    return path
