"""The movement timeline: bars as the march tables say, conflicts as the planner says,
dragging to reschedule (undoable), injections during replay, exports."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor
from pytestqt.qtbot import QtBot

from app.core.planning.planner import Planner
from app.core.store import Store
from app.gui.map_style import STATUS_STYLE
from app.gui.timeline_view import TimelineView
from tests.conftest import DEMO_NOW

UTC = timezone.utc


@pytest.fixture
def us_store(demo_us_path: Path, tmp_path: Path) -> Iterator[Store]:
    path = tmp_path / "us.db"
    shutil.copy(demo_us_path, path)
    s = Store.open(path)
    yield s
    s.close()


@pytest.fixture
def view(us_store: Store, qtbot: QtBot) -> TimelineView:
    widget = TimelineView(us_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(widget)
    widget.resize(1400, 900)
    widget.show()
    qtbot.waitExposed(widget)
    widget.plan_now()
    return widget


def _id(store: Store, name: str) -> str:
    return next(m["id"] for m in store.rows("movements") if m["name"] == name)


def _pixel(view: TimelineView, x: float, y: float) -> QColor:
    """The colour drawn at chart position (time x, row y)."""
    image = view.plot.grab().toImage()
    scene = view.view_box.mapViewToScene(QPointF(x, y))
    at = view.plot.mapFromScene(scene)
    return image.pixelColor(at.x(), at.y())


def _planner_conflict_rows(view: TimelineView, store: Store) -> set[int]:
    planner = Planner(store)
    planner.plan_all()
    return {view.rows.row_of(m) for c in planner.conflicts() for m in c.movements}


def test_bars_and_segments_are_drawn_where_the_march_table_says(view: TimelineView,
                                                                 us_store: Store) -> None:
    mid = _id(us_store, "HIMARS battery to Šiauliai")
    plan = view.plans.plans[mid]
    serial = plan.forecast.serials[0]
    row = view.rows.row_of(mid)
    start, release = serial.start.timestamp(), serial.release.timestamp()
    view.view_box.setRange(xRange=(start - 3600, release + 3600), yRange=(row - 3, row + 4),
                           padding=0)  # fmt: skip
    colour = QColor(STATUS_STYLE["planned"][0])
    # Inside the bar, between two passages: the status colour; an hour after release: not.
    passages = sorted((r.head_arrive.timestamp(), r.tail_clear.timestamp())
                      for r in plan.forecast.rows if r.serial == 1 and r.point_id)
    gaps = [(a[1], b[0]) for a, b in itertools.pairwise(passages) if b[0] > a[1]]
    gap = max(gaps, key=lambda g: g[1] - g[0])
    assert _pixel(view, (gap[0] + gap[1]) / 2, row + 0.5) == colour
    assert _pixel(view, release + 1800, row + 0.5) != colour
    # A passage segment (head arrival to tail clear) is drawn dark inside the bar.
    head, tail = max(passages, key=lambda p: p[1] - p[0])
    assert _pixel(view, (head + tail) / 2, row + 0.5).lightness() < 80
    # The row's arrays are the forecast's, to the second.
    bars = view.rows.bars
    mine = bars.row == row
    assert bars.start[mine].tolist() == [s.start.timestamp() for s in plan.forecast.serials]
    assert bars.end[mine].tolist() == [s.release.timestamp() for s in plan.forecast.serials]


def test_conflicts_are_highlighted_exactly_as_the_planner_finds_them(
        view: TimelineView, us_store: Store) -> None:  # fmt: skip
    assert view.selected_conflict_rows() == sorted(_planner_conflict_rows(view, us_store))
    assert view.conflict_list.count() == len(view.plans.conflicts) > 0
    stryker = _id(us_store, "Stryker troop to Ādaži")
    assert view.rows.row_of(stryker) in view.selected_conflict_rows()
    assert view.apply_suggestion(stryker)  # it gives way, and its conflicts go
    assert view.rows.row_of(stryker) not in view.selected_conflict_rows()
    assert view.selected_conflict_rows() == sorted(_planner_conflict_rows(view, us_store))
    view.undo_last()
    assert view.rows.row_of(stryker) in view.selected_conflict_rows()


def test_choosing_a_conflict_selects_both_movements_and_shows_them(view: TimelineView) -> None:
    entry = view.conflict_list.item(1)
    view._conflict_chosen(entry)
    conflict = view.plans.conflicts[1]
    assert view.selection.movements == set(conflict.movements)
    (x0, x1), (y0, y1) = view.view_box.viewRange()
    assert x0 <= conflict.start.timestamp() and conflict.end.timestamp() <= x1
    for mid in conflict.movements:
        assert y0 <= view.rows.row_of(mid) <= y1


class _Drag:
    """A stand-in for pyqtgraph's MouseDragEvent, in view box coordinates."""

    def __init__(self, view: TimelineView, start: tuple[float, float],
                 here: tuple[float, float], state: str) -> None:  # fmt: skip
        self._down = view.view_box.mapFromView(QPointF(*start))
        self._here = view.view_box.mapFromView(QPointF(*here))
        self.state = state

    def isStart(self) -> bool:
        return self.state == "start"

    def isFinish(self) -> bool:
        return self.state == "finish"

    def buttonDownPos(self) -> QPointF:
        return self._down

    def pos(self) -> QPointF:
        return self._here

    def button(self) -> Qt.MouseButton:
        return Qt.MouseButton.LeftButton


def test_dragging_a_movement_previews_then_reschedules_and_undo_restores(
        view: TimelineView, us_store: Store) -> None:  # fmt: skip
    stryker = _id(us_store, "Stryker troop to Ādaži")
    before = us_store.get("movements", stryker)["depart"]
    plan = view.plans.plans[stryker]
    row = view.rows.row_of(stryker)
    x = (plan.forecast.serials[0].start.timestamp() + plan.forecast.serials[0].release
         .timestamp()) / 2
    grab = (x, row + 0.5)
    assert view._drag(_Drag(view, grab, grab, "start"))
    assert view.selection.movements == {stryker}
    later = 3 * 3600 + 140  # snapped to 3 h 0 min
    view._drag(_Drag(view, grab, (x + later, row + 0.5), "move"))
    assert view.bars.shift == 3 * 3600
    preview = view.preview_conflicts(stryker, 3 * 3600)
    assert "min" in view.status.text()
    view._drag(_Drag(view, grab, (x + later, row + 0.5), "finish"))
    moved = us_store.get("movements", stryker)["depart"]
    assert datetime.fromisoformat(moved.replace("Z", "+00:00")) - datetime.fromisoformat(
        before.replace("Z", "+00:00")) == timedelta(hours=3)
    assert view.bars.shift == 0
    # What the drag previewed is what the planner now finds.
    found = {(c.point_id, c.movements) for c in view.plans.conflicts if stryker in c.movements}
    assert found == {(c.point_id, c.movements) for c in preview}
    assert view.undo.undo_label.startswith("Reschedule Stryker troop to Ādaži by +180 min")
    view.undo_last()
    assert us_store.get("movements", stryker)["depart"] == before


def test_a_movement_that_has_left_is_not_dragged(view: TimelineView, us_store: Store) -> None:
    gone = _id(us_store, "Paldiski to Tapa (ro-ro offload)")  # under way
    plan = view.plans.plans[gone]
    row = view.rows.row_of(gone)
    x = plan.forecast.serials[0].start.timestamp() + 60
    before = us_store.get("movements", gone)["depart"]
    assert view._drag(_Drag(view, (x, row + 0.5), (x, row + 0.5), "start"))
    assert "has left" in view.status.text()
    view._drag(_Drag(view, (x, row + 0.5), (x + 7200, row + 0.5), "finish"))
    assert us_store.get("movements", gone)["depart"] == before


def test_a_delay_injected_during_replay_replans_what_follows(view: TimelineView,
                                                             us_store: Store) -> None:
    himars = _id(us_store, "HIMARS battery to Šiauliai")
    plan = view.plans.plans[himars]
    mid_way = plan.forecast.serials[0].start + (plan.forecast.serials[0].release
                                                - plan.forecast.serials[0].start) / 2
    view.time_cursor.set_time(mid_way)
    release = plan.forecast.serials[-1].release
    view.selection.set_movements({himars})
    event = view.inject_delay(25)
    assert event is not None
    after = view.plans.plans[himars].forecast.serials[-1].release
    assert after - release == timedelta(minutes=25)
    view.undo_last()
    assert view.plans.plans[himars].forecast.serials[-1].release == release


def test_selection_is_shared_both_ways(view: TimelineView, us_store: Store) -> None:
    himars = _id(us_store, "HIMARS battery to Šiauliai")
    view.selection.set_movements({himars})
    assert set(view.bars.selected()) == {himars}
    plan = view.plans.plans[himars]
    row = view.rows.row_of(himars)
    x = plan.forecast.serials[0].start.timestamp() + 120
    assert view.movement_at(x, row + 0.5) == himars
    assert view.movement_at(x, row + 0.5 + 1) != himars


def test_time_labels_follow_the_users_choice(view: TimelineView) -> None:
    moment = datetime(2026, 6, 9, 11, 0, tzinfo=UTC).timestamp()
    view.label_combo.setCurrentIndex(view.label_combo.findData("dtg"))
    assert view.time_axis.tickStrings([moment], 1, 3600) == ["091100ZJUN26"]
    view.label_combo.setCurrentIndex(view.label_combo.findData("iso"))
    assert view.time_axis.tickStrings([moment], 1, 3600) == ["11:00Z"]


def test_rows_by_critical_point_show_occupancy(view: TimelineView, us_store: Store) -> None:
    view.set_mode("points")
    names = view.rows.labels
    assert "Budzisko – Kalvarija" in names
    row = names.index("Budzisko – Kalvarija")
    assert (view.rows.windows.row == row).sum() >= 3
    view.set_mode("movements")
    assert len(view.rows.ids) == us_store.count("movements")


def test_exports_write_png_pdf_and_ics(view: TimelineView, tmp_path: Path) -> None:
    import icalendar

    png = view.export_png(tmp_path / "t.png")
    pdf = view.export_pdf(tmp_path / "t.pdf")
    ics = view.export_ics(tmp_path / "t.ics")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    calendar = icalendar.Calendar.from_ical(ics.read_bytes())
    events = [e for e in calendar.walk("VEVENT")]
    assert len(events) == len(view.plans.plans)


def test_night_shading_lies_between_sunset_and_sunrise(view: TimelineView) -> None:
    moment = datetime(2026, 6, 9, 0, 0, tzinfo=UTC).timestamp()  # night in the Baltic
    noon = datetime(2026, 6, 9, 10, 0, tzinfo=UTC).timestamp()
    starts = np.asarray([a for a, _ in view.nights.intervals])
    ends = np.asarray([b for _, b in view.nights.intervals])
    assert ((starts <= moment) & (moment <= ends)).any()
    assert not ((starts <= noon) & (noon <= ends)).any()


def test_the_console_has_the_timeline_beside_the_map(us_store: Store, qtbot: QtBot) -> None:
    from app.gui.main_window import MainWindow

    window = MainWindow(us_store, now=lambda: DEMO_NOW)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.timeline_action.trigger()
    assert window.tabs.currentWidget() is window.timeline_view
    assert window.time_bar.isVisible()
    # The plan the window's planning service delivers, made here: the wiring is what is
    # tested, not the worker thread (an earlier test may have ended an application loop).
    from app.gui.planning import plan_store

    window.planning._done(plan_store(us_store.path))
    himars = _id(us_store, "HIMARS battery to Šiauliai")
    window.movement_list.table.clearSelection()
    window.selection.set_movements({himars})
    assert set(window.timeline_view.bars.selected()) == {himars}
    assert window.map_view.route_layer.selected() == [himars]
    window.timeline_view.show_on_map.emit()
    assert window.tabs.currentWidget() is window.map_view
    # The cursor the timeline shows is the map's.
    window.time_cursor.set_time(DEMO_NOW + timedelta(hours=2))
    assert window.timeline_view.cursor_line.time == (DEMO_NOW + timedelta(hours=2)).timestamp()
    window.close()


def test_the_snapshot_renders_the_timeline(demo_path: Path, tmp_path: Path) -> None:
    from PySide6.QtGui import QImage

    from app.gui import snapshot

    out = snapshot.render(demo_path, tmp_path / "t.png", view="timeline",
                          at="2026-06-09T11:00:00Z", size=(900, 600))  # fmt: skip
    assert (QImage(str(out)).width(), QImage(str(out)).height()) == (900, 600)


def test_exports_carry_the_classification_marking(view: TimelineView, tmp_path: Path) -> None:
    import shutil as sh
    import subprocess

    import icalendar
    from PySide6.QtGui import QImage

    plain = QImage(str(view.export_png(tmp_path / "plain.png")))
    view.marking_source = lambda: ("NATO RESTRICTED", "#502b85")
    marked = QImage(str(view.export_png(tmp_path / "marked.png")))
    assert marked.height() > plain.height() and marked.width() == plain.width()
    band = QColor(marked.pixelColor(marked.width() // 2, 2))
    assert band == QColor("#502b85")
    ics = icalendar.Calendar.from_ical(view.export_ics(tmp_path / "m.ics").read_bytes())
    assert all(str(e["summary"]).startswith("NATO RESTRICTED: ") for e in ics.walk("VEVENT"))
    pdf = view.export_pdf(tmp_path / "m.pdf")
    if sh.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        assert text.count("NATO RESTRICTED") >= 2  # top and bottom of the page
