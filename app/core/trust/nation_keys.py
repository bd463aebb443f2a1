"""A nation's root key: Ed25519 to certify and revoke its sites, X25519 to read its bundles.

The private halves live in one file, encrypted under a passphrase with Argon2id (memory-hard,
so a stolen file resists guessing) and AES-256-GCM. The public halves travel as a separate
file; the encryption key is bound to the root key by the root's signature, so trusting the
root (after comparing its fingerprint words) also settles which key bundles are sealed to.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from app.core.sync import keys
from app.core.sync.keys import KEY_SIZE, NATION_RE, fsync_folder

PRIVATE_FORMAT = "movcon-nation-key"
PUBLIC_FORMAT = "movcon-nation-public"
VERSION = 1
MIN_PASSPHRASE = 12
_MAX_FILE = 64 * 1024
_BINDING = b"movcon nation encryption key v1\n"


@dataclass(frozen=True)
class Cost:
    """Argon2id parameters (RFC 9106's second recommended option by default)."""

    iterations: int = 3
    lanes: int = 4
    memory_kib: int = 64 * 1024


DEFAULT_COST = Cost()
# Bounds on what a file may ask for: a hostile file must not exhaust the machine.
_MAX_COST = Cost(iterations=64, lanes=16, memory_kib=2 * 1024 * 1024)


class NationKeyError(Exception):
    """A nation key file that cannot be used; one line naming the problem."""


@dataclass(frozen=True)
class NationPublic:
    nation: str
    root_key: bytes  # Ed25519, signs certificates and revocations
    encryption_key: bytes  # X25519, bundles for this nation are sealed to it
    binding: bytes  # the root's signature over the encryption key

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.root_key)

    def binding_ok(self) -> bool:
        return keys.verify(self.root_key, self.binding, _binding_text(self.nation,
                                                                      self.encryption_key))

    def to_json(self) -> dict[str, Any]:
        return {"format": PUBLIC_FORMAT, "version": VERSION, "nation": self.nation,
                "root_key": _b64(self.root_key), "encryption_key": _b64(self.encryption_key),
                "binding": _b64(self.binding), "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class NationKey:
    nation: str
    root_private: bytes
    encryption_private: bytes

    @property
    def public(self) -> NationPublic:
        enc = X25519PrivateKey.from_private_bytes(self.encryption_private).public_key()
        enc_public = enc.public_bytes_raw()
        return NationPublic(self.nation, keys.public_of(self.root_private), enc_public,
                            keys.sign(self.root_private, _binding_text(self.nation, enc_public)))

    def sign(self, data: bytes) -> bytes:
        return keys.sign(self.root_private, data)


def _binding_text(nation: str, encryption_key: bytes) -> bytes:
    return _BINDING + nation.encode("ascii") + b"\n" + encryption_key


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def create(nation: str) -> NationKey:
    if not NATION_RE.fullmatch(nation):
        raise ValueError(f"{nation!r} is not an ISO 3166-1 alpha-2 nation code")
    root = Ed25519PrivateKey.generate().private_bytes_raw()
    enc = X25519PrivateKey.generate().private_bytes_raw()
    return NationKey(nation, root, enc)


def _kdf(passphrase: str, salt: bytes, cost: Cost) -> bytes:
    return Argon2id(salt=salt, length=32, iterations=cost.iterations, lanes=cost.lanes,
                    memory_cost=cost.memory_kib).derive(passphrase.encode("utf-8"))


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise NationKeyError(f"the passphrase is {len(passphrase)} characters; use at least "
                             f"{MIN_PASSPHRASE} (a few unrelated words)")


def _write_atomic(path: Path, text: str) -> None:
    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "xb") as fh:
            fh.write(text.encode("utf-8"))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        fsync_folder(path.parent)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        raise NationKeyError(f"cannot write {path}: {exc.strerror or exc}; nothing was written"
                             ) from None


def save(path: Path, key: NationKey, passphrase: str, cost: Cost = DEFAULT_COST) -> None:
    """Write the private nation key file, encrypted under `passphrase`. Never overwrites."""
    check_passphrase(passphrase)
    path = Path(path)
    if path.exists():
        raise NationKeyError(f"{path} exists already: a nation key is never overwritten")
    salt, nonce = os.urandom(16), os.urandom(12)
    header = {"format": PRIVATE_FORMAT, "version": VERSION, "nation": key.nation,
              "kdf": {"name": "argon2id", "salt": _b64(salt), "iterations": cost.iterations,
                      "lanes": cost.lanes, "memory_kib": cost.memory_kib}}
    public = key.public
    doc = {**header, "public": public.to_json(), "nonce": _b64(nonce),
           "ciphertext": _b64(AESGCM(_kdf(passphrase, salt, cost)).encrypt(
               nonce, key.root_private + key.encryption_private, _aad(header)))}
    _write_atomic(path, json.dumps(doc, indent=2) + "\n")


def _aad(header: dict[str, Any]) -> bytes:
    # The KDF parameters and the nation are authenticated: a file edited to claim another
    # nation, or weaker parameters, fails to open.
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(_MAX_FILE + 1)
    except OSError as exc:
        raise NationKeyError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw.decode("utf-8")) if len(raw) <= _MAX_FILE else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        doc = None
    if not isinstance(doc, dict):
        raise NationKeyError(f"{path} is not a MovCon {what} file")
    return doc


def _bytes(doc: dict[str, Any], name: str, path: Path, size: int | None = KEY_SIZE) -> bytes:
    try:
        value = base64.b64decode(doc[name], validate=True)
    except (KeyError, TypeError, binascii.Error, ValueError):
        raise NationKeyError(f"{path}: the field '{name}' is missing or not base64") from None
    if size is not None and len(value) != size:
        raise NationKeyError(f"{path}: the field '{name}' is {len(value)} bytes, not {size}")
    return value


def public_from_json(doc: Any, path: Path) -> NationPublic:
    if not isinstance(doc, dict) or doc.get("format") != PUBLIC_FORMAT:
        raise NationKeyError(f"{path} is not a MovCon nation public key file")
    if doc.get("version") != VERSION:
        raise NationKeyError(f"{path}: version {doc.get('version')!r} is not known to this "
                             "MovCon: upgrade MovCon")
    nation = doc.get("nation")
    if not isinstance(nation, str) or not NATION_RE.fullmatch(nation):
        raise NationKeyError(f"{path}: the nation {nation!r} is not an ISO alpha-2 code")
    public = NationPublic(nation, _bytes(doc, "root_key", path),
                          _bytes(doc, "encryption_key", path), _bytes(doc, "binding", path, 64))
    if not public.binding_ok():
        raise NationKeyError(f"{path}: the encryption key is not signed by the root key: "
                             "altered?")
    stated = doc.get("fingerprint")
    if not isinstance(stated, str) or " ".join(stated.lower().split()) != public.fingerprint:
        raise NationKeyError(f"{path}: the file's fingerprint does not match its key: altered?")
    return public


def write_public(path: Path, public: NationPublic) -> None:
    _write_atomic(Path(path), json.dumps(public.to_json(), indent=2) + "\n")


def read_public(path: Path) -> NationPublic:
    """A nation public key file, or the public part of a private one (it carries both)."""
    path = Path(path)
    doc = _read_json(path, "nation key")
    if doc.get("format") == PRIVATE_FORMAT:
        doc = doc.get("public")
    return public_from_json(doc, path)


def _cost(kdf: object) -> Cost | None:
    if not isinstance(kdf, dict) or kdf.get("name") != "argon2id":
        return None
    values = [kdf.get(n) for n in ("iterations", "lanes", "memory_kib")]
    if not all(type(v) is int for v in values):
        return None
    cost = Cost(*values)
    if not all(1 <= getattr(cost, f) <= getattr(_MAX_COST, f)
               for f in ("iterations", "lanes", "memory_kib")):
        return None
    return cost if cost.memory_kib >= 8 * cost.lanes else None


def load(path: Path, passphrase: str) -> NationKey:
    """Open the private nation key file; a wrong passphrase fails with a clear message."""
    path = Path(path)
    doc = _read_json(path, "nation key")
    if doc.get("format") != PRIVATE_FORMAT:
        what = "public" if doc.get("format") == PUBLIC_FORMAT else "MovCon"
        raise NationKeyError(f"{path} is not a private nation key file (it is a {what} file)")
    if doc.get("version") != VERSION:
        raise NationKeyError(f"{path}: version {doc.get('version')!r} is not known to this "
                             "MovCon: upgrade MovCon")
    kdf = doc.get("kdf")
    cost = _cost(kdf)
    if cost is None:
        raise NationKeyError(f"{path}: the key derivation parameters are not valid")
    assert isinstance(kdf, dict)
    header = {"format": PRIVATE_FORMAT, "version": VERSION, "nation": doc.get("nation"),
              "kdf": {"name": "argon2id", "salt": kdf.get("salt"),
                      "iterations": cost.iterations, "lanes": cost.lanes,
                      "memory_kib": cost.memory_kib}}
    salt = _bytes(kdf, "salt", path, 16)
    nonce = _bytes(doc, "nonce", path, 12)
    sealed = _bytes(doc, "ciphertext", path, 2 * KEY_SIZE + 16)
    public = public_from_json(doc.get("public"), path)
    try:
        secret = AESGCM(_kdf(passphrase, salt, cost)).decrypt(nonce, sealed, _aad(header))
    except InvalidTag:
        raise NationKeyError(f"{path}: wrong passphrase (or the file was altered)") from None
    key = NationKey(public.nation, secret[:KEY_SIZE], secret[KEY_SIZE:])
    if key.public.root_key != public.root_key or \
            key.public.encryption_key != public.encryption_key:
        raise NationKeyError(f"{path}: the private and public keys do not match: altered?")
    return key
