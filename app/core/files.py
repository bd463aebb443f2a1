"""Files written whole or not at all: a reader sees the old file or the new one, never half."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `.NAME.tmp` beside `path`, flush it to the disk, rename it over `path`
    and make the rename durable; on any failure the temporary file goes and `path` is as it
    was."""
    from app.core.sync.keys import fsync_folder

    temp = path.with_name(f".{path.name}.tmp")
    try:
        with open(temp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(temp, path)
        fsync_folder(path.absolute().parent)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise
