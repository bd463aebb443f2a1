"""The sealed envelope: a bundle encrypted to its recipients' X25519 keys, so that a lost
stick reveals nothing but the format version, the recipients' key ids (so their count) and a
size rounded up by Padmé (the PURBs padding, which leaks O(log log n) bits of the length).

Format version 1; integers are unsigned big-endian; "a..b" is bytes a to b, b excluded.
resources/docs/envelope-format.md says the same at more length.

    offset   size  field
    0        16    MAGIC, b"MovCon sealed 1\\n"
    16       32    E: the ephemeral X25519 public key (private half e), fresh per envelope
    48       2     c: the number of recipients, 1 to MAX_RECIPIENTS
    50       8c    key ids, strictly ascending: key_id(R) = SHA-256(R)[:8]
    50+8c    48c   the content key wrapped for each recipient, in key id order
    H=50+56c       the payload: encrypted chunks up to the end of the data

Wrapping, for recipient public key R: KEK = HKDF-SHA256(X25519(e, R), salt = E || R,
info = b"movcon envelope v1 key wrap", length 32); wrapped = AES-256-GCM(KEK, nonce = 12 zero
bytes, the random 32-byte content key K, aad = 0..50+8c): 32 bytes then the 16-byte tag. The
zero nonce is safe: each KEK encrypts one message only.

Payload: p = n as 8 bytes || the n plaintext bytes || zeros, len(p) = padme(8 + n). p is cut
into chunks of CHUNK_SIZE = 1 MiB (the last one 1 to CHUNK_SIZE bytes); chunk i of k (from 0)
is AES-256-GCM(K, nonce = i as 11 bytes || (1 if i == k - 1 else 0), chunk, aad = 0..H), the
chunk's size plus 16. That is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár
2015): the counter catches reordered or removed chunks, the final flag a cut at a chunk
boundary or chunks added. A reader derives k from the payload size (a full chunk takes
CHUNK_SIZE + 16 bytes) and checks all of it before it returns a byte.

AES-256-GCM rather than ChaCha20-Poly1305: the laptops are x86 with AES-NI and carry-less
multiply, where AES-GCM runs about three times faster, and MovCon already uses it for keys.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import itertools
import os
import re
import struct
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from app.core.sync.keys import fsync_folder

MAGIC = b"MovCon sealed 1\n"
VERSION = 1
CHUNK_SIZE = 1 << 20  # plaintext bytes per chunk; fixed by the version (tests make it small)
MAX_RECIPIENTS = 1024
KEY_SIZE = 32
KEY_ID_SIZE = 8
TAG_SIZE = 16
WRAPPED_SIZE = KEY_SIZE + TAG_SIZE
_FIXED = len(MAGIC) + KEY_SIZE + 2  # magic, ephemeral key, recipient count
_COUNT = struct.Struct(">H")
_LENGTH = struct.Struct(">Q")
_WRAP_INFO = b"movcon envelope v1 key wrap"
_WRAP_NONCE = bytes(12)
_MAGIC_RE = re.compile(rb"MovCon sealed ([1-9][0-9]{0,5})\n")


class EnvelopeError(Exception):
    """An envelope that cannot be written or opened; the message is one line."""


@dataclass(frozen=True)
class Header:
    version: int
    key_ids: tuple[str, ...]


def key_id(public: bytes) -> str:
    """16 hex digits naming an X25519 public key in an envelope's header."""
    if len(public) != KEY_SIZE:
        raise ValueError(f"an X25519 public key is {KEY_SIZE} bytes, not {len(public)}")
    return hashlib.sha256(public).digest()[:KEY_ID_SIZE].hex()


def x25519_keypair() -> tuple[bytes, bytes]:
    """A fresh key pair: (private raw 32 bytes, public raw 32 bytes)."""
    private = X25519PrivateKey.generate()
    return private.private_bytes_raw(), private.public_key().public_bytes_raw()


def x25519_public_of(private: bytes) -> bytes:
    return X25519PrivateKey.from_private_bytes(private).public_key().public_bytes_raw()


def padme(length: int) -> int:
    """Padmé: round up to a multiple of 2^(E - S) with E = floor(log2 L), S = floor(log2 E) + 1,
    so at most 12% is added and the padded size leaks O(log log L) bits."""
    if length < 2:
        return length
    e = length.bit_length() - 1
    mask = (1 << (e - e.bit_length())) - 1
    return (length + mask) & ~mask


def is_sealed(data: bytes) -> bool:
    return data[:len(MAGIC)] == MAGIC


def _damaged(why: str) -> EnvelopeError:
    return EnvelopeError(f"the sealed bundle is damaged or altered ({why})")


def _kek(shared: bytes, ephemeral: bytes, recipient: bytes) -> AESGCM:
    hkdf = HKDF(hashes.SHA256(), 32, salt=ephemeral + recipient, info=_WRAP_INFO)
    return AESGCM(hkdf.derive(shared))


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _sealed_parts(plaintext: bytes, recipients: Sequence[bytes]) -> Iterator[bytes]:
    """The envelope as pieces: the header, then each encrypted chunk."""
    if not 1 <= len(recipients) <= MAX_RECIPIENTS:
        raise ValueError(f"an envelope has 1 to {MAX_RECIPIENTS} recipients, not "
                         f"{len(recipients)}")
    by_id = {bytes.fromhex(key_id(r)): bytes(r) for r in recipients}
    if len(by_id) != len(recipients):
        raise ValueError("the recipients of an envelope must be distinct keys")
    ephemeral = X25519PrivateKey.generate()
    ephemeral_pub = ephemeral.public_key().public_bytes_raw()
    ids = sorted(by_id)  # sorted: the header keeps no trace of the order the caller chose
    prefix = MAGIC + ephemeral_pub + _COUNT.pack(len(ids)) + b"".join(ids)
    content_key = AESGCM.generate_key(256)
    wrapped = []
    for kid in ids:
        public = by_id[kid]
        try:
            shared = ephemeral.exchange(X25519PublicKey.from_public_bytes(public))
        except ValueError:  # a low-order point: no shared secret
            raise ValueError(f"recipient key {kid.hex()} is not a usable X25519 key") from None
        wrapped.append(_kek(shared, ephemeral_pub, public).encrypt(_WRAP_NONCE, content_key,
                                                                   prefix))
    header = prefix + b"".join(wrapped)
    yield header

    view = memoryview(plaintext).cast("B")
    size, chunk = len(view), CHUNK_SIZE
    length = _LENGTH.pack(size)
    total = padme(len(length) + size)
    aead = AESGCM(content_key)
    last = (total - 1) // chunk
    for i, start in enumerate(range(0, total, chunk)):
        end = min(start + chunk, total)
        body: bytes | bytearray | memoryview
        if start >= len(length) and end <= len(length) + size:
            body = view[start - len(length):end - len(length)]  # no copy in the middle
        else:  # the first or last chunk: the length, the plaintext's ends, the zeros
            body = bytearray(end - start)
            head = length[start:end]
            body[:len(head)] = head
            a, b = max(start, len(length)), min(end, len(length) + size)
            if a < b:
                body[a - start:b - start] = view[a - len(length):b - len(length)]
        yield aead.encrypt(_nonce(i, i == last), body, header)


def seal(plaintext: bytes, recipients: Sequence[bytes]) -> bytes:
    """Encrypt `plaintext` so that any one of the `recipients` (raw X25519 public keys, at
    least one, distinct) can open it; ValueError for bad recipients."""
    out = io.BytesIO()  # grows in place; a join would hold every chunk and then copy them
    for part in _sealed_parts(plaintext, recipients):
        out.write(part)
    return out.getvalue()


def seal_to_file(plaintext: bytes, recipients: Sequence[bytes], path: Path) -> int:
    """Seal into `path` atomically (a reader sees the old file or the new one); the size."""
    path = Path(path)
    parts = _sealed_parts(plaintext, recipients)
    header = next(parts)  # recipient errors surface before any file is touched
    temp = path.with_name(f".{path.name}.tmp")
    size = 0
    try:
        with open(temp, "wb") as fh:
            for part in itertools.chain([header], parts):
                fh.write(part)
                size += len(part)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
    except BaseException as exc:  # an interrupt too: never leave the temp file behind
        with contextlib.suppress(OSError):
            temp.unlink()
        if isinstance(exc, OSError):
            raise EnvelopeError(f"cannot write {path}: {exc.strerror or exc}; nothing was "
                                "written") from None
        raise
    try:
        fsync_folder(path.parent)
    except OSError as exc:
        raise EnvelopeError(f"wrote {path} but cannot make it durable: "
                            f"{exc.strerror or exc}") from None
    return size


def read_header(data: bytes) -> Header:
    """Parse the header strictly: version and recipient key ids, what anyone may read."""
    return _parse(memoryview(data).cast("B"))[0]


def _parse(view: memoryview) -> tuple[Header, int, int]:
    """(header, count, header size), or EnvelopeError naming what is wrong."""
    head = bytes(view[:len(MAGIC)])
    if head != MAGIC:
        newer = _MAGIC_RE.fullmatch(head)
        if newer and int(newer[1]) > VERSION:
            raise EnvelopeError(f"this sealed bundle was made by a newer MovCon (envelope "
                                f"version {newer[1].decode()}; this one reads version "
                                f"{VERSION}): upgrade MovCon to open it")
        if head and (MAGIC.startswith(head) or head.startswith(MAGIC[:-2])):
            raise _damaged("cut short" if MAGIC.startswith(head) else "its format marker")
        raise EnvelopeError("not a MovCon sealed bundle" + ("" if head else " (empty)"))
    if len(view) < _FIXED:
        raise _damaged("cut short in its header")
    (count,) = _COUNT.unpack_from(view, _FIXED - 2)
    if not 1 <= count <= MAX_RECIPIENTS:
        raise _damaged(f"{count} recipients")
    size = _FIXED + count * (KEY_ID_SIZE + WRAPPED_SIZE)
    if len(view) < size:
        raise _damaged("cut short in its header")
    ids = [bytes(view[_FIXED + i * KEY_ID_SIZE:_FIXED + (i + 1) * KEY_ID_SIZE])
           for i in range(count)]
    if any(a >= b for a, b in itertools.pairwise(ids)):
        raise _damaged("its key ids are out of order")
    return Header(VERSION, tuple(i.hex() for i in ids)), count, size


def open_sealed(data: bytes, private_keys: Sequence[bytes]) -> bytes:
    """The plaintext, with one of `private_keys` (raw X25519) among the recipients; all of it
    is checked before any is returned."""
    view = memoryview(data).cast("B")
    header, count, size = _parse(view)
    held = {key_id(x25519_public_of(p)): p for p in private_keys}
    mine = [(i, held[kid]) for i, kid in enumerate(header.key_ids) if kid in held]
    if not mine:
        raise EnvelopeError(f"encrypted for key ids {', '.join(header.key_ids)}; none of them "
                            "is held here")
    prefix_end = _FIXED + count * KEY_ID_SIZE
    prefix, header_bytes = bytes(view[:prefix_end]), bytes(view[:size])
    ephemeral_pub = bytes(view[len(MAGIC):len(MAGIC) + KEY_SIZE])
    content_key: bytes | None = None
    for i, private in mine:
        start = prefix_end + i * WRAPPED_SIZE
        own = X25519PrivateKey.from_private_bytes(private)
        try:
            shared = own.exchange(X25519PublicKey.from_public_bytes(ephemeral_pub))
            content_key = _kek(shared, ephemeral_pub, own.public_key().public_bytes_raw()
                               ).decrypt(_WRAP_NONCE, view[start:start + WRAPPED_SIZE], prefix)
            break
        except (ValueError, InvalidTag):  # a low-order ephemeral key or a wrong tag
            continue
    if content_key is None:
        raise _damaged(f"the key wrapped for {', '.join(header.key_ids[i] for i, _ in mine)} "
                       "does not open")

    payload = view[size:]
    step = CHUNK_SIZE + TAG_SIZE
    chunks = -(-len(payload) // step)
    if chunks == 0 or len(payload) - (chunks - 1) * step <= TAG_SIZE:
        raise _damaged("cut short")
    aead = AESGCM(content_key)
    total = len(payload) - chunks * TAG_SIZE  # the padded plaintext's size
    out = io.BytesIO()
    pos = -_LENGTH.size  # plaintext offset of the current chunk's first byte
    n = 0
    for i in range(chunks):
        try:
            part = memoryview(aead.decrypt(_nonce(i, i == chunks - 1),
                                           payload[i * step:(i + 1) * step], header_bytes))
        except InvalidTag:
            raise _damaged(f"chunk {i + 1} of {chunks} fails its check") from None
        if i == 0:
            (n,) = _LENGTH.unpack_from(part)
            if padme(_LENGTH.size + n) != total:
                raise _damaged("its padding")
        lo, hi = max(0, -pos), max(0, min(len(part), n - pos))
        out.write(part[lo:hi])
        if part[hi:].tobytes().count(0) != len(part) - hi:  # zeros only, as written
            raise _damaged("its padding")
        pos += len(part)
    return out.getvalue()
