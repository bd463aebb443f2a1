"""Keys and Trust: who this site is, which nation keys it trusts, the certificates and
revocations it knows, and the key officer's tools.

A nation's root key is trusted only once somebody typed the words its key officer read
out over the phone; sites are then known by the certificates that key signed. Every step
that opens a nation key file runs in a worker (Argon2id), see `key_officer`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.core import timefmt
from app.core.sync import exchange, keys
from app.core.trust import enrolment, nation_keys, registry
from app.core.trust.certificates import Certificate, Revoked
from app.core.trust.nation_keys import NationKeyError, NationPublic
from app.core.trust.registry import TrustError
from app.gui import display
from app.gui.views import site_keys
from app.gui.views.key_officer import (
    CertifyDialog,
    CreateNationKeyDialog,
    RevokeDialog,
    role_title,
)
from app.gui.views.key_parts import (
    ENROLMENT_FILTER,
    NATION_KEY_FILTER,
    Status,
    TaskDialog,
    note,
    selectable,
    words_label,
    write_problem,
)
from app.gui.views.record_table import RecordTable

if TYPE_CHECKING:
    from app.core.store import Store

_Task = TypeVar("_Task", bound=TaskDialog)

NOT_CERTIFIED = ("Not certified yet: save this site's key file and give it to your nation's "
                 "key officer")
SITE_HEADINGS = ("Site", "Nation", "Role", "Valid from", "Valid until", "State")
NATION_HEADINGS = ("Nation", "Key words", "Trusted", "By")
REVOCATION_HEADINGS = ("Nation", "List", "Site", "Refused from", "Reason")


def certificate_state(cert: Certificate, revoked: Revoked | None, now: datetime) -> str:
    if revoked is not None:
        why = f": {revoked.reason}" if revoked.reason else ""
        return f"Revoked from {display.time_text(revoked.since)}{why}"
    if cert.valid_at(now):
        return "Valid"
    if timefmt.parse_utc(cert.not_before) > now:
        return "Not valid yet"
    return "Expired"


def _words_field() -> QLineEdit:
    edit = QLineEdit()
    edit.setPlaceholderText("the six words, as they are read to you")
    return edit


class TrustNationDialog(TaskDialog):
    """Trust a nation's root key once the words read over the phone match its file."""

    def __init__(self, store: Store, public: NationPublic, path: Path,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__(f"Trust {public.nation}'s nation key", "&Trust key", parent)
        self.store, self.public = store, public
        names = display.nation_names(store)
        self.form.addRow(note(
            f"Call {public.nation}'s key officer on a number you know (not one given with the "
            "file) and ask them to read out their nation key's words. Type what they read: "
            "the key is trusted only if it matches the words below."))
        self.form.addRow("Nation:", selectable(f"{public.nation} — "
                                               f"{names.get(public.nation, public.nation)}"))
        self.form.addRow("File:", selectable(str(path), wrap=False))
        self.form.addRow("Words in the file:", words_label(public.fingerprint))
        self.words = _words_field()
        label = QLabel("&Words read to you:")
        label.setBuddy(self.words)
        self.form.addRow(label, self.words)
        self.resize(620, self.sizeHint().height())

    def go(self) -> None:
        if not self.words.text().strip():
            raise ValueError("type the six words the key officer reads to you")
        outcome = registry.trust_nation(self.store, self.public, self.words.text())
        self.finish(f"{self.public.nation}'s nation key: {outcome}. Certificates and "
                    f"revocations it signed are now taken from bundles.")


class InstallEnrolmentDialog(TaskDialog):
    """Install this site's certificate; first trust its nation's key if it is not yet."""

    def __init__(self, store: Store, made: enrolment.Enrolment, path: Path,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("Install enrolment file", "&Install", parent)
        self.store, self.made = store, made
        cert, nation = made.certificate, made.nation
        trusted = registry.nation_public(store, nation.nation)
        self.form.addRow("File:", selectable(str(path), wrap=False))
        self.form.addRow("Site:", selectable(f"{cert.site_name or cert.site_id} "
                                             f"({cert.nation}), site {cert.site_id}"))
        self.form.addRow("Role:", selectable(f"{role_title(cert.role)} — "
                                             f"{cert.role} certificate"))
        self.form.addRow("Valid:", selectable(f"from {display.time_text(cert.not_before)} until "
                                              f"{display.time_text(cert.not_after)}"))
        self.words: QLineEdit | None = None
        if trusted is not None and trusted.root_key == nation.root_key:
            self.form.addRow("Signed by:", selectable(f"{nation.nation}'s nation key, trusted "
                                                      "here already"))
        else:
            self.form.addRow(note(
                f"This store does not trust {nation.nation}'s nation key yet. Call your key "
                "officer and ask them to read out the nation key's words; type what they read. "
                "The certificate is installed only if it matches the words below."))
            self.form.addRow("Nation key words:", words_label(nation.fingerprint))
            self.words = _words_field()
            label = QLabel("&Words read to you:")
            label.setBuddy(self.words)
            self.form.addRow(label, self.words)
        self.resize(620, self.sizeHint().height())

    def go(self) -> None:
        words = None
        if self.words is not None:
            words = self.words.text()
            if not words.strip():
                raise ValueError("type the six words your key officer reads to you")
        cert = enrolment.install(self.store, self.made, words)
        self.finish(f"Installed: this site is certified as {role_title(cert.role).lower()} "
                    f"until {display.time_text(cert.not_after)}.")


class KeysTrustDialog(QDialog):
    """Not modal, like the audit log; Esc closes it. Tabs: this site, nations, sites,
    revocations, and the key officer's tools."""

    changed = Signal()  # trust changed: the console re-reads what depends on it

    def __init__(self, store: Store, parent: QWidget | None = None,
                 cost: nation_keys.Cost = nation_keys.DEFAULT_COST) -> None:  # fmt: skip
        super().__init__(parent)
        self.store = store
        self.cost = cost  # of new nation keys (tests pass a cheap one)
        self.folder = Path.home()
        self.task: TaskDialog | None = None  # the step open now, if any
        self._nations = display.nation_names(store)
        self.setWindowTitle(f"Keys and Trust — {store.site_name} ({store.nation})")
        self.setModal(False)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._build_site(), "&This site")
        self.tabs.addTab(self._build_nations(), "&Nations")
        self.tabs.addTab(self._build_sites(), "&Sites")
        self.tabs.addTab(self._build_revocations(), "&Revocations")
        self.tabs.addTab(self._build_officer(), "&Key officer")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)
        # Enter must not press whichever button had focus last and close or start something.
        for button in self.findChildren(QPushButton):
            button.setAutoDefault(False)
        self.resize(980, 540)
        self.refresh()

    # -- public -------------------------------------------------------------------------
    def refresh(self) -> None:
        now = datetime.now(timefmt.UTC)
        lists = {rl.nation: rl for rl in registry.all_revocations(self.store)}

        def revoked(cert: Certificate) -> Revoked | None:
            rl = lists.get(cert.nation)
            return rl.entry(cert.site_id) if rl else None

        self._fill_site(now, revoked)
        trusted = registry.trusted_nations(self.store)
        self.nations_table.set_rows([
            (self._nation(t.public.nation), t.public.fingerprint,
             display.time_text(t.trusted_at), t.trusted_by) for t in trusted])
        certs = sorted(registry.certificates(self.store),
                       key=lambda c: (c.nation, (c.site_name or c.site_id).lower(),
                                      c.not_before))  # fmt: skip
        table = self.sites_table.table
        table.setSortingEnabled(False)  # rows go in where they are put, then sorted
        self.sites_table.set_rows(
            [(self._site_text(c), self._nation(c.nation), role_title(c.role),
              display.time_text(c.not_before), display.time_text(c.not_after),
              certificate_state(c, revoked(c), now)) for c in certs],
            [f"Site {c.site_id}\nCertificate {c.serial}, issued "
             f"{display.time_text(c.issued_at)}\nKey words: {keys.fingerprint(c.signing_key)}"
             for c in certs])
        table.setSortingEnabled(True)
        names = {c.site_id: c.site_name for c in certs if c.site_name}
        rows, tips = [], []
        for rl in lists.values():
            for r in sorted(rl.revoked, key=lambda r: r.since, reverse=True):
                rows.append((self._nation(rl.nation), f"No. {rl.number}",
                             names.get(r.site_id, r.site_id), display.time_text(r.since),
                             r.reason))
                tips.append(f"Site {r.site_id}\n{rl.nation}'s list no. {rl.number}, issued "
                            f"{display.time_text(rl.issued_at)}")
        self.revocations_table.set_rows(rows, tips)

    def save_key_file(self, path: Path | None = None) -> Path | None:
        """Write this site's key file (asking where if no `path`)."""
        if path is None:
            name, _ = QFileDialog.getSaveFileName(
                self, "Save this site's key file", str(self.folder / site_keys.key_file_name(
                    self.store)), site_keys.KEY_FILTER)
            if not name:
                return None
            path = Path(name)
        try:
            words = site_keys.write_key(self.store, path)
        except OSError as exc:
            self.site_status.problem(write_problem(path, exc))
            return None
        self.folder = path.parent
        self.site_status.ok(f"Saved {path}. Give it to your nation's key officer and read them "
                            f"the words “{words}” over the phone.")
        return path

    def install_enrolment(self, path: Path | None = None) -> InstallEnrolmentDialog | None:
        """Read an enrolment file (asking which if no `path`) and open its confirmation."""
        path = path or self._open_file("Install enrolment file", ENROLMENT_FILTER)
        if path is None:
            return None
        try:
            made = enrolment.read(path)
        except TrustError as exc:
            self.site_status.problem(str(exc))
            return None
        return self._open_task(InstallEnrolmentDialog(self.store, made, path, self),
                               self.site_status)

    def trust_nation_file(self, path: Path | None = None) -> TrustNationDialog | None:
        """Read a nation's public key file (asking which if no `path`) and ask for its words."""
        path = path or self._open_file("Trust a nation key", NATION_KEY_FILTER)
        if path is None:
            return None
        try:
            public = nation_keys.read_public(path)
        except NationKeyError as exc:
            self.nations_status.problem(str(exc))
            return None
        return self._open_task(TrustNationDialog(self.store, public, path, self),
                               self.nations_status)

    def revoke_site(self) -> RevokeDialog:
        return self._open_task(RevokeDialog(self.store, self._folder, self),
                               self.revocations_status)

    def create_nation_key(self) -> CreateNationKeyDialog:
        return self._open_task(CreateNationKeyDialog(self.store.nation, self._folder, self.cost,
                                                     self), self.officer_status)  # fmt: skip

    def certify_site(self) -> CertifyDialog:
        return self._open_task(CertifyDialog(self.store, self._folder, self),
                               self.officer_status)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()  # certificates and revocations may have arrived in bundles

    # -- building -----------------------------------------------------------------------
    def _build_site(self) -> QWidget:
        page = QWidget()
        form = QFormLayout()
        self.site_nation = selectable()
        self.site_name = selectable()
        self.site_id = selectable()
        self.site_words = words_label()
        self.certificate = selectable()
        self.nation_key = selectable()
        form.addRow("Nation:", self.site_nation)
        form.addRow("Site:", self.site_name)
        form.addRow("Site id:", self.site_id)
        form.addRow("Key words:", self.site_words)
        form.addRow("Certificate:", self.certificate)
        form.addRow("Nation key:", self.nation_key)
        self.save_key_button = QPushButton("Sa&ve key file…")
        self.save_key_button.setToolTip("The key file your nation's key officer certifies: it "
                                        "carries this site's public keys, nothing secret.")
        self.save_key_button.clicked.connect(lambda: self.save_key_file())
        self.install_button = QPushButton("&Install enrolment file…")
        self.install_button.setToolTip("The file your key officer made from this site's key "
                                       "file: this site's certificate.")
        self.install_button.clicked.connect(lambda: self.install_enrolment())
        self.site_status = Status()
        self.site_note = note("")
        return _page(page, [form], [self.save_key_button, self.install_button],
                     self.site_status, self.site_note)

    def _fill_site(self, now: datetime, revoked: Callable[[Certificate], Revoked | None]) -> None:
        store = self.store
        self.site_nation.setText(self._nation(store.nation))
        self.site_name.setText(store.site_name)
        self.site_id.setText(store.site_id)
        self.site_words.setText(keys.fingerprint(exchange.site_public_key(store)))
        cert = registry.own_certificate(store)
        self.site_note.setText(
            "To be certified: save this site's key file and give it to your nation's key "
            "officer (on a USB stick), and read them the key words over the phone. Then install "
            "the enrolment file they give you back." if cert is None else
            "Other sites know this one by its certificate, which travels in its bundles. "
            "Before it expires, ask your key officer for a new enrolment file and install it "
            "here.")
        if cert is None:
            self.certificate.setText(NOT_CERTIFIED)
        else:
            state = certificate_state(cert, revoked(cert), now)
            self.certificate.setText(
                f"{role_title(cert.role)}, valid from {display.time_text(cert.not_before)} "
                f"until {display.time_text(cert.not_after)}"
                + ("" if state == "Valid" else f" — {state}"))
        own = registry.nation_public(store, store.nation)
        self.nation_key.setText(
            f"Trusted: “{own.fingerprint}”" if own else
            "Not trusted yet: it is trusted when you install your enrolment file")

    def _build_nations(self) -> QWidget:
        self.nations_table = RecordTable(NATION_HEADINGS, "No nation key trusted yet",
                                         stretch=(1,))  # fmt: skip
        self.trust_nation_button = QPushButton("Tr&ust a nation key…")
        self.trust_nation_button.clicked.connect(lambda: self.trust_nation_file())
        self.nations_status = Status()
        return _page(QWidget(), [self.nations_table], [self.trust_nation_button],
                     self.nations_status, note(
                         "Nation keys sign the certificates of their sites and the lists of "
                         "sites they revoked. Trust one only after its key officer read you its "
                         "words over the phone: bundles then bring its sites' certificates."))

    def _build_sites(self) -> QWidget:
        self.sites_table = RecordTable(SITE_HEADINGS, "No site certificate known yet",
                                       stretch=(5,))  # fmt: skip
        header = self.sites_table.table.horizontalHeader()
        header.setSortIndicator(1, Qt.SortOrder.AscendingOrder)
        header.setSortIndicatorShown(True)
        return _page(QWidget(), [self.sites_table], [], None, note(
            "Certificates signed by a trusted nation key: what each site may change. They "
            "arrive with bundles. Click a heading to sort."))

    def _build_revocations(self) -> QWidget:
        self.revocations_table = RecordTable(REVOCATION_HEADINGS, "No site revoked",
                                             stretch=(4,))  # fmt: skip
        self.revoke_button = QPushButton("Re&voke a site…")
        self.revoke_button.setToolTip("For the nation's key officer: needs the nation key file "
                                      "and its passphrase.")
        self.revoke_button.clicked.connect(self.revoke_site)
        self.revocations_status = Status()
        return _page(QWidget(), [self.revocations_table], [self.revoke_button],
                     self.revocations_status, note(
                         "Changes a revoked site stamped from the time shown on are refused. "
                         "A revocation made here travels to the other sites in the next "
                         "bundles this store sends."))

    def _build_officer(self) -> QWidget:
        self.create_key_button = QPushButton("Cr&eate nation key…")
        self.create_key_button.clicked.connect(self.create_nation_key)
        self.certify_button = QPushButton("Certi&fy a site…")
        self.certify_button.clicked.connect(self.certify_site)
        self.officer_revoke_button = QPushButton("Re&voke a site…")
        self.officer_revoke_button.clicked.connect(self.revoke_site)
        width = max(b.sizeHint().width() for b in (
            self.create_key_button, self.certify_button, self.officer_revoke_button)) + 24
        for button in (self.create_key_button, self.certify_button, self.officer_revoke_button):
            button.setMinimumWidth(width)
        self.officer_status = Status()
        create = _tool(self.create_key_button,
                       "Once per nation: makes the nation key file (kept under a passphrase) "
                       "and its public file for the other nations. Announce its words to their "
                       "key officers.")
        certify = _tool(self.certify_button,
                        "From a site's key file: writes the enrolment file that site installs. "
                        "Compare the site's key words with its officer before certifying.")
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addWidget(note(
            "For your nation's key officer only. The nation key file and its passphrase "
            "certify and revoke your nation's sites: keep the file on removable media locked "
            "away, never on this laptop's disk or a shared drive."))
        layout.addWidget(create)
        layout.addWidget(certify)
        layout.addWidget(_tool(self.officer_revoke_button,
                               "A lost or compromised laptop of your nation: its changes from a "
                               "time on are refused everywhere the revocation reaches (the "
                               "Revocations tab lists them)."))
        layout.addWidget(self.officer_status)
        layout.addStretch(1)
        return page

    # -- reactions ----------------------------------------------------------------------
    def _open_file(self, caption: str, file_filter: str) -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self, caption, str(self.folder), file_filter)
        if not name:
            return None
        self.folder = Path(name).parent
        return Path(name)

    def _folder(self) -> Path:
        return self.folder

    def _open_task(self, task: _Task, status: Status) -> _Task:
        if self.task is not None and not self.task.busy:
            self.task.close()
            self.task.deleteLater()
        self.task = task
        status.clear()

        def done() -> None:
            status.ok(task.done_text)
            self.refresh()
            self.changed.emit()

        task.accepted.connect(done)
        task.open()  # window-modal, and the event loop goes on (workers report back)
        return task

    def _nation(self, code: str) -> str:
        return f"{code} — {self._nations.get(code, code)}"

    def _site_text(self, cert: Certificate) -> str:
        name = cert.site_name or cert.site_id
        return f"{name} (this site)" if cert.site_id == self.store.site_id else name


def _page(page: QWidget, top: list[QWidget | QFormLayout], buttons: list[QPushButton],
          status: Status | None, explanation: QLabel) -> QWidget:  # fmt: skip
    layout = QVBoxLayout(page)
    layout.addWidget(explanation)
    for part in top:
        if isinstance(part, QFormLayout):
            layout.addLayout(part)
        else:
            layout.addWidget(part, 1)
    if status is not None:
        layout.addWidget(status)
    row = QHBoxLayout()
    for button in buttons:
        row.addWidget(button)
    row.addStretch(1)
    layout.addLayout(row)
    if not any(isinstance(p, QWidget) for p in top):
        layout.addStretch(1)
    return page


def _tool(button: QPushButton, text: str) -> QGroupBox:
    box = QGroupBox()
    row = QHBoxLayout(box)
    row.addWidget(button, 0, Qt.AlignmentFlag.AlignTop)
    label = QLabel(text)
    label.setWordWrap(True)
    row.addWidget(label, 1)
    return box

