"""The Sync window: bundles and exchange status on one tab, conflicts to review on another,
and the changes quarantined for lack of authority on the third.

A window of its own rather than docks: the console's list and detail already need the
height of a laptop screen, and the exchange is an occasional task beside them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QTabWidget, QVBoxLayout, QWidget

from app.gui.views.bundle_drop import BundleDropTarget
from app.gui.views.conflicts_view import ConflictsView
from app.gui.views.quarantine_view import QuarantineView
from app.gui.views.sync_panel import SyncPanel

if TYPE_CHECKING:
    from app.core.store import Store


class SyncDialog(BundleDropTarget, QDialog):
    """Not modal: the movements stay in reach while bundles are exchanged."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Sync — {store.site_name} ({store.nation})")
        self.setModal(False)
        self.setAcceptDrops(True)
        self.panel = SyncPanel(store)
        self.conflicts = ConflictsView(store)
        self.quarantine = QuarantineView(store)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.panel, "&Bundles")
        self.tabs.addTab(self.conflicts, "")
        self.tabs.addTab(self.quarantine, "")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs)
        self.panel.review_conflicts.connect(self.show_conflicts)
        self.conflicts.counted.connect(self._count_conflicts)
        self._count_conflicts(len(self.conflicts.conflicts))
        self.quarantine.counted.connect(self._count_quarantined)
        self._count_quarantined(len(self.quarantine.rows))
        # Every import may quarantine changes, or release some: even one that changed nothing.
        self.panel.transfer.finished.connect(lambda _outcome: self.quarantine.refresh())
        self.resize(1180, 470)

    def show_panel(self) -> None:
        self.panel.refresh()  # what peers hold may have changed since it was last shown
        self.tabs.setCurrentWidget(self.panel)
        self._bring_up()

    def show_conflicts(self) -> None:
        self.conflicts.refresh()
        self.tabs.setCurrentWidget(self.conflicts)
        self._bring_up()

    def show_quarantine(self) -> None:
        self.quarantine.refresh()
        self.tabs.setCurrentWidget(self.quarantine)
        self._bring_up()

    def import_files(self, paths: list[Path]) -> None:
        self.tabs.setCurrentWidget(self.panel)
        self.panel.import_files(paths)

    def _bring_up(self) -> None:
        self.show()
        self.raise_()
        self.activateWindow()

    def _count_conflicts(self, count: int) -> None:
        index = self.tabs.indexOf(self.conflicts)
        self.tabs.setTabText(index, f"&Conflicts ({count})" if count else "&Conflicts")

    def _count_quarantined(self, count: int) -> None:
        index = self.tabs.indexOf(self.quarantine)
        self.tabs.setTabText(index, f"&Quarantine ({count})" if count else "&Quarantine")
