"""The permit inbox: the requests this nation decides and those it made of others.

The table lists them (sorted and filtered in SQL); the side panel gives what a decision rests
on: the movement, the host nation's part of its route with the column's times there, the
clearance violations and conflicts at those points, the deadline and the agreement. Keys act
on the selected permit: A approves, C approves with conditions, D denies, Enter opens the
decision, Ctrl+Z undoes a decision not yet exported (Ctrl+Shift+Z decides it again), W
withdraws a request of ours.
Paperwork: Ctrl+P saves the movement credit of an approved permit, Ctrl+Shift+P a draft
Form 302 for a request of ours, Ctrl+Shift+E the list as filtered and sorted, as CSV.

The view is here (the filter bar, the table, the deadline watch, the selection shared with
the other views); inbox_decisions, inbox_paperwork and inbox_actions hold its decisions, its
paperwork and its building as mixins, inbox_panel the side panel, overdue the banner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.commands import UndoStack
from app.core.domain import vocabulary
from app.core.permits import decisions, inbox
from app.core.permits.inbox import InboxFilter
from app.core.permits.paperwork import CREDIT_STATUSES, NO_FORM302_STATUSES
from app.gui import display, files
from app.gui.models.permit_table import PermitTableModel
from app.gui.planning import PlanSet
from app.gui.readout import Readout
from app.gui.views.inbox_actions import InboxActions
from app.gui.views.inbox_decisions import InboxDecisions, _Undone
from app.gui.views.inbox_panel import PROBLEM, PermitPanel
from app.gui.views.inbox_paperwork import InboxPaperwork
from app.gui.views.permit_rules import PermitRulesDialog

if TYPE_CHECKING:
    from datetime import tzinfo

    from app.core.store import Store
    from app.gui.selection import Selection
    from app.gui.settings import DisplayChoices

FILTER_DELAY_MS = 200
CHECK_INTERVAL_MS = 60_000  # deadlines are checked once a minute
# Whether Undo applies is looked up when the selection rests, not on every arrow key.
UNDO_CHECK_DELAY_MS = 150
DUE_SOON_HOURS = 24
# (label, statuses): the open requests first, as an inbox is worked from them.
STATUS_CHOICES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Open (undecided)", inbox.OPEN_STATUSES),
    ("All", ()),
    *((label, (key,)) for key, label in vocabulary.PERMIT_STATUSES.items()),
)


class PermitInbox(InboxActions, InboxDecisions, InboxPaperwork, QWidget):
    """Incoming and outgoing permits, the decision keys, and the deadline watch."""

    changed = Signal()  # this view wrote: a decision, an undo or a withdrawal
    attention = Signal(int)  # requests to this nation due within 24 h (overdue included)
    overdue_found = Signal(list)  # inbox rows that became overdue; each once per session
    permit_selected = Signal(object)
    reveal = Signal()  # paperwork asked for from elsewhere (a menu): show the inbox

    def __init__(self, store: Store, plans: PlanSet | None = None,
                 now: Callable[[], datetime] | None = None,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(parent)
        self._store = store
        self._now = now or (lambda: datetime.now(timefmt.UTC))
        self._nations = display.nation_names(store)
        self._selected: str | None = None
        self._selection: Selection | None = None  # shared with the map and the movement list
        self._following = False  # showing the shared selection: not the user's choice
        self._notified: set[str] = set()
        self._everything: dict[str, int] = {}  # permits per direction, before filtering
        self.due_count = 0
        self.rules_dialog: PermitRulesDialog | None = None  # made when first asked for
        self._redo: list[_Undone] = []  # decisions undone here, the last first to redo
        self.undo_stack: UndoStack | None = None  # the console's, for the agreements
        self.save_folder = files.documents_folder()  # then where the last file went
        # () -> (text, colour): the classification marking the paperwork and the exported
        # list carry (the console sets it, as for the timeline); None or no text: unmarked.
        self.marking_source: Callable[[], tuple[str, str]] | None = None

        # A two-way switch rather than a second row of tabs under the window's tabs.
        self.incoming_button = QPushButton(checkable=True, checked=True)
        self.outgoing_button = QPushButton(checkable=True)
        self.incoming_button.setToolTip(f"Requests to {store.nation} for other nations' "
                                        "movements: yours to decide (Alt+I)")  # fmt: skip
        self.outgoing_button.setToolTip(f"{store.nation}'s requests to other nations (Alt+O)")
        self.direction = QButtonGroup(self)
        self.direction.setExclusive(True)
        switch = QHBoxLayout()
        switch.setSpacing(0)
        for index, btn in enumerate((self.incoming_button, self.outgoing_button)):
            self.direction.addButton(btn, index)
            btn.setAutoDefault(False)
            btn.setStyleSheet("QPushButton:checked { font-weight: bold; }")
            switch.addWidget(btn)
        self.filter_text = QLineEdit(placeholderText="Filter: movement, unit, nation, reference…")
        self.filter_text.setClearButtonEnabled(True)
        self.filter_text.setToolTip("Words to look for in every permit (Ctrl+F)")
        hint = self.filter_text.fontMetrics().horizontalAdvance(self.filter_text.placeholderText())
        self.filter_text.setMinimumWidth(min(hint + 48, 320))
        self.status_combo = QComboBox()
        for label, statuses in STATUS_CHOICES:
            self.status_combo.addItem(label, statuses)
        self.status_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        status_label = QLabel("&Status")
        status_label.setBuddy(self.status_combo)
        self.shown = QLabel()
        self.shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.shown.setMinimumWidth(1)
        self.model = PermitTableModel(store, self._current_filter(), now=self._now, parent=self)
        self.model.set_plans(plans)
        self.table = QTableView()
        self._build_actions()
        self.export_button = self._button("Export list…", self.export_action)
        self.rules_button = self._button("Agreements…", self.rules_action)

        bar = QHBoxLayout()
        bar.addLayout(switch)
        bar.addSpacing(8)
        bar.addWidget(self.filter_text, 3)
        bar.addSpacing(6)
        bar.addWidget(status_label)
        bar.addWidget(self.status_combo)
        bar.addStretch(1)
        bar.addWidget(self.shown)

        self._setup_table()
        self.panel = PermitPanel(store)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        table_side = QWidget()
        table_layout = QVBoxLayout(table_side)
        table_layout.setContentsMargins(0, 0, 0, 0)
        self._button_row = self._build_buttons()
        table_layout.addLayout(self._button_row)
        table_layout.addWidget(self.table, 1)
        splitter.addWidget(table_side)
        splitter.addWidget(self.panel)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([1020, 360])
        self.splitter = splitter

        self.message = QLabel()
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.message.setMinimumHeight(self.message.fontMetrics().lineSpacing() + 6)

        # The list as a whole, and the rules behind it, beside the status line: they need no
        # selection, and there they cost the table and the panel no width.
        footer = QHBoxLayout()
        footer.addWidget(self.message, 1)
        footer.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignTop)
        footer.addWidget(self.rules_button, 0, Qt.AlignmentFlag.AlignTop)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addLayout(footer)

        self._delay = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._delay.timeout.connect(self.apply_filter)
        self.filter_text.textChanged.connect(self._delay.start)
        self.filter_text.returnPressed.connect(self.apply_filter)
        self.status_combo.currentIndexChanged.connect(self.apply_filter)
        self.direction.idToggled.connect(lambda _id, on: on and self.apply_filter())
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_filter)

        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._after_reset)
        self.model.layoutChanged.connect(self._selection_changed)
        self.model.dataChanged.connect(self._data_changed)

        self._undo_check = QTimer(self, singleShot=True, interval=UNDO_CHECK_DELAY_MS)
        self._undo_check.timeout.connect(self._check_undoable)
        self._clock = QTimer(self, interval=CHECK_INTERVAL_MS)
        self._clock.timeout.connect(self.check_deadlines)
        self._clock.start()
        self._show_counts()
        self._show_waiting()
        self._update_buttons()
        self._show_due()
        self.say("")
        # Buttons hidden before the first show leave stale sizes in the layouts' caches; a
        # size asked before then (the snapshot's check of the smallest layout) must not
        # count them.
        self._button_row.invalidate()
        table_layout.invalidate()
        splitter.updateGeometry()

    # -- public -------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        return self._selected

    def selected_item(self) -> dict[str, Any] | None:
        row = self.model.row_of(self._selected) if self._selected else None
        return self.model.item(row) if row is not None else None

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)  # fmt: skip
            self.table.scrollTo(index)

    def select_permit(self, permit_id: str) -> bool:
        row = self.model.row_of(permit_id)
        if row is None:
            return False
        self.select_row(row)
        return True

    def bind_selection(self, selection: Selection) -> None:
        """A permit chosen here selects its movement everywhere; a movement chosen elsewhere
        selects its permits here."""
        self._selection = selection
        selection.changed.connect(self._follow)
        # Only the table's own signal shares: a re-sort or a re-read is no one's choice.
        self.table.selectionModel().selectionChanged.connect(self._share)
        self._show_shared(selection.movements)

    def set_direction(self, direction: str) -> None:
        button = self.outgoing_button if direction == "outgoing" else self.incoming_button
        button.setChecked(True)

    def focus_filter(self) -> None:
        self.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_text.selectAll()

    def apply_filter(self) -> None:
        self._delay.stop()
        direction = self.model.inbox_filter.direction
        self.model.set_filter(self._current_filter())
        if self.model.inbox_filter.direction != direction:
            self.say("")  # the keys differ
        self._sync_sort_indicator()
        self._show_counts()
        self._update_buttons()

    def refresh(self) -> None:
        """Re-read after a write elsewhere or an import."""
        self._nations = display.nation_names(self._store)
        self._everything.clear()
        self.model.refresh()
        self._fit_window_column()  # the settings may have changed the form of the times
        self._show_counts()
        self._show_waiting()
        self._show_due()
        self._update_buttons()
        if self.rules_dialog is not None:
            self.rules_dialog.refresh()

    def set_plans(self, plans: PlanSet | None) -> None:
        """A new plan of the whole store arrived (from the planning worker)."""
        self.model.set_plans(plans)
        self._fill_panel()

    def use_settings(self, settings: DisplayChoices, local_zone: tzinfo | None = None) -> None:
        """Write times as `settings` say, in the table and the panel, now and at every
        refresh. Sorting and filtering stay on the stored values."""
        readout = Readout(settings, local_zone)
        self.model.set_readout(readout)
        self.panel.readout = readout
        self._fit_window_column()
        self._fill_panel()
    def stop(self) -> None:
        """Stop the clocks: the store is about to close (the window closes or switches)."""
        for timer in (self._clock, self._delay, self._undo_check):
            timer.stop()
        if self.rules_dialog is not None:
            self.rules_dialog.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.stop()
        super().closeEvent(event)

    def say(self, text: str, problem: bool = False) -> None:
        """The status area: what was done, or why it was not; the keys when quiet."""
        palette = self.palette()
        if not text:
            palette.setColor(self.message.foregroundRole(), display.muted(palette))
            outgoing = self.model.inbox_filter.direction == "outgoing"
            text = ("Keys: W withdraw · Ctrl+P credit · Ctrl+Shift+P Form 302 · Ctrl+F filter"
                    if outgoing else
                    "Keys: A approve · C with conditions · D deny · R review · Enter decide · "
                    "Ctrl+Z undo · Ctrl+Shift+Z redo · Ctrl+P credit · Ctrl+F filter")  # fmt: skip
        self.message.setPalette(palette)
        self.message.setText(f"⚠ {text}" if problem else text)
        self.message.setStyleSheet(f"color: {PROBLEM}; font-weight: bold;" if problem else "")
        self.message.setProperty("problem", problem)

    def check_deadlines(self) -> None:
        """Once a minute: countdowns move on, and a request that became overdue is told."""
        self.model.tick()
        self._fill_panel()
        self._show_due()
        fresh = [r for r in self._overdue() if r["id"] not in self._notified]
        if fresh:
            self._notified.update(r["id"] for r in fresh)
            self.overdue_found.emit(fresh)

    def _overdue(self) -> list[dict[str, Any]]:
        """`inbox.overdue` without its computed columns (route, vehicles): this runs every
        minute, and a large store may hold thousands of overdue requests."""
        flt = InboxFilter("incoming", statuses=inbox.OPEN_STATUSES,
                          due_before=timefmt.iso(self._now()))
        where, params = flt.where(self._store.nation)
        rows = self._store.conn.execute(
            "SELECT p.id, m.name, m.owner, p.deadline FROM permits p JOIN movements m"
            f" ON m.id = p.movement_id WHERE {where} ORDER BY p.deadline, p.id", params)
        return [{"id": i, "movement": name, "owner": owner, "deadline": deadline}
                for i, name, owner, deadline in rows]
    # -- rules --------------------------------------------------------------------------
    def show_rules(self) -> None:
        """The agreements and pre-authorisations, in a window beside the console."""
        if self.rules_dialog is None:
            self.rules_dialog = PermitRulesDialog(self._store, now=self._now, parent=self,
                                                  undo=self.undo_stack)  # fmt: skip
            self.rules_dialog.changed.connect(self._rules_changed)
        self.rules_dialog.show()
        self.rules_dialog.raise_()
        self.rules_dialog.activateWindow()

    def _rules_changed(self) -> None:
        # A pre-authorisation the panel names may have changed; the sync status counts it.
        self.refresh()
        self.changed.emit()
    # -- reactions ----------------------------------------------------------------------
    def _current_filter(self) -> InboxFilter:
        return InboxFilter("outgoing" if self.outgoing_button.isChecked() else "incoming",
                           text=self.filter_text.text().strip(),
                           statuses=tuple(self.status_combo.currentData() or ()))

    def _sort_requested(self, column: int, order: Qt.SortOrder) -> None:
        if not self.model.sortable(column):
            self._sync_sort_indicator()  # the flags come from the plan: not sortable

    def _sync_sort_indicator(self) -> None:
        key, descending = self.model.order
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        header.setSortIndicator(self.model.column_of(key), Qt.SortOrder.DescendingOrder
                                if descending else Qt.SortOrder.AscendingOrder)  # fmt: skip
        header.blockSignals(False)
        header.viewport().update()

    def _after_reset(self) -> None:
        if self._selection is not None:
            self._show_shared(self._selection.movements)  # the same permit stays current
            return
        row = self.model.row_of(self._selected) if self._selected else None
        if row is not None:
            self.select_row(row)
        self._selection_changed()

    def _selection_changed(self) -> None:
        model = self.table.selectionModel()
        rows = model.selectedRows()
        current = model.currentIndex()
        # Following a movement may select several rows: the keys act on the current one.
        if current.isValid() and model.isRowSelected(current.row()):
            permit_id = self.model.permit_id(current.row())
        else:
            permit_id = self.model.permit_id(min(r.row() for r in rows)) if rows else None
        if permit_id != self._selected:
            self._selected = permit_id
            self.say("")
            self.permit_selected.emit(permit_id)
        self._fill_panel()
        self._update_buttons()

    def _share(self) -> None:
        item = self.selected_item()
        if item and self._selection is not None and not self._following:
            self._selection.set_movements({item["movement_id"]}, source=self)

    def _follow(self, ids: frozenset[str]) -> None:
        if self._selection is not None and self._selection.source is not self:
            self._show_shared(ids)

    def _show_shared(self, ids: frozenset[str]) -> None:
        """Select the permits of these movements the inbox lists (none if it lists none)."""
        expected = self._listed_permits(ids)
        rows: list[int] = []
        checked = 0
        while True:
            rows += [row for row in range(checked, self.model.rowCount())
                     if self.model.item(row)["movement_id"] in ids]  # fmt: skip
            checked = self.model.rowCount()
            if len(rows) >= expected or not self.model.canFetchMore():
                break
            self.model.fetchMore()
            if self.model.rowCount() == checked:
                break
        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row, 0),
                             self.model.index(row, self.model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag
        self._following = True
        try:
            self.table.selectionModel().select(selection, flags.ClearAndSelect)
            if rows:
                own = self.model.row_of(self._selected) if self._selected else None
                current = self.model.index(own if own in rows else rows[0], 0)
                self.table.selectionModel().setCurrentIndex(current, flags.NoUpdate)
                self.table.scrollTo(current)
            self._selection_changed()
        finally:
            self._following = False

    def _listed_permits(self, ids: frozenset[str]) -> int:
        """How many permits of these movements the filter lists, loaded or not."""
        movements, total = sorted(ids), 0
        for start in range(0, len(movements), 500):  # under SQLite's oldest parameter limit
            chunk = movements[start:start + 500]
            permits = tuple(row[0] for row in self._store.conn.execute(
                "SELECT id FROM permits WHERE deleted = 0 AND movement_id IN "
                f"({', '.join('?' * len(chunk))})", chunk))  # fmt: skip
            if permits:
                total += inbox.count(self._store, replace(self.model.inbox_filter, ids=permits))
        return total

    def _data_changed(self, *_: Any) -> None:
        self._update_buttons()

    def _fill_panel(self) -> None:
        item = self.selected_item()
        part = self.model.host_part(self._row(item)) if item else None
        self.panel.show_permit(item, part, self.model.plans is None, self._now())

    def _update_buttons(self) -> None:
        incoming = self.model.inbox_filter.direction != "outgoing"
        for btn in (self.approve_button, self.conditions_button, self.deny_button,
                    self.undo_button):  # fmt: skip
            btn.setVisible(incoming)
        self.withdraw_button.setVisible(not incoming)
        self.preauth_button.setVisible(incoming)
        item = self.selected_item()
        decidable = bool(item) and incoming and item["status"] in decisions.DECIDABLE
        for btn in (self.approve_button, self.conditions_button, self.deny_button):
            btn.setEnabled(decidable)
        self.undo_button.setEnabled(False)
        if item and incoming and item["status"] in vocabulary.DECIDED_PERMIT_STATUSES:
            self._undo_check.start()  # once the selection settles: the check reads the log
        self.withdraw_button.setEnabled(
            bool(item) and item["status"] in vocabulary.ACTIVE_PERMIT_STATUSES)
        self.credit_button.setEnabled(bool(item) and item["status"] in CREDIT_STATUSES)
        self.form302_button.setVisible(not incoming)
        self.form302_button.setEnabled(bool(item) and item["status"] not in NO_FORM302_STATUSES)
        self.export_button.setEnabled(self.model.total > 0)

    def _check_undoable(self) -> None:
        item = self.selected_item()
        self.undo_button.setEnabled(
            bool(item) and self.model.inbox_filter.direction != "outgoing"
            and decisions.undoable(self._store, item["id"]))  # fmt: skip

    def _show_counts(self) -> None:
        flt = self.model.inbox_filter
        for btn, direction in ((self.incoming_button, "incoming"),
                               (self.outgoing_button, "outgoing")):  # fmt: skip
            # The model has just counted its own direction; a large store counts slowly.
            n = (self.model.total if direction == flt.direction
                 else inbox.count(self._store, replace(flt, direction=direction)))
            btn.setText(f"&{direction.capitalize()} ({n:,})")
        if flt.direction not in self._everything:
            self._everything[flt.direction] = inbox.count(self._store, InboxFilter(flt.direction))
        everything = self._everything[flt.direction]
        shown = self.model.total
        noun = "permit" if everything == 1 else "permits"
        self.shown.setText(f"{everything:,} {noun}" if shown == everything
                           else f"{shown:,} of {everything:,} {noun}")  # fmt: skip

    def _show_waiting(self) -> None:
        waiting = self.preauthorised_waiting()
        self.preauth_button.setText(f"Approve pre-authorised ({waiting})")
        self.preauth_button.setEnabled(waiting > 0)

    def _show_due(self) -> None:
        self.due_count = inbox.due_soon(self._store, DUE_SOON_HOURS, self._now())
        self.attention.emit(self.due_count)

    def _after_write(self, keep_redo: bool = False) -> None:
        if not keep_redo:
            self._redo.clear()  # a new decision: what was undone before stays undone
        self._everything.clear()
        self._show_counts()
        self._show_waiting()
        self._show_due()
        self._fill_panel()
        self._update_buttons()
        self.changed.emit()

    # -- helpers ------------------------------------------------------------------------
    def _row(self, item: dict[str, Any] | None) -> int:
        row = self.model.row_of(item["id"]) if item else None
        return -1 if row is None else row

    def _selection_or_say(self) -> dict[str, Any] | None:
        item = self.selected_item()
        if item is None:
            self.say("Select a permit first.", True)
        return item
