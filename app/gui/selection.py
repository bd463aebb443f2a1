"""The one selection the map, the movement list, the permit inbox and the timeline share.

Each view writes its user's choice here with itself as the source and follows the changes
the others make. A view ignores a change it made itself (`source is self`) and applies the
others' without writing back, so a click travels once round the views and stops.
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QObject, Signal


class Selection(QObject):
    """The selected movement ids and, optionally, the selected critical point."""

    changed = Signal(object)  # the new frozenset of movement ids
    point_changed = Signal(object)  # the new critical point id, or None

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._movements: frozenset[str] = frozenset()
        self._point: str | None = None
        self._source: object | None = None

    @property
    def movements(self) -> frozenset[str]:
        return self._movements

    @property
    def point(self) -> str | None:
        return self._point

    @property
    def source(self) -> object | None:
        """Who made the latest change: a view compares it with itself to skip its echo."""
        return self._source

    def set_movements(self, ids: Iterable[str], source: object | None = None) -> bool:
        """Select exactly these movements; whether that changed anything (and was emitted)."""
        wanted = frozenset(ids)
        if wanted == self._movements:
            return False
        self._movements, self._source = wanted, source
        self.changed.emit(wanted)
        return True

    def set_point(self, point_id: str | None, source: object | None = None) -> bool:
        if point_id == self._point:
            return False
        self._point, self._source = point_id, source
        self.point_changed.emit(point_id)
        return True

    def clear(self, source: object | None = None) -> None:
        self.set_movements((), source)
        self.set_point(None, source)
