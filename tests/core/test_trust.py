"""Trust between nations: who may change what, on every path a bundle travels."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from app.core import audit, timefmt
from app.core.domain.validation import ValidationError
from app.core.store import Store
from app.core.sync import exchange
from app.core.sync.digest import digest
from app.core.trust import certificates, enrolment, nation_keys, registry
from tests.core.request_data import request
from tests.core.sync_sites import (
    certify,
    confirm_keys,
    make_sites,
    nation_key,
    send,
    site_key,
    trust_nations,
)

CHEAP = nation_keys.Cost(iterations=1, lanes=1, memory_kib=64)


def _movement_with_permit(lt: Store, host: str = "LV") -> tuple[str, str]:
    """An LT movement and its permit request to `host`, written by LT's cell."""
    from app.core import movement_request, movements

    movement = movements.add_movement(lt, movement_request.parse(
        request(), lt.validation_context()))
    with lt.write() as w:
        permit = w.insert("permits", {"movement_id": movement, "host_nation": host,
                                      "status": "requested",
                                      "requested_at": "2026-05-20T08:00:00Z",
                                      "deadline": "2026-05-25T08:00:00Z"})
    return movement, permit


def _forge(store: Store, permit: str) -> None:
    """What a tampered client could write: a decision its nation has no authority for."""
    with store.write(check_authority=False) as w:
        w.update("permits", permit, {"status": "approved", "decided_by": "forged",
                                     "decided_at": "2026-05-21T08:00:00Z"})


def _next_second() -> datetime:
    """A revocation time after everything written so far (revocations count whole seconds)."""
    import time

    now = datetime.now(timefmt.UTC)
    later = now.replace(microsecond=0) + timedelta(seconds=1)
    time.sleep((later - now).total_seconds() + 0.01)
    return later


def _quarantine(store: Store) -> list[dict[str, object]]:
    return exchange.quarantined(store)


def test_the_core_refuses_a_decision_outside_this_nations_authority(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    _, permit = _movement_with_permit(lt)
    log = lt.conn.execute("SELECT count(*) FROM change_log").fetchone()[0]
    with pytest.raises(ValidationError, match=r"decided by its host nation LV: only LV may "
                                              r"change it, not LT"), lt.write() as w:
        w.update("permits", permit, {"status": "approved", "decided_by": "LT NMCC",
                                     "decided_at": "2026-05-21T08:00:00Z"})
    with pytest.raises(ValidationError, match="only LV may change it"), lt.write() as w:
        w.update("permits", permit, {"conditions": ["escort"]})
    assert lt.conn.execute("SELECT count(*) FROM change_log").fetchone()[0] == log
    assert lt.get("permits", permit)["status"] == "requested"
    send(lt, lv, tmp_path)
    with pytest.raises(ValidationError, match="belongs to LT: only LT may change it, not LV"), \
            lv.write() as w:
        w.update("movements", next(iter(lv.rows("movements")))["id"], {"personnel": 1})
    with lv.write() as w:  # the host decides
        w.update("permits", permit, {"status": "approved", "decided_by": "LV JMCC",
                                     "decided_at": "2026-05-21T08:00:00Z"})
    assert audit.entries(lv)[0].action == "permit_decided"


def test_a_forged_decision_is_quarantined_on_the_direct_and_the_relayed_path(
        tmp_path: Path) -> None:
    lt, lv, ee = make_sites(tmp_path, "LT", "LV", "EE")
    _, permit = _movement_with_permit(lt)
    send(lt, lv, tmp_path)
    send(lt, ee, tmp_path)
    _forge(ee, permit)  # EE approves a permit only LV decides
    # Directly from EE to LV.
    direct = send(ee, lv, tmp_path)
    assert direct.quarantined == 3 and direct.summary.applied == 0
    assert lv.get("permits", permit)["status"] == "requested"
    [row, *_] = _quarantine(lv)
    assert row["origin"] == ee.site_id and row["sender"] == ee.site_id
    assert "only LV may change it, not EE" in str(row["reason"])
    # Through LT: LT has no authority over LV's decision either, quarantines it, and still
    # relays EE's signed batch; LV judges EE (the origin), not LT (the relay).
    relay_in = send(ee, lt, tmp_path)
    assert relay_in.quarantined == 3 and lt.get("permits", permit)["status"] == "requested"
    lv2 = Store.create(tmp_path / "lv2.db", "LV", "LV cell Daugavpils")
    certify(lv2)
    trust_nations(lv2, "LT", "LV", "EE")
    relayed = send(lt, lv2, tmp_path)
    assert relayed.quarantined == 3
    assert lv2.get("permits", permit)["status"] == "requested"
    rows = _quarantine(lv2)
    assert {r["origin"] for r in rows} == {ee.site_id}
    assert {r["sender"] for r in rows} == {lt.site_id}  # who sent what through whom
    assert all("EE" in str(r["origin_label"]) and "LT" in str(r["sender_label"]) for r in rows)
    # The quarantine is kept, listed in the status, and not sent for again.
    assert exchange.status(lv2)["quarantined"] == 3
    assert exchange.vector(lv2)[ee.site_id] == ee.last_seq(ee.site_no(ee.site_id))
    # The lawful decision by LV's cell is taken everywhere.
    with lv.write() as w:
        w.update("permits", permit, {"status": "denied", "decided_by": "LV JMCC",
                                     "decided_at": "2026-05-22T08:00:00Z"})
    assert send(lv, lt, tmp_path).quarantined == 0
    assert lt.get("permits", permit)["status"] == "denied"
    received = [e for e in audit.entries(lt) if e.action == "decision_received"]
    assert received and received[0].detail["origin"] == lv.site_id


def test_a_field_team_does_not_decide_permits(tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    _, permit = _movement_with_permit(lt)
    team = Store.create(tmp_path / "team.db", "LV", "LV field team")
    certify(team, role="field")
    trust_nations(team, "LT", "LV")
    send(lt, team, tmp_path)
    with pytest.raises(ValidationError, match="field team; only a coordination cell decides"), \
            team.write() as w:
        w.update("permits", permit, {"status": "approved", "decided_by": "LV team",
                                     "decided_at": "2026-05-21T08:00:00Z"})
    _forge(team, permit)
    result = send(team, lv, tmp_path)
    assert (result.quarantined == 3 and lv.get("permits", permit) is None) or \
        lv.get("permits", permit)["status"] != "approved"


def test_a_revoked_sites_later_changes_are_quarantined(tmp_path: Path) -> None:
    lt, riga, lost = make_sites(tmp_path, "LT", "LV", "LV")
    with lost.write() as w:
        before = w.insert("exercises", {"name": "Before the loss",
                                        "start": "2026-06-01T00:00:00Z",
                                        "end": "2026-06-02T00:00:00Z"})
    send(lost, lt, tmp_path)
    assert lt.get("exercises", before) is not None
    # The LV key officer revokes the lost laptop; the list travels with Riga's next bundle.
    since = _next_second()
    revoked = certificates.revoke(nation_key("LV"), None, lost.site_id, since, "laptop lost")
    registry.record_revocation(riga, revoked, "LV cell 2")
    assert send(riga, lt, tmp_path).revocations == 1
    with lost.write() as w:  # whoever holds the laptop now
        after = w.insert("exercises", {"name": "After the loss",
                                       "start": "2026-06-01T00:00:00Z",
                                       "end": "2026-06-02T00:00:00Z"})
        w.update("exercises", before, {"description": "changed by the finder"})
    result = send(lost, lt, tmp_path)
    assert result.summary.applied == 0 and result.quarantined == 4
    assert lt.get("exercises", after) is None
    assert lt.get("exercises", before)["description"] is None
    reasons = {str(r["reason"]) for r in _quarantine(lt)}
    assert len(reasons) == 1 and "revoked from" in reasons.pop()
    # The revocation is recorded in the audit log where it was made.
    assert audit.entries(riga, action="site_revoked")[0].detail["site_id"] == lost.site_id


def test_an_older_revocation_list_does_not_undo_a_newer_one(tmp_path: Path) -> None:
    lt, riga, other = make_sites(tmp_path, "LT", "LV", "LV")
    key = nation_key("LV")
    now = datetime.now(timefmt.UTC)
    first = certificates.revoke(key, None, "lost-laptop-1", now, "lost")
    second = certificates.revoke(key, first, "lost-laptop-2", now, "stolen")
    assert second.number == first.number + 1 and len(second.revoked) == 2
    # Riga sends while it knows only the first list; the second reaches LT first.
    registry.record_revocation(riga, first, "lost-laptop-1")
    old_bundle = tmp_path / "old.mcb"
    exchange.export(riga, ["LT"], old_bundle)
    registry.record_revocation(other, second, "lost-laptop-2")
    assert send(other, lt, tmp_path).revocations == 1
    assert exchange.import_bundle(lt, old_bundle).revocations == 0  # older: not taken
    held = registry.revocations(lt, "LV")
    assert held is not None and held.number == second.number
    assert held.entry("lost-laptop-2") is not None
    with pytest.raises(registry.TrustError, match="not newer"):
        registry.record_revocation(lt, first, "lost-laptop-1")
    # A list signed by another nation's key is not LV's.
    forged = certificates.revoke(nation_key("LT"), None, "riga", now, "forged")
    assert not registry.add_revocations(lt, certificates.RevocationList(
        "LV", 99, forged.issued_at, forged.revoked, forged.signed))


def test_a_bundle_for_lv_opens_with_lvs_key_only(tmp_path: Path) -> None:
    lt, lv, ee = make_sites(tmp_path, "LT", "LV", "EE")
    _movement_with_permit(lt)
    path = tmp_path / "for-lv.mcb"
    exchange.export(lt, ["LV"], path)
    data = path.read_bytes()
    for secret in (b"Panzerbataillon", b"LT cell", lt.site_id.encode(), b"manifest",
                   b"Rukla", b"PzBtl"):
        assert secret not in data  # a lost stick reveals nothing
    stranger = Store.create(tmp_path / "none.db", "LV", "LV laptop not enrolled")
    for store in (ee, stranger):
        before = digest(store)
        with pytest.raises(exchange.SyncError, match="none of them is held here"):
            exchange.import_bundle(store, path)
        assert digest(store) == before
    assert exchange.import_bundle(lv, path).summary.applied > 0


def test_a_new_laptop_of_an_allied_nation_is_trusted_through_its_certificate(
        tmp_path: Path) -> None:
    lt, lv = make_sites(tmp_path, "LT", "LV")
    newcomer = Store.create(tmp_path / "new.db", "LV", "LV liaison Tapa")
    certify(newcomer)
    trust_nations(newcomer, "LT")
    with newcomer.write() as w:
        exercise = w.insert("exercises", {"name": "Met nobody", "lead_nation": "LV",
                                          "start": "2026-06-01T00:00:00Z",
                                          "end": "2026-06-02T00:00:00Z"})
    result = send(newcomer, lt, tmp_path)  # LT never saw its key: its certificate vouches
    assert result.summary.applied == 4 and result.certificates == 1
    assert lt.get("exercises", exercise)["name"] == "Met nobody"
    # LT passes the certificate on: LV's other cell learns the newcomer from LT's bundle.
    send(lt, lv, tmp_path, full=True)  # LT takes the newcomer for all of LV: send all
    assert lv.get("exercises", exercise)["name"] == "Met nobody"


def test_quarantined_changes_apply_once_a_certificate_shows_authority(tmp_path: Path) -> None:
    lt, _lv = make_sites(tmp_path, "LT", "LV")
    laptop = Store.create(tmp_path / "laptop.db", "LV", "LV laptop")
    trust_nations(laptop, "LT")
    confirm_keys([lt, laptop])  # known by its words, not yet certified by LV
    with laptop.write() as w:
        exercise = w.insert("exercises", {"name": "Early", "lead_nation": "LV",
                                          "start": "2026-06-01T00:00:00Z",
                                          "end": "2026-06-02T00:00:00Z"})
    first = send(laptop, lt, tmp_path)
    assert first.quarantined == 4 and lt.get("exercises", exercise) is None
    assert "not certified" in str(_quarantine(lt)[0]["reason"])
    certify(laptop)  # its key officer enrols it; the certificate travels in its next bundle
    second = send(laptop, lt, tmp_path)
    assert second.released == 4 and lt.get("exercises", exercise)["name"] == "Early"
    assert _quarantine(lt) == []


def test_nation_key_file_passphrase(tmp_path: Path) -> None:
    key = nation_keys.create("LV")
    path = tmp_path / "lv.key"
    with pytest.raises(nation_keys.NationKeyError, match="use at least 12"):
        nation_keys.save(path, key, "short", CHEAP)
    assert not path.exists()
    nation_keys.save(path, key, "correct horse battery staple", CHEAP)
    content = path.read_bytes()
    with pytest.raises(nation_keys.NationKeyError, match="wrong passphrase"):
        nation_keys.load(path, "correct horse battery stapler")
    assert path.read_bytes() == content
    loaded = nation_keys.load(path, "correct horse battery staple")
    assert loaded.root_private == key.root_private
    assert nation_keys.read_public(path).fingerprint == key.public.fingerprint
    with pytest.raises(nation_keys.NationKeyError, match="never overwritten"):
        nation_keys.save(path, key, "correct horse battery staple", CHEAP)
    # A file edited to claim another nation (or weaker parameters) does not open.
    path.write_bytes(content.replace(b'"nation": "LV"', b'"nation": "LT"', 1))
    with pytest.raises(nation_keys.NationKeyError):
        nation_keys.load(path, "correct horse battery staple")


def test_trusting_a_nation_needs_its_words(tmp_path: Path) -> None:
    store = Store.create(tmp_path / "lt.db", "LT", "Vilnius")
    public = nation_key("LV").public
    with pytest.raises(registry.TrustError, match="do not match"):
        registry.trust_nation(store, public, "abandon " * 6)
    assert registry.trusted_nations(store) == []
    assert registry.trust_nation(store, public, public.fingerprint.upper()) == "trusted"
    other = nation_keys.create("LV").public
    with pytest.raises(registry.TrustError, match="different trusted root key"):
        registry.trust_nation(store, other, other.fingerprint)
    assert [e.action for e in audit.entries(store)] == ["nation_trusted"]
    assert audit.verify(store).ok


def test_an_enrolment_for_another_site_is_refused(tmp_path: Path) -> None:
    one = Store.create(tmp_path / "one.db", "LV", "one")
    two = Store.create(tmp_path / "two.db", "LV", "two")
    made = enrolment.make(nation_key("LV"), site_key(one), "cell", 30)
    with pytest.raises(enrolment.TrustError, match="not for this laptop's site"):
        enrolment.install(two, made, nation_key("LV").public.fingerprint)
    assert registry.certificates(two) == [] and registry.decryption_keys(two) == []


def test_a_nation_cannot_certify_another_nations_site(tmp_path: Path) -> None:
    lt, lv, _ee = make_sites(tmp_path, "LT", "LV", "EE")
    # EE's root signs a certificate naming LV's site id, for an EE laptop's key; it reaches
    # LT before any bundle of LV does.
    impostor = Store.create(tmp_path / "impostor.db", "EE", "EE impostor")
    stolen = site_key(impostor)
    forged = certificates.issue(nation_key("EE"), type(stolen)(
        lv.site_id, "EE", "LV cell 1", stolen.public, stolen.fingerprint,
        stolen.encryption_key), "cell", 30)
    assert registry.add_certificate(lt, forged)  # signed by a trusted root: kept, as EE's
    with lv.write() as w:
        exercise = w.insert("exercises", {"name": "Still LV's", "lead_nation": "LV",
                                          "start": "2026-06-01T00:00:00Z",
                                          "end": "2026-06-02T00:00:00Z"})
    # LV's bundles verify with LV's key, and LV's authority comes from LV's certificate.
    result = send(lv, lt, tmp_path)
    assert result.summary.applied == 4 and result.quarantined == 0
    assert lt.get("exercises", exercise)["name"] == "Still LV's"
    assert set(registry.Authorities(lt).signing_keys(lv.site_id)) == {
        stolen.public, exchange.site_public_key(lv)}


def test_a_revocation_that_arrives_late_withdraws_what_the_site_did_after_it(
        tmp_path: Path) -> None:
    lt, ee, riga, lost = make_sites(tmp_path, "LT", "EE", "LV", "LV")
    with lost.write() as w:
        kept = w.insert("exercises", {"name": "Before", "lead_nation": "LV",
                                      "start": "2026-06-01T00:00:00Z",
                                      "end": "2026-06-02T00:00:00Z"})
    send(lost, lt, tmp_path)
    send(lost, ee, tmp_path)
    since = _next_second()
    with lost.write() as w:  # the finder, after the laptop was lost
        added = w.insert("exercises", {"name": "After", "lead_nation": "LV",
                                       "start": "2026-06-01T00:00:00Z",
                                       "end": "2026-06-02T00:00:00Z"})
        w.update("exercises", kept, {"description": "changed by the finder"})
    registry.record_revocation(riga, certificates.revoke(
        nation_key("LV"), None, lost.site_id, since, "laptop lost"), "LV laptop")
    # LT takes the finder's changes before the revocation; EE gets the revocation first.
    assert send(lost, lt, tmp_path).summary.applied == 5
    assert lt.get("exercises", added) is not None
    late = send(riga, lt, tmp_path)
    assert late.revocations == 1 and late.withdrawn == 5
    assert send(riga, ee, tmp_path).withdrawn == 0
    assert send(lost, ee, tmp_path).quarantined == 5
    # Both end the same: the finder's changes withdrawn and kept aside, the rest intact.
    assert digest(lt) == digest(ee)
    assert lt.get("exercises", added, include_deleted=True) is None
    assert lt.get("exercises", kept)["description"] is None
    assert lt.get("exercises", kept)["name"] == "Before"
    assert len(_quarantine(lt)) == len(_quarantine(ee)) == 5
    assert all("revoked" in str(r["reason"]) for r in _quarantine(lt))


def test_an_edit_of_a_record_not_held_yet_waits_and_is_judged_when_it_arrives(
        tmp_path: Path) -> None:
    """Found by the authority property test: a forged edit reached a store before the record
    it edits, and was taken as a record anyone may change."""
    hub, _lv, ee, vilnius = make_sites(tmp_path, "LT", "LV", "EE", "LT")
    with vilnius.write() as w:
        exercise = w.insert("exercises", {"name": "Led by LT", "lead_nation": "LT",
                                          "start": "2026-06-01T00:00:00Z",
                                          "end": "2026-06-05T00:00:00Z"})
    send(vilnius, ee, tmp_path)
    with ee.write(check_authority=False) as w:
        w.update("exercises", exercise, {"description": "FORGED"})
    early = send(ee, hub, tmp_path)  # EE sends its edit only: it thinks LT has the record
    assert early.quarantined == 1 and hub.get("exercises", exercise) is None
    assert "not known to this store" in str(_quarantine(hub)[0]["reason"])
    send(vilnius, hub, tmp_path)  # the record arrives: the edit is judged, and refused
    assert hub.get("exercises", exercise)["description"] is None
    [row] = _quarantine(hub)
    assert "only LT may change it, not EE" in str(row["reason"])


def test_a_revocation_made_here_withdraws_what_this_store_already_took(tmp_path: Path,
                                                                       ) -> None:
    """Found by the authority property test: the store where the key officer recorded the
    revocation kept the lost laptop's later changes that the others refused."""
    hub, riga, lost, kaunas = make_sites(tmp_path, "LT", "LV", "LV", "LT")
    since = _next_second()
    with lost.write() as w:
        late = w.insert("exercises", {"name": "After", "lead_nation": "LV",
                                      "start": "2026-06-01T00:00:00Z",
                                      "end": "2026-06-02T00:00:00Z"})
    send(lost, kaunas, tmp_path)
    assert kaunas.get("exercises", late) is not None
    revoked = certificates.revoke(nation_key("LV"), None, lost.site_id, since, "lost")
    registry.record_revocation(kaunas, revoked, "LV laptop")  # recorded where it was taken
    assert kaunas.get("exercises", late) is None
    send(lost, hub, tmp_path)
    send(kaunas, hub, tmp_path)
    send(riga, hub, tmp_path)
    assert digest(hub) == digest(kaunas)
