"""The timeline's edits and exports: drag a movement to reschedule it, apply a suggestion,
inject a delay or a closure during replay, undo; save the chart as PNG or PDF and the
movements as iCalendar. Each edit is one undoable command through the write path."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox

from app.core import timefmt
from app.core.domain.validation import ValidationError
from app.core.files import write_atomic
from app.gui import view_exports
from app.gui.edit_steps import EditSteps

SNAP_S = 300.0  # a dragged movement moves in 5-minute steps
STARTED = frozenset({"under_way", "completed"})


class TimelineViewBox(pg.ViewBox):
    """Pans and zooms as usual, unless a drag starts on a bar: then `drag_handler` takes it."""

    drag_handler: Any = None

    def mouseDragEvent(self, ev: Any, axis: Any = None) -> None:
        if ev.button() == Qt.MouseButton.LeftButton and self.drag_handler is not None \
                and self.drag_handler(ev):  # fmt: skip
            ev.accept()
            return
        super().mouseDragEvent(ev, axis)


class TimelineEdits(EditSteps):
    """Mixin of `TimelineView`."""

    _dragging: tuple[str, float] | None = None
    _shift = 0.0
    _planner: Any = None

    def _install_drag(self) -> None:
        self.view_box.drag_handler = self._drag

    # -- clicks and drags -------------------------------------------------------------------
    def movement_at(self, x: float, y: float) -> str | None:
        index = self.bars.bar_at(x, y)
        return None if index is None else self.bars.ids[index]

    def _clicked(self, event: Any) -> None:
        pos = event.scenePos()
        if not self.view_box.sceneBoundingRect().contains(pos):
            return
        point = self.view_box.mapSceneToView(pos)
        found = self.movement_at(point.x(), point.y()) if self.mode == "movements" else None
        if event.button() == Qt.MouseButton.RightButton:
            if found is not None:
                self.selection.set_movements({found}, source=self)
                self._context_menu(found, event.screenPos().toPoint())
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        current = set(self.selection.movements)
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            chosen = current ^ {found} if found else current
        else:
            chosen = {found} if found else set()
        self.selection.set_movements(chosen, source=self)

    def _drag(self, ev: Any) -> bool:
        """Reschedule by dragging a bar: a preview while moving, one command on release."""
        if ev.isStart():
            if self.mode != "movements":
                return False
            start = self.view_box.mapToView(ev.buttonDownPos())
            found = self.movement_at(start.x(), start.y())
            if found is None:
                return False
            why = self.cannot_move(found)
            if why:
                self.status.setText(why)
                return True  # the drag is taken, and goes nowhere
            self._dragging = (found, start.x())
            self._shift = 0.0
            self.selection.set_movements({found}, source=self)
            return True
        if self._dragging is None:
            return False
        movement_id, x0 = self._dragging
        here = self.view_box.mapToView(ev.pos())
        self.drag_to(movement_id, here.x() - x0)
        if ev.isFinish():
            self._dragging = None
            self.drop(movement_id)
        return True

    def cannot_move(self, movement_id: str) -> str:
        record = self._records.get(movement_id, {})
        if record.get("status") in STARTED:
            return (f"{record.get('name')} has left: it cannot be moved; report a delay (D) "
                    "instead.")
        if record.get("owner") != self.store.nation:
            return (f"{record.get('name')} is {record.get('owner')}'s movement: only its owner "
                    "reschedules it.")
        return ""

    def drag_to(self, movement_id: str, dx: float) -> None:
        """Show the movement moved by `dx` seconds (snapped) and the conflicts it would meet."""
        shift = round(dx / SNAP_S) * SNAP_S
        if shift == self._shift:
            return
        self._shift = shift
        for layer in (self.bars, self.segments):
            layer.set_shift([movement_id], shift)
        found = self.show_preview(movement_id, shift)
        name = self._records.get(movement_id, {}).get("name", "")
        self.status.setText(f"{name}: {shift / 60:+.0f} min — "
                            + (f"{len(found)} conflict{'s' if len(found) != 1 else ''}"
                               if found else "no conflict"))  # fmt: skip

    def drop(self, movement_id: str) -> None:
        shift = self._shift
        self._shift = 0.0
        for layer in (self.bars, self.segments):
            layer.set_shift([], 0.0)
        self.end_preview()
        if shift:
            self.reschedule(movement_id, timedelta(seconds=shift))

    def reschedule(self, movement_id: str, delta: timedelta) -> bool:
        """Move the departure (and arrive-by) by `delta`, as one undoable command."""
        record = self.store.get("movements", movement_id)
        if record is None:
            return False
        changes = {"depart": timefmt.iso(timefmt.parse_utc(record["depart"]) + delta)}
        if record.get("arrive_by"):
            changes["arrive_by"] = timefmt.iso(timefmt.parse_utc(record["arrive_by"]) + delta)
        minutes = delta.total_seconds() / 60
        label = f"Reschedule {record['name']} by {minutes:+.0f} min"
        try:
            self.undo.run(label, lambda w: w.update("movements", movement_id, changes))
        except ValidationError as exc:
            QMessageBox.warning(self, "Not rescheduled", exc.message)
            return False
        self.status.setText(f"{label} (Ctrl+Z undoes it).")
        self._after_edit()
        return True

    # -- context menu -----------------------------------------------------------------------
    def _context_menu(self, movement_id: str, at: QPoint) -> None:
        menu = QMenu(self)
        suggest = menu.addAction("Apply the conflict-free departure")
        suggest.setEnabled(not self.cannot_move(movement_id))
        permits = menu.addAction("Open its permits")
        on_map = menu.addAction("Show on the map")
        chosen = menu.exec(at)
        if chosen is suggest:
            self.apply_suggestion(movement_id)
        elif chosen is permits:
            self.open_permits.emit()
        elif chosen is on_map:
            self.show_on_map.emit()

    def apply_suggestion(self, movement_id: str) -> bool:
        """The planner's earliest conflict-free departure, written as one command."""
        from app.core.planning.planner import Planner

        if self._planner is None:
            self._planner = Planner(self.store)
            self._planner.plan_all()
        found = self._planner.suggest(movement_id)
        if found.suggested is None or found.suggested == found.current:
            self.status.setText(found.note or "Nothing to change.")
            return False
        return self.reschedule(movement_id, found.suggested - found.current)

    # -- injections during replay -----------------------------------------------------------
    def inject_delay(self, minutes: int | None = None) -> str | None:
        """A delay of the selected movement reported at the time shown."""
        ids = list(self.selection.movements)
        if len(ids) != 1:
            self.status.setText("Select one movement to delay.")
            return None
        movement_id = ids[0]
        name = self._records.get(movement_id, {}).get("name", "")
        if minutes is None:
            minutes, ok = QInputDialog.getInt(self, "Delay", f"Delay of {name} (minutes):",
                                              30, 1, 24 * 60)  # fmt: skip
            if not ok:
                return None
        at = self.time_cursor.time.replace(microsecond=0)
        values = {"kind": "delay", "movement_id": movement_id, "at": timefmt.iso(at),
                  "delay_min": int(minutes), "details": "injected during replay",
                  "reported_by": self.store.site_name}  # fmt: skip
        try:
            event_id = self.undo.run(f"Delay {name} {minutes} min",
                                     lambda w: w.insert("events", values))  # fmt: skip
        except ValidationError as exc:
            QMessageBox.warning(self, "Delay not recorded", exc.message)
            return None
        self.status.setText(f"{name} delayed {minutes} min at {timefmt.short(at)}; what "
                            "follows is re-planned (Ctrl+Z undoes it).")
        self._after_edit()
        return event_id

    def inject_closure(self) -> str | None:
        """Close a critical point from the time shown (chosen from a list)."""
        from app.gui.incident_dialog import IncidentDialog

        points = sorted(self.store.rows("critical_points"), key=lambda r: r["name"])
        own = [p for p in points if p["nation"] == self.store.nation] or points
        name, ok = QInputDialog.getItem(self, "Close a point", "Critical point:",
                                        [p["name"] for p in own], 0, False)  # fmt: skip
        if not ok:
            return None
        point = next(p for p in own if p["name"] == name)
        dialog = IncidentDialog(point, self.time_cursor.time, self)
        if not dialog.exec():
            return None
        return self.close_point(point["id"], *dialog.values())

    def _after_edit(self) -> None:
        self._planner = None
        if self.plans_itself:
            self.plan_now()
        self.edited.emit()

    # -- exports ----------------------------------------------------------------------------
    def marking(self) -> tuple[str, str] | None:
        """The classification marking (text, colour) exports carry; the console sets it."""
        return view_exports.marking_of(self.marking_source)

    marking_source: Any = None  # () -> (text, colour) | None

    def _ask_path(self, title: str, suffix: str, kind: str) -> Path | None:
        return view_exports.ask_path(self, title, "timeline", suffix, kind)

    def export_png(self, path: Path | None = None) -> Path | None:
        path = path or self._ask_path("Save the timeline", ".png", "PNG pictures")
        if path is None:
            return None
        if not view_exports.save_png(self.plot.grab(), path, self.marking()):
            QMessageBox.warning(self, "Not saved", f"Cannot write {path}.")
            return None
        self.status.setText(f"Saved {path}")
        return path

    def export_pdf(self, path: Path | None = None) -> Path | None:
        """The chart on one landscape A4 page, titled with the store and the time range."""
        path = path or self._ask_path("Save the timeline", ".pdf", "PDF documents")
        if path is None:
            return None
        (x0, x1), _ = self.view_box.viewRange()
        start = datetime.fromtimestamp(x0, timezone.utc)
        end = datetime.fromtimestamp(x1, timezone.utc)
        title = (f"Movement timeline — {self.store.site_name} ({self.store.nation}) — "
                 f"{timefmt.short(start)} to {timefmt.short(end)}")
        if not view_exports.save_pdf(self.plot.grab(), path, title, "MovCon movement timeline",
                                     self.marking()):  # fmt: skip
            QMessageBox.warning(self, "Not saved", f"Cannot write {path}.")
            return None
        self.status.setText(f"Saved {path}")
        return path

    def export_ics(self, path: Path | None = None) -> Path | None:
        from app.core.exports.ics import movements_ics

        if self.plans is None:
            return None
        path = path or self._ask_path("Save the movements as a calendar", ".ics",
                                      "iCalendar files")  # fmt: skip
        if path is None:
            return None
        marking = self.marking()
        data = movements_ics(self.store, self.plans.plans,
                             marking=marking[0] if marking else None)  # fmt: skip
        try:
            write_atomic(path, data)
        except OSError as exc:
            QMessageBox.warning(self, "Not saved", f"Cannot write {path}: {exc.strerror}")
            return None
        self.status.setText(f"Saved {path}")
        return path
