"""The audit log: who decided what, where and when; filtered, and its chain verified.

Listing reads the store on the GUI thread (a page of at most `PAGE` entries, indexed by
seq, is quick); verifying checks a signature per entry, so it runs in a worker on a
connection of its own (SQLite connections stay in the thread that opened them).
"""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtGui import QKeySequence, QPalette, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.core import audit, timefmt
from app.core.store import Store
from app.gui import display, workers
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from app.core.audit import AuditEntry, AuditReport

HEADINGS = ("Time", "Person", "Site", "Action", "Subject", "Detail")
PAGE = 1000  # newest entries shown; the filters reach older ones
_TYPING_PAUSE_MS = 250
_PROBLEMS_SHOWN = 6


def verify_store(path: Path) -> AuditReport:
    """Verify the audit chain of the store at `path` (for a worker thread)."""
    with Store.open(path, check="quick") as store:
        return audit.verify(store)


class AuditLogView(QWidget):
    """The log newest first, with filters, and a button that verifies the whole chain.

    Takes the console's Store, or a path to open a connection of its own (closed with the
    view).
    """

    def __init__(self, store: Store | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if isinstance(store, Store):
            self.store = store
        else:
            self.store = Store.open(store, check="quick")
            opened = self.store
            self.destroyed.connect(lambda *_: opened.close())
        self.shown: list[AuditEntry] = []
        self.report: AuditReport | None = None
        self._job: workers.Job | None = None

        self.action = QComboBox()
        self.action.addItem("All actions", "")
        for name, label in audit.ACTIONS.items():
            self.action.addItem(label, name)
        self.action.currentIndexChanged.connect(self.refresh)
        self.text = QLineEdit()
        self.text.setPlaceholderText("Person, subject or detail  (Ctrl+F)")
        self.text.setClearButtonEnabled(True)
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(_TYPING_PAUSE_MS)
        self._typing.timeout.connect(self.refresh)
        self.text.textChanged.connect(self._typing.start)
        self.text.returnPressed.connect(self.refresh)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Find), self, self.focus_filter)

        # Dates are UTC days, as every time in the console is.
        today = QDate.fromString(timefmt.now_iso()[:10], "yyyy-MM-dd")
        self.dates = QCheckBox("&Between")
        self.dates.setToolTip("Only entries made between these days (UTC), both included.")
        self.date_from = _date_edit(today.addDays(-30))
        self.date_to = _date_edit(today)
        self.date_from.setEnabled(False)
        self.date_to.setEnabled(False)
        self.dates.toggled.connect(self._dates_toggled)
        self.date_from.dateChanged.connect(self.refresh)
        self.date_to.dateChanged.connect(self.refresh)

        filters = QHBoxLayout()
        action_label = QLabel("&Action:")
        action_label.setBuddy(self.action)
        text_label = QLabel("&Search:")
        text_label.setBuddy(self.text)
        filters.addWidget(action_label)
        filters.addWidget(self.action)
        filters.addSpacing(8)
        filters.addWidget(text_label)
        filters.addWidget(self.text, 1)
        filters.addSpacing(8)
        filters.addWidget(self.dates)
        filters.addWidget(self.date_from)
        filters.addWidget(QLabel("and"))
        filters.addWidget(self.date_to)

        self.table = RecordTable(HEADINGS, "No decisions recorded yet", stretch=(4, 5))
        self.count_label = QLabel()
        display.mute(self.count_label)

        self.verify_button = QPushButton("&Verify chain")
        self.verify_button.setToolTip("Check that no entry was edited, removed or reordered, "
                                      "and that each was signed by its site's key.")
        self.verify_button.clicked.connect(self.verify)
        self.result = QLabel("Not verified yet.")
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        display.mute(self.result)
        verify_row = QHBoxLayout()
        verify_row.addWidget(self.verify_button, 0, Qt.AlignmentFlag.AlignTop)
        verify_row.addWidget(self.result, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.count_label)
        layout.addLayout(verify_row)
        self.setFocusProxy(self.text)
        self.refresh()

    # -- public -------------------------------------------------------------------------
    def filters(self) -> dict[str, Any]:
        """The filters as `audit.entries` takes them."""
        found: dict[str, Any] = {"action": self.action.currentData() or None,
                                 "text": self.text.text().strip() or None}
        if self.dates.isChecked():
            first, last = sorted((self.date_from.date(), self.date_to.date()))
            found["since"] = f"{first.toString('yyyy-MM-dd')}T00:00:00Z"
            found["until"] = f"{last.toString('yyyy-MM-dd')}T23:59:59Z"
        return found

    def refresh(self) -> None:
        self._typing.stop()
        chosen = self.filters()
        self.shown = audit.entries(self.store, limit=PAGE, **chosen)
        total = audit.count(self.store, **chosen)
        everything = audit.count(self.store) if any(chosen.values()) else total
        names = self.store.site_names()
        self.table.empty.setText("No entries match these filters" if everything
                                 else "No decisions recorded yet")
        self.table.set_rows([_row(e, names) for e in self.shown],
                            [_tooltip(e, names) for e in self.shown])  # fmt: skip
        if total > len(self.shown):
            text = f"Showing the newest {len(self.shown):,} of {total:,} matching entries"
        elif total != everything:
            text = f"{total:,} of {everything:,} entries match"
        else:
            text = f"{total:,} entr{'y' if total == 1 else 'ies'}"
        self.count_label.setText(text)

    def focus_filter(self) -> None:
        self.text.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.text.selectAll()

    @property
    def verifying(self) -> bool:
        return self._job is not None

    def verify(self) -> None:
        """Verify the chain in the background; the result label says how it went."""
        if self._job is not None:
            return
        self.verify_button.setEnabled(False)
        self.result.setText("Verifying…")
        display.mute(self.result)
        job = workers.Job(partial(verify_store, self.store.path), self)
        job.done.connect(self._verified)
        job.failed.connect(self._verify_failed)
        self._job = job
        job.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # decisions may have been recorded since it was last shown

    # -- reactions ----------------------------------------------------------------------
    def _verified(self, report: AuditReport) -> None:
        self._job = None
        self.report = report
        self.verify_button.setEnabled(True)
        if report.ok:
            self.result.setText(f"Intact: {report.entries:,} entries, head words "
                                f"“{audit.head_words(report)}”")
            self.result.setToolTip(f"Head hash {report.head}. Write the words down: if the "
                                   "log is ever rewritten, they will no longer match.")
            _colour(self.result, good=True)
        else:
            count = len(report.problems)
            lines = report.problems[:_PROBLEMS_SHOWN]
            if count > _PROBLEMS_SHOWN:
                lines.append(f"… and {count - _PROBLEMS_SHOWN} more (hover for all)")
            self.result.setText(f"Not intact: {count} problem{'s' if count != 1 else ''} in "
                                f"{report.entries:,} entries\n" + "\n".join(lines))
            self.result.setToolTip("\n".join(report.problems))
            _colour(self.result, good=False)
        self.refresh()

    def _verify_failed(self, details: str) -> None:
        self._job = None
        self.verify_button.setEnabled(True)
        self.result.setText(f"Could not verify: {details.splitlines()[0]}")
        self.result.setToolTip(details)
        _colour(self.result, good=False)

    def _dates_toggled(self, on: bool) -> None:
        self.date_from.setEnabled(on)
        self.date_to.setEnabled(on)
        self.refresh()


class AuditLogDialog(QDialog):
    """Not modal: the log can stay open beside the decisions it records. Esc closes it."""

    def __init__(self, store: Store | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Audit log")
        self.setModal(False)
        self.view = AuditLogView(store)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        # Enter in the search box refreshes the list; it must not press a button and close.
        for button in [*buttons.buttons(), self.view.verify_button]:
            button.setAutoDefault(False)
            button.setDefault(False)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        self.resize(1150, 560)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.view.focus_filter()


def _date_edit(day: QDate) -> QDateEdit:
    edit = QDateEdit(day)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setCalendarPopup(True)
    return edit


def _row(e: AuditEntry, names: dict[str, str]) -> tuple[str, ...]:
    return (display.time_text(e.at), e.person, names.get(e.site_id) or e.site_id[:8], e.label,
            e.subject, _detail_text(e.detail))


def _detail_text(detail: dict[str, Any]) -> str:
    return "; ".join(f"{key.replace('_', ' ')}: {display.value(value, 60)}"
                     for key, value in detail.items())


def _tooltip(e: AuditEntry, names: dict[str, str]) -> str:
    detail = json.dumps(e.detail, ensure_ascii=False, indent=1)
    return (f"Entry {e.seq}: {e.label}\n{e.subject}\nby {e.person} at "
            f"{names.get(e.site_id) or e.site_id}, {display.time_with_dtg(e.at)}\n"
            f"{detail[:2000]}\nhash {e.hash[:16]}…")


def _colour(label: QLabel, good: bool) -> None:
    # Darker shades on a light window, lighter ones on a dark window: readable on both.
    dark = label.palette().color(QPalette.ColorRole.Window).lightness() < 128
    colour = (("#1b6e2a", "#b3261e"), ("#81c995", "#f28b82"))[dark][0 if good else 1]
    label.setStyleSheet(f"color: {colour};")
