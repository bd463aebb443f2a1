"""Dropping bundle files on a window imports them (any local file: the core says plainly
why a file that is no bundle is refused)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QDragEnterEvent, QDropEvent

from app.gui.bundle_transfer import local_files


class BundleDropTarget:
    """Mixin for a QWidget with an `import_files(paths)` method; call setAcceptDrops(True)."""

    def import_files(self, paths: list[Path]) -> None:
        raise NotImplementedError

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_files(event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_files(event.mimeData().urls())
        if paths:
            event.acceptProposedAction()
            self.import_files(paths)
