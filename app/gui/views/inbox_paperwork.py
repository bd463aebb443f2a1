"""The permit inbox's paperwork (a mixin of PermitInbox): the files it saves.

The movement credit of an approved permit and a draft Form 302 for a request of ours, as
PDFs, and the list as filtered and sorted, as CSV; each carries the classification marking
the console sets. Apart from the view, as the map's exports are from the map.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialog

from app.core.domain import vocabulary
from app.core.permits import inbox
from app.core.permits.export import write_csv
from app.core.permits.paperwork import CREDIT_STATUSES, NO_FORM302_STATUSES, PaperworkError
from app.gui import files
from app.gui.paperwork import credit_pdf, form302_pdf
from app.gui.views.form302_dialog import Form302Dialog
from app.gui.views.inbox_panel import sentence

if TYPE_CHECKING:
    from app.core.store import Store
    from app.gui.models.permit_table import PermitTableModel


def _write_problem(path: Path, exc: OSError) -> str:
    """A failed save in one line, naming the file the user chose (not a temporary one)."""
    if exc.strerror:
        return f"Cannot write {path}: {exc.strerror}."
    return sentence(str(exc))


@contextlib.contextmanager
def _busy() -> Iterator[None]:
    # Laying out a PDF takes a moment; the cursor says the console has not hung.
    QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QApplication.restoreOverrideCursor()


class InboxPaperwork:
    """The credit, the Form 302 and the CSV list, for PermitInbox (which holds the rest)."""

    # What the inbox gives the paperwork.
    _store: Store
    _now: Callable[[], datetime]
    _nations: dict[str, str]
    model: PermitTableModel
    reveal: Any  # Signal(): show the inbox
    save_folder: Path
    marking_source: Callable[[], tuple[str, str]] | None
    say: Callable[..., None]
    apply_filter: Callable[[], None]
    _selection_or_say: Callable[[], dict[str, Any] | None]
    _after_write: Callable[..., None]

    def marking(self) -> tuple[str, str] | None:
        """The classification marking (text, colour) for the files saved here, or None."""
        found = self.marking_source() if self.marking_source is not None else None
        return found if found and found[0] else None

    # -- paperwork ----------------------------------------------------------------------
    def save_credit(self) -> None:
        """Save the selected approved permit's movement credit as a PDF (Ctrl+P)."""
        self.reveal.emit()
        item = self._selection_or_say()
        if item is None:
            return
        if item["status"] not in CREDIT_STATUSES:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: a movement credit is only for an approved "
                     "permit.", True)  # fmt: skip
            return
        permit = self._store.get("permits", item["id"]) or {}
        number = permit.get("movement_number") or item["reference"] or item["movement"]
        path = files.ask_save_path(self, "Save movement credit", self.save_folder,
                                   files.safe_name(f"Movement credit {number}") + ".pdf",
                                   "PDF documents", ".pdf")  # fmt: skip
        if path is None:
            return
        try:
            with _busy():
                credit_pdf(self._store, item["id"], path, now=self._now(),
                           marking=self.marking())
        except PaperworkError as exc:
            self.say(sentence(str(exc)), True)
            return
        except OSError as exc:
            self.say(_write_problem(path, exc), True)
            return
        self.save_folder = path.parent
        self.say(f"Movement credit saved: {path}")
        files.offer_open(self, "Movement credit saved",
                         f"The movement credit for “{item['movement']}” is saved.", path)

    def save_form302(self) -> None:
        """Save a draft Form 302 for the selected request of this nation (Ctrl+Shift+P); the
        serial it is issued under is recorded on the permit."""
        self.reveal.emit()
        item = self._selection_or_say()
        if item is None:
            return
        if item["owner"] != self._store.nation:
            owner = self._nations.get(item["owner"], item["owner"])
            self.say(f"{owner} issues the Form 302 of its own movements; draft one for a "
                     "request of yours (Outgoing).", True)  # fmt: skip
            return
        if item["status"] in NO_FORM302_STATUSES:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: no goods move under it, so there is nothing to "
                     "declare.", True)  # fmt: skip
            return
        serial = (self._store.get("permits", item["id"]) or {}).get("form302_serial") or ""
        dialog = Form302Dialog(item["movement"], serial, parent=self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        customs, activity = dialog.choice()
        same = serial and serial[10:12] == customs + activity
        path = files.ask_save_path(self, "Save Form 302 draft", self.save_folder,
                                   files.safe_name(f"Form 302 draft "
                                                   f"{serial if same else item['movement']}")
                                   + ".pdf", "PDF documents", ".pdf")  # fmt: skip
        if path is None:
            return
        problem = ""
        try:
            with _busy():
                form302_pdf(self._store, item["id"], path, customs, activity, now=self._now(),
                            marking=self.marking())
        except PaperworkError as exc:
            problem = sentence(str(exc))
        except OSError as exc:
            problem = _write_problem(path, exc)
        # The serial is recorded before the file is written: it may be, even on a failure.
        issued = (self._store.get("permits", item["id"]) or {}).get("form302_serial") or ""
        if issued != serial:
            self.model.reload_permit(item["id"])
            self._after_write()  # the serial waits to be exported with the next bundle
        if problem:
            self.say(problem, True)
            return
        self.save_folder = path.parent
        self.say(f"Form 302 draft {issued} saved: {path}")
        files.offer_open(self, "Form 302 draft saved",
                         f"The draft Form 302 {issued} for “{item['movement']}” is saved.",
                         path)  # fmt: skip

    def export_csv(self) -> None:
        """Save every permit the filter matches, in the inbox's order, as CSV
        (Ctrl+Shift+E): all of them, not only those scrolled to."""
        self.reveal.emit()
        self.apply_filter()  # a filter still being typed counts
        flt = self.model.inbox_filter
        if not self.model.total:
            self.say("No permit matches the filter: there is nothing to export.", True)
            return
        name = f"Permits {self._store.nation} {flt.direction} {self._now():%Y-%m-%d}"
        path = files.ask_save_path(self, "Export permit list", self.save_folder,
                                   files.safe_name(name) + ".csv", "CSV files", ".csv")
        if path is None:
            return
        order, descending = self.model.order
        marking = self.marking()
        try:
            with _busy():
                count = write_csv(inbox.page(self._store, flt, order, descending), path,
                                  marking[0] if marking else None)
        except OSError as exc:
            self.say(_write_problem(path, exc), True)
            return
        self.save_folder = path.parent
        noun = "permit" if count == 1 else "permits"
        self.say(f"Exported {count:,} {noun} to {path}")
        files.offer_open(self, "Permit list exported",
                         f"{count:,} {noun} exported, as filtered and sorted.", path)
