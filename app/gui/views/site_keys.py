"""Exchanging site keys from the console: save this site's public key for another cell,
and trust another cell's key once its fingerprint words have been read over a phone."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from app.core.sync import exchange, keys

if TYPE_CHECKING:
    from app.core.store import Store

KEY_FILTER = "MovCon site keys (*.mck);;All files (*)"


def key_file_name(store: Store) -> str:
    return f"movcon-key-{store.nation}-{store.site_id[:8]}.mck"


def write_key(store: Store, path: Path) -> str:
    """Write this site's key file; returns its fingerprint words. Raises OSError.

    The file carries the site's encryption key, signed, so the nation's key officer can
    certify the site from it (and seal the enrolment to this laptop alone).
    """
    private = exchange.site_private_key(store)
    public = keys.public_of(private)
    keys.write_key_file(path, store.site_id, store.nation, store.site_name, public, private)
    return keys.fingerprint(public)


def export_key(parent: QWidget, store: Store, folder: Path) -> Path | None:
    suggested = folder / key_file_name(store)
    name, _ = QFileDialog.getSaveFileName(parent, "Save this site's public key", str(suggested),
                                          KEY_FILTER)  # fmt: skip
    if not name:
        return None
    try:
        words = write_key(store, Path(name))
    except OSError as exc:
        QMessageBox.critical(parent, "Key not saved", f"cannot write {name}: "
                                                      f"{exc.strerror or exc}")  # fmt: skip
        return None
    QMessageBox.information(parent, "Key saved",
                            f"Saved to {name}.\n\nFingerprint, to read to the other cell:\n"
                            f"{words}")  # fmt: skip
    return Path(name)


def trust_key_file(parent: QWidget, store: Store, folder: Path) -> bool:
    """Ask for a key file, show its fingerprint, trust it once the user confirms."""
    name, _ = QFileDialog.getOpenFileName(parent, "Trust another site's key", str(folder),
                                          KEY_FILTER)  # fmt: skip
    if not name:
        return False
    try:
        key = keys.read_key_file(Path(name))
    except keys.KeyFileError as exc:
        QMessageBox.critical(parent, "Not a key file", f"{name}: {exc}")
        return False
    answer = QMessageBox.question(
        parent, "Trust this key?",
        f"{key.site_name} ({key.nation}), site {key.site_id}\n\nFingerprint:\n"
        f"{key.fingerprint}\n\nRead these words with the officer of that cell over the phone. "
        "Trust the key only if they match.")
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        outcome = exchange.trust_key(store, key)
    except exchange.SyncError as exc:
        QMessageBox.critical(parent, "Key refused", str(exc))
        return False
    QMessageBox.information(parent, "Key trusted", f"{key.site_name} ({key.nation}): {outcome}.")
    return True
