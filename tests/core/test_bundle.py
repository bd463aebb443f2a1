"""The bundle container: exact round trips, and refusal of anything altered or cut short."""

from __future__ import annotations

import errno
import io
import json
import os
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from app.core.store.codec import to_log
from app.core.sync import bundle, container, keys
from app.core.sync.bundle import GENESIS, Batch, BundleError, make_batch, read_bundle

VILNIUS = "0198a0d2-1c00-7000-8000-0000000000a1"  # LT: origin, relayed by Riga
RIGA = "0198a0d2-1c00-7000-8000-0000000000b2"  # LV: the sender
TALLINN = "0198a0d2-1c00-7000-8000-0000000000c3"  # EE: the receiver
KEYS = {site: keys.generate() for site in (VILNIUS, RIGA, TALLINN)}
SITES = {VILNIUS: {"nation": "LT", "name": "Vilnius NMCC"},
         RIGA: {"nation": "LV", "name": "Rīga JMCC"}}
STAMP = 1769731200000 << 16


def public_of(site: str) -> bytes | None:
    return KEYS[site][1] if site in KEYS else None


def private(site: str) -> bytes:
    return KEYS[site][0]


def changes(first: int, values: Sequence[Any], row: str = "0198a0d2-1c00-7000-8000-00000000f001",
            field: str = "name") -> list[tuple[Any, ...]]:
    return [(seq, STAMP + seq, "movements", row, field, None if v is None else to_log(v), 0)
            for seq, v in enumerate(values, first)]


def small_batches() -> list[Batch]:
    """Two batches of Vilnius (chained) and one of Riga."""
    v1 = make_batch(VILNIUS, 1, GENESIS, changes(1, ["Convoy 1", 0.1, None]), private(VILNIUS))
    v2 = make_batch(VILNIUS, 4, v1.hash, changes(4, ["Šeštokai – Ämari 🚛"]), private(VILNIUS))
    r1 = make_batch(RIGA, 1, GENESIS, changes(1, [1e-300, ""], field="note"), private(RIGA))
    return [v1, v2, r1]


def write(path: Path, batches: Sequence[Batch] = (), **overrides: Any) -> bundle.Manifest:
    args: dict[str, Any] = dict(
        bundle_id="0198a0d2-1c00-7000-8000-0000000b0001", sender_site=RIGA,
        sender_nation="LV", sender_name="Rīga JMCC", recipients=["EE", "LT"],
        created_at="2026-03-02T14:30:00Z", schema_version=3,
        vector={VILNIUS: 4, RIGA: 2}, sites=SITES, batches=batches,
        private_key=private(RIGA))
    args.update(overrides)
    return bundle.write_bundle(path, **args)


def read(path: Path, key_of: Callable[[str], bytes | None] = public_of,
         nation: str = "EE", max_schema: int = 3) -> tuple[bundle.Manifest, list[Batch]]:
    return read_bundle(path, public_key_of=key_of, our_nation=nation, max_schema=max_schema)


def refused(path: Path, expected: str, **kwargs: Any) -> str:
    with pytest.raises(BundleError) as info:
        read(path, **kwargs)
    message = str(info.value)
    assert expected in message, message
    assert "\n" not in message
    return message


def forge(path: Path, batches: Sequence[Batch], edit: Callable[[dict[str, Any]], None] = print,
          *, extra: Sequence[tuple[str, bytes]] = (), drop: Sequence[str] = (),
          signer: str = RIGA) -> None:
    """A bundle in the writer's exact ZIP layout whose manifest `edit` may change freely."""
    contents = [(n, d) for b in batches for n, d in ((b.member, b.body),
                                                      (b.member[:-5] + ".sig", b.signature))]

    def manifest_of(members: Sequence[bundle.Member]) -> bytes:
        manifest = bundle.Manifest(
            bundle_id="0198a0d2-1c00-7000-8000-0000000b0002", sender_site=RIGA,
            sender_nation="LV", sender_name="Rīga JMCC", recipients=("EE",),
            created_at="2026-03-02T14:30:00Z", schema_version=3, vector={RIGA: 1},
            sites=SITES, members=tuple(m for m in members if m.name in listed),
            batches=tuple(bundle.BatchEntry(b.member, b.origin, b.first_seq, b.last_seq,
                                            b.hash, b.prev_hash) for b in batches))
        doc = json.loads(manifest.to_json())
        if edit is not print:
            edit(doc)
        return json.dumps(doc).encode()

    listed = {n for n, _ in contents}
    kept = [(n, d) for n, d in contents if n not in drop] + list(extra)
    bundle._write_zip(path, kept, manifest_of, private(signer))


# -- round trips ---------------------------------------------------------------------------
def test_round_trip_is_exact_for_two_origins_one_relayed(tmp_path: Path) -> None:
    long_text = "Šeštokai – Ämari 🚛 " * 5000  # 100 kB and more
    values = [0.1, 1e-300, -0.0, 2**53 + 1, "Šeštokai – Ämari 🚛", "", None, long_text,
              {"from": "LT", "legs": [1.5, None, "Ä"]}, [], True, "\u2028\x00\"\\"]
    v1 = make_batch(VILNIUS, 1, GENESIS, changes(1, values[:6]), private(VILNIUS))
    v2 = make_batch(VILNIUS, 7, v1.hash, changes(7, values[6:]), private(VILNIUS))
    r1 = make_batch(RIGA, 1, GENESIS, changes(1, values, field="note"), private(RIGA))
    path = tmp_path / "LV-to-EE.movcon"
    written = write(path, [v1, v2, r1])

    manifest, batches = read(path)
    assert manifest == written
    assert manifest.sender_site == RIGA and batches[0].origin == VILNIUS  # relayed
    assert batches == [v1, v2, r1]
    assert [c for b in batches[:2] for c in b.changes()] == changes(1, values)
    assert r1.changes() == batches[2].changes() == changes(1, values, field="note")
    got = [json.loads(c[5]) if c[5] is not None else None for c in batches[2].changes()]
    assert got == values and repr(got[0]) == "0.1" and repr(got[1]) == "1e-300"
    assert manifest.recipients == ("EE", "LT") and manifest.vector == {VILNIUS: 4, RIGA: 2}
    assert manifest.site_label(VILNIUS) == f"site {VILNIUS} (Vilnius NMCC, LT)"
    assert [e.member for e in manifest.batches] == [b.member for b in batches]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["LV-to-EE.movcon"]  # no .part


def test_layout_marker_first_and_stored_readable_without_parsing(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    write(path, small_batches())
    data = path.read_bytes()
    assert data[30:43] == b"movcon-bundle" and data[43:59] == b"MovCon bundle 1\n"
    with zipfile.ZipFile(path) as zf:  # any ZIP tool can open it
        infos = zf.infolist()
        assert infos[0].filename == "movcon-bundle"
        assert infos[0].compress_type == zipfile.ZIP_STORED
        assert zf.read("movcon-bundle") == bundle.MARKER
        assert {i.filename for i in infos} >= {"manifest.json", "manifest.sig"}
        body = next(i for i in infos if i.filename.endswith("1-3.json"))
        assert body.compress_type == zipfile.ZIP_DEFLATED
        assert zf.testzip() is None


def test_an_empty_bundle_carries_the_vector(tmp_path: Path) -> None:
    path = tmp_path / "empty.movcon"
    write(path, [], sites={})
    manifest, batches = read(path)
    assert batches == [] and manifest.vector == {VILNIUS: 4, RIGA: 2}


def test_writing_the_same_content_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    batches = small_batches()
    write(tmp_path / "a", batches)
    write(tmp_path / "b", batches)
    assert (tmp_path / "a").read_bytes() == (tmp_path / "b").read_bytes()


# -- every damage is refused ---------------------------------------------------------------
def _refuses_all(tmp_path: Path, variants: Callable[[bytes], Any]) -> int:
    data = (tmp_path / "small.movcon").read_bytes()
    probe = tmp_path / "probe.movcon"
    count = 0
    for altered in variants(data):
        probe.write_bytes(altered)
        try:
            read(probe)
        except BundleError as exc:
            assert "\n" not in str(exc)
            count += 1
            continue
        pytest.fail(f"an altered bundle was accepted ({len(altered)} bytes)")
    return count


def test_every_flipped_byte_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "small.movcon", small_batches())

    def flips(data: bytes) -> Any:
        for i in range(len(data)):
            for mask in (0x01, 0x80):  # lowest and highest bit: deflate's padding is high
                altered = bytearray(data)
                altered[i] ^= mask
                yield bytes(altered)

    assert _refuses_all(tmp_path, flips) > 4000


def test_every_truncation_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "small.movcon", small_batches())
    assert _refuses_all(tmp_path, lambda data: (data[:n] for n in range(len(data)))) > 2000


def test_appended_or_prepended_bytes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "small.movcon"
    write(path, small_batches())
    data = path.read_bytes()
    for altered in (data + b"\0", b"\0" + data, data + data):
        path.write_bytes(altered)
        with pytest.raises(BundleError):
            read(path)


# -- each refusal names its problem --------------------------------------------------------
def test_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("convoy at 14:30")
    refused(path, "notes.txt is not a MovCon bundle")
    path.write_bytes(b"")
    refused(path, "notes.txt is not a MovCon bundle (empty)")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("manifest.json", "{}")
    refused(path, "notes.txt is not a MovCon bundle")
    refused(tmp_path / "absent.movcon", "cannot read")


def test_newer_format_marker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundle, "MARKER", b"MovCon bundle 2\n")
    path = tmp_path / "b.movcon"
    write(path, small_batches())
    monkeypatch.undo()
    refused(path, "made by a newer MovCon (bundle format 2; this one reads format 1): upgrade")


def test_unknown_manifest_format(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    forge(path, small_batches(), lambda d: d.update(format=2))
    refused(path, "unknown bundle format 2 (this MovCon reads format 1): upgrade MovCon")
    forge(path, small_batches(), lambda d: d.update(format="1"))
    refused(path, "unknown bundle format '1'")


@pytest.mark.parametrize("edit, expected", [
    (lambda d: d.pop("vector"), "malformed manifest: missing 'vector'"),
    (lambda d: d["sender"].pop("nation"), "malformed manifest: missing 'sender.nation'"),
    (lambda d: d.update(extra=1), "malformed manifest: unknown key 'extra'"),
    (lambda d: d.update(schema_version="3"), "'schema_version' is not a positive integer"),
    (lambda d: d.update(recipients=[]), "'recipients' must be distinct ISO alpha-2"),
    (lambda d: d.update(recipients=["EE", "EE"]), "'recipients' must be distinct"),
    (lambda d: d.update(created_at="2026-03-02 14:30"), "'created_at' is not an ISO 8601"),
    (lambda d: d.update(created_at="2026-13-02T14:30:00Z"), "'created_at' is not an ISO 8601"),
    (lambda d: d.update(vector={VILNIUS: -1}), "'vector' must map site ids"),
    (lambda d: d["sites"].pop(VILNIUS), f"sites lacks origin {VILNIUS}"),
    (lambda d: d["sender"].update(name="Riga\nHQ"), "'sender.name' is not a valid name"),
    (lambda d: d["members"][0].update(size=True), "'members[0].size' is not a size"),
    (lambda d: d["members"][0].update(sha256="AB" * 32), "'members[0].sha256' is not a SHA"),
    (lambda d: d["members"].pop(), "is not listed in members"),
    (lambda d: d["batches"][0].update(first_seq=0), "'batches[0].first_seq' and last_seq"),
    (lambda d: d["batches"][0].update(member="batches/x/1-3.json"), "'batches[0].member' is"),
    (lambda d: d["batches"][0].update(prev_hash="ab" * 32), "must be GENESIS exactly"),
    (lambda d: d.update(members="none"), "'members' is not a list"),
])  # fmt: skip
def test_malformed_manifest(tmp_path: Path, edit: Callable[[dict[str, Any]], Any],
                            expected: str) -> None:
    path = tmp_path / "b.movcon"
    forge(path, small_batches(), edit)
    refused(path, expected)


def test_manifest_that_is_not_json(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    bundle._write_zip(path, [], lambda members: b'{"format": 1, "format": 1}', private(RIGA))
    refused(path, "malformed manifest: not JSON (a key appears twice in one object)")
    bundle._write_zip(path, [], lambda members: b"[NaN]", private(RIGA))
    refused(path, "malformed manifest: not JSON")


def test_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    write(path, small_batches(), schema_version=5)
    refused(path, "b.movcon was made by a newer MovCon (schema 5; this one reads up to 3): "
                  "upgrade MovCon to import it")


def test_not_for_this_nation(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    write(path, small_batches(), recipients=["LV", "EE"])
    refused(path, "bundle is for LV, EE; this store belongs to LT", nation="LT")


def test_unknown_sender(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    write(path, small_batches())
    refused(path, f"unknown sender: site {RIGA} (Rīga JMCC, LV) has no certificate from a "
                  "nation trusted here and no confirmed key",
            key_of=lambda s: None if s == RIGA else public_of(s))


def test_bad_manifest_signature(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    forge(path, small_batches(), signer=TALLINN)
    refused(path, f"the manifest signature of b.movcon does not verify with the key of site "
                  f"{RIGA} (Rīga JMCC, LV): altered or damaged")


def test_member_that_does_not_match_the_manifest(tmp_path: Path) -> None:
    batches = small_batches()
    path = tmp_path / "b.movcon"
    forge(path, batches, lambda d: d["members"][0].update(sha256="ab" * 32))
    refused(path, f"member {batches[0].member} does not match the manifest: altered or damaged")
    forge(path, batches, lambda d: d["members"][1].update(size=63))
    refused(path, "1-3.sig does not match the manifest: altered or damaged")
    # A byte of the deflated body changed in the file, headers and CRC left consistent:
    write(path, batches)
    data = bytearray(path.read_bytes())
    at = data.index(batches[0].member.encode()) + len(batches[0].member) + 5
    data[at] ^= 0x10
    path.write_bytes(bytes(data))
    refused(path, f"member {batches[0].member} does not match the manifest: altered or damaged")


def test_missing_and_extra_members(tmp_path: Path) -> None:
    batches = small_batches()
    path = tmp_path / "b.movcon"
    sig = batches[2].member[:-5] + ".sig"

    def relist(doc: dict[str, Any]) -> None:
        doc["members"].append({"name": sig, "size": 64, "sha256": "ab" * 32,
                               "raw_sha256": "ab" * 32})

    forge(path, batches, relist, drop=[sig])
    refused(path, f"member {sig} is missing: altered or damaged")
    forge(path, batches, extra=[("batches/notes.txt", b"hello")])
    refused(path, "member batches/notes.txt is not listed in the manifest: altered or damaged")


def test_unknown_origin(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    write(path, small_batches())
    refused(path, f"unknown origin: site {VILNIUS} (Vilnius NMCC, LT) made changes in this "
                  "bundle and has no certificate from a nation trusted here",
            key_of=lambda s: None if s == VILNIUS else public_of(s))


def test_bad_batch_signature(tmp_path: Path) -> None:
    v1, v2, r1 = small_batches()
    forged = Batch(v1.origin, v1.first_seq, v1.last_seq, v1.prev_hash, v1.body,
                   keys.sign(private(RIGA), v1.body))  # the relay cannot sign for Vilnius
    path = tmp_path / "b.movcon"
    write(path, [forged, v2, r1])
    refused(path, f"the signature of batch {v1.member} does not verify with the key of site "
                  f"{VILNIUS} (Vilnius NMCC, LT): altered or damaged")


def test_batch_hash_not_the_manifests(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    batches = small_batches()
    forge(path, batches[2:], lambda d: d["batches"][0].update(hash="ab" * 32))
    refused(path, f"batch {batches[2].member} does not match its hash in the manifest")


def _signed(site: str, first: int, last: int, prev: str, body: bytes) -> Batch:
    return Batch(site, first, last, prev, body, keys.sign(private(site), body))


def _body(**changes_: Any) -> bytes:
    doc: dict[str, Any] = {"format": 1, "origin": RIGA, "first_seq": 1, "last_seq": 2,
                           "prev_hash": GENESIS, "changes": [list(c) for c in
                                                             changes(1, ["a", "b"])]}
    doc.update(changes_)
    return bundle.canonical_json(doc)


@pytest.mark.parametrize("body, expected", [
    (b"{not json", "not JSON"),
    (b"\xff\xfe", "not JSON"),
    (_body(extra=1), "its keys must be"),
    (_body(format=2), "format 2 (this MovCon reads 1)"),
    (_body(origin=VILNIUS), f"its origin '{VILNIUS}' disagrees with the manifest"),
    (_body(first_seq=2), "its first_seq 2 disagrees with the manifest"),
    (_body(last_seq=True), "its last_seq True disagrees with the manifest"),
    (_body(prev_hash="ab" * 32), "its prev_hash 'abab"),
    (_body(changes=[]), "it must hold changes 1 to 2"),
    (_body(changes=[list(c) for c in changes(1, ["a"])] * 2), "change 1 is out of sequence"),
    (_body(changes=[[1, 2, "t", "r", "f", "1"], [2, 2, "t", "r", "f", "1", 0]]),
     "change 1 is not a list of 7 items"),
    (_body(changes=[[1, "2", "t", "r", "f", "1", 0], [2, 2, "t", "r", "f", "1", 0]]),
     "change 1: its stamps are not integers"),
    (_body(changes=[[1, 2, "t", "r", "f", "1", -1], [2, 2, "t", "r", "f", "1", 0]]),
     "change 1: its stamps are not integers"),
    (_body(changes=[[1, 2, "t", "r", "", "1", 0], [2, 2, "t", "r", "f", "1", 0]]),
     "change 1: table, row id and field must be non-empty text"),
    (_body(changes=[[1, 2, "t", "r", "f", "1", 0], [2, 2, "t", "r", "f", "{x", 0]]),
     "change 2: its value is not JSON text"),
    (_body(changes=[[1, 2, "t", "r", "f", "NaN", 0], [2, 2, "t", "r", "f", "1", 0]]),
     "change 1: its value is not JSON text"),
    (_body().replace(b":", b": "), "not in canonical form"),
    (_body().replace(b'"movements"', b'"\\u006dovements"'), "not in canonical form"),
    (_body().replace(b'"movements"', b'"\\ud800"'), "not in canonical form"),
])  # fmt: skip
def test_malformed_batch_body(tmp_path: Path, body: bytes, expected: str) -> None:
    path = tmp_path / "b.movcon"
    write(path, [_signed(RIGA, 1, 2, GENESIS, body)])
    message = refused(path, expected)
    assert message.startswith(f"batch batches/{RIGA}/1-2.json is malformed: ")


def test_batches_of_one_origin_must_chain_in_the_bundle(tmp_path: Path) -> None:
    v1, v2, r1 = small_batches()
    stray = make_batch(VILNIUS, 4, "ab" * 32, changes(4, ["x"]), private(VILNIUS))
    gap = make_batch(VILNIUS, 5, v1.hash, changes(5, ["x"]), private(VILNIUS))
    path = tmp_path / "b.movcon"
    for second in (stray, gap):
        forge(path, [v1, second])
        refused(path, f"batch {second.member} does not follow {v1.member} of site {VILNIUS} "
                      "(Vilnius NMCC, LT): altered or misordered")
    forge(path, [v2, v1, r1])  # out of order
    refused(path, "does not follow")


def test_member_names_that_escape_a_folder(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    for name in ("../x", "/etc/passwd", "batches/../../x", "C:\\x", "a//b"):
        forge(path, small_batches(), extra=[(name, b"x")])
        refused(path, "(absolute, '..' or odd characters): refused")
    buffer = io.BytesIO()  # the same from an ordinary ZIP tool
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("movcon-bundle", bundle.MARKER)
        zf.writestr("../x", b"x")
    path.write_bytes(buffer.getvalue())
    refused(path, "b.movcon")


def test_limits_against_zip_bombs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.movcon"
    # 8 MiB of zeros deflate to a few kB: refused from the directory, before inflating.
    forge(path, small_batches(), extra=[("batches/zeros.json", bytes(8 << 20))])
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(container, "MAX_TOTAL_SIZE", 4 << 20)
    refused(path, "would unpack to 8 MiB; a bundle holds at most 4 MiB")
    monkeypatch.setattr(container, "MAX_MEMBERS", 5)
    refused(path, "b.movcon has 10 members; a bundle has at most 5")
    monkeypatch.setattr(container, "MAX_FILE_SIZE", 1000)
    refused(path, "b.movcon is too large for a bundle")


@pytest.mark.filterwarnings("ignore:Duplicate name")
def test_duplicate_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    batches = small_batches()
    forge(path, batches, extra=[(batches[0].member, batches[0].body)])
    refused(path, f"holds member {batches[0].member} twice")


# -- writing -------------------------------------------------------------------------------
def _no_space(*_: Any) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_disk_full_at_fsync_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.movcon"
    monkeypatch.setattr(os, "fsync", _no_space)
    with pytest.raises(BundleError) as info:
        write(path, small_batches())
    assert str(info.value) == (f"cannot write {path}: No space left on device; "
                               "nothing was written")
    assert list(tmp_path.iterdir()) == []


class _SmallDisk(io.FileIO):
    """A file on a disk that fills up after `room` bytes."""

    room = 3000

    def write(self, data: Any) -> int:
        if self.tell() + len(data) > self.room:
            _no_space()
        return super().write(data)


def test_disk_full_mid_way_leaves_the_old_file(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "b.movcon"
    path.write_bytes(b"the bundle of yesterday")
    monkeypatch.setattr(bundle, "open", lambda p, mode: _SmallDisk(p, "w+"), raising=False)
    with pytest.raises(BundleError, match="No space left on device; nothing was written"):
        write(path, small_batches())
    assert path.read_bytes() == b"the bundle of yesterday"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.movcon"]


def test_write_refuses_arguments_that_make_no_valid_bundle(tmp_path: Path) -> None:
    path = tmp_path / "b.movcon"
    v1, v2, r1 = small_batches()
    for bad in ({"recipients": []}, {"sender_nation": "Latvia"}, {"sites": {}},
                {"batches": [v2, v1]}, {"created_at": "yesterday"}, {"bundle_id": "a/b"},
                {"sites": {VILNIUS: {"name": "Vilnius"}, RIGA: SITES[RIGA]}},
                {"private_key": b"short"}):
        with pytest.raises(ValueError):
            write(path, **{"batches": [v1, v2, r1], **bad})
    assert list(tmp_path.iterdir()) == []


def test_make_batch_checks_its_changes() -> None:
    key = private(RIGA)
    with pytest.raises(ValueError, match="out of sequence"):
        make_batch(RIGA, 1, GENESIS, changes(2, ["a"]), key)
    with pytest.raises(ValueError, match="GENESIS exactly for first_seq 1"):
        make_batch(RIGA, 3, GENESIS, changes(3, ["a"]), key)
    with pytest.raises(ValueError, match="at least one change"):
        make_batch(RIGA, 1, GENESIS, [], key)
    with pytest.raises(ValueError, match="not valid Unicode"):
        make_batch(RIGA, 1, GENESIS, [(1, 1, "t", "r", "f", '"\ud800"', 0)], key)
    batch = make_batch(RIGA, 1, GENESIS, changes(1, ["a", "b"]), key)
    assert (batch.first_seq, batch.last_seq, len(batch.hash)) == (1, 2, 64)
    assert keys.verify(keys.public_of(key), batch.signature, batch.body)
    assert bundle.GENESIS == "0" * 64


def test_canonical_body_matches_the_documented_example() -> None:
    """resources/docs/bundle-format.md gives this body and hash to other implementations."""
    row = "0198a0d2-1c00-7000-8000-00000000f001"
    rows = [(1, 115981103923200001, "movements", row, "name", '"Šeštokai – Ämari"', 0),
            (2, 115981103923200002, "movements", row, "speed_kmh", "0.1", 115981103923200001)]
    batch = make_batch(VILNIUS, 1, GENESIS, rows, private(VILNIUS))
    assert len(batch.body) == 400
    assert batch.hash == "48e7af1a7c0b9fd93d1b473f8a1ced4660eea2fd1dac41254ead66bdb86dba17"
    doc = (Path(__file__).parents[2] / "resources" / "docs" / "bundle-format.md").read_text(
        encoding="utf-8")
    assert batch.body.decode() in doc and batch.hash in doc
    assert container.MARKER_PREFIX.hex(" ")[:89] in doc  # the fixed first bytes
