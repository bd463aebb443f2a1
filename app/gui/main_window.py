"""The console window: the site header, the movement list beside its detail, the permit
inbox, and the menus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QIcon, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QMainWindow,
    QMenuBar,
    QMessageBox,
    QSplitter,
    QStyle,
    QSystemTrayIcon,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.core import timefmt
from app.core.commands import UndoStack
from app.core.paths import resources_dir
from app.core.store import Store, StoreError
from app.gui.app import open_locked
from app.gui.console_menus import ConsoleMenus
from app.gui.integrity import IntegrityCheck
from app.gui.map_view import MapView
from app.gui.marking import MarkingBanner
from app.gui.plan_export_menu import PlanExport, export_plans, finish_all
from app.gui.planning import PlanningService, PlanSet
from app.gui.selection import Selection
from app.gui.settings import Settings
from app.gui.time_cursor import TimeCursor, TimeCursorBar
from app.gui.timeline_view import TimelineView
from app.gui.views.audit_log import AuditLogDialog
from app.gui.views.bundle_drop import BundleDropTarget
from app.gui.views.keys_trust import KeysTrustDialog
from app.gui.views.movement_detail import MovementDetail
from app.gui.views.movement_list import MovementList
from app.gui.views.new_store_dialog import ask_new_store
from app.gui.views.overdue import OverdueBanner, due_title, overdue_text
from app.gui.views.permit_inbox import PermitInbox
from app.gui.views.site_header import SiteHeader
from app.gui.views.sync_dialog import SyncDialog

STORE_FILTER = "MovCon stores (*.db);;All files (*)"
PLANNING_DELAY_MS = 200


class MainWindow(ConsoleMenus, BundleDropTarget, QMainWindow):
    """One window per store; opening or creating another store swaps the views over."""

    def __init__(self, store: Store, now: Callable[[], datetime] | None = None,
                 settings: Settings | None = None) -> None:  # fmt: skip
        super().__init__()
        self.store = store
        self.settings = settings or Settings(parent=self)
        self._now = now  # a fixed clock for the deadlines (snapshots, tests); None: real time
        self.tray: QSystemTrayIcon | None = None  # made when first needed
        self.plans: PlanSet | None = None  # the latest plan of the store, for the exports
        self.integrity: IntegrityCheck | None = None
        self.keys_dialog: KeysTrustDialog | None = None  # made when first asked for
        self.audit_dialog: AuditLogDialog | None = None
        icon = resources_dir() / "icons" / "movcon-256.png"
        if icon.exists():
            self.setWindowIcon(QIcon(str(icon)))
        # The classification marking is the topmost line of the window, above the menus and
        # the toolbar: the menu bar goes in a widget of its own below the banner.
        self._menu_bar = QMenuBar()
        self.marking_top = MarkingBanner()
        self.marking_top.follow(self.settings)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.setSpacing(0)
        top_layout.addWidget(self.marking_top)
        top_layout.addWidget(self._menu_bar)
        self.setMenuWidget(top)
        self._build_menus()
        self._show(store)
        self.setAcceptDrops(True)  # bundle files dropped anywhere on the window are imported
        self.resize(1400, 850)
        self.settings.restore_window(self, self._splitters())
        self.settings.remember_store(store.path)
        self.settings.changed.connect(self._setting_changed)

    # -- store --------------------------------------------------------------------------
    def open_store(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open store", str(self.store.path.parent),
                                              STORE_FILTER)  # fmt: skip
        if path:
            self.open_store_at(Path(path))

    def open_store_at(self, path: Path) -> bool:
        """Switch to the store at `path`; on failure say why and keep the current one."""
        if self._exchange_running():
            return False
        try:
            store = open_locked(path, lambda: Store.open(path, check="quick"), self)
        except StoreError as exc:
            QMessageBox.critical(self, "Cannot open store", str(exc))
            return False
        if store is None:  # open in another MovCon: the person was told
            return False
        self._switch(store)
        self.settings.remember_store(store.path)
        self.check_integrity()
        return True

    def check_integrity(self) -> None:
        """Run the full integrity check of the current store in the background."""
        self._finish_check()
        self.integrity = IntegrityCheck(self.store.path, self)
        self.integrity.damaged.connect(self._store_damaged)
        self.integrity.start()

    def new_store(self) -> None:
        if self._exchange_running():
            return
        choice = ask_new_store(self, self.store.nation)
        if choice is None:
            return
        try:
            store = open_locked(choice.path, lambda: Store.create(
                choice.path, choice.nation, choice.site_name), self)
        except (StoreError, OSError) as exc:
            QMessageBox.critical(self, "Cannot create store", str(exc))
            return
        if store is None:
            return
        self._switch(store)
        self.settings.remember_store(store.path)

    def refresh(self) -> None:
        """Re-read everything shown, after this console or a sync import wrote."""
        self.movement_list.refresh()
        self.header.set_count(self.store.count("movements"))
        self.movement_detail.show_movement(self.movement_list.selected_id())
        self.permit_inbox.refresh()
        self.conflicts_view.refresh()
        self.quarantine_view.refresh()
        self.sync_panel.refresh_status()

    def replan(self, delay_ms: int = 0) -> None:
        """Plan the store afresh in the background; a plan still running is ignored."""
        if getattr(self, "planning", None) is not None:
            self.planning.stop()
        self.planning = PlanningService(self.store.path, self)
        self.planning.planned.connect(self._planned)
        self.planning.planned.connect(self.movement_detail.set_plans)
        self.planning.planned.connect(self.permit_inbox.set_plans)
        self.planning.planned.connect(self.map_view.set_plans)
        self.planning.planned.connect(self.timeline_view.set_plans)
        self.planning.failed.connect(self._planning_failed)
        # Bound to the service: a window closed before the timer fires leaves nothing to run.
        QTimer.singleShot(delay_ms, self.planning, self.planning.start)

    # -- sync -------------------------------------------------------------------------------
    def export_bundle(self) -> None:
        self.show_sync()
        self.sync_panel.prepare_export()

    def import_bundle(self) -> None:
        self.show_sync()
        self.sync_panel.choose_import()

    def import_files(self, paths: list[Path]) -> None:
        self.show_sync()
        self.sync_panel.import_files(paths)

    def show_sync(self) -> None:
        self.sync_dialog.show_panel()

    def show_movements(self) -> None:
        self.tabs.setCurrentWidget(self.movements_page)
        self.movement_list.table.setFocus()

    def show_permits(self) -> None:
        self.tabs.setCurrentWidget(self.permit_inbox)
        self.permit_inbox.table.setFocus()

    def show_map(self) -> None:
        self.tabs.setCurrentWidget(self.map_view)
        self.map_view.plot.setFocus()

    def show_timeline(self) -> None:
        self.tabs.setCurrentWidget(self.timeline_view)
        self.timeline_view.plot.setFocus()

    def _show_selection_on_map(self) -> None:
        self.show_map()
        self.map_view.zoom_to_selection()

    def _tab_changed(self, _index: int) -> None:
        self.time_bar.setVisible(self.tabs.currentWidget() in (self.map_view,
                                                               self.timeline_view))
        self._undo_changed()  # Redo: the inbox's own with the inbox in front

    def _map_edited(self) -> None:
        # A route redrawn or a point closed: the list, the detail and the plan follow.
        self.refresh()
        self.replan()

    def show_conflicts(self) -> None:
        self.sync_dialog.show_conflicts()

    def show_quarantine(self) -> None:
        self.sync_dialog.show_quarantine()

    def show_keys(self) -> None:
        if self.keys_dialog is None:
            self.keys_dialog = KeysTrustDialog(self.store, self)
            # A certificate installed or a revocation made changes who may edit what.
            self.keys_dialog.changed.connect(self.refresh)
        _bring_up(self.keys_dialog)

    def show_audit_log(self) -> None:
        if self.audit_dialog is None:
            self.audit_dialog = AuditLogDialog(self.store, self)
        _bring_up(self.audit_dialog)

    def show_help(self) -> None:
        """The help, open at the section about the view in front."""
        from app.gui.views.help_dialog import HelpDialog

        if getattr(self, "help_dialog", None) is None:
            self.help_dialog = HelpDialog(self)
        current = self.tabs.currentWidget()
        key = {self.movements_page: "movements", self.permit_inbox: "permits",
               self.map_view: "map", self.timeline_view: "timeline"}.get(current, "movements")
        _bring_up(self.help_dialog)
        self.help_dialog.show_section(key)

    def about(self) -> None:
        QMessageBox.about(self, "About MovCon",
                          f"<h3>MovCon {__version__}</h3>"
                          "<p>Offline-first console for military mobility coordination: "
                          "movement requests, cross-border permits and convoy tracking for "
                          "national movement coordination cells.</p>")  # fmt: skip

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self.focusWidget() is None:
            self.movement_list.table.setFocus()  # arrow keys walk the list from the start

    def undo(self) -> None:
        """Undo the last edit: a permit decision when the inbox is in front (until it is
        exported), else the last edit made on the map or the timeline (one stack)."""
        current = self.tabs.currentWidget()
        if current is self.permit_inbox:
            self.permit_inbox.undo()
        elif current is self.timeline_view:
            self.timeline_view.undo_last()
        else:
            self.map_view.undo_last()
            if current is not self.map_view:
                self._tell_in_status(self.map_view.status.text())

    def redo(self) -> None:
        current = self.tabs.currentWidget()
        if current is self.permit_inbox:
            self.permit_inbox.redo()  # the decision it undid last
            self._undo_changed()
            return
        view = self.timeline_view if current is self.timeline_view else self.map_view
        view.redo_last()
        if current not in (self.map_view, self.timeline_view):
            self._tell_in_status(view.status.text())

    def find(self) -> None:
        """Ctrl+F: to the filter of the list in front, or the find box of the map or the
        timeline."""
        current = self.tabs.currentWidget()
        if current is self.permit_inbox:
            self.permit_inbox.filter_text.setFocus(Qt.FocusReason.ShortcutFocusReason)
            self.permit_inbox.filter_text.selectAll()
        elif current is self.map_view:
            self.map_view.find_box.focus()
        elif current is self.timeline_view:
            self.timeline_view.find_box.focus()
        else:
            self.movement_list.focus_filter()

    def export_plans(self, key: str, path: Path | None = None,
                     offer: bool = True) -> PlanExport | None:  # fmt: skip
        """File › Export plans: the plan shown, in format `key`, with the marking; written
        in the background (see `PlanExport`)."""
        return export_plans(self, self.store, self.plans, key, self.settings.marking_text,
                            path, offer)  # fmt: skip

    def _planned(self, plans: PlanSet) -> None:
        self.plans = plans

    def _tell_in_status(self, text: str) -> None:
        self.statusBar().showMessage(text, 8000)

    def _undo_changed(self) -> None:
        stack = self.undo_stack
        inbox = self.permit_inbox if self.tabs.currentWidget() is self.permit_inbox else None
        if inbox is not None:
            # The inbox undoes the decision on the permit selected, and redoes its own.
            self.undo_action.setText("&Undo decision")
            self.redo_action.setText("&Redo decision")
            self.redo_action.setEnabled(inbox.can_redo)
            return
        self.undo_action.setText(f"&Undo {stack.undo_label}" if stack.can_undo else "&Undo")
        self.redo_action.setText(f"&Redo {stack.redo_label}" if stack.can_redo else "&Redo")
        self.redo_action.setEnabled(stack.can_redo)

    def show_settings(self) -> None:
        from app.gui.views.settings_dialog import SettingsDialog

        SettingsDialog(self.settings, self).exec()

    def _splitters(self) -> dict[str, Any]:
        # Where each view's side panel was dragged to; kept with the window layout.
        return {"movements": self.splitter, "permits": self.permit_inbox.splitter,
                "map": self.map_view.splitter, "timeline": self.timeline_view.splitter}

    def _setting_changed(self, name: str) -> None:
        if name == "time_style":
            index = self.timeline_view.label_combo.findData(self.settings.time_style)
            self.timeline_view.label_combo.setCurrentIndex(index)
        if name in ("time_style", "time_zone", "coordinates"):
            self.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:
        finish_all()  # an export still being made stops before writing anything
        self.settings.save_window(self, self._splitters())
        self.settings.sync()
        self._finish_check()
        self.sync_panel.cancel()  # an import not yet committing stops and writes nothing
        self.sync_dialog.close()
        self._close_trust_windows()
        self.planning.stop()
        self.permit_inbox.stop()
        self.time_cursor.pause()
        if self.tray is not None:
            self.tray.hide()  # its icon would linger in the panel
        super().closeEvent(event)

    def _show(self, store: Store) -> None:
        self.store = store
        self.setWindowTitle(f"MovCon — {store.site_name} ({store.nation})")
        self.header = SiteHeader(store)
        self.movement_list = MovementList(store)
        self.movement_detail = MovementDetail(store)
        self.movement_list.movement_selected.connect(self.movement_detail.show_movement)
        # One selection and one time cursor for every view of this store.
        self.selection = Selection(self)
        now = self._now() if self._now is not None else datetime.now(timefmt.UTC)
        self.time_cursor = TimeCursor(now - timedelta(hours=12), now + timedelta(hours=12),
                                      at=now, now=self._now, parent=self)  # fmt: skip
        self.undo_stack = UndoStack(store)
        self.undo_stack.listeners.append(self._undo_changed)
        self.movement_list.bind_selection(self.selection)
        self.permit_inbox = PermitInbox(store, now=self._now)
        self.permit_inbox.changed.connect(self._permits_written)
        self.permit_inbox.attention.connect(self._show_due)
        self.permit_inbox.overdue_found.connect(self._notify_overdue)
        self.permit_inbox.reveal.connect(self.show_permits)
        self.permit_inbox.bind_selection(self.selection)
        # Times and positions as the settings say; the paperwork carries the marking.
        for view in (self.movement_list, self.movement_detail, self.permit_inbox):
            view.use_settings(self.settings)
        self.permit_inbox.marking_source = lambda: (self.settings.marking_text,
                                                    self.settings.marking_colour)
        self.permit_inbox.undo_stack = self.undo_stack  # the agreements dialog's edits
        self.map_view = MapView(store, selection=self.selection, time_cursor=self.time_cursor,
                                undo=self.undo_stack, plans_itself=False)  # fmt: skip
        self.map_view.edited.connect(self._map_edited)
        self.timeline_view = TimelineView(store, selection=self.selection,
                                          time_cursor=self.time_cursor, undo=self.undo_stack,
                                          plans_itself=False, now=self._now)  # fmt: skip
        self.timeline_view.edited.connect(self._map_edited)
        # Its exported pages and files carry the marking set for this console.
        self.timeline_view.marking_source = lambda: (self.settings.marking_text,
                                                     self.settings.marking_colour)
        self.map_view.marking_source = self.timeline_view.marking_source
        self.timeline_view.show_on_map.connect(self._show_selection_on_map)
        # Ctrl+Z and Ctrl+Shift+Z are the window's Edit menu, whichever view is in front.
        for view_action in (self.map_view.undo_action, self.timeline_view.undo_action,
                            self.permit_inbox.undo_action, self.permit_inbox.redo_action):
            view_action.setShortcuts([])
        # Ctrl+F too (Edit › Find picks the view's filter): two owners of a key cancel out.
        find_key = QKeySequence(QKeySequence.StandardKey.Find)
        for view in (self.movement_list, self.permit_inbox, self.map_view, self.timeline_view):
            for shortcut in view.findChildren(QShortcut):
                if shortcut.key() == find_key:
                    shortcut.setEnabled(False)
        self.plans = None  # until this store is planned
        self.timeline_view.open_permits.connect(self.show_permits)
        self.time_bar = TimeCursorBar(self.time_cursor)
        self._fill_permits_menu()
        self.overdue_banner = OverdueBanner()
        self.overdue_banner.show_requested.connect(self.show_permits)
        # A bundle dropped on the filter boxes is meant for import, not for their text.
        self.movement_list.filter_text.setAcceptDrops(False)
        self.permit_inbox.filter_text.setAcceptDrops(False)
        # After the first frame: planning a large store holds the interpreter for seconds.
        self.replan(PLANNING_DELAY_MS)
        self._show_sync_views(store)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.movement_list)
        splitter.addWidget(self.movement_detail)
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([930, 470])
        self.splitter = splitter

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.movements_page = splitter
        self.tabs.addTab(splitter, "Movements")
        self.tabs.addTab(self.permit_inbox, "Permits")
        self.tabs.addTab(self.map_view, "Map")
        self.tabs.addTab(self.timeline_view, "Timeline")
        self.tabs.setTabToolTip(0, "Every movement in the store (Ctrl+1)")
        self.tabs.setTabToolTip(1, "Permit requests to decide, and those this nation made "
                                   "(Ctrl+2)")  # fmt: skip
        self.tabs.setTabToolTip(2, "Routes, critical points and convoys at the time shown "
                                   "(Ctrl+3)")  # fmt: skip
        self.tabs.setTabToolTip(3, "Who passes which critical point when, with conflicts "
                                   "(Ctrl+4)")  # fmt: skip

        # The marking below everything (the one above is in the menu widget; both hidden
        # when there is none).
        outer = QWidget()
        outer_layout = QVBoxLayout(outer)
        outer_layout.setContentsMargins(0, 0, 0, 0)
        outer_layout.setSpacing(0)
        self.marking_bottom = MarkingBanner()
        self.marking_bottom.follow(self.settings)
        central = QWidget()
        outer_layout.addWidget(central, 1)
        outer_layout.addWidget(self.marking_bottom)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addWidget(self.header)
        layout.addWidget(self.overdue_banner)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(self.time_bar)
        # The time cursor steers the views drawn in time; the lists have no use for it.
        self.time_bar.setVisible(False)
        self.tabs.currentChanged.connect(self._tab_changed)
        combo = self.timeline_view.label_combo
        combo.setCurrentIndex(combo.findData(self.settings.time_style))
        previous = self.takeCentralWidget()
        self.setCentralWidget(outer)
        if previous is not None:
            previous.deleteLater()
        # The badge and the first notice of what is overdue already.
        self.permit_inbox.check_deadlines()
        self._undo_changed()

    def _show_sync_views(self, store: Store) -> None:
        # No transfer is running here (switching waits for it), so the old window may go.
        old = getattr(self, "sync_dialog", None)
        self.sync_dialog = SyncDialog(store, self)
        self.sync_panel = self.sync_dialog.panel
        self.conflicts_view = self.sync_dialog.conflicts
        self.conflicts_view.undo = self.undo_stack  # one stack for every edit of the console
        self.quarantine_view = self.sync_dialog.quarantine
        self.sync_panel.data_arrived.connect(self._data_arrived)
        self.conflicts_view.resolved.connect(self._data_arrived)
        if old is not None:
            old.close()
            old.deleteLater()
        self._close_trust_windows()  # they show the store being left

    def _close_trust_windows(self) -> None:
        for name in ("keys_dialog", "audit_dialog"):
            dialog = getattr(self, name, None)
            if dialog is not None:
                dialog.close()
                dialog.deleteLater()
            setattr(self, name, None)

    def _permits_written(self) -> None:
        self._undo_changed()
        # A decision shows in the movement's permits and waits to be exported.
        self.movement_detail.show_movement(self.movement_list.selected_id())
        self.sync_panel.refresh_status()

    def _show_due(self, count: int) -> None:
        badge = due_title(count)
        base = f"MovCon — {self.store.site_name} ({self.store.nation})"
        self.setWindowTitle(f"{base} — {badge}" if badge else base)
        self.tabs.setTabText(self.tabs.indexOf(self.permit_inbox),
                             f"Permits ({count} due)" if count else "Permits")

    def _notify_overdue(self, rows: list[dict[str, Any]]) -> None:
        text = overdue_text(rows)
        if QSystemTrayIcon.isSystemTrayAvailable():
            if self.tray is None:
                icon = self.windowIcon()
                if icon.isNull():
                    icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
                self.tray = QSystemTrayIcon(icon, self)
                self.tray.messageClicked.connect(self._bring_to_permits)
            self.tray.show()
            self.tray.showMessage("MovCon — permit decision overdue", text,
                                  QSystemTrayIcon.MessageIcon.Warning, 15_000)  # fmt: skip
        else:
            self.overdue_banner.tell(text)

    def _bring_to_permits(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()
        self.show_permits()

    def _data_arrived(self) -> None:
        # The import wrote through the worker's connection: drop what this one remembers.
        self.store.forget_cached()
        self.refresh()
        self.replan()

    def _exchange_running(self) -> bool:
        if self.sync_panel.busy:
            QMessageBox.information(self, "Bundle exchange running",
                                    "Wait for the export or import to finish, or cancel it, "
                                    "before changing the store.")  # fmt: skip
            return True
        return False

    def _switch(self, store: Store) -> None:
        old = self.store
        self.permit_inbox.stop()
        self.time_cursor.pause()  # its clocks read the store about to close
        self.settings.save_window(self, self._splitters())
        self._show(store)
        self.settings.restore_splitters(self._splitters())  # the new views, as the old ones
        if old is not store:
            old.close()

    def _planning_failed(self, details: str) -> None:
        QMessageBox.warning(self, "Planning failed",
                            "The plan of this store could not be computed.\n\n" + details)

    def _store_damaged(self, message: str) -> None:
        QMessageBox.warning(self, "Store damaged", message)

    def _finish_check(self) -> None:
        # The check reads its own connection; stopping it and waiting keeps the thread
        # object alive until it ends (a QThread destroyed while running aborts the process).
        if self.integrity is not None:
            self.integrity.cancel()
            self.integrity.wait()
            self.integrity = None


def _bring_up(dialog: QWidget) -> None:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
