"""File › Export: the plans as GeoPackage, GeoJSON, KML, or march tables as CSV and PDF.

The same writers as `movcon export` (`app.plan_exports`), on the plan the console shows, with
the console's classification marking; the file is written whole or not at all.
"""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QProcess, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QWidget

from app.core.files import write_atomic
from app.gui import files, workers
from app.plan_exports import FORMATS, Export

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
    """One export, written whole or not at all, while the console stays usable: the file is
    made in a worker thread from its own connection to the store (the PDF by a process of
    its own); Cancel stops it before anything is written."""

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
        self.progress.canceled.connect(self._cancel)
        self._job: workers.Job | None = None
        self._process: QProcess | None = None
        if fmt.key == "pdf":
            # Paper is laid out by Qt's text engine, which wants a thread of Qt's own and
            # leaves per-thread font caches behind: a `movcon export` process of its own
            # does it, on the same store, and Cancel ends it.
            self._process = QProcess(self)
            self._process.setProgram(sys.executable)
            self._process.setArguments(_export_command(store_path, path, marking))
            self._process.finished.connect(self._process_ended)
        else:
            self._job = workers.Job(partial(_write, store_path, plans, fmt.key, marking,
                                            path, self.cancelled), self)  # fmt: skip
            self._job.done.connect(self._done)
            self._job.failed.connect(self._failed)

    def start(self) -> None:
        _running.add(self)
        if self._process is not None:
            self._process.start()
        elif self._job is not None:
            self._job.start()

    def finish(self) -> None:
        """Stop before writing and wait for the work to end (the window is closing)."""
        self._cancel()
        if self._process is not None:
            self._process.waitForFinished(5_000)
        workers.wait_all(30)

    def _cancel(self) -> None:
        self.cancelled.set()
        if self._process is not None and self._process.state() != QProcess.ProcessState.NotRunning:
            self._process.kill()

    def _process_ended(self, code: int, status: QProcess.ExitStatus) -> None:
        if self.cancelled.is_set() or status != QProcess.ExitStatus.NormalExit:
            # Killed: the command writes through a temporary file, never the file itself.
            for temp in self.path.parent.glob(f".{self.path.name}.tmp"):
                temp.unlink(missing_ok=True)
            self._done(("cancelled", None))
            return
        out = bytes(self._process.readAllStandardOutput()).decode(errors="replace")
        err = bytes(self._process.readAllStandardError()).decode(errors="replace").strip()
        written = re.search(r"wrote (\d+) movement", out)
        if code == 0 and written:
            self._done(("written", int(written.group(1))))
        else:
            why = err.splitlines()[-1] if err else f"the export ended with code {code}"
            why = why.removeprefix("movcon: error: ")
            self._done(("refused", f"Nothing was written: {why}"))

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


def _export_command(store_path: Path, path: Path, marking: str) -> list[str]:
    """`movcon export --format pdf` as this installation runs it: the frozen binary, or
    this Python with the package."""
    head = [] if getattr(sys, "frozen", False) else ["-m", "app"]
    marked = ["--marking", marking] if marking else []
    return [*head, "--db", str(store_path), "export", "--format", "pdf", "--out", str(path),
            *marked]


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
