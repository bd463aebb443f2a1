"""Writing and reading bundle files off the GUI thread, and where they can go.

A transfer opens its own connection in the worker (SQLite connections stay in the thread that
opened them), calls the core and hands back a plain `Outcome`. Asking it to stop interrupts
the worker's next SQL step inside a transaction: the core then rolls the whole transaction
back, so a stopped import has written nothing. Once the commit is under way nothing is
interrupted, and the outcome says the work finished.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QStorageInfo, Signal

from app.core import timefmt
from app.gui import workers

BUNDLE_SUFFIX = ".mcb"
# Where desktops mount USB drives and memory cards (Linux, then macOS).
_REMOVABLE_ROOTS = ("/media/", "/run/media/", "/mnt/", "/Volumes/")
# SQLite virtual-machine steps between stop checks: frequent enough to stop within
# milliseconds, rare enough to cost nothing measurable on a 50,000-change import.
_STOP_CHECK_STEPS = 100


# -- where bundles go -----------------------------------------------------------------------
@dataclass(frozen=True)
class Drive:
    path: Path
    label: str
    free_bytes: int

    @property
    def text(self) -> str:
        return f"{self.label} — {size_text(self.free_bytes)} free"


def removable_drives(volumes: Iterable[Any] | None = None) -> list[Drive]:
    """Mounted volumes a bundle can be written to: ready, writable, not the system disk."""
    if volumes is None:
        volumes = QStorageInfo.mountedVolumes()
    drives = []
    for volume in volumes:
        root = volume.rootPath()
        if (not volume.isValid() or not volume.isReady() or volume.isReadOnly()
                or volume.isRoot() or not _is_removable_place(root)
                or not os.access(root, os.W_OK)):  # fmt: skip
            continue
        label = volume.displayName() or Path(root).name or root
        drives.append(Drive(Path(root), label, volume.bytesAvailable()))
    return sorted(drives, key=lambda d: d.label.lower())


def _is_removable_place(root: str) -> bool:
    if sys.platform == "win32":  # any drive letter but the one Windows runs from
        system = os.environ.get("SYSTEMDRIVE", "C:").rstrip("\\/").upper()
        return not root.upper().startswith(system)
    return root.startswith(_REMOVABLE_ROOTS)


def bundle_file_name(sender: str, recipients: Sequence[str], when: datetime) -> str:
    """`movcon-LT-to-EE-LV-20260609T1100Z.mcb`: who, for whom and when, readable at a glance."""
    stamp = when.astimezone(timefmt.UTC).strftime("%Y%m%dT%H%M")
    return f"movcon-{sender}-to-{'-'.join(sorted(recipients))}-{stamp}Z{BUNDLE_SUFFIX}"


def unused_path(folder: Path, name: str) -> Path:
    """`folder/name`, numbered if a bundle of the same minute is already there."""
    path = folder / name
    stem = path.name[: -len(BUNDLE_SUFFIX)] if name.endswith(BUNDLE_SUFFIX) else path.stem
    number = 2
    while path.exists():
        path = folder / f"{stem}-{number}{BUNDLE_SUFFIX}"
        number += 1
    return path


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size:,} bytes"
    value, unit = float(size) / 1000, "kB"
    for bigger in ("MB", "GB", "TB"):
        if value < 1000:
            break
        value, unit = value / 1000, bigger
    return f"{value:,.1f} {unit}"


# -- the work -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    """What a transfer did, in lines for the user; `changed`: synced data arrived."""

    kind: str  # "done", "refused" or "stopped"
    lines: list[str] = field(default_factory=list)
    changed: bool = False


class _StopWhenAsked:
    """Interrupts the connection once stopping is asked, but only inside a transaction.

    An interrupted statement makes the core roll its transaction back (or SQLite does), so
    nothing of it stays. Outside a transaction nothing is interrupted: that is either before
    the core writes anything or after it has committed, and then the work runs to its end.
    """

    def __init__(self, conn: sqlite3.Connection, stop: threading.Event) -> None:
        self._conn = conn
        self._stop = stop
        self.interrupted = False
        conn.set_progress_handler(self._check, _STOP_CHECK_STEPS)

    def _check(self) -> int:
        if self.interrupted or not self._stop.is_set() or not self._conn.in_transaction:
            return 0
        self.interrupted = True  # once: the core's ROLLBACK must be allowed to run
        return 1


def _with_own_store(store_path: Path, stop: threading.Event, stopped: Outcome,
                    work: Callable[[Any], Outcome]) -> Outcome:  # fmt: skip
    from app.core.store import Store
    from app.core.sync.exchange import SyncError

    if stop.is_set():
        return stopped
    store = Store.open(store_path, check="quick")
    try:
        guard = _StopWhenAsked(store.conn, stop)
        if stop.is_set():
            return stopped
        try:
            return work(store)
        except Exception as exc:
            if guard.interrupted:
                return stopped
            if isinstance(exc, SyncError):
                return Outcome("refused", [str(exc)])
            raise
    finally:
        store.close()  # also rolls back a transaction an interrupted BEGIN left open


def export_bundle(store_path: Path, nations: Sequence[str], out: Path,
                  stop: threading.Event) -> Outcome:  # fmt: skip
    from app.core.sync import exchange

    def work(store: Any) -> Outcome:
        result = exchange.export(store, nations, out)
        return Outcome("done", [
            f"Wrote {out.name} for {', '.join(nations)}: {result.changes:,} "
            f"change{'s' if result.changes != 1 else ''} in {result.batches} "
            f"batch{'es' if result.batches != 1 else ''}, {size_text(result.size)}",
            f"  in {out.parent}"])

    outcome = _with_own_store(store_path, stop, Outcome("stopped", [
        "Export stopped: no bundle was written."]), work)  # fmt: skip
    if outcome.kind == "refused":
        return Outcome("refused", [f"Not exported: {outcome.lines[0]}"])
    return outcome


def import_bundle(store_path: Path, bundle: Path, stop: threading.Event) -> Outcome:
    from app.core.sync import exchange

    def work(store: Any) -> Outcome:
        result = exchange.import_bundle(store, bundle)
        return Outcome("done", [f"{bundle.name}:", *result.lines()],
                       changed=not result.already_imported)

    outcome = _with_own_store(store_path, stop, Outcome("stopped", [
        f"Import of {bundle.name} stopped: nothing was written to this store."]), work)
    if outcome.kind == "refused":
        return Outcome("refused", [f"Not imported: {bundle.name}", f"  {outcome.lines[0]}",
                                   "  Nothing was written to this store."])
    return outcome


# -- running it ----------------------------------------------------------------------------
class Transfer(QObject):
    """One export or import at a time in a worker; `stop()` asks it to give up."""

    finished = Signal(object)  # Outcome
    failed = Signal(str)  # an unexpected error, with its traceback

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stop: threading.Event | None = None

    @property
    def busy(self) -> bool:
        return self._stop is not None

    @property
    def stopping(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def start(self, work: Callable[[threading.Event], Outcome]) -> None:
        if self._stop is not None:
            raise RuntimeError("a transfer is already running")
        stop = self._stop = threading.Event()
        job = workers.Job(lambda: work(stop), self)
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        job.start()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()

    def _done(self, outcome: Outcome) -> None:
        stopping = self.stopping
        self._stop = None
        if stopping and outcome.kind == "done":
            outcome = Outcome("done", ["Finished before it could be stopped:", *outcome.lines],
                              outcome.changed)
        self.finished.emit(outcome)

    def _failed(self, details: str) -> None:
        self._stop = None
        self.failed.emit(details)


def local_files(urls: Iterable[Any]) -> list[Path]:
    """The local files among dropped URLs (QUrl), in the order they came."""
    return [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
