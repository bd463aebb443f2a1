"""Long work off the GUI thread: a job that reports its result or its failure.

Workers never touch widgets; they hand plain results back through signals of a QObject
that lives in the GUI thread, so Qt queues the delivery into the event loop.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Signal

_running: set[threading.Thread] = set()
_lock = threading.Lock()


class Job(QObject):
    """Runs `work()` in a thread of its own; emits `done(result)` or `failed(details)`."""

    done = Signal(object)
    failed = Signal(str)

    def __init__(self, work: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._work = work
        self._thread = threading.Thread(target=self._run, name="movcon-job", daemon=True)

    def start(self) -> None:
        with _lock:
            _running.add(self._thread)
        self._thread.start()

    def _run(self) -> None:
        try:
            try:
                result = self._work()
            except Exception as exc:  # reported to the user, never lost in a thread
                details = f"{exc}\n\n{traceback.format_exc()}"
                with contextlib.suppress(RuntimeError):  # the window closed meanwhile
                    self.failed.emit(details)
            else:
                with contextlib.suppress(RuntimeError):
                    self.done.emit(result)
        finally:
            with _lock:
                _running.discard(threading.current_thread())


def wait_all(timeout_s: float) -> bool:
    """Wait for every running job (on closing, and between tests); False if some remain."""
    with _lock:
        threads = list(_running)
    for thread in threads:
        thread.join(timeout_s)
    return not any(t.is_alive() for t in threads)
