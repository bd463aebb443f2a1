"""The Sync panel: who this site is, sending and receiving bundles, and what peers hold."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.sync import exchange
from app.gui import bundle_transfer, display
from app.gui.bundle_transfer import Outcome, Transfer
from app.gui.views import site_keys
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from app.core.store import Store

BUNDLE_FILTER = "MovCon bundles (*.mcb);;All files (*)"
_OTHER_FOLDER = ""  # the combo entry that asks for a folder


class _TargetCombo(QComboBox):
    """Re-reads the drives each time it opens: a USB stick may have been plugged in since."""

    opening = Signal()

    def showPopup(self) -> None:
        self.opening.emit()
        super().showPopup()


class SyncPanel(QWidget):
    """Export to chosen nations, import bundle files, and the exchange status of this site."""

    data_arrived = Signal()  # an import brought changes: the window re-reads and re-plans
    review_conflicts = Signal()

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.transfer = Transfer(self)
        self.transfer.finished.connect(self._finished)
        self.transfer.failed.connect(self._failed)
        self._queue: list[Path] = []
        self._folders: list[Path] = []  # folders chosen since the console opened, newest first
        self._loaded = False
        self._nations = display.nation_names(store)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        first = QVBoxLayout()
        first.addWidget(self._build_site())
        first.addWidget(self._build_receive(), 1)
        layout.addLayout(first, 3)
        layout.addWidget(self._build_send(), 3)
        layout.addWidget(self._build_status(), 4)
        self._set_busy(False)

    # -- public -------------------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return self.transfer.busy or bool(self._queue)

    def refresh(self) -> None:
        """Re-read this site's identity, the exchange status and the drives."""
        self._loaded = True
        data = exchange.status(self.store)
        site = data["site"]
        self.site_name.setText(site["name"])
        self.nation.setText(f"{site['nation']} — {self._nations.get(site['nation'], '')}")
        self.fingerprint.setText(site["fingerprint"])
        self._fill_status(data)
        self.refresh_targets()

    def refresh_status(self) -> None:
        if self._loaded:  # not before the panel is first shown
            self.refresh()

    def recipients(self) -> list[str]:
        items = (self.nation_list.item(i) for i in range(self.nation_list.count()))
        return [i.data(Qt.ItemDataRole.UserRole) for i in items
                if i.checkState() == Qt.CheckState.Checked]  # fmt: skip

    def set_recipients(self, nations: Sequence[str]) -> None:
        for i in range(self.nation_list.count()):
            item = self.nation_list.item(i)
            item.setCheckState(Qt.CheckState.Checked if item.data(Qt.ItemDataRole.UserRole)
                               in nations else Qt.CheckState.Unchecked)  # fmt: skip

    def prepare_export(self) -> None:
        """Focus where the export needs the user next: the nations, or the button."""
        if self.recipients():
            self.export_button.setFocus()
        else:
            self.nation_list.setFocus()

    def export_bundle(self) -> None:
        nations = self.recipients()
        if not nations or self.busy:
            return
        folder = self._target_folder() or self.choose_folder()
        if folder is None:
            return
        name = bundle_transfer.bundle_file_name(self.store.nation, nations,
                                                datetime.now(timefmt.UTC))  # fmt: skip
        out = bundle_transfer.unused_path(folder, name)
        self.report.clear()
        self._begin(f"Writing {out.name}…",
                    partial(bundle_transfer.export_bundle, self.store.path, nations, out))

    def choose_import(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import bundle", str(self._start_folder()),
                                                BUNDLE_FILTER)  # fmt: skip
        if paths:
            self.import_files([Path(p) for p in paths])

    def import_files(self, paths: Sequence[Path]) -> None:
        """Import these files one after the other (the core refuses any that is no bundle)."""
        if not self.busy:
            self.report.clear()
        self._queue.extend(paths)
        if not self.transfer.busy:
            self._next_import()

    def choose_folder(self) -> Path | None:
        folder = QFileDialog.getExistingDirectory(self, "Export bundle to folder",
                                                  str(self._start_folder()))  # fmt: skip
        if not folder:
            self._select_first_target()
            return None
        path = Path(folder)
        if path in self._folders:
            self._folders.remove(path)
        self._folders.insert(0, path)
        self.refresh_targets()
        self.target.setCurrentIndex(self.target.findData(str(path)))
        return path

    def cancel(self) -> None:
        """Stop the running transfer; what is queued is dropped."""
        self._queue.clear()
        if self.transfer.busy:
            self.transfer.stop()
            self.cancel_button.setEnabled(False)
            self.activity.setText(self.activity.text() + "  Stopping…")

    def refresh_targets(self) -> None:
        current = self.target.currentData()
        self.target.clear()
        for drive in bundle_transfer.removable_drives():
            self.target.addItem(drive.text, str(drive.path))
            self.target.setItemData(self.target.count() - 1, str(drive.path),
                                    Qt.ItemDataRole.ToolTipRole)  # fmt: skip
        for folder in self._folders:
            if self.target.findData(str(folder)) < 0:
                self.target.addItem(str(folder), str(folder))
        self.target.addItem("Another folder…", _OTHER_FOLDER)
        index = self.target.findData(current) if current else -1
        self.target.setCurrentIndex(max(index, 0))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if not self._loaded:
            self.refresh()

    # -- building -----------------------------------------------------------------------
    def _build_site(self) -> QGroupBox:
        box = QGroupBox("This site")
        form = QFormLayout(box)
        self.site_name = QLabel()
        self.nation = QLabel()
        self.fingerprint = QLabel()
        self.fingerprint.setWordWrap(True)
        self.fingerprint.setToolTip("The key fingerprint: read these words to the officer of "
                                    "another cell to confirm that their copy of this site's key "
                                    "is the right one.")  # fmt: skip
        for label in (self.site_name, self.fingerprint):
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow("Site", self.site_name)
        form.addRow("Nation", self.nation)
        form.addRow("Key", self.fingerprint)
        self.export_key_button = QPushButton("Save my key…")
        self.export_key_button.clicked.connect(
            lambda: site_keys.export_key(self, self.store, self._start_folder()))
        self.trust_key_button = QPushButton("Trust a key…")
        self.trust_key_button.setToolTip("Bundles are accepted only from sites whose key this "
                                         "store trusts.")  # fmt: skip
        self.trust_key_button.clicked.connect(self._trust_key)
        buttons = QHBoxLayout()
        buttons.addWidget(self.export_key_button)
        buttons.addWidget(self.trust_key_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        box.setMinimumWidth(box.fontMetrics().horizontalAdvance("M") * 20)
        return box

    def _trust_key(self) -> None:
        if site_keys.trust_key_file(self, self.store, self._start_folder()):
            self.refresh()

    def _accept_held(self) -> None:
        answer = QMessageBox.question(
            self, "Accept held changes?",
            "These changes were stamped more than ten minutes ahead of this laptop's clock. "
            "Check this laptop's clock first, and accept them only if it is right (then the "
            "sender's clock was fast).")
        if answer != QMessageBox.StandardButton.Yes:
            return
        accepted = exchange.release_held(self.store)
        plural = "s" if accepted != 1 else ""
        self._report([f"accepted and merged {accepted} held change{plural}"])
        self.refresh()
        self.data_arrived.emit()

    def _build_receive(self) -> QGroupBox:
        box = QGroupBox("Receive")
        self.import_button = QPushButton("Import bundle…")
        self.import_button.clicked.connect(self.choose_import)
        hint = QLabel("…or drop bundle files (.mcb) here or on the main window.")
        hint.setWordWrap(True)
        display.mute(hint)
        self.activity = QLabel()
        self.activity.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)  # busy: the core reports no steps
        self.progress.setTextVisible(False)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop: an import stopped before its commit writes "
                                      "nothing; one already committing runs to its end.")
        self.cancel_button.clicked.connect(self.cancel)
        self.activity_row = QWidget()
        activity = QVBoxLayout(self.activity_row)
        activity.setContentsMargins(0, 0, 0, 0)
        activity.addWidget(self.activity)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_button)
        activity.addLayout(bar)
        self.report = QPlainTextEdit()
        self.report.setReadOnly(True)
        self.report.setPlaceholderText("What an export or import did is reported here.")
        layout = QVBoxLayout(box)
        layout.addWidget(self.import_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(hint)
        layout.addWidget(self.activity_row)
        layout.addWidget(self.report, 1)
        return box

    def _build_send(self) -> QGroupBox:
        box = QGroupBox("Send")
        self.nation_list = QListWidget()
        self.nation_list.setFlow(QListView.Flow.LeftToRight)
        self.nation_list.setWrapping(True)
        self.nation_list.setResizeMode(QListView.ResizeMode.Adjust)
        metrics = self.nation_list.fontMetrics()
        widest = 0
        for code, name in self._nations.items():
            if code == self.store.nation:
                continue
            item = QListWidgetItem(f"{code}  {name}")
            item.setData(Qt.ItemDataRole.UserRole, code)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.nation_list.addItem(item)
            widest = max(widest, metrics.horizontalAdvance(item.text()))
        # A grid wide enough for the longest name plus its check box: nothing is cut short.
        # Two columns at least, so the usual dozen and a half nations need no scrolling.
        cell = QSize(widest + 36, metrics.height() + 8)
        self.nation_list.setGridSize(cell)
        for i in range(self.nation_list.count()):  # whole cells: check boxes are not clipped
            self.nation_list.item(i).setSizeHint(cell)
        self.nation_list.setMinimumSize(2 * cell.width() + 24, 3 * cell.height() + 6)
        self.nation_list.itemChanged.connect(self._recipients_changed)

        self.target = _TargetCombo()
        self.target.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.target.setMinimumContentsLength(20)
        self.target.opening.connect(self.refresh_targets)
        self.target.activated.connect(self._target_chosen)
        self.file_name = QLabel()
        # Named for many nations the file name is long: it may be cut, never widen the panel.
        self.file_name.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.file_name.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        display.mute(self.file_name)
        self.export_button = QPushButton("Export bundle")
        self.export_button.clicked.connect(self.export_bundle)

        layout = QVBoxLayout(box)
        layout.addWidget(QLabel("To"))
        layout.addWidget(self.nation_list, 1)
        layout.addWidget(QLabel("Save to"))
        layout.addWidget(self.target)
        layout.addWidget(self.file_name)
        layout.addWidget(self.export_button, 0, Qt.AlignmentFlag.AlignRight)
        self.refresh_targets()
        self._recipients_changed()
        return box

    def _build_status(self) -> QGroupBox:
        box = QGroupBox("Exchange status")
        self.peers = RecordTable(("Nation", "Site", "Last bundle received", "Lacks from us"),
                                 "No bundle received from another site yet.",
                                 numeric=(3,), stretch=(1,))  # fmt: skip
        self.peers.table.horizontalHeaderItem(3).setToolTip(
            "How many of the changes this store holds that site lacked, as far as its last "
            "bundle tells.")
        self.sent = RecordTable(("Nation", "Last bundle sent", "Changes"),
                                "No bundle sent yet.", numeric=(2,), stretch=(0,))  # fmt: skip
        self.counts = QLabel()
        self.counts.setToolTip("Held changes are stamped too far ahead of this laptop's clock; "
                               "they wait until the clocks are checked. Quarantined changes "
                               "came from sites without authority over the record (see the "
                               "Quarantine tab).")
        self.review_button = QPushButton("Review conflicts")
        self.review_button.clicked.connect(self.review_conflicts)
        self.accept_held_button = QPushButton("Accept held…")
        self.accept_held_button.clicked.connect(self._accept_held)
        counts = QHBoxLayout()
        counts.addWidget(self.counts, 1)
        counts.addWidget(self.accept_held_button)
        counts.addWidget(self.review_button)
        layout = QVBoxLayout(box)
        layout.addWidget(QLabel("Sites heard from"))
        layout.addWidget(self.peers, 3)
        layout.addWidget(QLabel("Sent to"))
        layout.addWidget(self.sent, 2)
        layout.addLayout(counts)
        return box

    # -- reactions ----------------------------------------------------------------------
    def _fill_status(self, data: dict[str, Any]) -> None:
        self.peers.set_rows([
            (p["nation"], p["name"], display.time_text(p["last_received_at"]),
             f"{sum(p['lacks_from_us'].values()):,}") for p in data["peers"]])
        self.sent.set_rows([
            (f"{s['nation']}  {self._nations.get(s['nation'], '')}".rstrip(),
             display.time_text(s["sent_at"]), f"{s['changes']:,}") for s in data["sent"]])
        conflicts, held = data["conflicts_open"], data["held"]
        quarantined = data.get("quarantined", 0)
        self.counts.setText(f"Conflicts to review: {conflicts}    Held changes: {held}"
                            + (f"    Quarantined: {quarantined}" if quarantined else ""))
        self.review_button.setEnabled(conflicts > 0)
        self.accept_held_button.setEnabled(held > 0)

    def _recipients_changed(self) -> None:
        nations = self.recipients()
        self.export_button.setEnabled(bool(nations) and not self.transfer.busy)
        self.file_name.setText(bundle_transfer.bundle_file_name(
            self.store.nation, nations, datetime.now(timefmt.UTC)) if nations
            else "Tick the nations to send to.")  # fmt: skip
        self.file_name.setToolTip(self.file_name.text())

    def _target_chosen(self, index: int) -> None:
        if self.target.itemData(index) == _OTHER_FOLDER:
            self.choose_folder()

    def _target_folder(self) -> Path | None:
        data = self.target.currentData()
        return Path(data) if data else None

    def _select_first_target(self) -> None:
        # The dialog was cancelled: back to a drive or folder, not the entry that asks.
        self.target.setCurrentIndex(max(0, next(
            (i for i in range(self.target.count()) if self.target.itemData(i)), 0)))

    def _start_folder(self) -> Path:
        return self._target_folder() or (self._folders[0] if self._folders else Path.home())

    def _next_import(self) -> None:
        if not self._queue:
            return
        bundle = self._queue.pop(0)
        self._begin(f"Importing {bundle.name}…",
                    partial(bundle_transfer.import_bundle, self.store.path, bundle))

    def _begin(self, text: str, work: Any) -> None:
        self.activity.setText(text)
        self._set_busy(True)
        self.transfer.start(work)

    def _set_busy(self, busy: bool) -> None:
        self.activity_row.setVisible(busy)
        self.cancel_button.setEnabled(busy)
        self.import_button.setEnabled(not busy)
        self.export_button.setEnabled(not busy and bool(self.recipients()))

    def _finished(self, outcome: Outcome) -> None:
        self._report(outcome.lines)
        if outcome.kind == "stopped":
            self._queue.clear()
        self._set_busy(bool(self._queue))
        self.refresh()
        if outcome.changed:
            self.data_arrived.emit()
        self._next_import()

    def _failed(self, details: str) -> None:
        self._queue.clear()
        self._set_busy(False)
        self._report(["Failed unexpectedly:", details.rstrip()])
        self.refresh()

    def _report(self, lines: Sequence[str]) -> None:
        if self.report.toPlainText():
            self.report.appendPlainText("")
        self.report.appendPlainText("\n".join(lines))


