"""Fixtures for the GUI tests: movements made the way a request file would make them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.core.store import Store
from tests.gui.movement_data import add, request


@pytest.fixture
def add_movements(store: Store) -> Callable[[int], list[str]]:
    """Adds `n` movements from `request(0..n-1)` to the store; returns their ids in order."""

    def adder(n: int) -> list[str]:
        return [add(store, request(i)) for i in range(n)]

    return adder


@pytest.fixture(autouse=True)
def _no_work_left_running() -> None:
    """A test may not leave worker threads behind (they would outlive its store)."""
    yield
    from app.gui import workers

    assert workers.wait_all(20.0), "a worker is still running"
