"""Where things live: the shipped resources and the user's data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP_NAME = "MovCon"


def resources_dir() -> Path:
    """The `resources/` folder: beside the package, or inside a frozen (PyInstaller) build."""
    override = os.environ.get("MOVCON_RESOURCES")
    if override:
        return Path(override)
    frozen_root = getattr(sys, "_MEIPASS", None)
    if frozen_root:
        return Path(frozen_root) / "resources"
    return Path(__file__).resolve().parents[2] / "resources"


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def default_store_path() -> Path:
    return data_dir() / "movcon.db"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name the same file (links and relative parts resolved); compared as
    written when one cannot be resolved (a drive gone)."""
    try:
        return Path(a).resolve() == Path(b).resolve()
    except OSError:
        return Path(a) == Path(b)
