"""Undoable commands: each user edit is one write whose changes are kept to be reversed.

A command runs through the one write path (`store.write()`), so it is validated, judged by
authority, logged for sync and committed the moment it is made. Undo is not a rollback:
it is a new write that puts back the values the command replaced, so it syncs like any
edit. A field someone else changed since (a bundle arrived) is left as they set it, and
the undo says so; nothing is half-undone silently.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from app.core.domain.validation import ValidationError
from app.core.store.writer import Change

if TYPE_CHECKING:
    from app.core.store import Store
    from app.core.store.writer import Writer

T = TypeVar("T")


class UndoError(Exception):
    """An undo or redo that cannot be made; one line naming why. Nothing was written."""


@dataclass(frozen=True)
class Command:
    label: str
    changes: tuple[Change, ...]
    made: int = -1  # how many of `changes` the edit made itself (-1: all)
    # Bookkeeping outside the logged records that goes with the edit (a sync conflict marked
    # settled): put back after an undo, made again after a redo.
    after_undo: Callable[[], None] | None = None
    after_redo: Callable[[], None] | None = None

    @property
    def own(self) -> tuple[Change, ...]:
        """The edit's own changes, without the permit workflow's answer to them."""
        return self.changes if self.made < 0 else self.changes[:self.made]

    @property
    def answered(self) -> tuple[Change, ...]:
        """The permit workflow's changes: requests asked anew, decisions superseded."""
        return () if self.made < 0 else self.changes[self.made:]


@dataclass(frozen=True)
class Outcome:
    """What an undo or redo did: the command, and fields left alone because they changed."""

    command: Command
    kept: tuple[str, ...] = ()


class UndoStack:
    """This console's edits, newest last; `listeners` are called after every change."""

    def __init__(self, store: Store, limit: int = 200) -> None:
        self.store = store
        self.limit = limit
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self.listeners: list[Callable[[], None]] = []

    # -- running ------------------------------------------------------------------------
    def run(self, label: str, edit: Callable[[Writer], T],
            after_undo: Callable[[], None] | None = None,
            after_redo: Callable[[], None] | None = None) -> T:  # fmt: skip
        """Make one edit (`edit` writes through the writer it is given) as one command.
        `after_undo`/`after_redo`: bookkeeping of the edit's own outside the logged records;
        with them, an edit that changed no field is a command too."""
        with self.store.write() as w:
            result = edit(w)
            made = len(w.changes)  # what follows on commit is the permit workflow's answer
        if w.changes or after_undo is not None:
            self._done.append(Command(label, tuple(w.changes), made, after_undo, after_redo))
            del self._done[:-self.limit]
            self._undone.clear()
            self._tell()
        return result

    def undo(self) -> Outcome:
        if not self._done:
            raise UndoError("nothing to undo")
        command = self._done[-1]
        kept = self._put(command, back=True)
        if command.after_undo is not None:
            command.after_undo()
        self._undone.append(self._done.pop())
        self._tell()
        return Outcome(command, kept)

    def redo(self) -> Outcome:
        if not self._undone:
            raise UndoError("nothing to redo")
        command = self._undone[-1]
        kept = self._put(command, back=False)
        if command.after_redo is not None:
            command.after_redo()
        self._done.append(self._undone.pop())
        self._tell()
        return Outcome(command, kept)

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._tell()

    # -- state --------------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_label(self) -> str:
        return self._done[-1].label if self._done else ""

    @property
    def redo_label(self) -> str:
        return self._undone[-1].label if self._undone else ""

    # -- internals ----------------------------------------------------------------------
    def _put(self, command: Command, back: bool) -> tuple[str, ...]:
        """Write the old (`back`) or new values of `command`'s fields where they still hold
        what the command left (or, for redo, what its undo left)."""
        records: dict[tuple[str, str], list[Change]] = {}
        for change in command.own:
            records.setdefault((change.table, change.row_id), []).append(change)
        kept: list[str] = []
        try:
            # Only the edit's own changes are put back. The permit workflow answers the
            # reversal as it answered the edit (a host's decision superseded stays so: only
            # the host decides, and is asked again), never by this site rewriting decisions.
            with self.store.write() as w:
                for (table_name, row_id), changes in records.items():
                    current = self.store.get(table_name, row_id, include_deleted=True)
                    if current is None:
                        continue
                    if all(c.old is None for c in changes) and \
                            all(c.field != "deleted" for c in changes):  # fmt: skip
                        # The command made this record: undo removes it, redo brings it back.
                        if back and not current["deleted"]:
                            w.delete(table_name, row_id)
                        elif not back and current["deleted"]:
                            w.restore(table_name, row_id)
                        continue
                    first: dict[str, Change] = {}
                    last: dict[str, Change] = {}
                    for change in changes:
                        first.setdefault(change.field, change)
                        last[change.field] = change
                    # Undo: the command left each field's last new value and puts back its
                    # first old one; redo the other way round.
                    fields = {name: (last[name].new, first[name].old) if back
                              else (first[name].old, last[name].new) for name in first}
                    values: dict[str, Any] = {}
                    for name, (expected, value) in fields.items():
                        if not _same(current.get(name), expected):
                            kept.append(f"{table_name}.{name}")
                        else:
                            values[name] = value
                    deleted = values.pop("deleted", None)
                    if deleted is False and current["deleted"]:
                        w.restore(table_name, row_id)
                    if values:
                        w.update(table_name, row_id, values)
                    if deleted is True and not current["deleted"]:
                        w.delete(table_name, row_id)
        except ValidationError as exc:
            raise UndoError(f"cannot {'undo' if back else 'redo'} “{command.label}”: "
                            f"{exc.message}") from None
        return tuple(kept)

    def _tell(self) -> None:
        for listener in list(self.listeners):
            listener()


def _same(a: Any, b: Any) -> bool:
    """Equal as stored: JSON fields come back as lists where a write may have held tuples."""
    if a == b:
        return True
    empty = (None, "", [], {})
    if a in empty and b in empty:
        return True
    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True,
                                                                     default=str)
