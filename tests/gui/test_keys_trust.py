"""The Keys and Trust window: a nation key made, a site certified and enrolled, nation keys
trusted by their words, a site revoked; refusals leave everything as it was."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PySide6.QtCore import QDateTime, Qt, QTimeZone
from PySide6.QtWidgets import QApplication, QLabel
from pytestqt.qtbot import QtBot

from app.core import audit
from app.core.store import Store
from app.core.sync import exchange, keys
from app.core.trust import enrolment, nation_keys, registry
from app.gui.main_window import MainWindow
from app.gui.views.key_parts import TaskDialog
from app.gui.views.keys_trust import NOT_CERTIFIED, KeysTrustDialog
from tests.core.sync_sites import certify, nation_key, site_key, trust_nations

CHEAP = nation_keys.Cost(1, 1, 8)  # Argon2id at its smallest: the tests need no hardness
PASSPHRASE = "amber link harbour lantern"


def _wait(task: TaskDialog, timeout_s: float = 10.0) -> None:
    # By hand: qtbot.waitUntil's nested loops can return at once after a test quit the loop.
    deadline = time.monotonic() + timeout_s
    while task.busy and time.monotonic() < deadline:
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()
    assert not task.busy, "the key step did not finish"


def _dialog(qtbot: QtBot, store: Store) -> KeysTrustDialog:
    dialog = KeysTrustDialog(store, cost=CHEAP)
    qtbot.addWidget(dialog)
    return dialog


@pytest.fixture
def officer(tmp_path: Path) -> Iterator[Store]:
    """The LT key officer's own laptop."""
    store = Store.create(tmp_path / "officer.db", "LT", "LT NMCC key officer")
    yield store
    store.close()


@pytest.fixture
def lt_key_file(tmp_path: Path) -> Path:
    """The LT nation key (the one the sync test helpers certify with), saved cheaply."""
    path = tmp_path / "movcon-nation-LT.json"
    nation_keys.save(path, nation_key("LT"), PASSPHRASE, CHEAP)
    return path


def test_this_site_shows_who_it_is_and_saves_a_key_file_to_certify(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, store)
    words = keys.fingerprint(exchange.site_public_key(store))
    assert dialog.site_name.text() == "Vilnius NMCC"
    assert dialog.site_nation.text() == "LT — Lithuania"
    assert dialog.site_id.text() == store.site_id
    assert dialog.site_words.text() == words
    assert dialog.certificate.text() == NOT_CERTIFIED
    assert dialog.nation_key.text().startswith("Not trusted yet")

    path = dialog.save_key_file(tmp_path / "vilnius.mck")
    key = keys.read_key_file(tmp_path / "vilnius.mck")
    assert path is not None and key.site_id == store.site_id
    assert key.encryption_key == keys.encryption_public_of(exchange.site_private_key(store))
    assert words in dialog.site_status.text() and dialog.site_status.good

    assert dialog.save_key_file(tmp_path / "no such folder" / "k.mck") is None
    assert dialog.site_status.good is False
    assert dialog.site_status.text() == (f"Cannot write {tmp_path / 'no such folder' / 'k.mck'}"
                                         ": No such file or directory; nothing was written.")


def test_the_officer_creates_a_nation_key_and_its_public_file(
    officer: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    dialog = _dialog(qtbot, officer)
    dialog.folder = tmp_path
    task = dialog.create_nation_key()
    assert task.nation.currentData() == "LT"
    private = tmp_path / "movcon-nation-LT.json"
    assert task.file.path() == private  # suggested in the folder last used

    task.passphrase.setText(PASSPHRASE)
    task.again.setText(PASSPHRASE + " ")
    task.ok_button.click()
    assert "the two passphrases differ" in task.status.text().lower()
    task.again.setText("short")
    task.passphrase.setText("short")
    task.ok_button.click()
    assert "use at least 12" in task.status.text()
    assert not private.exists()

    task.passphrase.setText(PASSPHRASE)
    task.again.setText(PASSPHRASE)
    task.ok_button.click()
    _wait(task)
    public = nation_keys.read_public(tmp_path / "movcon-nation-LT.pub.json")
    assert task.public == public
    assert public.fingerprint in [w.text() for w in task.outcome.findChildren(QLabel)]
    assert nation_keys.load(private, PASSPHRASE).public == public
    task.ok_button.click()  # Close
    assert not task.isVisible()
    assert public.fingerprint in dialog.officer_status.text()

    again = dialog.create_nation_key()  # never overwrites a nation key
    again.passphrase.setText(PASSPHRASE)
    again.again.setText(PASSPHRASE)
    again.ok_button.click()
    assert "exists already" in again.status.text() and not again.busy
    assert nation_keys.read_public(private) == public


def test_a_site_is_certified_by_the_officer_and_installs_its_enrolment(
    store: Store, officer: Store, lt_key_file: Path, qtbot: QtBot, tmp_path: Path
) -> None:
    site = _dialog(qtbot, store)
    site.save_key_file(tmp_path / "vilnius.mck")

    desk = _dialog(qtbot, officer)
    task = desk.certify_site()
    task.nation_file.set_path(lt_key_file)
    assert "LT — Lithuania" in task.nation_text.text()
    task.site_file.set_path(tmp_path / "vilnius.mck")
    assert task.site_words.text() == site.site_words.text()  # shown to compare by phone
    out = tmp_path / f"movcon-enrolment-LT-{store.site_id[:8]}.json"
    assert task.out.path() == out
    task.role.setCurrentIndex(task.role.findData("field"))
    assert task.role_text.text().startswith("Field team")
    task.days.setValue(90)
    task.passphrase.setText(PASSPHRASE)
    task.ok_button.click()
    assert "Compare the site's key words" in task.status.text()  # the box is not ticked
    task.words_match.setChecked(True)
    task.passphrase.setText("not the passphrase at all")
    task.ok_button.click()
    _wait(task)
    assert "wrong passphrase" in task.status.text() and task.isVisible()
    assert not out.exists()

    task.passphrase.setText(PASSPHRASE)
    task.ok_button.click()
    _wait(task)
    assert not task.isVisible() and out.is_file()
    assert "Certified Vilnius NMCC (LT, field)" in desk.officer_status.text()
    [issued] = audit.entries(officer, action="certificate_issued")
    assert issued.detail["site_id"] == store.site_id and issued.detail["role"] == "field"

    # The site installs it; LT's key is not trusted there yet, so its words are asked.
    install = site.install_enrolment(out)
    assert install is not None and install.words is not None
    install.words.setText("one two three four five six")
    install.ok_button.click()
    assert "do not match" in install.status.text()
    assert registry.own_certificate(store) is None
    install.words.setText(nation_key("LT").public.fingerprint.upper())
    install.ok_button.click()
    assert not install.isVisible()
    cert = registry.own_certificate(store)
    assert cert is not None and cert.role == "field"
    assert site.certificate.text().startswith("Field team, valid from")
    assert site.site_status.text().startswith("Installed: this site is certified as field team")
    assert site.nations_table.cell(0, 0) == "LT — Lithuania"
    assert site.sites_table.cell(0, 0) == "Vilnius NMCC (this site)"
    assert site.sites_table.cell(0, 5) == "Valid"

    # Installing it again asks no words: the key is trusted now.
    again = site.install_enrolment(out)
    assert again is not None and again.words is None


def test_another_sites_enrolment_or_a_file_that_is_none_is_refused(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    other = Store.create(tmp_path / "kaunas.db", "LT", "Kaunas")
    path = tmp_path / "kaunas.json"
    enrolment.write(path, enrolment.make(nation_key("LT"), site_key(other), "cell", 30))
    other.close()
    dialog = _dialog(qtbot, store)
    install = dialog.install_enrolment(path)
    assert install is not None and install.words is not None
    install.words.setText(nation_key("LT").public.fingerprint)
    install.ok_button.click()
    assert "not for this laptop's site" in install.status.text()
    assert registry.own_certificate(store) is None and registry.trusted_nations(store) == []

    junk = tmp_path / "notes.json"
    junk.write_text("{}")
    assert dialog.install_enrolment(junk) is None
    assert dialog.site_status.text() == f"{junk} is not a MovCon enrolment file."


def test_a_nation_key_is_trusted_only_with_its_words(
    store: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    public = nation_key("LV").public
    path = tmp_path / "lv.pub.json"
    nation_keys.write_public(path, public)
    dialog = _dialog(qtbot, store)
    assert dialog.nations_table.currentWidget() is dialog.nations_table.empty

    task = dialog.trust_nation_file(path)
    assert task is not None
    task.ok_button.click()
    assert "Type the six words" in task.status.text()
    task.words.setText("wrong words entirely")
    qtbot.keyClick(task.words, Qt.Key.Key_Return)  # Enter presses the default button
    assert "do not match" in task.status.text() and task.isVisible()
    assert registry.trusted_nations(store) == []

    task.words.setText(f"  {public.fingerprint.replace(' ', ', ')} ")
    task.ok_button.click()
    assert not task.isVisible()
    [trusted] = registry.trusted_nations(store)
    assert trusted.public == public
    assert dialog.nations_status.text().startswith("LV's nation key: trusted.")
    row = [dialog.nations_table.cell(0, c) for c in range(4)]
    assert row[:2] == ["LV — Latvia", public.fingerprint] and row[3] == trusted.trusted_by

    site_file = tmp_path / "site.mck"
    dialog.save_key_file(site_file)
    assert dialog.trust_nation_file(site_file) is None
    assert "is not a MovCon nation public key file" in dialog.nations_status.text()


def test_cancel_and_escape_write_nothing(store: Store, qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "lv.pub.json"
    nation_keys.write_public(path, nation_key("LV").public)
    dialog = _dialog(qtbot, store)
    task = dialog.trust_nation_file(path)
    assert task is not None
    task.words.setText(nation_key("LV").public.fingerprint)
    qtbot.keyClick(task, Qt.Key.Key_Escape)
    assert not task.isVisible() and registry.trusted_nations(store) == []
    assert not dialog.nations_status.isVisible()


@pytest.fixture
def kaunas(store: Store, tmp_path: Path) -> Iterator[Store]:
    """A second LT site whose certificate the Vilnius store holds (as from a bundle)."""
    certify(store)
    trust_nations(store, "LT", "LV")
    other = Store.create(tmp_path / "kaunas.db", "LT", "LT Kaunas Hub")
    certify(other, role="field")
    cert = registry.own_certificate(other)
    assert cert is not None
    with registry.transaction(store):
        assert registry.add_certificate(store, cert)
    yield other
    other.close()


def test_the_officer_revokes_a_site_from_a_moment_on(
    store: Store, kaunas: Store, lt_key_file: Path, qtbot: QtBot
) -> None:
    dialog = _dialog(qtbot, store)
    assert dialog.revocations_table.currentWidget() is dialog.revocations_table.empty
    task = dialog.revoke_site()
    task.nation_file.set_path(lt_key_file)
    sites = [task.site.itemData(i) for i in range(task.site.count())]
    assert sites == [kaunas.site_id, store.site_id] and task.site.currentIndex() == -1
    since = datetime(2026, 6, 9, 11, 0, tzinfo=timezone.utc)
    task.since.setDateTime(QDateTime.fromSecsSinceEpoch(int(since.timestamp()),
                                                        QTimeZone.utc()))  # fmt: skip
    task.passphrase.setText(PASSPHRASE)
    task.ok_button.click()
    assert "Choose the site to revoke" in task.status.text()
    task.site.setCurrentIndex(0)
    assert task.chosen_site() == kaunas.site_id
    task.ok_button.click()
    assert "Say why the site is revoked" in task.status.text()
    task.reason.setText("laptop lost in transit")
    task.passphrase.setText("a wrong passphrase")
    task.ok_button.click()
    _wait(task)
    assert "wrong passphrase" in task.status.text()
    assert registry.all_revocations(store) == []

    task.passphrase.setText(PASSPHRASE)
    task.ok_button.click()
    _wait(task)
    assert not task.isVisible()
    rl = registry.revocations(store, "LT")
    assert rl is not None and rl.number == 1
    [entry] = rl.revoked
    assert (entry.site_id, entry.since, entry.reason) == (
        kaunas.site_id, "2026-06-09T11:00:00Z", "laptop lost in transit")
    assert "travels to the other sites with the next bundles" in \
        dialog.revocations_status.text()  # fmt: skip
    row = [dialog.revocations_table.cell(0, c) for c in range(5)]
    assert row == ["LT — Lithuania", "No. 1", "LT Kaunas Hub", "2026-06-09 11:00Z",
                   "laptop lost in transit"]
    states = {dialog.sites_table.cell(r, 0): dialog.sites_table.cell(r, 5)
              for r in range(dialog.sites_table.row_count)}
    assert states["LT Kaunas Hub"] == "Revoked from 2026-06-09 11:00Z: laptop lost in transit"
    assert states["Vilnius NMCC (this site)"] == "Valid"
    assert [e.action for e in audit.entries(store, action="site_revoked")] == ["site_revoked"]

    # Typed by id, a revoked site is refused before the passphrase is even tried.
    again = dialog.revoke_site()
    again.nation_file.set_path(lt_key_file)
    assert kaunas.site_id not in [again.site.itemData(i) for i in range(again.site.count())]
    again.site.setEditText(kaunas.site_id)
    again.reason.setText("twice")
    again.ok_button.click()
    assert "revoked already" in again.status.text() and not again.busy


def test_revoking_needs_the_nation_key_trusted_here(
    officer: Store, lt_key_file: Path, qtbot: QtBot
) -> None:
    dialog = _dialog(qtbot, officer)
    task = dialog.revoke_site()
    task.nation_file.set_path(lt_key_file)
    task.site.setEditText("0b7f6a52-lost-laptop")
    task.reason.setText("stolen")
    task.passphrase.setText(PASSPHRASE)
    task.ok_button.click()
    assert "This store does not trust LT's nation key yet" in task.status.text() and not task.busy
    assert registry.all_revocations(officer) == []


def test_the_sites_tab_sorts_by_any_heading(
    store: Store, kaunas: Store, qtbot: QtBot, tmp_path: Path
) -> None:
    riga = Store.create(tmp_path / "riga.db", "LV", "Riga NMCC")
    certify(riga)
    cert = registry.own_certificate(riga)
    assert cert is not None
    with registry.transaction(store):
        assert registry.add_certificate(store, cert)
    riga.close()
    dialog = _dialog(qtbot, store)
    table = dialog.sites_table
    column = lambda c: [table.cell(r, c) for r in range(table.row_count)]  # noqa: E731
    assert column(1) == ["LT — Lithuania", "LT — Lithuania", "LV — Latvia"]
    assert column(0) == ["LT Kaunas Hub", "Vilnius NMCC (this site)", "Riga NMCC"]
    table.table.sortByColumn(2, Qt.SortOrder.DescendingOrder)  # as a click on Role does
    assert column(2) == ["Field team", "Coordination cell", "Coordination cell"]
    assert "Key words: " in table.table.item(0, 0).toolTip()
    assert kaunas.site_id in table.table.item(0, 0).toolTip()


def test_expired_and_future_certificates_say_so() -> None:
    from app.gui.views.keys_trust import certificate_state

    cert = enrolment.make(nation_key("LT"), _some_site(), "observer", 10).certificate
    now = datetime.now(timezone.utc)
    assert certificate_state(cert, None, now) == "Valid"
    assert certificate_state(cert, None, now + timedelta(days=11)) == "Expired"
    assert certificate_state(cert, None, now - timedelta(days=1)) == "Not valid yet"


def _some_site() -> keys.SiteKey:
    private, public = keys.generate()
    return keys.SiteKey("5d1c6a3e-0000-4000-8000-00000000b002", "LT", "Rukla field team",
                        public, keys.fingerprint(public), keys.encryption_public_of(private))


def test_the_sync_menu_opens_keys_and_trust_and_the_audit_log(
    store: Store, qtbot: QtBot
) -> None:
    window = MainWindow(store)
    qtbot.addWidget(window)
    assert (window.keys_action.shortcut().toString(), window.audit_action.shortcut().toString()) \
        == ("Ctrl+K", "Ctrl+L")  # fmt: skip
    window.keys_action.trigger()
    assert window.keys_dialog is not None and window.keys_dialog.isVisible()
    assert window.keys_dialog.site_name.text() == "Vilnius NMCC"
    window.audit_action.trigger()
    assert window.audit_dialog is not None and window.audit_dialog.isVisible()
    window.keys_action.trigger()  # the same window again, not a second one
    assert len([w for w in window.findChildren(KeysTrustDialog)]) == 1
    qtbot.keyClick(window.keys_dialog, Qt.Key.Key_Escape)
    assert not window.keys_dialog.isVisible()
