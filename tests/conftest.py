"""Shared fixtures. Qt runs offscreen; the core tests never import Qt."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import datetime, timezone
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


# The demo exercise as the tests see it: fixed dates, "now" on its second day.
DEMO_START = datetime(2026, 6, 8, tzinfo=timezone.utc)
DEMO_NOW = datetime(2026, 6, 9, 11, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def demo_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo store, written once per run: read it, or copy it (`demo_copy`) to write."""
    from app.core import demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    demo.write(path, start=DEMO_START, now=DEMO_NOW)
    return path


@pytest.fixture(scope="session")
def demo_us_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo as the US cell holds it: for tests that change US movements."""
    from app.core import demo

    path = tmp_path_factory.mktemp("demo-us") / "demo.db"
    demo.write(path, nation="US", start=DEMO_START, now=DEMO_NOW)
    return path


@pytest.fixture
def demo_copy(demo_path: Path, tmp_path: Path) -> Path:
    """A private copy of the demo store that a test may change."""
    path = tmp_path / "demo.db"
    shutil.copy(demo_path, path)
    return path


@pytest.fixture(scope="module")
def demo(demo_path: Path) -> Iterator[Store]:  # noqa: F821 - imported lazily
    """The demo store, opened for reading."""
    from app.core.store import Store

    with Store.open(demo_path) as store:
        yield store
