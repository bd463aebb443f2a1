"""The map as a picture or a PDF page, with the classification marking (a mixin of MapView).

What is saved is what the map shows (its layers, zoom and the convoys at the time shown),
titled with the store and that time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QMessageBox

from app.core import timefmt
from app.gui import view_exports


class MapExports:
    store: Any
    plot: Any
    status: Any
    time_cursor: Any
    marking_source: Any = None  # () -> (text, colour) | None; the console sets it

    def marking(self) -> tuple[str, str] | None:
        return view_exports.marking_of(self.marking_source)

    def map_title(self) -> str:
        return (f"Map — {self.store.site_name} ({self.store.nation}) — "
                f"{timefmt.short(self.time_cursor.time)}")

    def export_png(self, path: Path | None = None) -> Path | None:
        path = path or view_exports.ask_path(self, "Save the map", "map", ".png",
                                             "PNG pictures")
        if path is None:
            return None
        if not view_exports.save_png(self.plot.grab(), path, self.marking()):
            QMessageBox.warning(self, "Not saved", f"Cannot write {path}.")
            return None
        self.status.setText(f"Saved {path}")
        return path

    def export_pdf(self, path: Path | None = None) -> Path | None:
        """The map on one landscape A4 page, titled with the store and the time shown."""
        path = path or view_exports.ask_path(self, "Save the map", "map", ".pdf",
                                             "PDF documents")
        if path is None:
            return None
        if not view_exports.save_pdf(self.plot.grab(), path, self.map_title(), "MovCon map",
                                     self.marking()):  # fmt: skip
            QMessageBox.warning(self, "Not saved", f"Cannot write {path}.")
            return None
        self.status.setText(f"Saved {path}")
        return path
