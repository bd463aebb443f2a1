"""Bundles refused end to end through `exchange`: each with a clear message, nothing applied.

A newer schema, a batch its origin signed but that does not parse, another nation's bundle,
files that are not bundles, an unknown sender, a disk that fills during export, and every
single-byte change and every truncation of a real bundle.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import sqlite3
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.core.store import Store
from app.core.store.schema import SCHEMA_VERSION
from app.core.sync import bundle, envelope, exchange, keys
from app.core.sync.digest import digest
from app.core.trust import registry
from tests.core.sync_sites import confirm_keys, exercise, make_sites, trust_nations


def _state(store: Store) -> tuple[bytes, dict[str, list[tuple[Any, ...]]]]:
    """Everything an import could touch: synced content, log, bookkeeping, sites."""
    tables = ("change_log", "batches", "bundles_seen", "peers", "conflicts", "held", "vector",
              "sites", "sent")
    return digest(store), {t: [tuple(r) for r in store.conn.execute(
        f"SELECT * FROM {t} ORDER BY 1, 2")] for t in tables}


def _refused(store: Store, path: Path, words: str) -> str:
    """Import `path`, expect SyncError matching `words`, and that nothing at all was written."""
    before, writes = _state(store), store.conn.total_changes
    with pytest.raises(exchange.SyncError, match=words) as info:
        exchange.import_bundle(store, path)
    assert store.conn.total_changes == writes  # not even a write that was rolled back
    assert _state(store) == before
    return str(info.value)


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[list[Store]]:
    """LT with an exercise to send; LV and EE trust LT and each other."""
    lt, lv, ee = make_sites(tmp_path, "LT", "LV", "EE")
    # Keys confirmed by their words too: the bundles crafted here carry no certificates.
    confirm_keys([lt, lv, ee])
    with lt.write() as w:
        w.insert("exercises", exercise())
    yield [lt, lv, ee]
    for store in (lt, lv, ee):
        store.close()


def test_a_bundle_from_a_newer_schema_is_refused_with_upgrade(sites: list[Store],
                                                            tmp_path: Path) -> None:
    lt, lv, _ = sites
    current = tmp_path / "current.mcb"
    exchange.export(lt, ["LV"], current)
    manifest, batches = bundle.read_bundle(
        current, public_key_of=lambda site: exchange.public_key_of(lv, site), our_nation="LV",
        max_schema=SCHEMA_VERSION, decryption_keys=registry.decryption_keys(lv))
    newer = tmp_path / "newer.mcb"
    bundle.write_bundle(
        newer, bundle_id=manifest.bundle_id, sender_site=lt.site_id, sender_nation="LT",
        sender_name=lt.site_name, recipients=["LV"], created_at=manifest.created_at,
        schema_version=SCHEMA_VERSION + 1, vector=manifest.vector, sites=manifest.sites,
        batches=batches, private_key=exchange.site_private_key(lt))
    message = _refused(lv, newer, "upgrade MovCon")
    assert f"schema {SCHEMA_VERSION + 1}; this one reads up to {SCHEMA_VERSION}" in message
    # Refused for its schema alone: the same changes at this schema are taken, and the newer
    # bundle was not recorded as seen (after an upgrade it would be imported).
    assert exchange.import_bundle(lv, current).summary.applied == 3
    assert digest(lv) == digest(lt)


def test_a_signed_but_malformed_batch_is_refused(sites: list[Store], tmp_path: Path) -> None:
    """Its origin signed it, so only parsing its changes can find it wrong."""
    lt, lv, _ = sites
    private = exchange.site_private_key(lt)
    body = bundle.canonical_json({
        "format": bundle.FORMAT, "origin": lt.site_id, "first_seq": 1, "last_seq": 1,
        "prev_hash": bundle.GENESIS, "changes": [
            [1, 1 << 60, "exercises", "0198a0d2-1c00-7000-8000-00000000f001", "name",
             '"x" and more', 0]]})  # a value that is not one JSON text
    bad = bundle.Batch(lt.site_id, 1, 1, bundle.GENESIS, body, keys.sign(private, body))
    path = tmp_path / "malformed.mcb"
    bundle.write_bundle(
        path, bundle_id="0198a0d2-1c00-7000-8000-0000000b0009", sender_site=lt.site_id,
        sender_nation="LT", sender_name=lt.site_name, recipients=["LV"],
        created_at="2026-03-02T14:30:00Z", schema_version=SCHEMA_VERSION,
        vector={lt.site_id: 1}, sites={lt.site_id: {"nation": "LT", "name": lt.site_name}},
        batches=[bad], private_key=private)
    _refused(lv, path, "is malformed")


def test_a_bundle_for_another_nation_is_refused(sites: list[Store], tmp_path: Path) -> None:
    lt, lv, ee = sites
    path = tmp_path / "for-ee.mcb"
    exchange.export(lt, ["EE"], path)
    _refused(lv, path, "encrypted for key ids [0-9a-f]{16}; none of them is held here")
    plain = tmp_path / "plain-for-ee.mcb"  # the same check inside, for a bundle not sealed
    plain.write_bytes(envelope.open_sealed(path.read_bytes(), registry.decryption_keys(ee)))
    _refused(lv, plain, "bundle is for EE; this store belongs to LV")
    assert exchange.import_bundle(ee, path).summary.applied == 3  # its recipient takes it


def _zip_file() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("manifest.json", "{}")
    return out.getvalue()


@pytest.mark.parametrize(("case", "words"), [
    ("text", "not a MovCon bundle"),
    ("empty", r"not a MovCon bundle \(empty\)"),
    ("other zip", "not a MovCon bundle"),
    ("a store", "not a MovCon bundle"),
    ("missing", "cannot read"),
])  # fmt: skip
def test_a_file_that_is_not_a_bundle_is_refused(sites: list[Store], tmp_path: Path,
                                                case: str, words: str) -> None:
    lt, lv, _ = sites
    path = tmp_path / "not-a-bundle.mcb"
    if case == "text":
        path.write_text("movement 1: 40 vehicles, Suwałki to Kaunas\n" * 50)
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "other zip":
        path.write_bytes(_zip_file())
    elif case == "a store":
        with sqlite3.connect(lt.path) as conn:  # a whole copy, WAL included
            conn.execute("VACUUM INTO ?", (str(path),))
    _refused(lv, path, words)


def test_a_bundle_from_an_unknown_sender_is_refused(sites: list[Store], tmp_path: Path) -> None:
    _, lv, _ = sites
    stranger = Store.create(tmp_path / "pl.db", "PL", "Warsaw")
    trust_nations(stranger, "LV")  # it can seal for LV; LV knows nothing of it
    with stranger.write() as w:
        w.insert("exercises", exercise(name="Not trusted"))
    path = tmp_path / "stranger.mcb"
    exchange.export(stranger, ["LV"], path)
    message = _refused(lv, path, "unknown sender")
    assert stranger.site_id in message and "keys import" in message
    stranger.close()


class _FullDisk:
    """A file on a disk with `room` bytes left: writing past it fails with ENOSPC."""

    def __init__(self, fh: Any, room: int) -> None:
        self._fh, self._room = fh, room

    def write(self, data: Any) -> int:
        if len(data) > self._room:
            self._fh.write(bytes(data[:self._room]))  # what fitted stays, as on a real disk
            self._room = 0
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self._room -= len(data)
        return self._fh.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> _FullDisk:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()


@pytest.mark.parametrize("where", ["first byte", "mid-way", "fsync", "over an older bundle"])
def test_a_full_disk_during_export_leaves_no_file(sites: list[Store], tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  where: str) -> None:
    lt, lv, _ = sites
    folder = tmp_path / "stick"
    folder.mkdir()
    out = folder / "to-lv.mcb"
    older = b""
    if where == "over an older bundle":
        exchange.export(lt, ["LV"], out)
        older = out.read_bytes()
        with lt.write() as w:
            w.insert("exercises", exercise(name="Newer"))
    before = _state(lt)
    if where == "fsync":
        def fail_fsync(fd: int) -> None:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(envelope.os, "fsync", fail_fsync)
    else:
        room = 0 if where == "first byte" else 600  # 600: inside the first batch
        real_open = open
        monkeypatch.setattr(envelope, "open",
                            lambda *a, **k: _FullDisk(real_open(*a, **k), room), raising=False)
    with pytest.raises(exchange.SyncError) as info:
        exchange.export(lt, ["LV"], out)
    monkeypatch.undo()
    message = str(info.value)
    assert message == f"cannot write {out}: No space left on device; nothing was written"
    if older:  # the bundle that was there is left whole, and nothing beside it
        assert list(folder.iterdir()) == [out] and out.read_bytes() == older
        out.unlink()
    assert list(folder.iterdir()) == []  # neither the bundle nor its .part
    # What export changed: it sealed the pending changes into a signed batch before writing
    # (committed: a sealed batch is the same whenever it is sent); nothing else.
    after = _state(lt)
    assert after[0] == before[0]
    assert {t: rows for t, rows in after[1].items() if rows != before[1][t]} == {
        "batches": after[1]["batches"]}
    assert len(after[1]["batches"]) == len(before[1]["batches"]) + 1
    # Once there is room, the same batches go out and arrive.
    result = exchange.export(lt, ["LV"], out)
    assert (result.batches, result.changes) == (len(after[1]["batches"]), 3 * result.batches)
    assert _state(lt)[1]["batches"] == after[1]["batches"]
    assert exchange.import_bundle(lv, out).summary.applied == result.changes
    assert digest(lv) == digest(lt)


def test_every_changed_byte_and_every_truncation_is_refused(sites: list[Store],
                                                            tmp_path: Path) -> None:
    """A small real bundle: two chained batches of LT, written by `exchange.export`."""
    lt, lv, _ = sites
    first = tmp_path / "first.mcb"
    exchange.export(lt, ["LV"], first)
    with lt.write() as w:
        w.insert("exercises", exercise(name="Second", description="Šeštokai – Ämari"))
    good = tmp_path / "good.mcb"
    assert exchange.export(lt, ["LV"], good, full=True).batches == 2
    sealed = good.read_bytes()
    # The bundle inside the envelope, as if it came unsealed: the reader's own checks.
    blob = envelope.open_sealed(sealed, registry.decryption_keys(lv))
    before, writes = _state(lv), lv.conn.total_changes
    bad = tmp_path / "bad.mcb"
    accepted = []
    for i in range(len(sealed)):  # the envelope: any change fails its authentication
        bad.write_bytes(sealed[:i] + bytes([sealed[i] ^ 0x01]) + sealed[i + 1:])
        with contextlib.suppress(exchange.SyncError):
            exchange.import_bundle(lv, bad)
            accepted.append((i, "sealed"))
    for i in range(len(blob)):
        # Low bit (hex digits, lengths), high bit (UTF-8, flags) and every bit of the byte.
        for mask in (0x01, 0x80, 0xFF):
            bad.write_bytes(blob[:i] + bytes([blob[i] ^ mask]) + blob[i + 1:])
            try:
                exchange.import_bundle(lv, bad)
            except exchange.SyncError:
                continue
            accepted.append((i, mask))
    for size in range(len(blob)):
        bad.write_bytes(blob[:size])
        try:
            exchange.import_bundle(lv, bad)
        except exchange.SyncError:
            continue
        accepted.append((size, None))
    assert accepted == []
    assert lv.conn.total_changes == writes and _state(lv) == before
    assert exchange.import_bundle(lv, good).summary.applied == 7  # the original is whole
    assert digest(lv) == digest(lt)
