"""The movement list: a filter bar over a sortable table of every movement in the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.core.domain import vocabulary
from app.core.movements import LIST_COLUMNS, MovementFilter
from app.gui import display
from app.gui.models.movement_table import DEFAULT_ORDER, MovementTableModel
from app.gui.readout import Readout

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import tzinfo

    from app.core.store import Store
    from app.gui.selection import Selection
    from app.gui.settings import DisplayChoices

# Ids asked of SQLite at once: under its oldest limit on bound parameters (999).
_ID_CHUNK = 500
# Typing pauses this long before the list is re-queried, so each keystroke stays instant.
FILTER_DELAY_MS = 200

# What a coordinator scans first comes first; the rest can be scrolled to or dragged in.
_VISUAL_ORDER = ("name", "owner", "depart", "priority", "status", "vehicles", "max_mlc",
                 "unit", "domain", "exercise")  # fmt: skip
# Typical content of each column, to size it before any row is read.
_SAMPLES = {
    "name": "Leopard battalion to Klaipėda",
    "owner": "WW",
    "unit": "Mechanised Infantry Bde",
    "domain": "Road",
    "priority": "Exercise",
    "status": "Under way",
    "depart": "2026-03-02 14:30Z",
    "vehicles": "9,999",
    "max_mlc": "120",
    "exercise": "Saber Strike 26",
}
# A departure to measure the time column by, in whatever form the settings give.
_SAMPLE_TIME = "2026-12-28T23:50:00Z"


class MovementList(QWidget):
    """Filter bar and table; emits the id of the selected movement (None when none is).

    With several rows selected that is the current row's movement (else the topmost);
    `bind_selection` shares all of them with the other views.
    """

    movement_selected = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._selected: str | None = None
        self._selection: Selection | None = None
        self._following = False  # showing the shared selection: not the user's choice
        self.model = MovementTableModel(store, parent=self)

        self.filter_text = QLineEdit(placeholderText="Filter: name, unit, nation, remarks…")
        self.filter_text.setClearButtonEnabled(True)
        hint = self.filter_text.fontMetrics().horizontalAdvance(self.filter_text.placeholderText())
        self.filter_text.setMinimumWidth(hint + 48)  # the whole hint, and the clear button
        self.filter_text.setToolTip("Words to look for in every movement (Ctrl+F)")
        self.owner_combo = self._combo("All", display.nation_names(store))
        self.status_combo = self._combo("All", vocabulary.MOVEMENT_STATUSES)
        self.priority_combo = self._combo("All", vocabulary.PRIORITIES)
        self.shown = QLabel()
        self.shown.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # A narrow window may squeeze this out; the site header still gives the total.
        self.shown.setMinimumWidth(1)

        bar = QHBoxLayout()
        bar.addWidget(self.filter_text, 3)
        for text, combo in (("&Owner", self.owner_combo), ("&Status", self.status_combo),
                            ("&Priority", self.priority_combo)):  # fmt: skip
            label = QLabel(text)
            label.setBuddy(combo)
            bar.addSpacing(6)
            bar.addWidget(label)
            bar.addWidget(combo)
        bar.addStretch(1)
        bar.addWidget(self.shown)

        self.table = QTableView()
        self._setup_table()

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)

        self._delay = QTimer(self, singleShot=True, interval=FILTER_DELAY_MS)
        self._delay.timeout.connect(self.apply_filter)
        self.filter_text.textChanged.connect(self._delay.start)
        self.filter_text.returnPressed.connect(self.apply_filter)
        for combo in (self.owner_combo, self.status_combo, self.priority_combo):
            combo.currentIndexChanged.connect(self.apply_filter)
        find = QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self)
        find.activated.connect(self.focus_filter)

        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._after_reset)
        # A re-sort keeps the selected rows: report the current one, share nothing new.
        self.model.layoutChanged.connect(self._report)
        self._show_counts()

    # -- public -------------------------------------------------------------------------
    def selected_id(self) -> str | None:
        return self._selected

    def select_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        if index.isValid():
            self.table.selectionModel().setCurrentIndex(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows)  # fmt: skip
            self.table.scrollTo(index)

    def selected_ids(self) -> list[str]:
        """The movements of the selected rows, top to bottom."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [mid for mid in map(self.model.movement_id, rows) if mid is not None]

    def bind_selection(self, selection: Selection) -> None:
        """Share the selected movements with the other views that bind the same one."""
        self._selection = selection
        selection.changed.connect(self._follow)
        self._show_shared(selection.movements)

    def focus_filter(self) -> None:
        self.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_text.selectAll()

    def apply_filter(self) -> None:
        self._delay.stop()
        self.model.set_filter(MovementFilter(
            text=self.filter_text.text().strip(),
            owner=self.owner_combo.currentData() or "",
            status=self.status_combo.currentData() or "",
            priority=self.priority_combo.currentData() or "",
        ))  # fmt: skip
        self._show_counts()

    def refresh(self) -> None:
        self.model.refresh()
        self._fit_time_column()  # the settings may have changed the form of the times
        self._show_counts()

    def use_settings(self, settings: DisplayChoices, local_zone: tzinfo | None = None) -> None:
        """Write times as `settings` say, now and at every refresh. Sorting and filtering
        stay on the stored values."""
        self.model.set_readout(Readout(settings, local_zone))
        self._fit_time_column()

    # -- building -----------------------------------------------------------------------
    @staticmethod
    def _combo(everything: str, choices: dict[str, str]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(everything, "")
        for key, label in choices.items():
            combo.addItem(label, key)
        combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        # Full width when there is room; a narrow window may cut long names short.
        combo.setMinimumWidth(combo.fontMetrics().averageCharWidth() * 6 + 36)
        return combo

    def _setup_table(self) -> None:
        table = self.table
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        # Shift and Ctrl pick several movements, for the map and the timeline to show together.
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        table.setAlternatingRowColors(True)
        table.setWordWrap(False)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setCornerButtonEnabled(False)

        rows = table.verticalHeader()
        rows.hide()
        # Fixed heights: the view never measures rows, so scrolling 10,000 rows stays cheap.
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 10)

        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        metrics = header.fontMetrics()
        cell_metrics = table.fontMetrics()
        for column, (key, heading, _) in enumerate(LIST_COLUMNS):
            # Room for the heading plus the sort arrow, and for typical content.
            heading_width = metrics.horizontalAdvance(heading) + 30
            content_width = cell_metrics.horizontalAdvance(_SAMPLES.get(key, heading)) + 16
            header.resizeSection(column, max(heading_width, content_width))
        header.setSectionsMovable(True)
        for visual, key in enumerate(_VISUAL_ORDER):
            header.moveSection(header.visualIndex(self.model.column_of(key)), visual)
        # The model starts sorted by departure; show that before sorting is switched on,
        # so enabling it does not re-query.
        header.setSortIndicator(self.model.column_of(DEFAULT_ORDER), Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        # Right-click on the headings chooses the columns, so a narrow window can drop some.
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        for column, (key, heading, _) in enumerate(LIST_COLUMNS):
            action = QAction(heading, header, checkable=True, checked=True)
            action.setEnabled(key != "name")  # a row must keep its name
            action.toggled.connect(lambda on, c=column: header.setSectionHidden(c, not on))
            header.addAction(action)
        self.column_actions = header.actions()

    def _fit_time_column(self) -> None:
        """Widen the departure column for a longer form of time (local ISO); never narrow
        it: the user may have dragged it wider."""
        header = self.table.horizontalHeader()
        column = self.model.column_of("depart")
        text = self.model.readout.time(_SAMPLE_TIME)
        heading = str(self.model.headerData(column, Qt.Orientation.Horizontal))
        wanted = max(self.table.fontMetrics().horizontalAdvance(text) + 16,
                     header.fontMetrics().horizontalAdvance(heading) + 30)
        if header.sectionSize(column) < wanted:
            header.resizeSection(column, wanted)

    # -- reactions ----------------------------------------------------------------------
    def _after_reset(self) -> None:
        # A reset forgets the selection; put it back on the movements still listed. A
        # filter that hides them leaves the shared selection as it was: the map keeps it.
        if self._selection is not None:
            self._show_shared(self._selection.movements)
            return
        row = self.model.row_of(self._selected) if self._selected else None
        if row is not None:
            self.select_row(row)
        self._report()

    def _selection_changed(self) -> None:
        self._report()
        if self._selection is not None and not self._following:
            self._selection.set_movements(self.selected_ids(), source=self)

    def _report(self) -> None:
        model = self.table.selectionModel()
        rows = model.selectedRows()
        current = model.currentIndex()
        if current.isValid() and model.isRowSelected(current.row()):
            movement_id = self.model.movement_id(current.row())
        else:
            movement_id = self.model.movement_id(min(r.row() for r in rows)) if rows else None
        if movement_id != self._selected:
            self._selected = movement_id
            self.movement_selected.emit(movement_id)

    def _follow(self, ids: frozenset[str]) -> None:
        if self._selection is not None and self._selection.source is not self:
            self._show_shared(ids)

    def _show_shared(self, ids: Iterable[str]) -> None:
        """Select the rows of these movements (those the filter lists), scrolled to the first.

        Rows not read yet are read up to the last one wanted; a movement the filter hides
        is not looked for, so the list does not read every page to miss it.
        """
        wanted = self._listed(ids)
        rows = self._rows_of(wanted)
        selection = QItemSelection()
        for row in rows:
            selection.select(self.model.index(row, 0),
                             self.model.index(row, self.model.columnCount() - 1))
        flags = QItemSelectionModel.SelectionFlag
        model = self.table.selectionModel()
        self._following = True
        try:
            model.select(selection, flags.ClearAndSelect)
            if rows:
                # The movement the detail shows stays current if it is still selected.
                own = self.model.row_of(self._selected) if self._selected else None
                current = self.model.index(own if own in rows else rows[0], 0)
                model.setCurrentIndex(current, flags.NoUpdate)
                self.table.scrollTo(self.model.index(rows[0], 0))
            self._report()
        finally:
            self._following = False

    def _listed(self, ids: Iterable[str]) -> set[str]:
        """Those of `ids` that the current filter lists."""
        ids = list(dict.fromkeys(ids))
        if not ids:
            return set()
        where, params = self.model.movement_filter.where()
        listed: set[str] = set()
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start:start + _ID_CHUNK]
            marks = ", ".join("?" * len(chunk))
            listed.update(row[0] for row in self._store.conn.execute(
                f"SELECT m.id FROM movements m WHERE {where} AND m.id IN ({marks})",
                [*params, *chunk]))  # fmt: skip
        return listed

    def _rows_of(self, wanted: set[str]) -> list[int]:
        """The rows of these movements in list order, reading more pages while some are
        missing."""
        found: dict[str, int] = {}
        checked = 0
        while True:
            for row in range(checked, self.model.rowCount()):
                movement_id = self.model.movement_id(row)
                if movement_id in wanted:
                    found[movement_id] = row
            checked = self.model.rowCount()
            if len(found) == len(wanted) or not self.model.canFetchMore():
                return sorted(found.values())
            self.model.fetchMore()
            if self.model.rowCount() == checked:
                return sorted(found.values())  # the store shrank under us

    def _show_counts(self) -> None:
        shown = self.model.total
        everything = self._everything()
        if shown == everything:
            self.shown.setText(f"{everything:,} movement{'s' if everything != 1 else ''}")
        else:
            self.shown.setText(f"{shown:,} of {everything:,} movements")

    def _everything(self) -> int:
        return self._store.count("movements")
