"""Find a movement or a critical point by name on the map and the timeline (Ctrl+F).

Typing offers every movement (name, unit, owner) and critical point (name, kind, nation)
containing the words, accents or not ("adazi" finds Ādaži); Enter or a click selects it in
the shared selection, and the view brings it into sight.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from dataclasses import dataclass

from PySide6.QtCore import QEvent, QModelIndex, Qt, Signal
from PySide6.QtGui import QKeyEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from app.core.store import Store

_KIND = Qt.ItemDataRole.UserRole + 1
_ID = Qt.ItemDataRole.UserRole + 2
SUGGESTIONS = 50
_MARKS = re.compile("[\u0300-\u036f]")  # combining accents, once a name is decomposed


@dataclass(frozen=True)
class Found:
    kind: str  # "movement" or "point"
    record_id: str
    text: str
    name: str = ""  # folded


def fold(text: str) -> str:
    """Lower case without accents: what a person types for a Baltic place name."""
    return _MARKS.sub("", unicodedata.normalize("NFKD", text)).lower()


def entries(store: Store, points: bool = True) -> list[Found]:
    """Movements by name, then critical points by name. Only the columns shown are read:
    decoding every movement's route for its name would cost most of the time."""
    # Read-only and display-only; names and units are stored as plain text.
    rows = store.conn.execute("SELECT id, name, unit, owner FROM movements WHERE deleted = 0")
    found = [Found("movement", i, f"{name} — {unit or '?'} ({owner})", fold(name))
             for i, name, unit, owner in rows]  # fmt: skip
    found.sort(key=lambda f: (f.name, f.text))
    if points:
        rows = store.conn.execute("SELECT id, name, kind, nation FROM critical_points"
                                  " WHERE deleted = 0")  # fmt: skip
        places = [Found("point", i, f"{name} · {kind.replace('_', ' ')} ({nation})", fold(name))
                  for i, name, kind, nation in rows]  # fmt: skip
        found += sorted(places, key=lambda f: (f.name, f.text))
    return found


class FindBox(QLineEdit):
    """A line edit with suggestions; `chosen` carries what was picked."""

    chosen = Signal(object)  # Found
    left = Signal()  # Esc: back to the view
    missing = Signal(str)  # Enter on words nothing is named by: what to tell the person

    def __init__(self, store: Store, points: bool = True, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.points = points
        what = "movement or critical point" if points else "movement"
        self.setPlaceholderText("Find…  (Ctrl+F)")
        self.setClearButtonEnabled(True)
        self.setToolTip(f"Type part of a {what}'s name; Enter selects the first suggestion")
        self._entries: list[Found] = []  # every name, and the same folded (what typing meets)
        self._folded: list[str] = []
        self.suggestions = QStandardItemModel(self)  # those matching what is typed, ranked
        self.completer_ = QCompleter(self.suggestions, self)
        # The box ranks the matches itself (a name typed whole first), so the popup shows
        # the list as it is.
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setMaxVisibleItems(12)
        self.completer_.activated[QModelIndex].connect(self._picked)
        # Not the line edit's own completer: that would write the folded search text into
        # the box while the person moves through the suggestions.
        self.completer_.setWidget(self)
        self.textEdited.connect(self._suggest)
        self.returnPressed.connect(self.find_first)
        self.stale = True  # names read at the first search, and again after `forget`

    def forget(self) -> None:
        """The store changed: read the names again before the next search."""
        self.stale = True


    def reload(self) -> None:
        """Read the names afresh (after an import or another store)."""
        self.stale = False
        self._entries = entries(self.store, self.points)
        self._folded = [fold(e.text) for e in self._entries]

    def event(self, event: QEvent) -> bool:
        # The views bind Return, Esc and single keys to their tools; while typing here they
        # are this box's (Enter finds, Esc leaves).
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.clear()
            self.left.emit()
            return
        super().keyPressEvent(event)

    def focus(self) -> None:
        self.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.selectAll()

    def matches(self, text: str, limit: int | None = None) -> list[Found]:
        """The entries `text` finds, ranked as the suggestions list them (the first `limit`)."""
        if self.stale:
            self.reload()
        query = " ".join(fold(text).split())
        words = query.split()
        entries_ = self._entries
        if not words:
            return []
        # Narrowed by the first word in one comprehension (a keystroke over 10,000 names stays
        # within a frame), then by the others.
        first, rest = words[0], words[1:]
        hits = [i for i, folded in enumerate(self._folded) if first in folded]
        if rest:
            hits = [i for i in hits if all(w in self._folded[i] for w in rest)]
        ranked = []
        spaced = f" {query}"
        for i in hits:
            name = entries_[i].name
            # Named exactly first, then names that begin so, then names with a word that
            # begins so, then the rest; in name order within each.
            rank = (0 if name == query else 1 if name.startswith(query)
                    else 2 if spaced in f" {name}" else 3)  # fmt: skip
            ranked.append((rank, i))
        best = heapq.nsmallest(limit, ranked) if limit is not None else sorted(ranked)
        return [entries_[i] for _, i in best]

    def find_first(self) -> Found | None:
        """Enter: the entry named exactly, else the first that matches every word."""
        text = self.text().strip()
        if not text:
            return None
        found = self.matches(text)
        exact = [f for f in found if f.text == text]  # a suggestion taken as typed
        pick = (exact or found or [None])[0]
        if pick is None:
            self.missing.emit(f"No movement or critical point is named “{text}”."
                              if self.points else f"No movement is named “{text}”.")
            return None
        self._choose(pick)
        return pick

    def _suggest(self, text: str) -> None:
        found = self.matches(text, SUGGESTIONS) if text.strip() else []
        self.suggestions.clear()
        for entry in found:
            item = QStandardItem(entry.text)
            item.setData(entry.kind, _KIND)
            item.setData(entry.record_id, _ID)
            item.setEditable(False)
            self.suggestions.appendRow(item)
        if found:
            self.completer_.complete()
        else:
            self.completer_.popup().hide()

    def _picked(self, index: QModelIndex) -> None:
        self._choose(Found(index.data(_KIND), index.data(_ID),
                           index.data(Qt.ItemDataRole.DisplayRole)))  # fmt: skip

    def _choose(self, found: Found) -> None:
        self.setText(found.text)
        self.chosen.emit(found)
