"""The bundle's strict ZIP container: what is written, and a reader that refuses any byte
the writer would not have put there (a general ZIP reader ignores most header fields: versions,
times, attributes, the local copies of the directory, so a flipped byte there would pass).
The layout is in resources/docs/bundle-format.md, section 2."""

from __future__ import annotations

import hashlib
import os
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT = 1
MARKER_NAME = "movcon-bundle"
MARKER = b"MovCon bundle 1\n"
MANIFEST_NAME = "manifest.json"
SIGNATURE_NAME = "manifest.sig"

# Limits against zip bombs and absurd files. The directory count stays below ZIP64's 65535.
MAX_MEMBERS = 20_000
MAX_TOTAL_SIZE = 2 * 1024**3  # all members, uncompressed
MAX_FILE_SIZE = MAX_TOTAL_SIZE + MAX_TOTAL_SIZE // 64  # deflate may grow random data a little
MAX_MANIFEST_SIZE = 64 * 1024**2

# -- the ZIP profile -----------------------------------------------------------------------
LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sBBHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_LOCAL_SIG, _CENTRAL_SIG, _END_SIG = b"PK\x03\x04", b"PK\x01\x02", b"PK\x05\x06"
_VERSION = 20  # ZIP 2.0: deflate, no ZIP64
_UNIX = 3
_DOS_TIME, _DOS_DATE = 0, (1 << 5) | 1  # 1980-01-01 00:00: times carry no meaning here
_EXTERNAL_ATTR = 0o100644 << 16  # a regular file, rw-r--r--
STORED, DEFLATED = zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED
MARKER_PREFIX = LOCAL.pack(_LOCAL_SIG, _VERSION, 0, STORED, _DOS_TIME, _DOS_DATE,
                           zlib.crc32(MARKER), len(MARKER), len(MARKER), len(MARKER_NAME),
                           0) + MARKER_NAME.encode() + MARKER
_MARKER_RE = re.compile(rb"MovCon bundle ([1-9][0-9]{0,5})\n")


class BundleError(Exception):
    """A bundle that cannot be written or must be refused; the message is one line."""


def sha256(data: bytes | memoryview) -> str:
    return hashlib.sha256(data).hexdigest()


def put(zf: zipfile.ZipFile, fh: Any, name: str, data: bytes) -> bytes:
    """Add one member in the bundle's ZIP profile; returns its bytes as they lie in the file."""
    deflate = name.endswith(".json") and name != MANIFEST_NAME
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = DEFLATED if deflate else STORED
    info.create_system = _UNIX
    info.external_attr = _EXTERNAL_ATTR
    zf.writestr(info, data)
    if not deflate:
        return data
    end = fh.tell()
    fh.seek(info.header_offset + LOCAL.size + len(name))
    raw = fh.read(info.compress_size)
    fh.seek(end)
    return raw


@dataclass(frozen=True)


class Entry:
    name: str
    method: int
    crc: int
    packed_size: int
    size: int
    start: int  # of the data, after the local header


def read_file(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > MAX_FILE_SIZE:
                raise BundleError(f"{path.name} is too large for a bundle ({size >> 20} MiB; "
                                  f"at most {MAX_FILE_SIZE >> 20} MiB)")
            return fh.read(MAX_FILE_SIZE + 1)
    except OSError as exc:
        raise BundleError(f"cannot read {path}: {exc.strerror or exc}") from None


def parse_zip(blob: bytes, label: str) -> dict[str, Entry]:
    """Walk the ZIP strictly; every header byte must be what the writer puts there."""
    if not blob.startswith(MARKER_PREFIX):
        head = blob[:len(MARKER_PREFIX) + 8]
        if not head.startswith(_LOCAL_SIG) or head[30:43] != MARKER_NAME.encode():
            if blob and MARKER_PREFIX.startswith(blob):
                raise BundleError(f"{label} is cut short (nothing after its first bytes)")
            raise BundleError(f"{label} is not a MovCon bundle" + ("" if blob else " (empty)"))
        newer = _MARKER_RE.match(head, 43)
        if newer and int(newer[1]) > FORMAT and LOCAL.unpack_from(head)[6] == zlib.crc32(
                newer[0]):
            raise BundleError(f"{label} was made by a newer MovCon (bundle format "
                              f"{newer[1].decode()}; "
                              f"this one reads format {FORMAT}): upgrade MovCon to import it")
        raise BundleError(f"{label} is damaged: its format marker is altered")

    def damaged(where: str) -> BundleError:
        return BundleError(f"{label} is damaged or cut short ({where})")

    if len(blob) < len(MARKER_PREFIX) + _END.size:
        raise damaged("no ZIP end record")
    sig, disk, cd_disk, here, count, cd_size, cd_start, comment = _END.unpack_from(
        blob, len(blob) - _END.size)
    if (sig != _END_SIG or disk or cd_disk or here != count or comment
            or cd_start + cd_size != len(blob) - _END.size):
        raise damaged("no valid ZIP end record")
    if count > MAX_MEMBERS:
        raise BundleError(f"{label} has {count} members; a bundle has at most {MAX_MEMBERS}")
    central: list[tuple[str, int, int, int, int, int]] = []
    pos = cd_start
    for i in range(count):
        if pos + _CENTRAL.size > cd_start + cd_size:
            raise damaged(f"ZIP directory entry {i + 1}")
        (sig, made, system, need, flags, method, time, date, crc, packed, size, name_len,
         extra_len, comment_len, disk, internal, external, offset) = _CENTRAL.unpack_from(
            blob, pos)
        name = member_name(blob[pos + _CENTRAL.size:pos + _CENTRAL.size + name_len], label)
        if (sig != _CENTRAL_SIG or made != _VERSION or system != _UNIX or need != _VERSION
                or flags or method not in (STORED, DEFLATED) or time != _DOS_TIME
                or date != _DOS_DATE or extra_len or comment_len or disk or internal
                or external != _EXTERNAL_ATTR or (method == STORED and packed != size)):
            raise damaged(f"ZIP directory entry {i + 1}")
        central.append((name, method, crc, packed, size, offset))
        pos += _CENTRAL.size + name_len
    if pos != cd_start + cd_size:
        raise damaged("ZIP directory size")

    entries: dict[str, Entry] = {}
    pos = 0
    total = 0
    for i, (name, method, crc, packed, size, offset) in enumerate(central):
        encoded = name.encode("ascii")
        if offset != pos or pos + LOCAL.size + len(encoded) > cd_start:
            raise damaged(f"ZIP member {i + 1}")
        local = LOCAL.unpack_from(blob, pos)
        if local != (_LOCAL_SIG, _VERSION, 0, method, _DOS_TIME, _DOS_DATE, crc, packed, size,
                     len(encoded), 0) or blob[pos + LOCAL.size:pos + LOCAL.size
                                              + len(encoded)] != encoded:
            raise damaged(f"ZIP member {i + 1}")
        if name in entries:
            raise BundleError(f"{label} holds member {name} twice")
        if (i == 0) != (name == MARKER_NAME):
            raise BundleError(f"{label} is damaged: the format marker must come first, once")
        start = pos + LOCAL.size + len(encoded)
        entries[name] = Entry(name, method, crc, packed, size, start)
        total += size
        pos = start + packed
        if pos > cd_start:
            raise damaged(f"ZIP member {i + 1}")
    if pos != cd_start:
        raise damaged("bytes between the members and the ZIP directory")
    if total > MAX_TOTAL_SIZE:
        raise BundleError(f"{label} would unpack to {total >> 20} MiB; a bundle holds at most "
                          f"{MAX_TOTAL_SIZE >> 20} MiB")
    return entries


def member_name(raw: bytes, label: str) -> str:
    """A member name that cannot escape a folder, whatever later unpacks the bundle."""
    try:
        name = raw.decode("ascii")
    except UnicodeDecodeError:
        name = ""
    parts = name.split("/")
    if (not name or not name.isprintable() or "\\" in name or ":" in name
            or any(p in ("", ".", "..") for p in parts)):
        raise BundleError(f"{label} holds a member named {raw.decode('ascii', 'replace')!r:.80} "
                          "(absolute, '..' or odd characters): refused")
    return name


def content(view: memoryview, entry: Entry, error: str) -> bytes:
    """A member's content, inflated no further than its declared size; CRC-32 checked."""
    raw = view[entry.start:entry.start + entry.packed_size]
    if entry.method == STORED:
        data = bytes(raw)
    else:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        try:
            data = inflater.decompress(raw, entry.size + 1)
        except zlib.error:
            raise BundleError(error) from None
        if (not inflater.eof or inflater.unconsumed_tail or inflater.unused_data
                or len(data) != entry.size):
            raise BundleError(error)
    if len(data) != entry.size or zlib.crc32(data) != entry.crc:
        raise BundleError(error)
    return data
