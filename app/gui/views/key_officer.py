"""What only a nation's key officer does: create the nation key, certify a site, revoke one.

Each opens the nation key file with its passphrase (Argon2id: up to a second, so in a
worker) and then acts; a wrong passphrase or a wrong file is said in the dialog, which
stays open, and nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QDateTime, QTimeZone
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateTimeEdit,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

from app.core import audit, timefmt
from app.core.store import baseline
from app.core.sync import keys
from app.core.sync.keys import SITE_ID_RE
from app.core.trust import certificates, enrolment, nation_keys, registry
from app.core.trust.certificates import ROLES, DocumentError
from app.core.trust.nation_keys import NationKeyError, NationPublic
from app.core.trust.registry import TrustError
from app.gui import display
from app.gui.views.key_parts import (
    ENROLMENT_FILTER,
    EXPECTED,
    NATION_KEY_FILTER,
    FileField,
    TaskDialog,
    note,
    problem_text,
    selectable,
    words_label,
)
from app.gui.views.site_keys import KEY_FILTER

if TYPE_CHECKING:
    from app.core.store import Store

Folder = Callable[[], Path]


def role_title(role: str) -> str:
    """'Coordination cell' for 'cell': the part of the description before its colon."""
    return ROLES.get(role, role).split(":")[0]


def public_path(private: Path) -> Path:
    """`movcon-nation-LT.json` → `movcon-nation-LT.pub.json`, beside it."""
    stem = private.name[: -len(".json")] if private.name.endswith(".json") else private.stem
    return private.with_name(f"{stem}.pub.json")


def _password_edit() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _row_label(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _need(path: Path | None, what: str) -> Path:
    if path is None:
        raise ValueError(f"choose the {what}")
    return path


def _fresh(path: Path) -> Path:
    if path.exists():
        raise ValueError(f"{path} exists already: choose another name (nothing is overwritten)")
    if not path.parent.is_dir():
        raise ValueError(f"the folder {path.parent} does not exist")
    return path


class CreateNationKeyDialog(TaskDialog):
    """A new nation key, saved under a passphrase, and its public file beside it."""

    def __init__(self, nation: str, folder: Folder, cost: nation_keys.Cost,
                 parent: QWidget | None = None) -> None:  # fmt: skip
        super().__init__("Create nation key", "C&reate key", parent)
        self.cost = cost
        self.public: NationPublic | None = None
        self._folder = folder
        self.form.addRow(note(
            "The nation key certifies and revokes your nation's sites. Keep the file on "
            "removable media locked away, never on a shared drive, and the passphrase apart "
            "from it: a lost passphrase cannot be recovered, a stolen key must be replaced."))
        self.nation = QComboBox()
        for n in sorted(baseline.nations(), key=lambda n: n["name"]):
            self.nation.addItem(f"{n['name']} ({n['code']})", n["code"])
        self.nation.setCurrentIndex(max(0, self.nation.findData(nation)))
        self.file = FileField("Save the nation key as", NATION_KEY_FILTER, save=True,
                              folder=folder)  # fmt: skip
        self._suggestion = str(self._suggested())
        self.file.edit.setText(self._suggestion)
        self.nation.currentIndexChanged.connect(self._nation_changed)
        self.passphrase = _password_edit()
        self.again = _password_edit()
        self.form.addRow(_row_label("&Nation:", self.nation), self.nation)
        self.form.addRow(_row_label("&File:", self.file), self.file)
        self.form.addRow(_row_label("&Passphrase:", self.passphrase), self.passphrase)
        self.form.addRow(_row_label("&Again:", self.again), self.again)
        self.form.addRow(note(f"At least {nation_keys.MIN_PASSPHRASE} characters: a few "
                              "unrelated words are easy to type and hard to guess. The public "
                              "file (name.pub.json) is written beside the key."))
        self.resize(620, self.sizeHint().height())

    def _suggested(self) -> Path:
        return self._folder() / f"movcon-nation-{self.nation.currentData()}.json"

    def _nation_changed(self) -> None:
        # The suggested name follows the nation until the user writes a name of their own.
        if self.file.edit.text() == self._suggestion:
            self._suggestion = str(self._suggested())
            self.file.edit.setText(self._suggestion)

    def go(self) -> None:
        nation = self.nation.currentData()
        path = _fresh(_need(self.file.path(), "file to save the nation key in"))
        public = _fresh(public_path(path))
        passphrase = self.passphrase.text()
        if passphrase != self.again.text():
            raise ValueError("the two passphrases differ: type the same one twice")
        nation_keys.check_passphrase(passphrase)
        cost = self.cost

        def work() -> NationPublic:
            key = nation_keys.create(nation)
            nation_keys.save(path, key, passphrase, cost)
            try:
                nation_keys.write_public(public, key.public)
            except NationKeyError:
                path.unlink()  # a root key whose public half nobody has is of no use
                raise
            return key.public

        self.slow("Creating the nation key…", work, self._created)

    def _created(self, public: NationPublic) -> None:
        self.public = public
        path = self.file.path()
        assert path is not None
        self.passphrase.clear()
        self.again.clear()
        words = words_label(public.fingerprint)
        self.show_result(
            f"Created {public.nation}'s nation key in {path}, and its public file "
            f"{public_path(path).name} beside it.\n\nGive the public file to the other "
            "nations' key officers and read them these words over the phone; they trust the "
            "key only if the words match:", words)
        self.done_text = (f"Created the {public.nation} nation key: {path.name} (keep it locked "
                          f"away) and {public_path(path).name} (give it to other nations). "
                          f"Its words: {public.fingerprint}.")


class CertifyDialog(TaskDialog):
    """A site's key file in, an enrolment file out: its certificate and the nation's
    decryption key sealed to that laptop."""

    def __init__(self, store: Store, folder: Folder, parent: QWidget | None = None) -> None:
        super().__init__("Certify a site", "&Certify", parent)
        self.store = store
        self.site: keys.SiteKey | None = None
        self.nation_public: NationPublic | None = None
        self._nations = display.nation_names(store)
        self.nation_file = FileField("Nation key file", NATION_KEY_FILTER, folder=folder)
        self.nation_file.changed.connect(self._nation_file_changed)
        self.nation_text = selectable(wrap=False)
        self.passphrase = _password_edit()
        self.site_file = FileField("Site key file", KEY_FILTER, folder=folder)
        self.site_file.changed.connect(self._site_file_changed)
        self.site_text = selectable("Choose the key file the site saved for you.", wrap=False)
        self.site_words = words_label()
        self.words_match = QCheckBox("The site's officer read me its key &words over the phone "
                                     "and they match")
        self.role = QComboBox()
        for role in ROLES:
            self.role.addItem(role_title(role), role)
        self.role_text = note("")
        self.role_text.setWordWrap(False)  # one line; wrapped it gets a gap around it
        self.role.currentIndexChanged.connect(self._role_changed)
        self.days = QSpinBox()
        self.days.setRange(1, certificates.MAX_DAYS)
        self.days.setValue(365)
        self.days.setSuffix(" days")
        self.until = QLabel()
        self.days.valueChanged.connect(self._days_changed)
        days_row = QHBoxLayout()
        days_row.addWidget(self.days)
        days_row.addWidget(self.until, 1)
        self.out = FileField("Save the enrolment file as", ENROLMENT_FILTER, save=True,
                             folder=folder)  # fmt: skip

        self.form.addRow(_row_label("&Nation key:", self.nation_file), self.nation_file)
        self.form.addRow("", self.nation_text)
        self.form.addRow(_row_label("&Passphrase:", self.passphrase), self.passphrase)
        self.form.addRow(_row_label("&Site key:", self.site_file), self.site_file)
        self.form.addRow("", self.site_text)
        self.form.addRow("Key words:", self.site_words)
        self.form.addRow("", self.words_match)
        self.form.addRow(_row_label("&Role:", self.role), self.role)
        self.form.addRow("", self.role_text)
        self.form.addRow(_row_label("&Valid for:", self.days), days_row)
        self.form.addRow(_row_label("Save &as:", self.out), self.out)
        self._role_changed()
        self._days_changed()
        self._show_row(self.nation_text, False)
        self._show_row(self.site_words, False)
        self.resize(680, self.sizeHint().height())

    def _show_row(self, field: QWidget, shown: bool) -> None:
        self.form.setRowVisible(field, shown)
        self.fit()

    def _nation_file_changed(self) -> None:
        self.nation_public = None
        self._show_row(self.nation_text, False)
        path = self.nation_file.path()
        if path is None:
            return
        try:
            self.nation_public = nation_keys.read_public(path)
        except NationKeyError as exc:
            self.status.problem(str(exc))
            return
        self.status.clear()
        nation = self.nation_public.nation
        self.nation_text.setText(f"{nation} — {self._nations.get(nation, nation)}, key words "
                                 f"“{self.nation_public.fingerprint}”")
        self._show_row(self.nation_text, True)

    def _site_file_changed(self) -> None:
        self.site = None
        self._show_row(self.site_words, False)
        self.words_match.setChecked(False)
        path = self.site_file.path()
        if path is None:
            return
        try:
            site = keys.read_key_file(path)
        except keys.KeyFileError as exc:
            self.site_text.setText("Choose the key file the site saved for you.")
            self.status.problem(str(exc))
            return
        self.status.clear()
        self.site = site
        self.site_text.setText(f"{site.site_name or '(no name)'} ({site.nation}), site "
                               f"{site.site_id}")
        self.site_words.setText(site.fingerprint)
        self._show_row(self.site_words, True)
        if site.encryption_key is None:
            self.status.problem("This key file has no encryption key: ask the site to save its "
                                "key file again with this version of MovCon")
        if self.out.path() is None:
            self.out.edit.setText(str(path.with_name(
                f"movcon-enrolment-{site.nation}-{site.site_id[:8]}.json")))

    def _role_changed(self) -> None:
        self.role_text.setText(ROLES[self.role.currentData()])

    def _days_changed(self) -> None:
        until = datetime.now(timefmt.UTC) + timedelta(days=self.days.value())
        self.until.setText(f"until {until:%Y-%m-%d}")

    def go(self) -> None:
        nation_file = _need(self.nation_file.path(), "nation key file")
        if self.nation_public is None:
            self._nation_file_changed()
            if self.nation_public is None:
                return
        if self.site is None:
            self._site_file_changed()
            if self.site is None:
                raise ValueError("choose the site's key file")
        site, nation = self.site, self.nation_public.nation
        if site.nation != nation:
            raise DocumentError(f"the site {site.site_name or site.site_id} belongs to "
                                f"{site.nation}; this nation key is {nation}'s")
        if not self.words_match.isChecked():
            raise ValueError("compare the site's key words with its officer first, then tick "
                             "the box")
        out = _fresh(_need(self.out.path(), "file to save the enrolment in"))
        passphrase, role, days = self.passphrase.text(), self.role.currentData(), \
            self.days.value()  # fmt: skip

        def work() -> enrolment.Enrolment:
            made = enrolment.make(nation_keys.load(nation_file, passphrase), site, role, days)
            enrolment.write(out, made)
            return made

        self.slow("Opening the nation key…", work, self._certified)

    def _certified(self, made: enrolment.Enrolment) -> None:
        cert, out = made.certificate, self.out.path()
        self.passphrase.clear()
        try:
            audit.record(self.store, "certificate_issued", cert.label,
                         {"serial": cert.serial, "site_id": cert.site_id, "role": cert.role,
                          "not_before": cert.not_before, "not_after": cert.not_after})
        except EXPECTED as exc:  # the file is written: say so rather than hide it
            self.finish(f"Wrote {out}, but the audit log could not record it: "
                        f"{problem_text(exc)}")
            return
        self.finish(f"Certified {cert.label} until {display.time_text(cert.not_after)}: wrote "
                    f"{out}. Give this file to the site; it installs it under Keys and Trust › "
                    "This site.")


class RevokeDialog(TaskDialog):
    """Revoke one of the nation's sites from a moment on (default now), with a reason."""

    def __init__(self, store: Store, folder: Folder, parent: QWidget | None = None) -> None:
        super().__init__("Revoke a site", "Re&voke site", parent)
        self.store = store
        self.nation_public: NationPublic | None = None
        self._nations = display.nation_names(store)
        self.form.addRow(note(
            "A revocation cannot be withdrawn. Every site that receives it refuses the changes "
            "the revoked site stamps from the time below on; changes made before stay. It "
            "travels to the other sites in the next bundles this store sends."))
        self.nation_file = FileField("Nation key file", NATION_KEY_FILTER, folder=folder)
        self.nation_file.changed.connect(self._nation_file_changed)
        self.nation_text = selectable()
        self.passphrase = _password_edit()
        self.site = QComboBox()
        self.site.setEditable(True)
        self.site.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.site.lineEdit().setPlaceholderText("Choose a site, or type its site id")
        self.site.setMinimumContentsLength(40)
        self.since = QDateTimeEdit()
        self.since.setTimeZone(QTimeZone.utc())
        self.since.setDisplayFormat("yyyy-MM-dd HH:mm 'UTC'")
        self.since.setCalendarPopup(True)
        self.since.setDateTime(QDateTime.currentDateTimeUtc())
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText("e.g. laptop lost on 21 November")
        self.form.addRow(_row_label("&Nation key:", self.nation_file), self.nation_file)
        self.form.addRow("", self.nation_text)
        self.form.addRow(_row_label("&Passphrase:", self.passphrase), self.passphrase)
        self.form.addRow(_row_label("&Site:", self.site), self.site)
        self.form.addRow(_row_label("Refused &from:", self.since), self.since)
        self.form.addRow(_row_label("&Reason:", self.reason), self.reason)
        self.form.setRowVisible(self.nation_text, False)
        self.resize(640, self.sizeHint().height())

    def _nation_file_changed(self) -> None:
        self.nation_public = None
        self.form.setRowVisible(self.nation_text, False)
        self.site.clear()
        path = self.nation_file.path()
        if path is None:
            return
        try:
            public = nation_keys.read_public(path)
        except NationKeyError as exc:
            self.status.problem(str(exc))
            return
        self.status.clear()
        self.nation_public = public
        nation = public.nation
        self.nation_text.setText(f"{nation} — {self._nations.get(nation, nation)}")
        self.form.setRowVisible(self.nation_text, True)
        self.fit()
        held = registry.revocations(self.store, nation)
        newest: dict[str, certificates.Certificate] = {}
        for cert in registry.certificates(self.store):  # oldest first: the newest stays
            if cert.nation == nation and not (held is not None and held.entry(cert.site_id)):
                newest[cert.site_id] = cert
        for cert in sorted(newest.values(), key=lambda c: (c.site_name or c.site_id).lower()):
            self.site.addItem(f"{cert.site_name or cert.site_id} — {role_title(cert.role)}, "
                              f"site {cert.site_id[:8]}", cert.site_id)
        self.site.setCurrentIndex(-1)  # the officer chooses: never a site by default

    def chosen_site(self) -> str:
        text = self.site.currentText().strip()
        index = self.site.findText(text)
        return self.site.itemData(index) if index >= 0 else text

    def go(self) -> None:
        path = _need(self.nation_file.path(), "nation key file")
        if self.nation_public is None:
            self._nation_file_changed()
            if self.nation_public is None:
                return
        public = self.nation_public
        nation = public.nation
        trusted = registry.nation_public(self.store, nation)
        if trusted is None:
            raise TrustError(f"this store does not trust {nation}'s nation key yet: trust it on "
                             "the Nations tab first")
        if trusted.root_key != public.root_key:
            raise TrustError(f"this is not the {nation} nation key this store trusts")
        site_id = self.chosen_site()
        if not site_id:
            raise ValueError("choose the site to revoke, or type its site id")
        if not SITE_ID_RE.fullmatch(site_id):
            raise ValueError(f"{site_id!r} is not a site id")
        held = registry.revocations(self.store, nation)
        entry = held.entry(site_id) if held else None
        if entry is not None:
            raise DocumentError(f"site {site_id} is revoked already (since "
                                f"{display.time_text(entry.since)})")
        since = datetime.fromtimestamp(self.since.dateTime().toSecsSinceEpoch(), timefmt.UTC)
        reason = self.reason.text().strip()
        if not reason:
            raise ValueError("say why the site is revoked: the reason travels with it")
        passphrase = self.passphrase.text()

        def revoke(key: nation_keys.NationKey) -> None:
            self.passphrase.clear()
            current = registry.revocations(self.store, nation)
            rl = certificates.revoke(key, current, site_id, since, reason)
            label = self._label(site_id)
            registry.record_revocation(self.store, rl, label)
            self.finish(f"Revoked {label} from {display.time_text(timefmt.iso(since))}. The "
                        "revocation travels to the other sites with the next bundles.")

        self.slow("Opening the nation key…", lambda: nation_keys.load(path, passphrase), revoke)

    def _label(self, site_id: str) -> str:
        certs = registry.certificates(self.store, site_id)
        return certs[-1].label if certs else f"site {site_id}"
