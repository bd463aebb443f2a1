"""The sealed envelope: round trips, refusal of anything cut, altered or added, and what a
lost stick shows (the version and the key ids; no names, no exact size)."""

from __future__ import annotations

import hashlib
import os
import struct
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.sync import envelope
from app.core.sync.envelope import EnvelopeError, open_sealed, seal

KEYS = {nation: envelope.x25519_keypair() for nation in ("LT", "LV", "EE")}
BUNDLE = b"PK\x03\x04" + b'{"site_name": "Kalvarija NMCC", "movements": 42}\n' * 3


def private(nation: str) -> bytes:
    return KEYS[nation][0]


def public(nation: str) -> bytes:
    return KEYS[nation][1]


def chunked(blob: bytes, chunk: int) -> tuple[bytes, list[bytes]]:
    """(header, encrypted chunks) of an envelope sealed with CHUNK_SIZE = chunk."""
    size = 50 + 56 * len(envelope.read_header(blob).key_ids)
    step = chunk + envelope.TAG_SIZE
    return blob[:size], [blob[i:i + step] for i in range(size, len(blob), step)]


def test_keys_and_key_ids() -> None:
    secret, pub = KEYS["LT"]
    assert len(secret) == len(pub) == 32
    assert envelope.x25519_public_of(secret) == pub
    assert envelope.key_id(pub) == hashlib.sha256(pub).hexdigest()[:16]
    with pytest.raises(ValueError):
        envelope.key_id(pub[:31])


def test_round_trip_for_one_and_three_recipients() -> None:
    blob = seal(BUNDLE, [public("LV")])
    assert envelope.is_sealed(blob) and not envelope.is_sealed(BUNDLE)
    assert open_sealed(blob, [private("LV")]) == BUNDLE
    blob = seal(BUNDLE, [public(n) for n in ("LT", "LV", "EE")])
    header = envelope.read_header(blob)
    assert header.version == 1
    assert header.key_ids == tuple(sorted(envelope.key_id(public(n)) for n in KEYS))
    for nation in KEYS:
        assert open_sealed(blob, [private(nation)]) == BUNDLE
    assert open_sealed(blob, [private("EE"), private("LT")]) == BUNDLE


@pytest.mark.parametrize("size", [0, 1, 55, 56, 57, 63, 64, 65, 500, 1016, 1024, 3000])
def test_round_trip_of_every_shape(size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envelope, "CHUNK_SIZE", 64)  # many chunks, the last full or not
    plaintext = os.urandom(size)
    blob = seal(plaintext, [public("EE")])
    assert open_sealed(blob, [private("EE")]) == plaintext
    padded = envelope.padme(8 + size)
    assert len(blob) == 106 + padded + 16 * -(-padded // 64)


def test_another_nations_key_or_none_cannot_open() -> None:
    blob = seal(BUNDLE, [public("LV")])
    expected = f"encrypted for key ids {envelope.key_id(public('LV'))}; none of them is held here"
    for held in ([private("EE")], []):
        with pytest.raises(EnvelopeError) as err:
            open_sealed(blob, held)
        assert str(err.value) == expected


def test_every_truncation_is_refused() -> None:
    blob = seal(BUNDLE, [public("LV")])
    for cut in range(len(blob)):
        with pytest.raises(EnvelopeError):
            open_sealed(blob[:cut], [private("LV")])


def test_every_flipped_byte_is_refused() -> None:
    blob = seal(BUNDLE, [public("LT"), public("LV")])
    ids = range(50, 50 + 16)  # a changed key id names a key not held here
    for pos in range(len(blob)):
        bad = bytearray(blob)
        bad[pos] ^= 0x01
        with pytest.raises(EnvelopeError) as err:
            open_sealed(bytes(bad), [private("LV")])
        message = str(err.value)
        if pos >= len(envelope.MAGIC) and pos not in ids:
            assert "damaged or altered" in message, (pos, message)
        assert "\n" not in message


def test_reordered_removed_and_added_chunks_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(envelope, "CHUNK_SIZE", 64)
    blob = seal(os.urandom(1000), [public("LT")])
    header, chunks = chunked(blob, 64)
    assert len(chunks) == 16 and b"".join([header, *chunks]) == blob
    variants = {
        "swapped": [*chunks[:3], chunks[4], chunks[3], *chunks[5:]],
        "last two swapped": [*chunks[:-2], chunks[-1], chunks[-2]],
        "middle removed": chunks[:7] + chunks[8:],
        "first removed": chunks[1:],
        "last removed": chunks[:-1],
        "repeated": [*chunks[:5], chunks[4], *chunks[5:]],
        "one added": [*chunks, chunks[-1]],
        "none": [],
    }
    for name, parts in variants.items():
        with pytest.raises(EnvelopeError, match="damaged or altered"):
            open_sealed(b"".join([header, *parts]), [private("LT")])
            pytest.fail(name)
    # Chunks of another envelope to the same key do not fit either.
    _, others = chunked(seal(os.urandom(1000), [public("LT")]), 64)
    with pytest.raises(EnvelopeError, match="damaged or altered"):
        open_sealed(b"".join([header, *chunks[:8], *others[8:]]), [private("LT")])


@pytest.mark.parametrize("extra", [b"\x00", os.urandom(16), os.urandom(100_000)])
def test_appended_bytes_are_refused(extra: bytes) -> None:
    blob = seal(BUNDLE, [public("LV")])
    with pytest.raises(EnvelopeError, match="damaged or altered"):
        open_sealed(blob + extra, [private("LV")])


def test_swapped_recipients_are_refused() -> None:
    blob = seal(BUNDLE, [public("LT"), public("LV")])
    ids = blob[50:66]
    with pytest.raises(EnvelopeError, match="key ids are out of order"):
        envelope.read_header(blob[:50] + ids[8:] + ids[:8] + blob[66:])
    wrapped = blob[66:162]
    swapped = blob[:66] + wrapped[48:] + wrapped[:48] + blob[162:]
    with pytest.raises(EnvelopeError, match="damaged or altered"):
        open_sealed(swapped, [private("LV")])


def test_a_newer_version_asks_for_an_upgrade() -> None:
    blob = b"MovCon sealed 2\n" + seal(BUNDLE, [public("LV")])[16:]
    for read in (envelope.read_header, lambda b: open_sealed(b, [private("LV")])):
        with pytest.raises(EnvelopeError, match=r"newer MovCon .*version 2.*upgrade MovCon"):
            read(blob)


@pytest.mark.parametrize("data", [b"", BUNDLE, b"MovCon bundle 1\n" + bytes(200), bytes(300)])
def test_anything_else_is_not_a_sealed_bundle(data: bytes) -> None:
    assert not envelope.is_sealed(data)
    with pytest.raises(EnvelopeError, match=r"^not a MovCon sealed bundle"):
        open_sealed(data, [private("LV")])


def test_close_sizes_seal_to_one_size() -> None:
    assert [envelope.padme(n) for n in (8, 9, 100, 129, 1000, 1003, 100_008)] == [
        8, 10, 104, 144, 1024, 1024, 100_352]
    small, large = seal(os.urandom(100_000), [public("LV")]), seal(bytes(100_100),
                                                                   [public("LV")])
    assert len(small) == len(large)
    assert all(envelope.padme(n) - n <= n * 0.117 for n in range(2, 5000))


def test_no_plaintext_shows_through() -> None:
    plaintext = b"Kalvarija" * 10_000
    blob = seal(plaintext, [public("LT"), public("LV")])
    assert b"Kalvarija" not in blob
    assert blob != seal(plaintext, [public("LT"), public("LV")])  # fresh keys each time


def test_bad_recipients_are_refused() -> None:
    for recipients in ([], [public("LT"), public("LT")], [public("LT")[:31]],
                       [bytes(32)]):  # the last: a low-order point, no shared secret
        with pytest.raises(ValueError):
            seal(BUNDLE, recipients)


def test_seal_to_file_is_atomic(tmp_path: Path) -> None:
    target = tmp_path / "to-lv.mcs"
    size = envelope.seal_to_file(BUNDLE, [public("LV")], target)
    assert size == target.stat().st_size
    assert open_sealed(target.read_bytes(), [private("LV")]) == BUNDLE
    missing = tmp_path / "missing" / "to-lv.mcs"
    with pytest.raises(EnvelopeError, match=r"^cannot write .*; nothing was written$"):
        envelope.seal_to_file(BUNDLE, [public("LV")], missing)
    (tmp_path / "folder").mkdir()  # the temp file is written, the rename fails
    with pytest.raises(EnvelopeError, match="nothing was written"):
        envelope.seal_to_file(BUNDLE, [public("LV")], tmp_path / "folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folder", "to-lv.mcs"]
    assert list((tmp_path / "folder").iterdir()) == []


def test_the_documented_format_is_enough_to_read_it() -> None:
    """A reader written from resources/docs/envelope-format.md alone, without the module."""
    blob = seal(BUNDLE, [public("LT"), public("EE")])
    assert blob[:16] == b"MovCon sealed 1\n"
    ephemeral, (count,) = blob[16:48], struct.unpack(">H", blob[48:50])
    ids = [blob[50 + 8 * i:58 + 8 * i] for i in range(count)]
    mine = ids.index(hashlib.sha256(public("EE")).digest()[:8])
    header_end = 50 + 56 * count
    shared = X25519PrivateKey.from_private_bytes(private("EE")).exchange(
        X25519PublicKey.from_public_bytes(ephemeral))
    kek = HKDF(hashes.SHA256(), 32, salt=ephemeral + public("EE"),
               info=b"movcon envelope v1 key wrap").derive(shared)
    start = 50 + 8 * count + 48 * mine
    key = AESGCM(kek).decrypt(bytes(12), blob[start:start + 48], blob[:50 + 8 * count])
    payload = blob[header_end:]
    assert len(payload) <= (1 << 20) + 16  # one chunk
    padded = AESGCM(key).decrypt(bytes(11) + b"\x01", payload, blob[:header_end])
    (n,) = struct.unpack(">Q", padded[:8])
    assert padded[8:8 + n] == BUNDLE and padded[8 + n:] == bytes(len(padded) - 8 - n)
