"""Shared fixtures. Qt runs offscreen; the core tests never import Qt."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("LANG", "C.UTF-8")


@pytest.fixture(autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the user's real data folder and settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("MOVCON_DB", raising=False)


@pytest.fixture(scope="session")
def _template_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from app.core.store import Store

    path = tmp_path_factory.mktemp("template") / "template.db"
    Store.create(path, "LT", "Vilnius NMCC", site_id="5d1c6a3e-0000-4000-8000-00000000a001").close()
    return path


@pytest.fixture
def store(tmp_path: Path, _template_store: Path):
    """A fresh LT store with the reference data (copied from one made per session)."""
    import shutil

    from app.core.store import Store

    path = tmp_path / "store.db"
    shutil.copy(_template_store, path)
    s = Store.open(path)
    yield s
    s.close()
