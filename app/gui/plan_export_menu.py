"""File › Export: the plans as GeoPackage, GeoJSON, KML, or march tables as CSV and PDF.

The same writers as `movcon export` (`app.plan_exports`), on the plan the console shows, with
the console's classification marking; the file is written whole or not at all.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QThread, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

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
                 marking: str = "", path: Path | None = None, offer: bool = True,
                 then: Callable[[Path | None], None] | None = None) -> PlanExport | None:
    """Write the plans in format `key` to `path` (asked for when None), in the background
    behind a progress window (2,000 movements of PDF take a minute; the console stays
    usable). `then(path or None)` once it has ended. None when nothing was started (not
    planned yet, or the person cancelled the file dialog; they have been told)."""
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
    job = PlanExport(parent, store.path, plans, fmt, marking, path, offer, then)
    job.start()
    return job


class PlanExport(QObject):
    """One export: the file made in a worker thread from its own connection to the store,
    written whole or not at all; Cancel stops it before anything is written."""

    ended = Signal(object)  # the path written, or None

    def __init__(self, parent: QWidget, store_path: Path, plans: PlanSet, fmt: Format,
                 marking: str, path: Path, offer: bool,
                 then: Callable[[Path | None], None] | None) -> None:  # fmt: skip
        super().__init__(parent)
        self.window = parent
        self.fmt, self.marking, self.path, self.offer = fmt, marking, path, offer
        self.title = f"Export {fmt.kind}"
        self.result: Path | None = None
        self.cancelled = threading.Event()
        if then is not None:
            self.ended.connect(then)
        count = len(plans.plans)
        self.progress = QProgressDialog(f"Writing the {fmt.noun} of {count:,} movement"
                                        f"{'s' if count != 1 else ''} to {path.name}…",
                                        "Cancel", 0, 0, parent)  # fmt: skip
        self.progress.setWindowTitle(self.title)
        self.progress.setWindowModality(Qt.WindowModality.WindowModal)
        self.progress.setMinimumDuration(400)  # a small export finishes unseen
        self.progress.canceled.connect(self.cancelled.set)
        # A QThread, not a Python thread: the PDF's text layout needs Qt's event dispatcher
        # in the thread that makes it.
        self._thread = _Worker(partial(_write, store_path, plans, fmt.key, marking, path,
                                       self.cancelled), self)  # fmt: skip
        self._thread.outcome.connect(self._done)
        self._thread.failure.connect(self._failed)

    def start(self) -> None:
        _running.add(self)
        self._thread.start()

    def finish(self) -> None:
        """Stop before writing and wait for the worker (the window is closing)."""
        self.cancelled.set()
        self._thread.wait()

    def _done(self, outcome: tuple[str, object]) -> None:
        _running.discard(self)
        self.progress.reset()
        what, value = outcome
        if what == "written":
            self.result = self.path
            if self.offer:
                count = int(str(value))
                marked = f", marked {self.marking}" if self.marking else ""
                files.offer_open(self.window, self.title,
                                 f"{count:,} movement{'s' if count != 1 else ''}: "
                                 f"{self.fmt.noun}{marked}.", self.path)  # fmt: skip
        elif what == "refused":
            QMessageBox.warning(self.window, self.title, str(value))
        self.ended.emit(self.result)

    def _failed(self, details: str) -> None:
        _running.discard(self)
        self.progress.reset()
        QMessageBox.warning(self.window, self.title,
                            f"The export failed; nothing was written.\n\n{details}")
        self.ended.emit(None)


_running: set[PlanExport] = set()


def finish_all() -> None:
    """Every export still running stops before it writes, and its thread ends."""
    for job in list(_running):
        job.finish()
    _running.clear()


class _Worker(QThread):
    outcome = Signal(object)
    failure = Signal(str)

    def __init__(self, work: Callable[[], object], parent: QObject) -> None:
        super().__init__(parent)
        self._work = work

    def run(self) -> None:
        try:
            result = self._work()
        except Exception as exc:  # reported to the person, never lost in the thread
            self.failure.emit(f"{exc}\n\n{traceback.format_exc()}")
        else:
            self.outcome.emit(result)


def _write(store_path: Path, plans: PlanSet, key: str, marking: str, path: Path,
           cancelled: threading.Event) -> tuple[str, object]:
    """In the worker: ("written", movements), ("cancelled", None) or ("refused", why)."""
    from app.core.exports.geojson import marking_text
    from app.core.store import Store, StoreError

    writer, _ = FORMATS[key]
    try:
        store = Store.open(store_path, check="quick")  # this thread's own connection
        try:
            data, count = writer(Export(store, plans.plans, plans.conflicts, None,
                                        marking_text(marking) if marking else None))
        finally:
            store.close()
        if cancelled.is_set():
            return "cancelled", None
        write_atomic(path, data)
    except (ValueError, StoreError) as exc:
        return "refused", f"Nothing was written: {exc}"
    except OSError as exc:
        return "refused", f"Cannot write {path}: {exc.strerror or exc}. Nothing was written."
    return "written", count
