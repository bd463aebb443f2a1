"""The movement list: a filter bar over a sortable table of every movement in the store."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
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

if TYPE_CHECKING:
    from app.core.store import Store

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


class MovementList(QWidget):
    """Filter bar and table; emits the id of the selected movement (None when none is)."""

    movement_selected = Signal(object)

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._selected: str | None = None
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
        self.model.layoutChanged.connect(self._selection_changed)
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
        self._show_counts()

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
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
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

    # -- reactions ----------------------------------------------------------------------
    def _after_reset(self) -> None:
        # A reset forgets the selection; put it back if the movement is still listed.
        row = self.model.row_of(self._selected) if self._selected else None
        if row is not None:
            self.select_row(row)
        self._selection_changed()

    def _selection_changed(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        movement_id = self.model.movement_id(rows[0].row()) if rows else None
        if movement_id != self._selected:
            self._selected = movement_id
            self.movement_selected.emit(movement_id)

    def _show_counts(self) -> None:
        shown = self.model.total
        everything = self._everything()
        if shown == everything:
            self.shown.setText(f"{everything:,} movement{'s' if everything != 1 else ''}")
        else:
            self.shown.setText(f"{shown:,} of {everything:,} movements")

    def _everything(self) -> int:
        return self._store.count("movements")
