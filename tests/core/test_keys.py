"""Site keys: signatures, word fingerprints and the key files officers exchange."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from app.core.sync import keys
from app.core.sync.words import wordlist, words

SITE = "0198a0d2-1c00-7000-8000-0000000000a1"


def test_sign_and_verify_round_trip() -> None:
    private, public = keys.generate()
    assert len(private) == len(public) == 32
    assert keys.public_of(private) == public
    signature = keys.sign(private, b"movement 42 cleared")
    assert len(signature) == 64
    assert keys.verify(public, signature, b"movement 42 cleared")


def test_a_wrong_key_or_a_flipped_byte_fails() -> None:
    private, public = keys.generate()
    _, other = keys.generate()
    data = b"permit LV-0042 granted"
    signature = keys.sign(private, data)
    assert not keys.verify(other, signature, data)
    for i in range(len(signature)):
        bad = bytearray(signature)
        bad[i] ^= 0x01
        assert not keys.verify(public, bytes(bad), data)
    for i in range(len(data)):
        bad = bytearray(data)
        bad[i] ^= 0x01
        assert not keys.verify(public, signature, bytes(bad))


@pytest.mark.parametrize("public, signature", [
    (b"", b"x" * 64), (b"x" * 31, b"x" * 64), (b"x" * 33, b"x" * 64), (b"\xff" * 32, b"x" * 64),
    ("not bytes", b"x" * 64), (None, b"x" * 64), (b"x" * 32, b""), (b"x" * 32, b"x" * 63),
    (b"x" * 32, None),
])  # fmt: skip
def test_verify_never_raises_on_malformed_input(public: object, signature: object) -> None:
    assert keys.verify(public, signature, b"data") is False  # type: ignore[arg-type]


def test_fingerprint_is_six_bip39_words_and_stable() -> None:
    public = bytes(range(32))
    fp = keys.fingerprint(public)
    assert fp == keys.fingerprint(public)
    parts = fp.split(" ")
    assert len(parts) == 6 and set(parts) <= set(wordlist())
    # Pinned: a change here would make every key read over the phone look different.
    assert fp == "glide hover engage snow drip rebuild"
    assert keys.fingerprint(bytes(32)) != fp


def test_words_take_the_leading_bits() -> None:
    assert words(bytes(9)) == " ".join(["abandon"] * 6)
    assert words(b"\xff" * 9) == " ".join(["zoo"] * 6)
    # 0b00000000001 then 0b11111111111: the second and the last word of the list.
    assert words(bytes([0x00, 0x3F, 0xFF]), 2) == "ability zoo"
    with pytest.raises(ValueError):
        words(bytes(8), 6)  # 64 bits, six words need 66
    assert len(wordlist()) == 2048 and len({w[:4] for w in wordlist()}) == 2048


def test_key_file_round_trip(tmp_path: Path) -> None:
    _, public = keys.generate()
    path = tmp_path / "riga.movcon-key"
    keys.write_key_file(path, SITE, "LV", "Rīga JMCC – ops", public)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["format"] == "movcon-site-key" and doc["version"] == 1
    assert base64.b64decode(doc["public_key"]) == public
    key = keys.read_key_file(path)
    assert key == keys.SiteKey(SITE, "LV", "Rīga JMCC – ops", public, keys.fingerprint(public))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["riga.movcon-key"]  # no temp left


def test_writing_a_key_file_replaces_the_old_one_whole(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    for _ in range(2):
        _, public = keys.generate()
        keys.write_key_file(path, SITE, "LV", "Riga", public)
        assert keys.read_key_file(path).public == public


def _valid_doc() -> dict[str, object]:
    public = bytes(range(32))
    return {"format": "movcon-site-key", "version": 1, "site_id": SITE, "nation": "EE",
            "site_name": "Tallinn", "public_key": base64.b64encode(public).decode(),
            "fingerprint": keys.fingerprint(public)}


def _with(**changes: object) -> dict[str, object]:
    doc = _valid_doc()
    for k, v in changes.items():
        if v is None:
            del doc[k]
        else:
            doc[k] = v
    return doc


@pytest.mark.parametrize("content, expected", [
    (b"", "is not a MovCon site key file (not JSON)"),
    (b"\xff\xfe{", "is not a MovCon site key file (not JSON)"),
    (b"-----BEGIN PUBLIC KEY-----", "is not a MovCon site key file (not JSON)"),
    (b"[1, 2]", 'is not a MovCon site key file (no "format": "movcon-site-key")'),
    (_with(format="ssh-key"), 'is not a MovCon site key file (no "format"'),
    (_with(format=None), 'is not a MovCon site key file (no "format"'),
    (_with(version=2), "key file version 2 is not known to this MovCon"),
    (_with(site_id=None), "lacks the field 'site_id'"),
    (_with(nation=None), "lacks the field 'nation'"),
    (_with(site_name=None), "lacks the field 'site_name'"),
    (_with(public_key=None), "lacks the field 'public_key'"),
    (_with(fingerprint=None), "lacks the field 'fingerprint'"),
    (_with(nation=7), "the field 'nation' is not text"),
    (_with(site_id="../etc"), "the site id '../etc' is not valid"),
    (_with(nation="Latvia"), "the nation 'Latvia' is not an ISO alpha-2 code"),
    (_with(site_name="Riga\nHQ"), "the site name has control characters"),
    (_with(public_key="not base64!"), "the public key is not valid base64"),
    (_with(public_key="Šeštokai"), "the public key is not valid base64"),
    (_with(public_key=base64.b64encode(bytes(31)).decode()),
     "the public key is 31 bytes; an Ed25519 key is 32"),
    (_with(fingerprint="orbit maple zoo zoo zoo zoo"),
     "the file's fingerprint does not match its key: altered?"),
    (_with(public_key=base64.b64encode(bytes(32)).decode()),
     "the file's fingerprint does not match its key: altered?"),
])  # fmt: skip
def test_read_key_file_refuses(tmp_path: Path, content: object, expected: str) -> None:
    path = tmp_path / "key.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    with pytest.raises(keys.KeyFileError) as info:
        keys.read_key_file(path)
    message = str(info.value)
    assert expected in message and "\n" not in message and str(path) in message


def test_read_key_file_refuses_a_missing_or_huge_file(tmp_path: Path) -> None:
    with pytest.raises(keys.KeyFileError, match="cannot read"):
        keys.read_key_file(tmp_path / "absent.json")
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * 100_000)
    with pytest.raises(keys.KeyFileError, match="far too large"):
        keys.read_key_file(huge)


def test_fingerprint_in_a_key_file_may_differ_in_spacing_and_case(tmp_path: Path) -> None:
    doc = _valid_doc()
    doc["fingerprint"] = "  " + str(doc["fingerprint"]).upper().replace(" ", "   ")
    path = tmp_path / "key.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    assert keys.read_key_file(path).fingerprint == _valid_doc()["fingerprint"]
