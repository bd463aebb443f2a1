"""Rendering a view of the console to a PNG without a display (`movcon snapshot`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget

from app.core import timefmt
from app.core.store import Store
from app.gui.app import application
from app.gui.main_window import MainWindow
from app.gui.map_view import MapView
from app.gui.timeline_view import TimelineView

VIEWS: dict[str, Callable[[MainWindow], QWidget]] = {
    "main": lambda window: window,
    "movements": lambda window: window.movement_list,
    "detail": lambda window: window.movement_detail,
    "permits": lambda window: window,
}
# Views rendered alone, without the console window around them (nor its plan to wait for).
STANDALONE: dict[str, Callable[[Store], QWidget]] = {"map": MapView, "timeline": TimelineView}
PAINT_TIMEOUT_S = 3.0
PLAN_TIMEOUT_S = 60.0


class _PaintWatch(QObject):
    """Notes when a widget has been painted at least once."""

    def __init__(self) -> None:
        super().__init__()
        self.painted = False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted = True
        return False


def render(store_path: Path, out: Path, view: str = "main", at: str | None = None,
           size: tuple[int, int] = (1400, 850)) -> Path:  # fmt: skip
    """Render `view` of the console on the store at `store_path` into the PNG `out`.

    `at` (ISO 8601 UTC) is the moment the permit deadlines are counted from, and the map's
    time cursor (default: now).
    The "permits" view is the whole window on the permit inbox, its first permit selected.
    """
    if view not in VIEWS and view not in STANDALONE:
        known = ", ".join([*VIEWS, *STANDALONE])
        raise ValueError(f"unknown view {view!r}; known views: {known}")
    moment = timefmt.parse_utc(at) if at is not None else None
    app = application()
    store = Store.open(store_path, check="quick")
    if view in STANDALONE:
        return _render_alone(app, STANDALONE[view], store, out, size, moment)
    window = MainWindow(store, now=(lambda: moment) if moment is not None else None)
    try:
        least = window.minimumSizeHint()
        if size[0] < least.width() or size[1] < least.height():
            raise ValueError(f"size {size[0]}x{size[1]} is smaller than the console's "
                             f"smallest layout, {least.width()}x{least.height()}")
        window.resize(*size)
        offscreen = QGuiApplication.platformName() == "offscreen"
        if not offscreen:
            # On a real desktop, lay the window out and paint it without showing it.
            window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        watch = _PaintWatch()
        window.movement_list.table.viewport().installEventFilter(watch)
        window.show()
        window.movement_list.select_row(0)
        if view == "permits":
            window.show_permits()
            window.permit_inbox.select_row(0)
        _settle(app, lambda: watch.painted or not offscreen)
        # The plan is computed in a worker; a picture for a briefing should include it.
        _settle(app, lambda: window.planning.current is not None, PLAN_TIMEOUT_S)
        window.movement_list.table.viewport().removeEventFilter(watch)
        image = VIEWS[view](window).grab()
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            raise OSError(f"cannot write {out}")
        return out
    finally:
        window.close()
        window.deleteLater()
        # Deferred deletes wait for an event loop; there is none here, so deliver them now.
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        store.close()


def _settle(app: QApplication, done: Callable[[], bool],
            timeout_s: float = PAINT_TIMEOUT_S) -> None:  # fmt: skip
    deadline = time.monotonic() + timeout_s
    app.processEvents()
    while not done() and time.monotonic() < deadline:
        app.processEvents()
        time.sleep(0.005)
    app.processEvents()  # whatever the paint itself queued (e.g. fetching more rows)


def _render_alone(app: QApplication, make: Callable[[Store], QWidget], store: Store, out: Path,
                  size: tuple[int, int], moment: datetime | None = None) -> Path:  # fmt: skip
    widget = make(store)
    try:
        if isinstance(widget, MapView | TimelineView):
            # The convoys on the road (the cursor on the timeline) at `moment`, default now.
            widget.plan_now()
            widget.time_cursor.set_time(moment or datetime.now(timefmt.UTC))
        widget.resize(*size)
        if QGuiApplication.platformName() != "offscreen":
            widget.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        widget.show()
        _settle(app, lambda: False, 0.2)  # layout, then the plot's range follows the size
        out.parent.mkdir(parents=True, exist_ok=True)
        if not widget.grab().save(str(out), "PNG"):
            raise OSError(f"cannot write {out}")
        return out
    finally:
        widget.close()
        widget.deleteLater()
        app.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        store.close()
