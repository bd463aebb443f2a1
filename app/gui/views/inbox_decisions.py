"""The permit inbox's decisions (a mixin of PermitInbox): what this nation decides.

Approve, approve with conditions, deny, take under review, undo and redo a decision, withdraw
a request of ours, approve what a pre-authorisation covers, mark lapsed approvals expired;
each says in the status line what it did or why it could not.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtWidgets import QDialog

from app.core import timefmt
from app.core.domain import vocabulary
from app.core.permits import decisions, inbox
from app.gui import display
from app.gui.views.decision_dialog import DecisionDialog, ReasonDialog
from app.gui.views.inbox_panel import html, sentence

if TYPE_CHECKING:
    from app.core.store import Store
    from app.gui.models.permit_table import PermitTableModel


@dataclass(frozen=True)
class _Undone:
    """A decision undone in this inbox, kept to be decided again by Redo."""

    permit_id: str
    movement: str
    outcome: str
    conditions: tuple[str, ...]
    reason: str


_OUTCOME_OF = {status: outcome for outcome, status in decisions.OUTCOMES.items()}


class InboxDecisions:
    """The decision keys' work, for PermitInbox (which holds the table and the rest)."""

    # What the inbox gives the decisions.
    _store: Store
    _now: Callable[[], datetime]
    _nations: dict[str, str]
    _redo: list[_Undone]
    model: PermitTableModel
    say: Callable[..., None]
    refresh: Callable[[], None]
    _row: Callable[[dict[str, Any] | None], int]
    _selection_or_say: Callable[[], dict[str, Any] | None]
    _after_write: Callable[..., None]

    # -- decisions ----------------------------------------------------------------------
    def approve(self) -> None:
        item = self._decidable()
        if item is None:
            return
        if item["status"] in ("approved_with_conditions", "denied"):
            # Changing a decision (and dropping its conditions or reason) is confirmed.
            self.open_decision("approve")
            return
        self._decide(item, "approve")

    def take_under_review(self) -> None:
        item = self._decidable()
        if item is None:
            return
        try:
            decisions.review(self._store, item["id"])
        except decisions.DecisionError as exc:
            self.say(sentence(str(exc)), True)
            return
        self.model.reload_permit(item["id"])
        self.say(f"Under review: “{item['movement']}”.")
        self._after_write()

    def expire_lapsed(self) -> None:
        count = decisions.expire_lapsed(self._store, now=self._now())
        self.say(f"{count} approval{'s' if count != 1 else ''} past "
                 f"{'their' if count != 1 else 'its'} validity marked expired.")
        if count:
            self.refresh()
            self._after_write()

    def approve_with_conditions(self) -> None:
        self.open_decision("conditions")

    def open_decision(self, outcome: str = "") -> None:
        """The decision dialog for the selected permit (Enter; C opens it on conditions)."""
        item = self._decidable()
        if item is None:
            return
        permit = self._store.get("permits", item["id"]) or {}
        if not outcome:
            outcome = {"approved_with_conditions": "conditions", "denied": "deny"}.get(
                item["status"], "approve")
        host = self._nations.get(item["host"], item["host"])
        dialog = DecisionDialog(self._summary(item), self.model.host_part(self._row(item)),
                                host, outcome, permit.get("conditions") or (),
                                planning=self.model.plans is None, parent=self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        choice = dialog.decision()
        self._decide(item, choice.outcome, choice.conditions, choice.reason)

    def deny(self) -> None:
        item = self._decidable()
        if item is None:
            return
        owner = self._nations.get(item["owner"], item["owner"])
        dialog = ReasonDialog("Deny permit",
                              f"Deny <b>{html(item['movement'])}</b> ({html(owner)}) passage "
                              f"through {html(self._nations.get(item['host'], item['host']))}?"
                              "<br>The owner nation reads the reason.", "&Deny",
                              parent=self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self._decide(item, "deny", reason=dialog.text())

    def undo(self) -> None:
        item = self._selection_or_say()
        if item is None:
            return
        if item["host"] != self._store.nation:
            self.say("There is no decision of yours to undo on a request you made.", True)
            return
        if (not decisions.undoable(self._store, item["id"])
                and item["status"] not in vocabulary.DECIDED_PERMIT_STATUSES):  # fmt: skip
            self.say("Nothing to undo: this permit has no decision.", True)
            return
        permit = self._store.get("permits", item["id"]) or {}
        try:
            decisions.undo(self._store, item["id"])
        except decisions.DecisionError as exc:
            self.say(sentence(str(exc)), True)
            return
        outcome = _OUTCOME_OF.get(permit.get("status", ""))
        if outcome is not None:  # what Redo decides again
            self._redo.append(_Undone(item["id"], item["movement"], outcome,
                                      tuple(permit.get("conditions") or ()),
                                      permit.get("remarks") or ""))  # fmt: skip
        self.model.reload_permit(item["id"])
        now = self.model.item(self._row(item)) or item
        status = vocabulary.PERMIT_STATUSES.get(now["status"], now["status"]).lower()
        self.say(f"Decision undone: “{item['movement']}” is {status} again. Ctrl+Shift+Z "
                 "decides it again.")  # fmt: skip
        self._after_write(keep_redo=True)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def redo(self) -> None:
        """Decide again the decision undone last (Ctrl+Shift+Z), as it was decided."""
        if not self._redo:
            self.say("Nothing to redo: no decision was undone here since the last one made.",
                     True)  # fmt: skip
            return
        undone = self._redo.pop()
        try:
            status = decisions.decide(self._store, undone.permit_id, undone.outcome,
                                      undone.conditions, undone.reason, now=self._now())
        except decisions.DecisionError as exc:
            self.say(f"Cannot redo the decision on “{undone.movement}”: {exc}.", True)
            return
        self.model.reload_permit(undone.permit_id)
        done = vocabulary.PERMIT_STATUSES.get(status, status)
        self.say(f"Redone: “{undone.movement}” is {done.lower()} again.")
        self._after_write(keep_redo=True)

    def withdraw(self) -> None:
        item = self._selection_or_say()
        if item is None:
            return
        if item["owner"] != self._store.nation:
            owner = self._nations.get(item["owner"], item["owner"])
            self.say(f"Only {owner} can withdraw its request; yours is the decision "
                     "(A approve, C with conditions, D deny).", True)  # fmt: skip
            return
        if item["status"] not in vocabulary.ACTIVE_PERMIT_STATUSES:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: there is nothing to withdraw.", True)
            return
        host = self._nations.get(item["host"], item["host"])
        dialog = ReasonDialog("Withdraw request",
                              f"Withdraw the request to {html(host)} for "
                              f"<b>{html(item['movement'])}</b>?<br>{html(host)} is told "
                              "with the next bundle.", "&Withdraw", required=False,
                              parent=self)  # fmt: skip
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            decisions.withdraw(self._store, item["id"], dialog.text())
        except decisions.DecisionError as exc:
            self.say(sentence(str(exc)), True)
            return
        self.model.reload_permit(item["id"])
        self.say(f"Withdrawn: the request to {host} for “{item['movement']}”.")
        self._after_write()

    def approve_preauthorised(self) -> None:
        waiting = self.preauthorised_waiting()
        if not waiting:
            self.say("No request waits under a pre-authorisation.", True)
            return
        try:
            approved = decisions.approve_preauthorised(self._store, now=self._now())
        except decisions.DecisionError as exc:
            self.say(sentence(str(exc)), True)
            self.refresh()
            return
        self.model.refresh()
        left = waiting - approved
        text = f"Approved {approved} request{'s' if approved != 1 else ''} under pre-authorisation."
        if left:
            verb = "s" if left == 1 else ""
            text += (f" {left} no longer fit{verb} a pre-authorisation and wait{verb} for your "
                     "decision.")
        self.say(text, problem=bool(left) and not approved)
        self._after_write()

    def preauthorised_waiting(self) -> int:
        """Requests to this nation made under a pre-authorisation, not yet approved."""
        return self._store.conn.execute(
            "SELECT count(*) FROM permits WHERE deleted = 0 AND host_nation = ? AND status ="
            " 'requested' AND mode = 'preauthorised'", (self._store.nation,)).fetchone()[0]
    # -- helpers ------------------------------------------------------------------------
    def _decidable(self) -> dict[str, Any] | None:
        """The selected permit if this nation may decide it now; else say why not."""
        item = self._selection_or_say()
        if item is None:
            return None
        if item["host"] != self._store.nation:
            host = self._nations.get(item["host"], item["host"])
            self.say(f"{host} decides this request, not {self._store.nation}; you can only "
                     "withdraw it (W).", True)  # fmt: skip
            return None
        if item["status"] not in decisions.DECIDABLE:
            status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"]).lower()
            self.say(f"The permit is {status}: there is nothing to decide.", True)
            return None
        return item

    def _decide(self, item: dict[str, Any], outcome: str, conditions: tuple[str, ...] = (),
                reason: str = "") -> None:  # fmt: skip
        if outcome == "approve" and item["status"] == "approved":
            self.say("Already approved: nothing changed.")
            return
        try:
            status = decisions.decide(self._store, item["id"], outcome, conditions, reason,
                                      now=self._now())  # fmt: skip
        except decisions.DecisionError as exc:
            self.say(sentence(str(exc)), True)
            return
        self.model.reload_permit(item["id"])
        permit = self._store.get("permits", item["id"]) or {}
        owner = self._nations.get(item["owner"], item["owner"])
        done = vocabulary.PERMIT_STATUSES.get(status, status)
        number = (f"; movement number {permit['movement_number']}"
                  if status != "denied" and permit.get("movement_number") else "")
        self.say(f"{done}: “{item['movement']}” for {owner}{number}. Ctrl+Z undoes it until "
                 "the next bundle export.")  # fmt: skip
        self._after_write()

    def _summary(self, item: dict[str, Any]) -> str:
        names = self._nations
        owner = names.get(item["owner"], item["owner"])
        host = names.get(item["host"], item["host"])
        mlc = (f", the heaviest MLC {display.number(item['max_mlc'])}"
               if item["max_mlc"] is not None else "")
        due = ""
        if item["deadline"] and item["status"] in inbox.OPEN_STATUSES:
            deadline = timefmt.parse_utc(item["deadline"])
            due = (f"<br>Decision due {self.model.readout.day_time(deadline)}: "
                   f"{display.countdown(deadline, self._now())}")
        mode = vocabulary.PERMIT_MODES.get(item["mode"] or "")
        status = vocabulary.PERMIT_STATUSES.get(item["status"], item["status"])
        window = self.model.readout.span(item["window"], item["valid_until"] or item["arrive_by"])
        return (f"<b style='font-size:large'>{html(item['movement'])}</b><br>"
                f"{html(owner)} asks {html(host)}"
                f"{' (' + html(item['reference']) + ')' if item['reference'] else ''}<br>"
                f"{item['vehicles'] or 0:,} vehicles{mlc}; valid "
                f"{window}"
                f"{due}<br>Now: {html(status)}{' · ' + mode if mode else ''}")

