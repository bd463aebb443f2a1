"""The movement timeline: who passes which critical point when, with conflicts.

One row per movement (grouped by nation, exercise or priority) or per critical point; each
serial a bar from its start to its release, each passage of a critical point a segment
inside it, conflicts red on the segments of both movements. The time axis is UTC. The time
cursor and the selection are shared with the map and the lists. Every layer is one batched
item culled to the view (`timeline_items`), so 10,000 movements scroll smoothly.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QDateTime, Qt, QTimeZone, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QToolBar,
    QWidget,
)

from app.core import timefmt
from app.core.commands import UndoStack
from app.core.planning import deconfliction as dc
from app.core.planning import timeline
from app.core.planning.daylight import nights
from app.core.planning.model import Conflict, Occupancy, Point
from app.gui.find_box import FindBox, Found
from app.gui.map_style import STATUS_STYLE
from app.gui.selection import Selection
from app.gui.time_cursor import TimeCursor, TimeCursorBar
from app.gui.timeline_axis import RowAxis, TimeAxis
from app.gui.timeline_edits import TimelineEdits, TimelineViewBox
from app.gui.timeline_items import BarLayer
from app.gui.timeline_marks import NightShading, TimeCursorLine
from app.gui.view_frame import column, side_by_side

if TYPE_CHECKING:
    from app.core.store import Store
    from app.gui.planning import PlanSet

GROUPS = (("nation", "Nation"), ("exercise", "Exercise"), ("priority", "Priority"),
          ("none", "No grouping"))  # fmt: skip
PLANNED = "#b9b9b9"
SEGMENT = "#1b1b1b"
CONFLICT = "#d62728"
PREVIEW = "#ff7f0e"
NOW = "#c62828"
SELECTED_OUTLINE = "#ffb300"
# Where the night is shaded: the middle of the Baltic states.
NIGHT_LON, NIGHT_LAT = 24.6, 56.9


def _outline(colour: str, width: float = 2.5) -> Any:
    pen = pg.mkPen(colour, width=width)
    pen.setCosmetic(True)
    return pen


def _t(moment: datetime) -> float:
    return moment.timestamp()


def _moment(value: float) -> datetime:
    return datetime.fromtimestamp(value, timezone.utc)


class TimelineView(TimelineEdits, QWidget):
    """The Gantt chart of the store's plan, with its conflicts listed beside it."""

    edited = Signal()  # the timeline wrote to the store (a reschedule, a delay, a closure)
    show_on_map = Signal()  # the selection should be shown on the map
    open_permits = Signal()  # the selection's permits should be shown

    def __init__(self, store: Store, parent: QWidget | None = None, *,
                 selection: Selection | None = None, time_cursor: TimeCursor | None = None,
                 undo: UndoStack | None = None, plans_itself: bool = True,
                 now: Any = None) -> None:  # fmt: skip
        super().__init__(parent)
        self.store = store
        self.undo = undo or UndoStack(store)
        self.selection = selection if selection is not None else Selection(self)
        self.plans_itself = plans_itself
        self._now = now or (lambda: datetime.now(timezone.utc))
        own_cursor = time_cursor is None
        if time_cursor is None:
            at = self._now().replace(second=0, microsecond=0)
            time_cursor = TimeCursor(at - timedelta(hours=12), at + timedelta(hours=12), at=at,
                                     now=self._now, parent=self)  # fmt: skip
        self.time_cursor = time_cursor
        self.plans: PlanSet | None = None
        self.rows: Any = None
        self.mode = "movements"
        self.group_by = "nation"
        self._records: dict[str, dict[str, Any]] = {}
        self._points: dict[str, Point] = {}
        self._held: dict[str, list[Occupancy]] | None = None  # per point, for drag previews

        self.time_axis = TimeAxis()
        self.row_axis = RowAxis()
        for axis in (self.time_axis, self.row_axis):
            axis.setTextPen("#263238")
        self.plot = pg.PlotWidget(background="#ffffff", viewBox=TimelineViewBox(),
                                  axisItems={"bottom": self.time_axis, "left": self.row_axis})
        item = self.plot.getPlotItem()
        item.setMenuEnabled(False)
        item.hideButtons()
        item.showGrid(x=True, y=False, alpha=0.15)
        self.view_box = item.getViewBox()
        self.view_box.invertY(True)  # row 0 at the top
        self.view_box.setMouseEnabled(x=True, y=True)
        self.plot.setMinimumSize(320, 200)

        self.nights = NightShading()
        # Behind each serial's bar, the plan as made (a pale ghost where reports moved it);
        # inside it, a dark segment per critical point passage; on those, conflicts in red.
        self.planned = BarLayer({"planned": PLANNED}, inset=0.06, progressive=True)
        brushes = {status: colour for status, (colour, _) in STATUS_STYLE.items()}
        self.bars = BarLayer(brushes, inset=0.2, highlight_pen=_outline(SELECTED_OUTLINE),
                             progressive=True)  # fmt: skip
        self.segments = BarLayer({"passage": SEGMENT}, inset=0.34, progressive=True)
        self.conflicts = BarLayer({"conflict": CONFLICT, "preview": PREVIEW}, inset=0.3)
        for z, layer in enumerate((self.nights, self.planned, self.bars, self.segments,
                                   self.conflicts)):  # fmt: skip
            layer.setZValue(z)
            self.plot.addItem(layer)
        # Groups: a rule above each and its title at the chart's left edge.
        self.group_rules = pg.PlotCurveItem(pen=_outline("#9e9e9e", 1.0))
        self.group_rules.setZValue(6)
        self.plot.addItem(self.group_rules)
        self.group_titles: list[pg.TextItem] = []
        self.view_box.sigXRangeChanged.connect(self._place_group_titles)
        self.now_line = pg.InfiniteLine(angle=90, movable=False,
                                        pen=pg.mkPen(NOW, width=1.5, style=Qt.PenStyle.DashLine),
                                        label="now", labelOpts={"position": 0.02,
                                                                "color": NOW})  # fmt: skip
        self.now_line.setZValue(20)
        self.plot.addItem(self.now_line)
        self.cursor_line = TimeCursorLine(label=self._cursor_label)
        self.cursor_line.setZValue(21)
        self.plot.addItem(self.cursor_line)
        self.cursor_line.moved.connect(self._cursor_dragged)

        self.conflict_list = QListWidget()
        self.conflict_list.setWordWrap(True)
        self.conflict_list.setToolTip("Click a conflict to bring it into view and select both "
                                      "movements")  # fmt: skip
        self.conflict_list.itemActivated.connect(self._conflict_chosen)
        self.conflict_list.itemClicked.connect(self._conflict_chosen)
        self.conflict_title = QLabel("Conflicts")
        self.status = QLabel("")
        self.status.setWordWrap(True)

        self.toolbar = QToolBar("Timeline")
        self._build_toolbar()
        self._build_actions()

        side = column(self.find_box, self.conflict_title, (self.conflict_list, 1))
        side.setMinimumWidth(240)
        self.time_bar = TimeCursorBar(self.time_cursor) if own_cursor else None
        centre = column(self.toolbar, (self.plot, 1), self.status, self.time_bar)
        self.splitter = side_by_side(self, centre, side, grows=0)
        self.splitter.setSizes([1000, 300])

        self.selection.changed.connect(self._selection_changed)
        self.time_cursor.moved.connect(self._time_moved)
        self.plot.scene().sigMouseClicked.connect(self._clicked)
        self._install_drag()
        self._time_moved(self.time_cursor.time)

    # -- building ---------------------------------------------------------------------------
    def _build_toolbar(self) -> None:
        self.group_combo = QComboBox()
        for key, title in GROUPS:
            self.group_combo.addItem(title, key)
        self.group_combo.setToolTip("Group the movement rows")
        self.group_combo.currentIndexChanged.connect(
            lambda _: self.set_group_by(self.group_combo.currentData()))
        self.mode_combo = QComboBox()
        self.mode_combo.addItem("Rows: movements", "movements")
        self.mode_combo.addItem("Rows: critical points", "points")
        self.mode_combo.currentIndexChanged.connect(
            lambda _: self.set_mode(self.mode_combo.currentData()))
        self.label_combo = QComboBox()
        self.label_combo.addItem("ISO times", "iso")
        self.label_combo.addItem("DTG", "dtg")
        self.label_combo.setToolTip("Time labels: ISO 8601 or date-time groups (UTC)")
        self.label_combo.currentIndexChanged.connect(
            lambda _: self.time_axis.set_style(self.label_combo.currentData()))
        self.night_box = QCheckBox("Night")
        self.night_box.setToolTip(f"Shade sunset to sunrise (at {NIGHT_LAT}° N {NIGHT_LON}° E)")
        self.night_box.setChecked(True)
        self.night_box.toggled.connect(self.nights.setVisible)
        self.jump_edit = QDateTimeEdit()
        self.jump_edit.setTimeZone(QTimeZone.utc())
        self.jump_edit.setDisplayFormat("yyyy-MM-dd HH:mm 'Z'")
        self.jump_edit.setCalendarPopup(True)
        self.jump_edit.setToolTip("Jump to a date and time (Enter)")
        self.jump_edit.editingFinished.connect(self._jump)
        for widget in (self.mode_combo, self.group_combo, self.label_combo, self.night_box):
            self.toolbar.addWidget(widget)
        self.toolbar.addSeparator()

    def _build_actions(self) -> None:
        def act(text: str, key: str, tip: str, slot: Any, toolbar: bool = True) -> QAction:
            action = QAction(text, self)
            if key:
                action.setShortcut(QKeySequence(key))
                action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
                tip = f"{tip} ({key})"
            action.setToolTip(tip)
            action.triggered.connect(slot)
            self.addAction(action)
            if toolbar:
                self.toolbar.addAction(action)
            return action

        self.fit_action = act("Fit all", "F", "Show the whole plan", self.fit_all)
        act("Fit all", "Home", "Show the whole plan", self.fit_all, toolbar=False)
        self.toolbar.addWidget(self.jump_edit)
        act("Zoom in", "+", "Zoom in on time", lambda: self.zoom(0.5), toolbar=False)
        act("Zoom in", "=", "Zoom in on time", lambda: self.zoom(0.5), toolbar=False)
        act("Zoom out", "-", "Zoom out on time", lambda: self.zoom(2.0), toolbar=False)
        act("Earlier", "Left", "Move earlier", lambda: self.pan(-0.2), toolbar=False)
        act("Later", "Right", "Move later", lambda: self.pan(0.2), toolbar=False)
        act("Jump to", "Ctrl+J", "Jump to a date", self.jump_edit.setFocus, toolbar=False)
        self.toolbar.addSeparator()
        self.delay_action = act("Delay…", "D", "Report a delay of the selected movement at the "
                                "time shown; what follows is re-planned", self.inject_delay)
        self.close_action = act("Close point…", "C", "Close a critical point from the time "
                                "shown; the movements crossing it are re-planned",
                                self.inject_closure)  # fmt: skip
        self.undo_action = act("Undo", "Ctrl+Z", "Undo the timeline's last edit",
                               self.undo_last, toolbar=False)  # fmt: skip
        self.toolbar.addSeparator()
        self.png_action = act("PNG…", "", "Save the timeline as a picture", self.export_png)
        self.pdf_action = act("PDF…", "", "Save the timeline as a PDF page", self.export_pdf)
        self.ics_action = act("iCalendar…", "", "Save the movements as a calendar (.ics)",
                              self.export_ics)  # fmt: skip
        self.find_box = FindBox(self.store)  # placed above the conflict list
        self.find_box.chosen.connect(self.show_found)
        self.find_box.left.connect(self.plot.setFocus)
        self.find_box.missing.connect(self.status.setText)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.find_box.focus)

    # -- plan -------------------------------------------------------------------------------
    def set_plans(self, plans: PlanSet) -> None:
        self.plans = plans
        self._held = None
        self.find_box.forget()
        self._records = {m["id"]: m for m in self.store.rows("movements")}
        self._points = {r["id"]: Point.from_record(r) for r in self.store.rows("critical_points")
                        if r.get("position")}  # fmt: skip
        first = self.rows is None
        self._rebuild()
        span = self._span()
        if span is not None:
            self.time_cursor.set_range(_moment(span[0]), _moment(span[1]))
        if first:
            self.fit_all()

    def plan_now(self) -> None:
        from app.gui.planning import plan_store

        self.set_plans(plan_store(self.store.path))

    def set_group_by(self, key: str) -> None:
        self.group_by = key
        index = self.group_combo.findData(key)
        if index != self.group_combo.currentIndex():
            self.group_combo.setCurrentIndex(index)
        self._rebuild()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        index = self.mode_combo.findData(mode)
        if index != self.mode_combo.currentIndex():
            self.mode_combo.setCurrentIndex(index)
        self.group_combo.setEnabled(mode == "movements")
        self._rebuild()
        self.fit_all()

    def _rebuild(self) -> None:
        if self.plans is None:
            return
        names = {mid: r["name"] or "" for mid, r in self._records.items()}
        if self.mode == "points":
            self.rows = timeline.build_points(self.plans.plans, self.plans.conflicts,
                                              {p: pt.name for p, pt in self._points.items()},
                                              self._records)  # fmt: skip
            self._draw_points()
        else:
            exercises = {r["id"]: r["name"] or "" for r in self.store.rows("exercises")}
            self.rows = timeline.build(self.plans.plans, self.plans.conflicts, self._records,
                                       self.group_by, names, exercises)  # fmt: skip
            self._draw_movements()
        self.row_axis.set_rows(list(self.rows.labels), list(getattr(self.rows, "groups", [])))
        self._draw_groups(list(getattr(self.rows, "groups", [])))
        self._draw_nights()
        self._list_conflicts()
        self._selection_changed(self.selection.movements)
        count = len(self.rows.ids)
        self.view_box.setLimits(yMin=-1, yMax=max(count, 1) + 1)

    def _draw_movements(self) -> None:
        rows = self.rows
        ids = list(rows.ids)
        bars = rows.bars
        bar_ids = [ids[r] for r in bars.row]
        status = [self._records.get(m, {}).get("status") or "" for m in bar_ids]
        # The plan as made, drawn above a bar where the reports have moved it.
        known = ~np.isnan(bars.planned_start) & ~np.isnan(bars.planned_end)
        moved = known & ((bars.planned_start != bars.start) | (bars.planned_end != bars.end))
        self.planned.set_bars(bars.row[moved], bars.planned_start[moved],
                              bars.planned_end[moved], ["planned"] * int(moved.sum()),
                              [m for m, k in zip(bar_ids, moved, strict=True) if k])
        self.bars.set_bars(bars.row, bars.start, bars.end, status, bar_ids)
        seg = rows.segments
        self.segments.set_bars(seg.row, seg.start, seg.end, ["passage"] * len(seg.row),
                               list(seg.movement_id))  # fmt: skip
        self._draw_conflicts(rows.conflicts.row, rows.conflicts.start, rows.conflicts.end,
                             [ids[r] for r in rows.conflicts.row])  # fmt: skip

    def _draw_points(self) -> None:
        rows = self.rows
        windows = rows.windows
        status = [self._records.get(m, {}).get("status") or "" for m in windows.movement_id]
        self.planned.set_bars(np.empty(0, int), np.empty(0), np.empty(0), [], [])
        self.bars.set_bars(windows.row, windows.start, windows.end, status,
                           list(windows.movement_id))  # fmt: skip
        self.segments.set_bars(np.empty(0, int), np.empty(0), np.empty(0), [], [])
        c = rows.conflicts
        self._draw_conflicts(c.row, c.start, c.end, list(c.movement_id))

    def _draw_conflicts(self, row: Any, start: Any, end: Any, ids: list[str]) -> None:
        self.conflicts.set_bars(row, start, end, ["conflict"] * len(ids), ids)

    def _draw_groups(self, groups: list[tuple[str, int, int]]) -> None:
        for title in self.group_titles:
            self.plot.removeItem(title)
        self.group_titles = []
        shown = groups if len(groups) > 1 else []
        xs, ys, connect = [], [], []
        for title, first, count in shown:
            xs += [-1e12, 1e12]
            ys += [first, first]
            connect += [True, False]
            label = pg.TextItem(f"{title} ({count})", color="#424242", anchor=(0, 0),
                                fill=pg.mkBrush(255, 255, 255, 215))  # fmt: skip
            label.setZValue(22)
            label.setData(0, first)
            self.plot.addItem(label)
            self.group_titles.append(label)
        self.group_rules.setData(np.array(xs, dtype=float), np.array(ys, dtype=float),
                                 connect=np.array(connect, dtype=bool))  # fmt: skip
        self._place_group_titles()

    def _place_group_titles(self, *_: object) -> None:
        (x0, _), _ = self.view_box.viewRange()
        for label in self.group_titles:
            label.setPos(x0, label.data(0))

    def _draw_nights(self) -> None:
        span = self._span()
        if span is None:
            self.nights.set_intervals([])
            return
        pad = 2 * 86400.0
        found = nights(_moment(span[0] - pad), _moment(span[1] + pad), NIGHT_LON, NIGHT_LAT)
        self.nights.set_intervals([(_t(a), _t(b)) for a, b in found])

    def _span(self) -> tuple[float, float] | None:
        if self.rows is None or self.rows.span is None:
            return None
        return float(self.rows.span[0]), float(self.rows.span[1])

    def _list_conflicts(self) -> None:
        self.conflict_list.clear()
        conflicts = list(self.plans.conflicts) if self.plans else []
        names = {mid: r["name"] or mid for mid, r in self._records.items()}
        for index, c in enumerate(conflicts):
            who = " × ".join(names.get(m, m) for m in c.movements)
            text = (f"{c.point}: {who}\n{timefmt.short(c.start)}–{c.end:%H:%M}Z "
                    f"({'exclusive' if c.reason == 'exclusive' else 'over capacity'})")
            entry = QListWidgetItem(text)
            entry.setData(Qt.ItemDataRole.UserRole, index)
            self.conflict_list.addItem(entry)
        self.conflict_title.setText(f"Conflicts ({len(conflicts)})" if conflicts
                                    else "Conflicts: none")  # fmt: skip

    # -- time -------------------------------------------------------------------------------
    def fit_all(self) -> None:
        span = self._span()
        count = len(self.rows.ids) if self.rows is not None else 0
        if span is None:
            return
        pad = (span[1] - span[0]) * 0.02 + 600
        self.view_box.setRange(xRange=(span[0] - pad, span[1] + pad),
                               yRange=(0, max(min(count, 40), 1)), padding=0)  # fmt: skip

    def zoom(self, factor: float) -> None:
        self.view_box.scaleBy(x=factor, y=1.0)

    def pan(self, fraction: float) -> None:
        (x0, x1), _ = self.view_box.viewRange()
        self.view_box.translateBy(x=(x1 - x0) * fraction)

    def show_time(self, moment: datetime, hours: float = 12.0) -> None:
        centre = _t(moment)
        half = hours * 3600 / 2
        self.view_box.setXRange(centre - half, centre + half, padding=0)

    def _jump(self) -> None:
        moment = datetime.fromtimestamp(self.jump_edit.dateTime().toSecsSinceEpoch(),
                                        timezone.utc)  # fmt: skip
        self.show_time(moment)
        self.time_cursor.set_time(moment)

    def _time_moved(self, moment: datetime | None) -> None:
        if moment is None:
            return
        self.cursor_line.set_time(_t(moment))  # `moved` is only for the user's drags
        self.now_line.setValue(_t(self._now()))
        self.jump_edit.blockSignals(True)
        self.jump_edit.setDateTime(QDateTime.fromSecsSinceEpoch(int(_t(moment)),
                                                                QTimeZone.utc()))  # fmt: skip
        self.jump_edit.blockSignals(False)

    def _cursor_label(self, value: float) -> str:
        moment = _moment(value)
        return timefmt.short(moment) if self.time_axis.label_style == "iso" \
            else timefmt.dtg(moment)  # fmt: skip

    def _cursor_dragged(self, value: float) -> None:
        self.time_cursor.set_time(_moment(value))

    # -- selection --------------------------------------------------------------------------
    def _selection_changed(self, ids: Any) -> None:
        chosen = set(self.selection.movements)
        self.bars.set_selected(chosen)
        one = len(chosen) == 1
        self.delay_action.setEnabled(one)
        if self.rows is not None and self.mode == "movements" and chosen \
                and self.selection.source is not self:  # fmt: skip
            rows = [self.rows.row_of(m) for m in chosen]
            rows = [r for r in rows if r is not None]
            if rows:
                self._bring_rows(min(rows), max(rows))

    def show_found(self, found: Found) -> None:
        """A movement or point picked in the find box: select it, its row into view (a
        point has a row when the rows are critical points)."""
        if found.kind == "point":
            self.selection.set_point(found.record_id, self)
            row = self.rows.row_of(found.record_id) if self.rows is not None \
                and self.mode == "points" else None  # fmt: skip
        else:
            self.selection.set_movements({found.record_id}, self)
            row = self.rows.row_of(found.record_id) if self.rows is not None \
                and self.mode == "movements" else None  # fmt: skip
        if row is not None:
            self._bring_rows(row, row)
        self.plot.setFocus()

    def _bring_rows(self, first: int, last: int) -> None:
        (_, _), (y0, y1) = self.view_box.viewRange()
        if first >= y0 and last + 1 <= y1:
            return
        height = max(y1 - y0, 10)
        top = max(first - height * 0.3, -0.5)
        self.view_box.setYRange(top, top + height, padding=0)

    def _conflict_chosen(self, entry: QListWidgetItem) -> None:
        if self.plans is None:
            return
        conflict: Conflict = self.plans.conflicts[entry.data(Qt.ItemDataRole.UserRole)]
        self.selection.set_movements(conflict.movements, source=self)
        start, end = _t(conflict.start), _t(conflict.end)
        pad = max((end - start) * 2, 1800)
        self.view_box.setXRange(start - pad, end + pad, padding=0)
        if self.rows is not None and self.mode == "movements":
            rows = [r for r in (self.rows.row_of(m) for m in conflict.movements)
                    if r is not None]  # fmt: skip
            if rows:
                self._bring_rows(min(rows), max(rows))

    def selected_conflict_rows(self) -> list[int]:
        """Rows whose conflict highlight is drawn (for tests and the status line)."""
        return sorted(set(self.rows.conflicts.row.tolist())) if self.rows is not None else []

    # -- previews of a reschedule -----------------------------------------------------------
    def preview_conflicts(self, movement_id: str, shift_s: float) -> list[Conflict]:
        """The conflicts the movement would share if it left `shift_s` seconds later, every
        other movement as planned (the planner's own rule, at its points only)."""
        if self.plans is None or movement_id not in self.plans.plans:
            return []
        if self._held is None:
            held: dict[str, list[Occupancy]] = defaultdict(list)
            for mid, plan in self.plans.plans.items():
                record = self._records.get(mid, {})
                if record.get("status") == "cancelled":
                    continue
                for occ in dc.occupancies_of(plan.forecast, record.get("priority") or "",
                                             self._points):  # fmt: skip
                    held[occ.point_id].append(occ)
            self._held = held
        delta = timedelta(seconds=shift_s)
        own = [o for occs in self._held.values() for o in occs if o.movement_id == movement_id]
        found: list[Conflict] = []
        for occ in own:
            point = self._points.get(occ.point_id)
            if point is None:
                continue
            moved = Occupancy(occ.movement_id, occ.point_id, occ.start + delta, occ.end + delta,
                              occ.vehicles, occ.priority)  # fmt: skip
            others = [o for o in self._held[occ.point_id] if o.movement_id != movement_id]
            found += [c for c in dc.conflicts_at(point, [*others, moved])
                      if movement_id in c.movements]  # fmt: skip
        return sorted(found, key=dc.order)

    def show_preview(self, movement_id: str, shift_s: float) -> list[Conflict]:
        """Draw the conflicts of a dragged movement on its row and its partners' rows."""
        found = self.preview_conflicts(movement_id, shift_s)
        rows, starts, ends, ids = [], [], [], []
        for c in found:
            for mid in c.movements:
                row = self.rows.row_of(mid)
                if row is not None:
                    rows.append(row)
                    starts.append(_t(c.start))
                    ends.append(_t(c.end))
                    ids.append(mid)
        if found or self._previewing:
            self._previewing = bool(found)
            base = self.rows.conflicts
            keep = np.array([self.rows.ids[r] != movement_id for r in base.row], dtype=bool) \
                if len(base.row) else np.empty(0, dtype=bool)  # fmt: skip
            self.conflicts.set_bars(
                np.concatenate([base.row[keep], np.array(rows, dtype=int)]),
                np.concatenate([base.start[keep], np.array(starts, dtype=float)]),
                np.concatenate([base.end[keep], np.array(ends, dtype=float)]),
                ["conflict"] * int(keep.sum()) + ["preview"] * len(rows),
                [self.rows.ids[r] for r in base.row[keep]] + ids)  # fmt: skip
        return found

    _previewing = False

    def end_preview(self) -> None:
        self._previewing = False
        if self.rows is not None:
            c = self.rows.conflicts
            ids = [self.rows.ids[r] for r in c.row] if self.mode == "movements" \
                else list(c.movement_id)  # fmt: skip
            self._draw_conflicts(c.row, c.start, c.end, ids)

