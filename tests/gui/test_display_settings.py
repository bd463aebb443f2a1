"""The movement list, the movement detail and the permit inbox follow the display settings
(DTG or ISO, UTC or local time, MGRS or latitude/longitude); the permit paperwork and the
exported permit list carry the classification marking."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from datetime import timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QDialog, QFileDialog
from pytestqt.qtbot import QtBot

from app.core import movements, timefmt
from app.core.permits import decisions, inbox
from app.core.permits.export import csv_text
from app.core.permits.inbox import InboxFilter
from app.core.store import Store
from app.gui import files
from app.gui import paperwork as paper
from app.gui.planning import PlanSet, plan_store
from app.gui.settings import Settings
from app.gui.views.form302_dialog import Form302Dialog
from app.gui.views.movement_detail import MovementDetail
from app.gui.views.movement_list import MovementList
from app.gui.views.permit_inbox import PermitInbox
from tests.conftest import DEMO_NOW

# Local time as the Baltic summer keeps it: three hours east, letter C in a DTG.
EEST = timezone(timedelta(hours=3))
DTG_Z = re.compile(r"^\d{6}Z[A-Z]{3}26$")
DTG_C = re.compile(r"^\d{6}C[A-Z]{3}26$")
ISO_Z = re.compile(r"^2026-\d\d-\d\d \d\d:\d\dZ$")
GRID = re.compile(r"^\d{1,2}[C-X] [A-Z]{2} \d{5} \d{5}$")
MARK, COLOUR = "NATO RESTRICTED", "#502b85"
needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                     reason="needs poppler's pdftotext")


@pytest.fixture
def demo_store(demo_copy: Path) -> Iterator[Store]:
    with Store.open(demo_copy) as store:
        yield store


@pytest.fixture(scope="module")
def demo_plans(demo_path: Path) -> PlanSet:
    return plan_store(demo_path)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "s.ini")


def _military(settings: Settings, zone: str = "local") -> None:
    settings.time_style = "dtg"
    settings.time_zone = zone
    settings.coordinates = "mgrs"


def _plain(settings: Settings) -> None:
    settings.time_style = "iso"
    settings.time_zone = "utc"
    settings.coordinates = "latlon"


def _shown(qtbot: QtBot, widget: Any, size: tuple[int, int] = (1400, 800)) -> Any:
    qtbot.addWidget(widget)
    widget.resize(*size)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


# -- the movement list ------------------------------------------------------------------------
def test_the_movement_list_writes_departures_as_the_settings_say_and_sorts_as_stored(
    demo_store: Store, settings: Settings, qtbot: QtBot
) -> None:
    view = _shown(qtbot, MovementList(demo_store))
    model, column = view.model, view.model.column_of("depart")
    rows = range(model.rowCount())
    ids = [model.movement_id(r) for r in rows]
    plain = [model.index(r, column).data() for r in rows]
    heading = model.headerData(column, Qt.Orientation.Horizontal)
    assert all(ISO_Z.match(t) for t in plain) and heading == "Departure (UTC)"

    # With settings left at their defaults, the list reads exactly as before.
    view.use_settings(settings)
    assert [model.index(r, column).data() for r in rows] == plain

    _military(settings)
    view.use_settings(settings, local_zone=EEST)
    texts = [model.index(r, column).data() for r in rows]
    assert all(DTG_C.match(t) for t in texts), texts[:3]
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Departure (local)"
    # The tooltip gives the other form, in UTC.
    assert ISO_Z.match(model.index(0, column).data(Qt.ItemDataRole.ToolTipRole))
    assert [model.movement_id(r) for r in rows] == ids  # nothing moved
    width = view.table.fontMetrics().horizontalAdvance(texts[0])
    assert view.table.horizontalHeader().sectionSize(column) > width

    # Sorted by the stored time, not by the text ("09..." before "10..." whatever the month).
    view.table.sortByColumn(column, Qt.SortOrder.DescendingOrder)
    stored = [r["id"] for r in movements.page(demo_store, order="depart", descending=True)]
    assert [model.movement_id(r) for r in rows] == stored
    view.table.sortByColumn(column, Qt.SortOrder.AscendingOrder)
    assert [model.movement_id(r) for r in rows] == ids

    # The filter still matches the names, whatever the times look like.
    view.filter_text.setText("Leopard")
    view.apply_filter()
    assert 0 < model.rowCount() < len(ids)
    view.filter_text.setText("")
    view.apply_filter()

    # A change of the settings shows at the next refresh (the window refreshes on one).
    settings.time_zone = "utc"
    view.refresh()
    assert all(DTG_Z.match(model.index(r, column).data()) for r in rows)
    _plain(settings)
    view.refresh()
    assert [model.index(r, column).data() for r in rows] == plain
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Departure (UTC)"


def test_local_iso_times_widen_the_departure_column(
    demo_store: Store, settings: Settings, qtbot: QtBot
) -> None:
    view = _shown(qtbot, MovementList(demo_store))
    column = view.model.column_of("depart")
    settings.time_zone = "local"
    view.use_settings(settings, local_zone=EEST)
    text = view.model.index(0, column).data()
    assert re.match(r"^2026-\d\d-\d\d \d\d:\d\d \+03:00$", text)
    needed = view.table.fontMetrics().horizontalAdvance(text)
    assert view.table.horizontalHeader().sectionSize(column) > needed


# -- the movement detail ----------------------------------------------------------------------
def test_the_detail_shows_times_and_grid_references_as_the_settings_say(
    demo_store: Store, demo_plans: PlanSet, settings: Settings, qtbot: QtBot
) -> None:
    detail = _shown(qtbot, MovementDetail(demo_store), (700, 900))
    detail.set_plans(demo_plans)
    movement_id = next(m for m, p in demo_plans.plans.items() if p.forecast.rows
                       and demo_store.rows("permits", "movement_id = ?", (m,)))  # fmt: skip
    detail.show_movement(movement_id)
    before = {k: detail.field_text(k) for k in ("depart", "start", "end", "requested_at")}
    assert re.match(r"^\d+\.\d{4}° [NS], \d+\.\d{4}° [EW]$", before["start"])
    march_before = detail.plan.march.cell(0, 3)

    _military(settings)
    detail.use_settings(settings, local_zone=EEST)
    depart, _, utc = detail.field_text("depart").partition("   ")
    assert DTG_C.match(depart) and ISO_Z.match(utc.strip("()"))
    assert DTG_C.match(detail.field_text("requested_at"))
    assert GRID.match(detail.field_text("start")) and GRID.match(detail.field_text("end"))
    assert DTG_C.match(detail.permits.cell(0, 2))  # the permits' deadlines
    assert DTG_C.match(detail.plan.march.cell(0, 3))  # the march table's head
    assert DTG_C.match(detail.plan.march.cell(0, 4))
    heading = detail.history.edit(0).text(0)
    assert DTG_C.match(heading.split("  ·  ")[0]), heading
    window = detail.plan.conflicts.table.horizontalHeaderItem(0).text()
    assert window == "Window (local)"

    _plain(settings)
    detail.show_movement(movement_id)  # what the window's refresh does
    assert {k: detail.field_text(k) for k in before} == before
    assert detail.plan.march.cell(0, 3) == march_before


# -- the permit inbox -------------------------------------------------------------------------
def test_the_inbox_table_and_panel_follow_the_settings(
    demo_store: Store, demo_plans: PlanSet, settings: Settings, qtbot: QtBot
) -> None:
    view = _shown(qtbot, PermitInbox(demo_store, demo_plans, now=lambda: DEMO_NOW))
    view.status_combo.setCurrentIndex(view.status_combo.findText("All"))
    model = view.model
    rows = range(model.rowCount())
    ids = [model.permit_id(r) for r in rows]
    window, deadline = model.column_of("window"), model.column_of("deadline")
    closed = next(r for r in rows if model.item(r)["status"] not in inbox.OPEN_STATUSES
                  and model.item(r)["deadline"])  # fmt: skip
    plain_window = model.index(0, window).data()
    plain_closed = model.index(closed, deadline).data()
    view.select_row(closed)
    plain_panel = {k: view.panel.text(k) for k in ("requested", "window", "deadline")}

    _military(settings)
    view.use_settings(settings, local_zone=EEST)
    start, _, end = model.index(0, window).data().partition("–")
    assert DTG_C.match(start) and DTG_C.match(end)
    assert DTG_C.match(model.index(closed, deadline).data())  # a decided request: the date
    open_row = next(r for r in rows if model.item(r)["status"] in inbox.OPEN_STATUSES)
    assert re.match(r"^(in|overdue|due)", model.index(open_row, deadline).data())  # relative
    tip = model.index(0, window).data(Qt.ItemDataRole.ToolTipRole)
    assert re.search(r"Valid from \d{6}C[A-Z]{3}26   \(2026-\d\d-\d\d \d\d:\d\dZ\)", tip)
    assert [model.permit_id(r) for r in rows] == ids

    panel = view.panel
    assert DTG_C.match(panel.text("requested").split("   ")[0])
    assert all(DTG_C.match(t) for t in panel.text("window").split("–"))
    assert re.search(r"\d{6}C[A-Z]{3}26, no longer counting$", panel.text("deadline"))
    assert DTG_C.match(panel.text("decided").split(" by ")[0])
    assert panel.route.row_count  # the plan gives the route in the host nation
    assert DTG_C.match(panel.route.cell(0, 2)) and DTG_C.match(panel.route.cell(0, 3))

    # Sorting by the window or the deadline follows the stored times, not the text.
    for key in ("window", "deadline"):
        view.table.sortByColumn(model.column_of(key), Qt.SortOrder.DescendingOrder)
        flt = InboxFilter("incoming", statuses=())
        stored = [r["id"] for r in inbox.page(demo_store, flt, key, descending=True)]
        assert [model.permit_id(r) for r in rows] == stored

    view.table.sortByColumn(deadline, Qt.SortOrder.AscendingOrder)
    _plain(settings)
    view.refresh()  # what the window does when the settings change
    assert [model.permit_id(r) for r in rows] == ids
    assert model.index(0, window).data() == plain_window
    assert model.index(closed, deadline).data() == plain_closed
    view.select_row(closed)
    assert {k: view.panel.text(k) for k in plain_panel} == plain_panel


# -- the classification marking on the paperwork ----------------------------------------------
def _texts(path: Path) -> list[str]:
    """The text of each page (pdftotext ends every page with a form feed)."""
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, timeout=60, check=True)  # fmt: skip
    return unicodedata.normalize("NFKC", done.stdout).split("\f")[:-1]


@needs_pdftotext
def test_every_page_of_a_paperwork_pdf_carries_the_marking(tmp_path: Path) -> None:
    doc = paper.document(paper._page("".join(f"<p>Line {n}</p>" for n in range(300))))
    assert doc.pageCount() >= 3
    marked = paper.write_pdf(doc, tmp_path / "marked.pdf", "Long", marking=(MARK, COLOUR))
    pages = _texts(marked)
    assert len(pages) == doc.pageCount()
    for text in pages:
        lines = [line.strip() for line in text.strip().splitlines()]
        assert lines[0] == MARK and lines[-1] == MARK  # above and below everything else
    assert f"Long ({MARK})".encode() in marked.read_bytes()  # the title says it too

    plain = paper.write_pdf(doc, tmp_path / "plain.pdf", "Long")
    assert all(MARK not in t for t in _texts(plain))
    assert paper.write_pdf(doc, tmp_path / "blank.pdf", "Long", marking=("", COLOUR))
    assert all(MARK not in t for t in _texts(tmp_path / "blank.pdf"))

    # The preview paints the same bands; without a marking, white paper at the edge.
    image = paper.page_image(doc, 0, dpi=50, marking=(MARK, COLOUR))
    assert image.pixelColor(2, 2) == QColor(COLOUR)
    assert image.pixelColor(2, image.height() - 3) == QColor(COLOUR)
    assert paper.page_image(doc, 0, dpi=50).pixelColor(2, 2) == QColor("#ffffff")


def _save_as(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a: (str(path), ""))
    monkeypatch.setattr(files, "offer_open", lambda *a: None)


@needs_pdftotext
def test_the_inbox_marks_the_credit_the_form302_and_the_list(
    demo_store: Store, qtbot: QtBot, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    view = _shown(qtbot, PermitInbox(demo_store, now=lambda: DEMO_NOW))
    view.marking_source = lambda: (MARK, COLOUR)
    view.status_combo.setCurrentIndex(view.status_combo.findText("All"))
    row = next(r for r in range(view.model.rowCount())
               if view.model.item(r)["status"] == "approved")  # fmt: skip
    view.select_row(row)
    _save_as(monkeypatch, tmp_path / "credit.pdf")
    view.save_credit()
    pages = _texts(tmp_path / "credit.pdf")
    assert pages and all(t.count(MARK) == 2 for t in pages)

    view.set_direction("outgoing")
    row = next(r for r in range(view.model.rowCount())
               if view.model.item(r)["status"] == "requested")  # fmt: skip
    view.select_row(row)
    monkeypatch.setattr(Form302Dialog, "exec", lambda d: QDialog.DialogCode.Accepted)
    _save_as(monkeypatch, tmp_path / "form302.pdf")
    view.save_form302()
    pages = _texts(tmp_path / "form302.pdf")
    assert pages and all(t.count(MARK) == 2 for t in pages)

    _save_as(monkeypatch, tmp_path / "permits.csv")
    view.export_csv()
    lines = (tmp_path / "permits.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == f"# {MARK}" and lines[1].startswith("Movement,")

    # No marking set: the files are as they always were.
    view.marking_source = lambda: ("", COLOUR)
    view.export_csv()
    lines = (tmp_path / "permits.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Movement,")
    view.marking_source = None
    _save_as(monkeypatch, tmp_path / "plain.pdf")
    view.save_form302()
    assert all(MARK not in t for t in _texts(tmp_path / "plain.pdf"))


def test_the_csv_of_the_list_is_unchanged_without_a_marking(demo_store: Store) -> None:
    rows = inbox.page(demo_store, InboxFilter("incoming"))
    assert csv_text(rows, None) == csv_text(rows) == csv_text(rows, "  ")
    assert csv_text(rows, MARK) == f"# {MARK}\r\n" + csv_text(rows)
    with pytest.raises(ValueError, match="one line"):
        csv_text(rows, "NATO\nSECRET")


def test_a_decided_permit_keeps_its_deadline_date_in_the_chosen_form(
    demo_store: Store, settings: Settings, qtbot: QtBot
) -> None:
    permit = next(demo_store.rows("permits", "host_nation = 'LT' AND status = 'requested'"))
    decisions.decide(demo_store, permit["id"], "approve", now=DEMO_NOW)
    view = _shown(qtbot, PermitInbox(demo_store, now=lambda: DEMO_NOW))
    view.status_combo.setCurrentIndex(view.status_combo.findText("All"))
    row = view.model.row_of(permit["id"])
    assert row is not None
    settings.time_style = "dtg"
    view.use_settings(settings)
    text = view.model.index(row, view.model.column_of("deadline")).data()
    assert text == timefmt.dtg(permit["deadline"])
