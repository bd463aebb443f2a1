"""The console's view of the plan: the whole store planned in a worker thread.

The planner reads through its own connection in the worker (SQLite connections stay in
the thread that opened them) and hands back immutable results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.core.planning.model import Conflict, MovementPlan
from app.gui import workers


@dataclass(frozen=True)
class PlanSet:
    plans: dict[str, MovementPlan] = field(default_factory=dict)
    conflicts: tuple[Conflict, ...] = ()
    notes: dict[str, list[str]] = field(default_factory=dict)

    def conflicts_of(self, movement_id: str) -> list[Conflict]:
        return [c for c in self.conflicts if movement_id in c.movements]


def plan_store(path: Path) -> PlanSet:
    from app.core.planning.planner import Planner
    from app.core.store import Store

    store = Store.open(path, check="quick")
    try:
        planner = Planner(store)
        planner.plan_all()
        plans = {mid: plan for mid in planner.movement_ids()
                 if (plan := planner.plan(mid)) is not None}  # fmt: skip
        return PlanSet(plans, tuple(planner.conflicts()), dict(planner.notes))
    finally:
        store.close()


class PlanningService(QObject):
    """Plans the store in the background and announces each new plan set."""

    planned = Signal(object)  # PlanSet
    failed = Signal(str)

    def __init__(self, store_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store_path = store_path
        self.current: PlanSet | None = None
        self._stopped = False

    def start(self) -> None:
        if self._stopped:  # the window closed before planning began
            return
        path = self.store_path
        job = workers.Job(lambda: plan_store(path), self)
        job.done.connect(self._done)
        job.failed.connect(self._failed)
        job.start()

    def stop(self) -> None:
        """Ignore what a running worker still delivers (its store is closed or replaced)."""
        self._stopped = True

    def _done(self, result: PlanSet) -> None:
        if self._stopped:
            return
        self.current = result
        self.planned.emit(result)

    def _failed(self, details: str) -> None:
        if not self._stopped:
            self.failed.emit(details)
