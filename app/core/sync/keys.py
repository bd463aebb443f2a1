"""Site keys: Ed25519 signing, word fingerprints and the public key files officers exchange.

Keys are raw bytes (32 for a private or public key, 64 for a signature) so that the store can
keep them in BLOB columns and the bundle format can name them without a key encoding.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import functools
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.sync.words import words

KEY_SIZE = 32
SIGNATURE_SIZE = 64
KEY_FILE_FORMAT = "movcon-site-key"
KEY_FILE_VERSION = 1
# A key file is a few hundred bytes; anything far larger is not one.
_MAX_KEY_FILE = 64 * 1024

# Site ids travel in file and member names, so they are kept to characters safe everywhere.
SITE_ID_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")
NATION_RE = re.compile(r"[A-Z]{2}")
# Names appear in one-line messages: no control characters (a newline would split them).
NAME_RE = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]{0,200}")


class KeyFileError(Exception):
    """A key file that cannot be used; the message is one line naming the problem."""


@dataclass(frozen=True)
class SiteKey:
    site_id: str
    nation: str
    site_name: str
    public: bytes
    fingerprint: str
    encryption_key: bytes | None = None  # X25519; files written before it existed lack it


def generate() -> tuple[bytes, bytes]:
    """A fresh key pair: (private raw 32 bytes, public raw 32 bytes)."""
    private = Ed25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def public_of(private: bytes) -> bytes:
    return Ed25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def encryption_private_of(private: bytes) -> bytes:
    """The site's X25519 key, derived from its Ed25519 key so the store keeps one secret."""
    return HKDF(hashes.SHA256(), 32, salt=None,
                info=b"movcon site encryption key v1").derive(private)


def encryption_public_of(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(
        encryption_private_of(private)).public_key().public_bytes_raw()


def public_pem(public: bytes) -> bytes:
    """The public key as PEM (SubjectPublicKeyInfo), the form openssl and others read."""
    return Ed25519PublicKey.from_public_bytes(public).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


@functools.lru_cache(maxsize=16)
def _signer(private: bytes) -> Ed25519PrivateKey:
    # Loading a key costs as much as a signature: a site signs with the same few keys.
    return Ed25519PrivateKey.from_private_bytes(private)


def sign(private: bytes, data: bytes) -> bytes:
    return _signer(private).sign(data)


def verify(public: bytes, signature: bytes, data: bytes) -> bool:
    """True only for a good signature; False (never an exception) for anything else."""
    if not (isinstance(public, bytes) and len(public) == KEY_SIZE
            and isinstance(signature, bytes) and len(signature) == SIGNATURE_SIZE):
        return False
    try:
        Ed25519PublicKey.from_public_bytes(public).verify(signature, data)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def fingerprint(public: bytes) -> str:
    """Six words (66 bits of SHA-256) that two officers read to each other to confirm a key."""
    return words(hashlib.sha256(public).digest(), 6)


def fsync_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (POSIX; Windows cannot open a folder for this)."""
    if os.name == "nt":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def encryption_binding(site_id: str, encryption_key: bytes) -> bytes:
    """What a site signs to bind its encryption key to its signing key."""
    return b"movcon site encryption key v1\n" + site_id.encode("ascii") + b"\n" + encryption_key


def write_key_file(path: Path, site_id: str, nation: str, site_name: str,
                   public: bytes, private: bytes | None = None) -> None:
    """Write a site's public key file atomically: a reader sees the old file or the new one.

    `private` (the site's own key) adds its encryption key, signed, for certification.
    """
    path = Path(path)
    if not SITE_ID_RE.fullmatch(site_id) or not NATION_RE.fullmatch(nation):
        raise ValueError(f"bad site id {site_id!r} or nation {nation!r}")
    if not NAME_RE.fullmatch(site_name) or len(public) != KEY_SIZE:
        raise ValueError("a site name has no control characters; a public key is 32 bytes")
    doc = {
        "format": KEY_FILE_FORMAT, "version": KEY_FILE_VERSION, "site_id": site_id,
        "nation": nation, "site_name": site_name,
        "public_key": base64.b64encode(public).decode("ascii"),
        "fingerprint": fingerprint(public),
    }
    if private is not None:
        encryption_key = encryption_public_of(private)
        doc["encryption_key"] = base64.b64encode(encryption_key).decode("ascii")
        doc["encryption_binding"] = base64.b64encode(
            sign(private, encryption_binding(site_id, encryption_key))).decode("ascii")
    text = json.dumps(doc, ensure_ascii=False, indent=2) + "\n"
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        fsync_folder(path.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def read_key_file(path: Path) -> SiteKey:
    """Read and check a site key file; refuses with KeyFileError naming the problem."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_KEY_FILE + 1)
    except OSError as exc:
        raise KeyFileError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(raw) > _MAX_KEY_FILE:
        raise KeyFileError(f"{path} is not a MovCon site key file (far too large)")
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise KeyFileError(f"{path} is not a MovCon site key file (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != KEY_FILE_FORMAT:
        raise KeyFileError(f"{path} is not a MovCon site key file "
                           f"(no \"format\": \"{KEY_FILE_FORMAT}\")")
    if doc.get("version") != KEY_FILE_VERSION:
        raise KeyFileError(f"{path}: key file version {doc.get('version')!r} is not known to "
                           f"this MovCon (it reads version {KEY_FILE_VERSION}): upgrade MovCon")
    for name in ("site_id", "nation", "site_name", "public_key", "fingerprint"):
        if name not in doc:
            raise KeyFileError(f"{path}: the key file lacks the field '{name}'")
        if not isinstance(doc[name], str):
            raise KeyFileError(f"{path}: the field '{name}' is not text")
    if not SITE_ID_RE.fullmatch(doc["site_id"]):
        raise KeyFileError(f"{path}: the site id {doc['site_id']!r} is not valid")
    if not NATION_RE.fullmatch(doc["nation"]):
        raise KeyFileError(f"{path}: the nation {doc['nation']!r} is not an ISO alpha-2 code")
    if not NAME_RE.fullmatch(doc["site_name"]):
        raise KeyFileError(f"{path}: the site name has control characters or is too long")
    try:
        public = base64.b64decode(doc["public_key"], validate=True)
    except (binascii.Error, ValueError):
        raise KeyFileError(f"{path}: the public key is not valid base64") from None
    if len(public) != KEY_SIZE:
        raise KeyFileError(f"{path}: the public key is {len(public)} bytes; an Ed25519 key "
                           f"is {KEY_SIZE}")
    expected = fingerprint(public)
    if " ".join(doc["fingerprint"].lower().split()) != expected:
        raise KeyFileError(f"{path}: the file's fingerprint does not match its key: altered?")
    encryption = None
    if "encryption_key" in doc:
        try:
            encryption = base64.b64decode(str(doc["encryption_key"]), validate=True)
        except (binascii.Error, ValueError):
            encryption = b""
        if len(encryption) != KEY_SIZE:
            raise KeyFileError(f"{path}: the encryption key is not 32 bytes of base64")
        try:
            binding = base64.b64decode(str(doc.get("encryption_binding", "")), validate=True)
        except (binascii.Error, ValueError):
            binding = b""
        if not verify(public, binding, encryption_binding(doc["site_id"], encryption)):
            raise KeyFileError(f"{path}: the encryption key is not signed by the site's key: "
                               "altered?")
    return SiteKey(doc["site_id"], doc["nation"], doc["site_name"], public, expected,
                   encryption)
