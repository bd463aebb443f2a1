"""The console's menus and toolbar (a mixin of MainWindow): File, Edit, View, Permits, Sync
and Help with their standard keys, the recent stores, and the main toolbar.

The menu bar sits below the classification banner in the window's menu widget, so
`menuBar()` returns it rather than letting Qt make a bare one in its place.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenuBar, QMessageBox, QStyle

from app.core.paths import same_file
from app.gui.plan_export_menu import MENU as PLAN_FORMATS


class ConsoleMenus:
    """Builds the menus and the toolbar on the window's actions and slots."""

    _menu_bar: QMenuBar
    settings: Any
    store: Any
    permit_inbox: Any

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        here = self.store.path
        stores = [p for p in self.settings.recent_stores if not same_file(p, here)]
        for number, path in enumerate(stores, 1):
            missing = "" if path.exists() else "  (not found)"
            action = self.recent_menu.addAction(f"&{number} {path.name} — {path.parent}{missing}")
            action.setToolTip(str(path))
            action.triggered.connect(lambda _=False, p=path: self.open_recent(p))
        if not stores:
            self.recent_menu.addAction("No other store opened yet").setEnabled(False)

    def open_recent(self, path: Path) -> bool:
        if not path.exists():
            QMessageBox.warning(self, "Store not found",
                                f"{path} is not there. If it is on a removable drive, connect "
                                "the drive and try again.")  # fmt: skip
            return False
        return self.open_store_at(path)

    def menuBar(self) -> QMenuBar:
        # Qt's own would make a bare menu bar in place of the banner and menus above.
        return self._menu_bar

    # -- building -----------------------------------------------------------------------
    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self.open_action = self._action("&Open store…", QKeySequence.StandardKey.Open,
                                        self.open_store)  # fmt: skip
        self.new_action = self._action("&New store…", QKeySequence.StandardKey.New,
                                       self.new_store)  # fmt: skip
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close)
        # Not every platform binds Quit to a key; the cells expect Ctrl+Q everywhere.
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        file_menu.addAction(self.open_action)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addAction(self.new_action)
        file_menu.addSeparator()
        self.plan_export_menu = file_menu.addMenu("E&xport plans")
        self.plan_export_actions: dict[str, QAction] = {}
        for fmt in PLAN_FORMATS:
            action = self.plan_export_menu.addAction(fmt.menu)
            action.triggered.connect(lambda _=False, key=fmt.key: self.export_plans(key))
            self.plan_export_actions[fmt.key] = action
        file_menu.addSeparator()
        self.settings_action = QAction("&Settings…", self)
        self.settings_action.setShortcut(QKeySequence("Ctrl+,"))
        self.settings_action.triggered.connect(self.show_settings)
        file_menu.addAction(self.settings_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self.menuBar().addMenu("&Edit")
        self.undo_action = self._action("&Undo", QKeySequence.StandardKey.Undo, self.undo)
        self.undo_action.setShortcut(QKeySequence("Ctrl+Z"))
        self.redo_action = self._action("&Redo", QKeySequence.StandardKey.Redo, self.redo)
        self.redo_action.setShortcut(QKeySequence("Ctrl+Shift+Z"))
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        self.find_action = self._action("&Find…", QKeySequence.StandardKey.Find, self.find)
        self.find_action.setShortcut(QKeySequence("Ctrl+F"))
        self.find_action.setToolTip("Filter the list in front, or find a movement or point on "
                                    "the map or the timeline (Ctrl+F)")  # fmt: skip
        edit_menu.addAction(self.find_action)
        view_menu = self.view_menu = self.menuBar().addMenu("&View")
        self.movements_action = QAction("&Movements", self)
        self.movements_action.setShortcut(QKeySequence("Ctrl+1"))
        self.movements_action.triggered.connect(self.show_movements)
        self.permits_action = QAction("&Permits", self)
        self.permits_action.setShortcut(QKeySequence("Ctrl+2"))
        self.permits_action.triggered.connect(self.show_permits)
        self.map_action = QAction("M&ap", self)
        self.map_action.setShortcut(QKeySequence("Ctrl+3"))
        self.map_action.triggered.connect(self.show_map)
        view_menu.addAction(self.movements_action)
        view_menu.addAction(self.permits_action)
        view_menu.addAction(self.map_action)
        self.timeline_action = QAction("&Timeline", self)
        self.timeline_action.setShortcut(QKeySequence("Ctrl+4"))
        self.timeline_action.triggered.connect(self.show_timeline)
        view_menu.addAction(self.timeline_action)
        # Filled with the permit inbox's own actions (and their keys) for each store shown.
        self.permits_menu = self.menuBar().addMenu("&Permits")
        sync_menu = self.menuBar().addMenu("&Sync")
        self.export_action = QAction("&Export bundle…", self)
        self.export_action.setShortcut(QKeySequence("Ctrl+E"))
        self.export_action.triggered.connect(self.export_bundle)
        self.import_action = QAction("&Import bundle…", self)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.triggered.connect(self.import_bundle)
        self.sync_status_action = QAction("Sync &status", self)
        self.sync_status_action.triggered.connect(self.show_sync)
        self.conflicts_action = QAction("&Conflicts", self)
        self.conflicts_action.triggered.connect(self.show_conflicts)
        sync_menu.addAction(self.export_action)
        sync_menu.addAction(self.import_action)
        sync_menu.addSeparator()
        sync_menu.addAction(self.sync_status_action)
        sync_menu.addAction(self.conflicts_action)
        self.quarantine_action = QAction("&Quarantined changes", self)
        self.quarantine_action.triggered.connect(self.show_quarantine)
        sync_menu.addAction(self.quarantine_action)
        sync_menu.addSeparator()
        self.keys_action = QAction("&Keys and Trust…", self)
        self.keys_action.setShortcut(QKeySequence("Ctrl+K"))
        self.keys_action.triggered.connect(self.show_keys)
        self.audit_action = QAction("&Audit log…", self)
        self.audit_action.setShortcut(QKeySequence("Ctrl+L"))
        self.audit_action.triggered.connect(self.show_audit_log)
        sync_menu.addAction(self.keys_action)
        sync_menu.addAction(self.audit_action)
        help_menu = self.menuBar().addMenu("&Help")
        self.help_action = QAction("MovCon &help", self)
        self.help_action.setShortcut(QKeySequence(QKeySequence.StandardKey.HelpContents))
        self.help_action.triggered.connect(self.show_help)
        help_menu.addAction(self.help_action)
        self.about_action = QAction("&About MovCon", self)
        self.about_action.triggered.connect(self.about)
        help_menu.addAction(self.about_action)
        self._build_toolbar()

    def _build_toolbar(self) -> None:
        # Named, so that its place (and whether it is shown) is kept with the window layout.
        bar = self.addToolBar("Main toolbar")
        bar.setObjectName("main_toolbar")
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        bar.setMovable(False)
        style = self.style()
        icons = {self.open_action: QStyle.StandardPixmap.SP_DialogOpenButton,
                 self.undo_action: QStyle.StandardPixmap.SP_ArrowBack,
                 self.redo_action: QStyle.StandardPixmap.SP_ArrowForward,
                 self.find_action: QStyle.StandardPixmap.SP_FileDialogContentsView,
                 self.import_action: QStyle.StandardPixmap.SP_ArrowDown,
                 self.export_action: QStyle.StandardPixmap.SP_ArrowUp,
                 self.help_action: QStyle.StandardPixmap.SP_MessageBoxQuestion}  # fmt: skip
        for action, pixmap in icons.items():
            action.setIcon(style.standardIcon(pixmap))
        short = {self.open_action: "Open", self.undo_action: "Undo", self.redo_action: "Redo",
                 self.find_action: "Find", self.import_action: "Import bundle",
                 self.export_action: "Export bundle", self.help_action: "Help"}  # fmt: skip
        for group in ((self.open_action,), (self.undo_action, self.redo_action),
                      (self.find_action,), (self.import_action, self.export_action),
                      (self.help_action,)):  # fmt: skip
            for action in group:
                # Short on the button; the menu's text (and the tooltip taken from it) names
                # the step Undo and Redo would take.
                action.setIconText(short[action])
                bar.addAction(action)
            bar.addSeparator()
        self.toolbar = bar
        self.view_menu.addSeparator()
        self.view_menu.addAction(bar.toggleViewAction())  # "Main toolbar", ticked when shown

    def _action(
        self, text: str, key: QKeySequence.StandardKey, slot: Callable[[], object]
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(key))
        action.triggered.connect(slot)
        return action

    def _fill_permits_menu(self) -> None:
        inbox = self.permit_inbox
        self.permits_menu.clear()
        self.permits_menu.addAction(inbox.rules_action)
        self.permits_menu.addAction(inbox.expire_action)
        self.permits_menu.addSeparator()
        for action in (inbox.credit_action, inbox.form302_action, inbox.export_action):
            self.permits_menu.addAction(action)
