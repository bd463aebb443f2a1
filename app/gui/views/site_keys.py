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


def export_key(parent: QWidget, store: Store, folder: Path) -> Path | None:
    suggested = folder / f"movcon-key-{store.nation}-{store.site_id[:8]}.mck"
    name, _ = QFileDialog.getSaveFileName(parent, "Save this site's public key", str(suggested),
                                          KEY_FILTER)  # fmt: skip
    if not name:
        return None
    public = exchange.site_public_key(store)
    try:
        keys.write_key_file(Path(name), store.site_id, store.nation, store.site_name, public)
    except OSError as exc:
        QMessageBox.critical(parent, "Key not saved", f"cannot write {name}: "
                                                      f"{exc.strerror or exc}")  # fmt: skip
        return None
    QMessageBox.information(parent, "Key saved",
                            f"Saved to {name}.\n\nFingerprint, to read to the other cell:\n"
                            f"{keys.fingerprint(public)}")  # fmt: skip
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
