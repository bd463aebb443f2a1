"""How the permit inbox is put together (a mixin of PermitInbox): its actions, buttons, table.

The actions carry the keys (A, C, D, Enter, Ctrl+Z... on the table; Ctrl+P, Ctrl+Shift+P,
Ctrl+Shift+E anywhere in the inbox) and the table's context menu; the buttons trigger them;
the table's columns are sized to read a typical row whole.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QFont, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
)

from app.gui.models.permit_table import DEFAULT_ORDER, PermitTableModel

_SAMPLES = {"movement": "Leopard battalion to Rukla", "owner": "Owner", "host": "Host",
            "route": "US → LT, LV, PL", "vehicles": "26 · MLC 105",
            "window": "10 Jun 04:00–11 Jun 12:00Z", "deadline": "overdue 10 d 22 h",
            "status": "Approved with conditions", "flags": "◷ 2 conflicts"}  # fmt: skip
# A window to measure the window column by, in whatever form the settings give.
_SAMPLE_WINDOW = ("2026-12-28T23:50:00Z", "2026-12-29T23:50:00Z")


class InboxActions:
    """The actions, buttons and table set-up of PermitInbox; their slots are its own, or
    those of its decisions and paperwork."""

    # What the inbox gives its building (the slots come from the inbox and its mixins).
    table: QTableView
    model: PermitTableModel
    addAction: Callable[[QAction], None]
    _sort_requested: Callable[[int, Qt.SortOrder], None]

    # -- building -----------------------------------------------------------------------
    def _build_actions(self) -> None:
        def action(text: str, keys: tuple[str | QKeySequence.StandardKey, ...],
                   slot: Callable[[], None], tip: str) -> QAction:  # fmt: skip
            act = QAction(text, self.table)
            act.setShortcuts([QKeySequence(k) for k in keys])
            # Only while the table has the focus: typing in the filter stays typing.
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.table.addAction(act)
            return act

        self.approve_action = action("&Approve", ("A",), self.approve,
                                     "Approve the selected request (A)")  # fmt: skip
        self.conditions_action = action(
            "Approve with &conditions…", ("C",), self.approve_with_conditions,
            "Approve with conditions: choose or type them (C)")
        self.deny_action = action("&Deny…", ("D",), self.deny,
                                  "Deny the selected request, giving the reason (D)")
        self.decide_action = action("D&ecide…", ("Return", "Enter"), lambda: self.open_decision(),
                                    "Open the decision for the selected request (Enter)")
        self.undo_action = action("&Undo decision", (QKeySequence.StandardKey.Undo,),
                                  self.undo, "Undo your last decision on the selected permit "
                                  "while it has not left this laptop (Ctrl+Z)")  # fmt: skip
        self.redo_action = action("&Redo decision", (QKeySequence("Ctrl+Shift+Z"),),
                                  self.redo, "Decide again the decision undone last "
                                  "(Ctrl+Shift+Z)")  # fmt: skip
        self.withdraw_action = action("&Withdraw request…", ("W",), self.withdraw,
                                      "Withdraw a request this nation made (W)")
        self.review_action = action("Take under &review", ("R",), self.take_under_review,
                                    "Tell the requesting nation this request is being "
                                    "looked at (R)")  # fmt: skip

        def paper(text: str, keys: tuple[str, ...], slot: Callable[[], None],
                  tip: str) -> QAction:  # fmt: skip
            act = QAction(text, self)
            act.setShortcuts([QKeySequence(k) for k in keys])
            # Anywhere in the inbox, the filter too: these keys type nothing there.
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(tip)
            act.triggered.connect(slot)
            self.addAction(act)
            return act

        self.credit_action = paper("&Movement credit (PDF)…", ("Ctrl+P",), self.save_credit,
                                   "Save the movement credit of the selected approved permit "
                                   "as a PDF to print (Ctrl+P)")  # fmt: skip
        self.form302_action = paper("&Form 302 draft (PDF)…", ("Ctrl+Shift+P",),
                                    self.save_form302, "Save a draft EU Form 302 for the "
                                    "selected request of yours as a PDF (Ctrl+Shift+P)")
        self.export_action = paper("E&xport list (CSV)…", ("Ctrl+Shift+E",), self.export_csv,
                                   "Save every permit the filter shows, in this order, as a "
                                   "CSV file for a spreadsheet (Ctrl+Shift+E)")  # fmt: skip
        self.expire_action = paper("Mark &lapsed approvals expired", (), self.expire_lapsed,
                                   "This nation's approvals whose validity has ended become "
                                   "expired")  # fmt: skip
        self.rules_action = paper("A&greements and pre-authorisations…", (), self.show_rules,
                                  "The agreements that set the deadlines, and the standing "
                                  "pre-authorisations")  # fmt: skip
        separator = QAction(self.table)
        separator.setSeparator(True)
        self.table.addActions([separator, self.credit_action, self.form302_action])
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)

    def _button(self, text: str, act: QAction) -> QPushButton:
        btn = QPushButton(text)
        btn.setToolTip(act.toolTip())
        btn.clicked.connect(act.trigger)
        btn.setFocusPolicy(Qt.FocusPolicy.TabFocus)  # a click leaves the focus in the table
        return btn

    def _build_buttons(self) -> QHBoxLayout:
        button = self._button
        self.approve_button = button("Approve  (A)", self.approve_action)
        self.conditions_button = button("With conditions…  (C)", self.conditions_action)
        self.deny_button = button("Deny…  (D)", self.deny_action)
        self.undo_button = button("Undo  (Ctrl+Z)", self.undo_action)
        self.withdraw_button = button("Withdraw…  (W)", self.withdraw_action)
        # The keys are in the tooltips and the status line: the labels stay short.
        self.credit_button = button("Movement credit…", self.credit_action)
        self.form302_button = button("Form 302 draft…", self.form302_action)
        self.preauth_button = QPushButton()
        self.preauth_button.setToolTip("Approve every request to this nation made under a "
                                       "standing pre-authorisation that it still fits")
        self.preauth_button.clicked.connect(self.approve_preauthorised)
        row = QHBoxLayout()
        row.setSpacing(4)
        for btn in (self.approve_button, self.conditions_button, self.deny_button,
                    self.undo_button, self.withdraw_button):  # fmt: skip
            row.addWidget(btn)
        row.addSpacing(8)  # the paperwork apart from the decisions
        row.addWidget(self.credit_button)
        row.addWidget(self.form302_button)
        row.addStretch(1)
        row.addWidget(self.preauth_button)
        return row

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
        table.doubleClicked.connect(lambda _index: self.open_decision())
        rows = table.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(table.fontMetrics().height() + 10)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSortIndicatorShown(True)
        metrics = header.fontMetrics()
        bold = QFont(table.font())
        bold.setBold(True)
        cells = {False: table.fontMetrics(), True: QFontMetrics(bold)}
        for column, key in enumerate(self.model.keys):
            heading = str(self.model.headerData(column, Qt.Orientation.Horizontal))
            # An overdue deadline is bold: measure it so.
            sample = cells[key == "deadline"].horizontalAdvance(_SAMPLES.get(key, heading))
            header.resizeSection(column, max(metrics.horizontalAdvance(heading) + 24,
                                             sample + 14))
        header.setSortIndicator(self.model.column_of(DEFAULT_ORDER), Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)
        header.sortIndicatorChanged.connect(self._sort_requested)

    def _fit_window_column(self) -> None:
        """Widen the window column for a longer form of time (local ISO); never narrow it:
        the user may have dragged it wider."""
        header = self.table.horizontalHeader()
        column = self.model.column_of("window")
        text = self.model.readout.span(*_SAMPLE_WINDOW)
        wanted = self.table.fontMetrics().horizontalAdvance(text) + 14
        if header.sectionSize(column) < wanted:
            header.resizeSection(column, wanted)
