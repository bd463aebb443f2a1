"""File › Export: the plans as GeoPackage, GeoJSON, KML, or march tables as CSV and PDF.

The same writers as `movcon export` (`app.plan_exports`), on the plan the console shows, with
the console's classification marking; the file is written whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from app.gui import files
from app.plan_exports import FORMATS, Export, write_atomic

if TYPE_CHECKING:
    from app.core.store import Store
    from app.gui.planning import PlanSet


@dataclass(frozen=True)
class Format:
    key: str  # as `movcon export --format`
    menu: str
    kind: str  # for the file dialog's filter
    suffix: str
    noun: str  # what the file holds, for the message after saving


MENU: tuple[Format, ...] = (
    Format("gpkg", "&GeoPackage (QGIS, GDAL)…", "GeoPackage", ".gpkg",
           "routes, critical points and conflicts"),
    Format("geojson", "Geo&JSON…", "GeoJSON", ".geojson", "routes, critical points and conflicts"),
    Format("kml", "&KML (Google Earth, ATAK)…", "KML", ".kml",
           "routes, critical points and conflicts"),
    Format("csv", "March tables as &CSV…", "CSV", ".csv", "march tables"),
    Format("pdf", "March tables as &PDF…", "PDF", ".pdf", "march tables"),
)  # fmt: skip


def export_plans(parent: QWidget, store: Store, plans: PlanSet | None, key: str,
                 marking: str = "", path: Path | None = None,
                 offer: bool = True) -> Path | None:  # fmt: skip
    """Write the plans in format `key` to `path` (asked for when None); the path written,
    or None when cancelled or refused (the person has been told why)."""
    from app.core.exports.geojson import marking_text

    fmt = next(f for f in MENU if f.key == key)
    title = f"Export {fmt.kind}"
    if plans is None:
        QMessageBox.information(parent, title, "The plan is still being worked out; export "
                                "again in a moment.")  # fmt: skip
        return None
    if path is None:
        name = files.safe_name(f"{store.site_name} {fmt.noun}") + fmt.suffix
        path = files.ask_save_path(parent, title, files.documents_folder(), name, fmt.kind,
                                   fmt.suffix)  # fmt: skip
        if path is None:
            return None
    writer, _ = FORMATS[key]
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        data, count = writer(Export(store, plans.plans, plans.conflicts, None,
                                    marking_text(marking) if marking else None))
        write_atomic(path, data)
    except ValueError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.warning(parent, title, f"Nothing was written: {exc}")
        return None
    except OSError as exc:
        QApplication.restoreOverrideCursor()
        QMessageBox.warning(parent, title,
                            f"Cannot write {path}: {exc.strerror or exc}. Nothing was written.")
        return None
    QApplication.restoreOverrideCursor()
    if offer:
        files.offer_open(parent, title, f"{count:,} movement{'s' if count != 1 else ''}: "
                         f"{fmt.noun}{', marked ' + marking if marking else ''}.", path)
    return path
