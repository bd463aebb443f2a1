"""March tables as an A4 PDF: a table per movement, its serials and its timings.

Laid out like the permit paperwork (app/gui/paperwork.py): HTML in a QTextDocument whose
units are PDF points, painted page by page into a QPdfWriter. A classification marking is
painted in the header and the footer of every page, outside the flowing text, so no page
can lose it. The writer returns bytes; the caller writes the file (atomically).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from html import escape
from typing import Any

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF, Qt
from PySide6.QtGui import QColor, QFont, QPageLayout, QPageSize, QPainter, QPdfWriter

from app.core import timefmt
from app.core.domain.vocabulary import MOVEMENT_STATUSES, PRIORITIES
from app.core.exports.csv_tables import tabled
from app.core.exports.geojson import marking_text
from app.core.planning.model import MovementPlan
from app.gui.app import FONT_FAMILY
from app.gui.paperwork import MARGIN, PAGE_H, PAGE_W, PDF_DPI, document

FONT_PX = 8.5
_CSS = f"""
body {{ font-family: '{FONT_FAMILY}'; font-size: {FONT_PX}px; color: #000; }}
p {{ margin-top: 2px; margin-bottom: 2px; }}
p.title {{ font-size: 15px; font-weight: bold; margin-top: 0; margin-bottom: 4px; }}
p.section {{ font-size: 10px; font-weight: bold; margin-top: 8px; margin-bottom: 3px; }}
td, th {{ font-size: {FONT_PX}px; }}
th {{ background-color: #e6e6e6; text-align: left; font-weight: bold; }}
.num {{ text-align: right; }}
.label {{ color: #555; }}
"""
_TABLE = ('<table width="100%" cellspacing="0" cellpadding="2" border="1" '
          'style="border-collapse: collapse; border-color: #888; border-style: solid; '
          'margin-bottom: 4px;">')


def march_tables_pdf(store: Any, plans: Mapping[str, MovementPlan],
                     movement_ids: Iterable[str] | None = None, marking: str | None = None,
                     at: datetime | None = None) -> bytes:
    """The PDF's bytes: the forecast march table of each movement, a new page for each.

    Which movements: as `csv_tables.tabled` (ValueError for one asked for without a plan).
    """
    marking = marking_text(marking)
    records = {r["id"]: r for r in store.rows("movements")}
    chosen = tabled(records, plans, movement_ids)
    printed = timefmt.short((at or datetime.now(timezone.utc)).replace(microsecond=0))
    body = "".join(_movement_html(records[m], plans[m], first=n == 0)
                   for n, m in enumerate(chosen))
    if not chosen:
        body = '<p class="title">March tables</p><p>No planned movement has a serial.</p>'
    doc = document(f"<html><head><style>{_CSS}</style></head><body>{body}</body></html>")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    writer.setTitle(f"March tables{f' ({marking})' if marking else ''}")
    writer.setCreator("MovCon")
    painter = QPainter(writer)
    if not painter.isActive():
        raise OSError("cannot paint the march tables")
    try:
        scale = writer.width() / PAGE_W
        count = doc.pageCount()
        for page in range(count):
            if page:
                writer.newPage()
            painter.save()
            painter.scale(scale, scale)
            _margins(painter, page, count, marking, printed)
            painter.translate(0, -page * PAGE_H)
            doc.drawContents(painter, QRectF(0, page * PAGE_H, PAGE_W, PAGE_H))
            painter.restore()
    finally:
        painter.end()
    del writer  # flushes the PDF's trailer into the buffer
    buffer.close()
    return bytes(data.data())


def _e(value: Any) -> str:
    return escape("" if value is None else str(value))


def _movement_html(record: Mapping[str, Any], plan: MovementPlan, first: bool) -> str:
    table = plan.forecast
    # Each movement from the top of a page: a table torn off mid-page is read wrong.
    brk = "" if first else ' style="page-break-before: always;"'
    owner = record.get("owner") or "?"
    unit = f" ({record['unit']})" if record.get("unit") else ""
    status = record.get("status") or ""
    priority = record.get("priority") or ""
    parts = [f'<p class="title"{brk}>March table: {_e(record.get("name") or record["id"])}</p>',
             f'<p><span class="label">Owner</span> {_e(owner + unit)} &nbsp; '
             f'<span class="label">Priority</span> {_e(PRIORITIES.get(priority, priority))}'
             f' &nbsp; <span class="label">Status</span> '
             f'{_e(MOVEMENT_STATUSES.get(status, status))} &nbsp; '
             f'<span class="label">Route</span> {plan.route.length_km:.1f} km</p>',
             '<p class="label">Forecast times in UTC, with reported passages and delays.</p>',
             '<p class="section">Serials</p>', _TABLE,
             "<thead><tr><th>Serial</th><th>Vehicles</th><th>Density</th><th>Pass time</th>"
             "<th>Road space</th><th>SP</th><th>Released</th></tr></thead>"]
    for s in table.serials:
        density = "—" if s.density_per_km is None else f"{s.density_per_km:.1f} veh/km"
        parts.append(f'<tr><td class="num">{s.serial}</td><td class="num">{s.vehicles}</td>'
                     f"<td>{density}</td><td>{s.pass_time_min:.1f} min</td>"
                     f"<td>{s.road_space_km:.1f} km</td><td>{timefmt.short(s.start)}</td>"
                     f"<td>{timefmt.short(s.release)}</td></tr>")
    parts.append("</table>")
    if table.halts:
        parts.append('<p class="section">Halts</p>')
        parts += [f"<p>km {h.km:.1f}: {h.minutes:g} min"
                  + (f" ({_e(h.reason)})" if h.reason else "") + "</p>" for h in table.halts]
    parts += ['<p class="section">Timings</p>', _TABLE,
              "<thead><tr><th>Serial</th><th>Point</th><th>km</th><th>Head arrives</th>"
              "<th>Tail clear</th></tr></thead>"]
    for r in table.rows:
        parts.append(f'<tr><td class="num">{r.serial}</td><td>{_e(r.point)}</td>'
                     f'<td class="num">{r.km:.1f}</td><td>{timefmt.short(r.head_arrive)}</td>'
                     f"<td>{timefmt.short(r.tail_clear)}</td></tr>")
    parts.append("</table>")
    return "".join(parts)


def _margins(painter: QPainter, page: int, count: int, marking: str | None,
             printed: str) -> None:
    """The marking at the top and the bottom of the page; page number and print time."""
    painter.save()
    width = PAGE_W - 2 * MARGIN
    if marking:
        font = QFont(FONT_FAMILY)
        font.setPixelSize(9)
        font.setBold(True)
        painter.setFont(font)
        painter.setPen(QColor(176, 0, 0))
        centre = Qt.AlignmentFlag.AlignCenter
        painter.drawText(QRectF(MARGIN, 14, width, 14), centre, marking)
        painter.drawText(QRectF(MARGIN, PAGE_H - 28, width, 14), centre, marking)
    font = QFont(FONT_FAMILY)
    font.setPixelSize(7)
    painter.setFont(font)
    painter.setPen(QColor(110, 110, 110))
    painter.drawText(QRectF(MARGIN, PAGE_H - MARGIN + 2, width, 10),
                     Qt.AlignmentFlag.AlignLeft, f"MovCon march tables, printed {printed}")
    painter.drawText(QRectF(MARGIN, PAGE_H - MARGIN + 2, width, 10),
                     Qt.AlignmentFlag.AlignRight, f"Page {page + 1} of {count}")
    painter.restore()
