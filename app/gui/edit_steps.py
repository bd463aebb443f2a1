"""What the map and the timeline edit alike: stepping through the shared undo stack, and
recording a point's closure as one command. Mixin of their views: they give `store`,
`undo`, `status` and `_after_edit`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from PySide6.QtWidgets import QMessageBox

from app.core import timefmt
from app.core.commands import Outcome, UndoError
from app.core.domain.validation import ValidationError


class EditSteps:
    def undo_last(self) -> None:
        self._step(self.undo.undo, "Undone")

    def redo_last(self) -> None:
        self._step(self.undo.redo, "Redone")

    def _step(self, step: Callable[[], Outcome], done: str) -> None:
        try:
            outcome = step()
        except UndoError as exc:
            self.status.setText(str(exc))
            return
        kept = f" ({', '.join(outcome.kept)} changed since: kept)" if outcome.kept else ""
        self.status.setText(f"{done}: {outcome.command.label}{kept}.")
        self._after_edit()

    def close_point(self, point_id: str, start: datetime, until: datetime | None,
                    details: str) -> str | None:  # fmt: skip
        """Record a closure of the point; returns the event id, None when refused."""
        from app.core.planning import incidents

        name = self.store.get("critical_points", point_id)["name"]
        try:
            event_id = self.undo.run(f"Close {name}", lambda w: incidents.close_point(
                self.store, point_id, start, until, details, writer=w))
        except (ValidationError, ValueError) as exc:
            QMessageBox.warning(self, "Closure not recorded",
                                getattr(exc, "message", None) or str(exc))  # fmt: skip
            return None
        until_text = f" until {timefmt.short(until)}" if until else " until further notice"
        self.status.setText(f"{name} closed from {timefmt.short(start)}{until_text}; the "
                            "movements crossing it are re-planned (Ctrl+Z undoes it).")
        self._after_edit()
        return event_id
