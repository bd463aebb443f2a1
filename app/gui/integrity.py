"""The full integrity check of a store, run beside the console instead of before it.

Opening uses SQLite's quick check so the window paints at once; the thorough check reads
every row and index entry, which takes seconds on a big store, so it runs on its own
connection in a worker thread and speaks up only if it finds damage.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from PySide6.QtCore import QObject, QThread, Signal

from app.core.store import Store, StoreError
from app.core.store.store import damaged_message


class IntegrityCheck(QThread):
    """Emits `damaged(message)` if the store at `path` fails SQLite's integrity check."""

    damaged = Signal(str)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.problems: list[str] | None = None  # None until the check has run to the end
        self._store: Store | None = None
        self._cancelled = False

    def cancel(self) -> None:
        """Stop a running check soon (closing the window need not wait for it)."""
        self._cancelled = True
        store = self._store
        if store is not None:
            # The one connection call SQLite allows from another thread.
            with contextlib.suppress(sqlite3.ProgrammingError):  # closed meanwhile: done
                store.conn.interrupt()

    def run(self) -> None:
        # A connection of its own: SQLite connections stay in the thread that made them.
        try:
            store = Store.open(self.path, check="quick")
        except StoreError as exc:
            self.problems = [str(exc)]
            self.damaged.emit(str(exc))
            return
        self._store = store
        try:
            if self._cancelled:
                return
            self.problems = store.verify()
        except sqlite3.OperationalError:
            if not self._cancelled:
                raise
            return
        finally:
            self._store = None
            store.close()
        if self.problems:
            self.damaged.emit(damaged_message(self.path, self.problems))
