"""A view as a picture or a PDF page, with the console's classification marking.

The map and the timeline save what they show: a PNG with the marking in a band above and
below, or one landscape A4 page with a title line and the marking at the top and bottom.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QMarginsF, QRectF, Qt
from PySide6.QtGui import QFont, QPageLayout, QPageSize, QPainter, QPdfWriter, QPixmap
from PySide6.QtWidgets import QWidget

from app.gui import files
from app.gui.marking import paint_marking

Marking = tuple[str, str]  # (text, "#rrggbb")
MarkingSource = Callable[[], Marking | None]


def marking_of(source: MarkingSource | None) -> Marking | None:
    """The marking `source` gives, None when there is none or its text is empty."""
    found = source() if source is not None else None
    return found if found and found[0] else None


def ask_path(parent: QWidget, title: str, name: str, suffix: str, kind: str) -> Path | None:
    """Where to save `name` + `suffix` (from the home folder); None if cancelled."""
    return files.ask_save_path(parent, title, Path.home(), f"{name}{suffix}", kind, suffix)


def marked(picture: QPixmap, marking: Marking | None) -> QPixmap:
    """`picture` with the marking in a band above and below it (when there is one)."""
    if marking is None:
        return picture
    probe = QPixmap(1, 1)
    painter = QPainter(probe)
    band = int(paint_marking(painter, QRectF(0, 0, picture.width(), 1000), *marking) + 1)
    painter.end()
    out = QPixmap(picture.width(), picture.height() + 2 * band)
    out.fill(Qt.GlobalColor.white)
    painter = QPainter(out)
    painter.drawPixmap(0, band, picture)
    paint_marking(painter, QRectF(out.rect()), *marking)
    painter.end()
    return out


def save_png(picture: QPixmap, path: Path, marking: Marking | None) -> bool:
    return marked(picture, marking).save(str(path), "PNG")


def save_pdf(picture: QPixmap, path: Path, title: str, document_title: str,
             marking: Marking | None) -> bool:  # fmt: skip
    """`picture` on one landscape A4 page under `title`; False when the file cannot be made."""
    writer = QPdfWriter(str(path))
    writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                     QPageLayout.Orientation.Landscape,
                                     QMarginsF(12, 12, 12, 12)))  # fmt: skip
    writer.setResolution(150)
    writer.setTitle(f"{document_title} ({marking[0]})" if marking else document_title)
    painter = QPainter(writer)
    if not painter.isActive():
        return False
    page = QRectF(painter.viewport())
    if marking is not None:
        band = paint_marking(painter, page, *marking)
        page = page.adjusted(0, band + 6, 0, -band - 6)
    font = QFont()
    font.setPointSize(11)
    font.setBold(True)
    painter.setFont(font)
    painter.drawText(QRectF(page.left(), page.top(), page.width(), 40),
                     Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
    target = QRectF(page.left(), page.top() + 50, page.width(), page.height() - 50)
    scale = min(target.width() / picture.width(), target.height() / picture.height())
    painter.drawPixmap(QRectF(target.left(), target.top(), picture.width() * scale,
                              picture.height() * scale), picture,
                       QRectF(picture.rect()))  # fmt: skip
    painter.end()
    return True
