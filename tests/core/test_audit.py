"""The audit log: a hash chain of signed decisions, and every kind of tampering it shows."""

from __future__ import annotations

import json
import sqlite3
from itertools import pairwise
from pathlib import Path

import pytest

from app.cli import main
from app.core import audit
from app.core.store import Store
from app.core.sync import exchange, keys

COLUMNS = ("at", "site_id", "person", "action", "subject", "detail", "prev_hash", "hash",
           "signature")


def _fill(store: Store, n: int = 5) -> list[audit.AuditEntry]:
    people = ("Maj. Ona Kairė", "Capt. Jonas Petraitis")
    actions = ("permit_decided", "movement_approved", "conflict_resolved", "key_trusted")
    return [audit.record(store, actions[i % 4], f"Subject {i}", {"index": i, "note": f"n{i}"},
                         person=people[i % 2], at=f"2026-06-0{i + 1}T10:00:00Z")
            for i in range(n)]


def _tamper(store: Store, sql: str, params: tuple = ()) -> None:
    # Another connection, as a person with a SQLite tool would: the store's own is untouched.
    with sqlite3.connect(store.path) as conn:
        conn.execute(sql, params)


def _problems(store: Store, **kwargs: str) -> list[str]:
    report = audit.verify(store, **kwargs)
    assert report.ok == (not report.problems)
    return report.problems


def test_a_chain_of_decisions_verifies(store: Store) -> None:
    made = _fill(store)
    assert [e.seq for e in made] == [1, 2, 3, 4, 5]
    assert made[0].prev_hash == audit.GENESIS
    assert all(b.prev_hash == a.hash for a, b in pairwise(made))
    report = audit.verify(store)
    assert report.ok and report.entries == 5 and report.head == made[-1].hash
    assert len(audit.head_words(report).split()) == 6
    head = store.conn.execute("SELECT seq, hash FROM audit_head").fetchone()
    assert tuple(head) == (5, made[-1].hash)


def test_an_empty_log_verifies(store: Store) -> None:
    report = audit.verify(store)
    assert report.ok and report.entries == 0 and report.head == audit.GENESIS


def test_the_hash_is_canonical_json_as_documented(store: Store) -> None:
    import hashlib

    entry = audit.record(store, "permit_decided", "Permit ŠK-1", {"b": 1, "a": "ą"},
                         person="Ona", at="2026-06-01T10:00:00Z")
    detail = '{"a":"ą","b":1}'
    document = ('{"action":"permit_decided","at":"2026-06-01T10:00:00Z","detail":'
                + json.dumps(detail, ensure_ascii=False) + ',"person":"Ona","prev_hash":"'
                + "0" * 64 + f'","seq":1,"site_id":"{store.site_id}","subject":"Permit ŠK-1"}}')
    assert entry.hash == hashlib.sha256(document.encode("utf-8")).hexdigest()
    assert store.conn.execute("SELECT detail FROM audit_log").fetchone()[0] == detail
    assert keys.verify(exchange.site_public_key(store), entry.signature,
                       audit.SIGNATURE_CONTEXT + entry.hash.encode("ascii"))


@pytest.mark.parametrize("column", COLUMNS)
def test_an_edit_to_any_column_of_a_middle_entry_is_detected(store: Store, column: str) -> None:
    _fill(store)
    new_value: object = {
        "at": "2026-06-03T11:00:00Z", "site_id": "5d1c6a3e-0000-4000-8000-00000000a999",
        "person": "Someone else", "action": "site_revoked", "subject": "Subject 2 (amended)",
        "detail": '{"index":2,"note":"changed"}', "prev_hash": "1" * 64, "hash": "2" * 64,
        "signature": bytes(64)}[column]
    _tamper(store, f"UPDATE audit_log SET {column} = ? WHERE seq = 3", (new_value,))
    edited = "entry 3: its contents do not match its hash (edited)"
    unlinked = ("does not follow entry {} (its previous hash differs: entries removed, "
                "inserted or reordered)")
    expected = {
        "prev_hash": [f"entry 3: {unlinked.format(2)}", edited],
        "hash": [edited, f"entry 4: {unlinked.format(3)}"],
        "signature": ["entry 3: its signature does not verify with the key of site "
                      "Vilnius NMCC (LT) (forged or edited)"],
    }.get(column, [edited])
    assert _problems(store) == expected


def test_a_changed_type_or_seq_is_detected(store: Store) -> None:
    _fill(store)
    _tamper(store, "UPDATE audit_log SET person = CAST(person AS BLOB) WHERE seq = 2")
    assert _problems(store) == ["entry 2: its person is not text (edited)"]
    _tamper(store, "UPDATE audit_log SET person = CAST(person AS TEXT) WHERE seq = 2")
    assert _problems(store) == []
    _tamper(store, "UPDATE audit_log SET seq = 9 WHERE seq = 3")
    assert _problems(store)


def test_a_removed_middle_entry_is_detected(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    assert _problems(store) == ["entry 4: entry 3 before it is missing (removed)"]


def test_removed_entries_renumbered_to_close_the_gap_are_detected(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 3")
    _tamper(store, "UPDATE audit_log SET seq = seq - 1 WHERE seq > 3")
    _tamper(store, "UPDATE audit_head SET seq = 4")
    problems = _problems(store)
    assert any("do not match its hash" in p for p in problems)


def test_the_log_must_start_at_entry_one(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq <= 2")
    assert _problems(store) == ["entry 3: entries 1 to 2 before it are missing (removed)"]


def test_a_removed_last_entry_is_detected(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq = 5")
    assert _problems(store) == ["the audit head names entry 5 but the log ends at entry 4 "
                                "(the last entry was removed)"]


def test_an_append_after_removed_tail_entries_keeps_the_gap(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_log WHERE seq >= 4")
    entry = audit.record(store, "permit_decided", "After", {}, person="Ona")
    assert entry.seq == 6
    assert _problems(store) == ["entry 6: entries 4 to 5 before it are missing (removed)"]


def test_a_removed_or_emptied_head_is_detected(store: Store) -> None:
    _fill(store)
    _tamper(store, "DELETE FROM audit_head")
    assert _problems(store) == ["the audit head is missing while the log holds 5 entries "
                                "(removed)"]
    _tamper(store, "DELETE FROM audit_log")
    _tamper(store, "INSERT INTO audit_head VALUES (1, 5, ?)", ("a" * 64,))
    assert _problems(store) == ["the audit head names entry 5 but the log is empty "
                                "(entries removed)"]


def test_swapping_two_entries_is_detected(store: Store) -> None:
    _fill(store)
    rest = ", ".join(COLUMNS)
    with sqlite3.connect(store.path) as conn:
        two = conn.execute(f"SELECT {rest} FROM audit_log WHERE seq = 2").fetchone()
        three = conn.execute(f"SELECT {rest} FROM audit_log WHERE seq = 3").fetchone()
        setter = ", ".join(f"{c} = ?" for c in COLUMNS)
        conn.execute(f"UPDATE audit_log SET {setter} WHERE seq = 2", three)
        conn.execute(f"UPDATE audit_log SET {setter} WHERE seq = 3", two)
    problems = _problems(store)
    assert any(p.startswith("entry 2:") for p in problems)
    assert any(p.startswith("entry 3:") for p in problems)


def _forge(store: Store, private: bytes, site_id: str, seq: int, prev: str) -> str:
    at, detail = "2026-06-09T10:00:00Z", '{"status":"approved"}'
    digest = audit.entry_hash(seq, at, site_id, "Forger", "permit_decided", "Forged", detail,
                              prev)
    signature = keys.sign(private, audit.SIGNATURE_CONTEXT + digest.encode("ascii"))
    _tamper(store, "INSERT INTO audit_log VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (seq, at, site_id, "Forger", "permit_decided", "Forged", detail, prev, digest,
             signature))
    _tamper(store, "UPDATE audit_head SET seq = ?, hash = ?", (seq, digest))
    return digest


def test_a_rehashed_entry_signed_with_another_key_is_detected(store: Store) -> None:
    made = _fill(store)
    wrong, _ = keys.generate()
    _forge(store, wrong, store.site_id, 6, made[-1].hash)
    assert _problems(store) == ["entry 6: its signature does not verify with the key of site "
                                "Vilnius NMCC (LT) (forged or edited)"]


def test_an_entry_from_a_site_whose_key_is_unknown_is_a_problem(store: Store) -> None:
    made = _fill(store)
    other, _ = keys.generate()
    stranger = "5d1c6a3e-0000-4000-8000-00000000b777"
    _forge(store, other, stranger, 6, made[-1].hash)
    assert _problems(store) == [f"entry 6: signed by site {stranger}, whose key this store "
                                "does not hold"]


def test_an_entry_signed_by_a_trusted_site_verifies(store: Store, tmp_path: Path) -> None:
    made = _fill(store)
    private, public = keys.generate()
    site = "5d1c6a3e-0000-4000-8000-00000000b778"
    exchange.trust_key(store, keys.SiteKey(site, "LV", "Riga", public, keys.fingerprint(public)))
    _forge(store, private, site, 6, made[-1].hash)
    assert _problems(store) == []


def test_a_rewritten_chain_needs_the_noted_head(store: Store) -> None:
    made = _fill(store)
    noted = audit.verify(store)
    # Someone with the file and its key removes the last decision and re-signs: the chain
    # alone looks intact, the head noted outside the laptop does not match.
    _tamper(store, "DELETE FROM audit_log WHERE seq = 5")
    _tamper(store, "UPDATE audit_head SET seq = 4, hash = ?", (made[3].hash,))
    assert _problems(store) == []
    for expect in (noted.head, noted.head[:16].upper(), audit.head_words(noted)):
        problems = _problems(store, expect_head=expect)
        assert len(problems) == 1 and "is not in the log" in problems[0]


def test_an_older_noted_head_is_still_found_after_more_entries(store: Store) -> None:
    _fill(store, 2)
    noted = audit.verify(store)
    _fill(store, 1)
    report = audit.verify(store, expect_head=audit.head_words(noted).upper())
    assert report.ok and report.expected_seq == 2 and report.entries == 3
    assert audit.verify(store, expect_head=audit.GENESIS[:16]).expected_seq == 0


@pytest.mark.parametrize("bad", ["abc", "z" * 20, "one two three", "a" * 65])
def test_a_malformed_noted_head_is_refused(store: Store, bad: str) -> None:
    with pytest.raises(ValueError, match="noted head"):
        audit.verify(store, expect_head=bad)


def test_unknown_actions_and_bad_input_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="unknown audit action 'permit_approved'"):
        audit.record(store, "permit_approved", "x", {})
    with pytest.raises(ValueError, match="JSON"):
        audit.record(store, "permit_decided", "x", {"when": object()})
    with pytest.raises(ValueError, match="person"):
        audit.record(store, "permit_decided", "x", {}, person="\n\t")
    assert not store.conn.in_transaction
    assert audit.count(store) == 0 and audit.verify(store).ok


def test_append_runs_only_inside_a_transaction(store: Store) -> None:
    private = exchange.site_private_key(store)
    with pytest.raises(AssertionError, match="transaction"):
        audit.append(store.conn, site_id=store.site_id, private_key=private,
                     action="permit_decided", subject="x", detail={}, person="Ona")
    # Inside the caller's transaction it commits or rolls back with the decision.
    store.conn.execute("BEGIN IMMEDIATE")
    audit.append(store.conn, site_id=store.site_id, private_key=private,
                 action="permit_decided", subject="x", detail={}, person="Ona")
    store.conn.execute("ROLLBACK")
    assert audit.count(store) == 0
    assert store.conn.execute("SELECT count(*) FROM audit_head").fetchone()[0] == 0


def test_current_person(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVCON_PERSON", "  Maj. Ona\nKairė\x1b[31m ")
    assert audit.current_person() == "Maj. OnaKairė[31m"
    monkeypatch.setenv("MOVCON_PERSON", "x" * 300)
    assert audit.current_person() == "x" * 100
    monkeypatch.setenv("MOVCON_PERSON", "  ")
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "ona")
    audit._login_name.cache_clear()  # asked once per run; ask again here
    assert audit.current_person() == "ona"

    def no_login() -> str:
        raise OSError("no login name")

    monkeypatch.setattr(audit.getpass, "getuser", no_login)
    audit._login_name.cache_clear()
    assert audit.current_person() == "unknown"
    audit._login_name.cache_clear()


def test_entries_filters_newest_first(store: Store) -> None:
    _fill(store)
    assert [e.seq for e in audit.entries(store)] == [5, 4, 3, 2, 1]
    assert [e.seq for e in audit.entries(store, action="permit_decided")] == [5, 1]
    assert [e.seq for e in audit.entries(store, person="MAJ. ONA KAIRĖ")] == [5, 3, 1]
    assert [e.seq for e in audit.entries(store, text="kairė")] == [5, 3, 1]
    assert [e.seq for e in audit.entries(store, text="SUBJECT 3")] == [4]
    assert [e.seq for e in audit.entries(store, text='"n2"')] == [3]
    assert [e.seq for e in audit.entries(store, text="petraitis")] == [4, 2]
    assert [e.seq for e in audit.entries(store, since="2026-06-02T10:00:00Z",
                                         until="2026-06-04T10:00:00+00:00")] == [4, 3, 2]
    assert [e.seq for e in audit.entries(store, site_id=store.site_id, limit=2,
                                         offset=1)] == [4, 3]
    assert audit.entries(store, site_id="nobody") == []
    assert audit.count(store, action="permit_decided") == 2 and audit.count(store) == 5
    entry = audit.entries(store, limit=1)[0]
    assert entry.detail == {"index": 4, "note": "n4"} and entry.label == "Permit decided"
    with pytest.raises(ValueError):
        audit.entries(store, since="yesterday")


# -- the command line -----------------------------------------------------------------------
def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_verify_then_tamper(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(store)
    db = str(store.path)
    code, out, err = _run(capsys, "--db", db, "audit", "verify")
    report = audit.verify(store)
    assert code == 0 and err == ""
    assert out == (f"audit log intact: 5 entries; head {report.head} "
                   f"({audit.head_words(report)})\n")
    code, out, _ = _run(capsys, "--db", db, "audit", "verify", "--expect", report.head[:20])
    assert code == 0 and "the noted head is entry 5; 0 entries added since" in out

    _tamper(store, "UPDATE audit_log SET subject = 'Subject 9' WHERE seq = 2")
    code, out, err = _run(capsys, "--db", db, "audit", "verify")
    assert code == 1 and err == ""
    assert out.splitlines() == ["audit log NOT intact: 1 problem in 5 entries",
                                "  entry 2: its contents do not match its hash (edited)"]
    code, _, err = _run(capsys, "--db", db, "audit", "verify", "--expect", "abc")
    assert code == 2 and err.count("\n") == 1 and "--expect" in err


def test_cli_list(store: Store, capsys: pytest.CaptureFixture[str]) -> None:
    _fill(store)
    db = str(store.path)
    code, out, _ = _run(capsys, "--db", db, "audit", "list", "--json")
    listed = json.loads(out)
    assert code == 0 and [e["seq"] for e in listed] == [5, 4, 3, 2, 1]
    assert listed[0]["site"] == "Vilnius NMCC (LT)" and listed[0]["label"] == "Permit decided"
    assert len(bytes.fromhex(listed[0]["signature"])) == 64

    code, out, _ = _run(capsys, "--db", db, "audit", "list", "--json", "--action",
                        "Movement approved", "--person", "capt. jonas petraitis")
    assert [e["seq"] for e in json.loads(out)] == [2]
    code, out, _ = _run(capsys, "--db", db, "audit", "list", "--json", "--since",
                        "2026-06-02", "--until", "2026-06-03", "--site", "vilnius nmcc")
    assert [e["seq"] for e in json.loads(out)] == [3, 2]
    code, out, _ = _run(capsys, "--db", db, "audit", "list", "--json", "--text", "subject",
                        "--limit", "2", "--site", store.site_id[:8])
    assert [e["seq"] for e in json.loads(out)] == [5, 4]

    code, out, _ = _run(capsys, "--db", db, "audit", "list", "--action", "key_trusted")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["Time", "Person", "Site", "Action", "Subject",
                                              "Detail"]
    assert "2026-06-04 10:00Z" in lines[1] and "Site key trusted" in lines[1]
    assert "Vilnius NMCC (LT)" in lines[1] and "index=3, note=n3" in lines[1]
    assert lines[-1] == "1 entry"


@pytest.mark.parametrize(("argv", "message"), [
    (["--action", "approve"], "--action: unknown action 'approve'"),
    (["--since", "2026-06-01T10:00"], "--since: time '2026-06-01T10:00' has no UTC offset"),
    (["--until", "soon"], "--until: not an ISO 8601 time"),
    (["--site", "Nowhere"], "--site: no site named or numbered 'Nowhere'"),
    (["--limit", "0"], "--limit must be at least 1"),
])  # fmt: skip
def test_cli_list_refuses_bad_arguments(store: Store, capsys: pytest.CaptureFixture[str],
                                        argv: list[str], message: str) -> None:
    code, out, err = _run(capsys, "--db", str(store.path), "audit", "list", *argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and message in err
