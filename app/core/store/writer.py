"""The single write path: every change to a synced table goes through a `Writer`.

A writer is one `BEGIN IMMEDIATE` transaction. Each insert, update or delete is validated,
applied to its table and appended to the change log (origin site, gap-free sequence
number, hybrid-clock stamp, table, row id, field, new value) in that same transaction, so
the log can never disagree with the tables. Deletes are tombstones (`deleted` = true).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

from app.core.clock import HybridClock
from app.core.domain import validation
from app.core.domain.records import JSON_KINDS, Table, table
from app.core.domain.vocabulary import DECIDED_PERMIT_STATUSES
from app.core.ids import is_record_id, new_id
from app.core.permits.workflow import MATERIAL_FIELDS, WATCHED_FIELDS, keep
from app.core.store import codec
from app.core.store.baseline import BASELINE_ORIGIN

if TYPE_CHECKING:
    from app.core.store.store import Store


class Change(NamedTuple):
    """One field change as the write path applied it (old value kept for undo)."""

    table: str
    row_id: str
    field: str
    old: Any
    new: Any
    seq: int
    hlc: int


class Writer:
    def __init__(self, store: Store, origin: str, clock: HybridClock,
                 check_authority: bool = True, permits: bool = True) -> None:
        self._store = store
        self._conn: sqlite3.Connection = store.conn
        self._origin = origin
        # Reference data shipped with MovCon is nobody's edit; everything else is judged.
        self._check = check_authority and origin != BASELINE_ORIGIN
        self._author: Any = None
        self._private_key: bytes | None = None
        self._decisions: list[tuple[str, str, dict[str, Any]]] = []
        # Movements written here get their permits kept in step (permits/workflow.py).
        self._permits = permits and origin != BASELINE_ORIGIN
        self._origin_no = 0
        self._clock = clock
        self._seq = 0
        self._log_rows: list[tuple[int, int, int, str, str, str, str, int]] = []
        self.changes: list[Change] = []

    # -- transaction --------------------------------------------------------------------
    def __enter__(self) -> Writer:
        if self._check:
            self._author = self._store.authority(self._origin)
        if self._origin == self._store.site_id:
            # Read (or made, which writes) before the transaction: decisions are signed.
            from app.core.sync.exchange import site_private_key

            self._private_key = site_private_key(self._store)
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._origin_no = self._store.site_no(self._origin)
            self._seq = self._store.last_seq(self._origin_no)
            # The clock must pass every stamp in the log, including other processes' writes;
            # not the reference data's fixed clock, whose stamps are the same in every store.
            if self._origin != BASELINE_ORIGIN:
                self._clock.last = max(self._clock.last, self._store.last_stamp())
        except BaseException:
            self._conn.execute("ROLLBACK")
            self._store.forget_cached()
            raise
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is not None:
            self._conn.execute("ROLLBACK")
            self._store.forget_cached()
            return
        try:
            self._flush_log()
            self._keep_permits()
            self._flush_log()
            self._audit_decisions()
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            self._store.forget_cached()
            raise
        if self.changes:
            self._store.committed(self._origin_no, self._seq, self.changes[-1].hlc)
        if any(c.table == "nations" for c in self.changes):
            self._store.forget_cached()

    # -- operations ---------------------------------------------------------------------
    def insert(self, table_name: str, values: Mapping[str, Any], record_id: str | None = None,
               ) -> str:
        """Add a record; returns its id (a new UUIDv7 unless given)."""
        spec = table(table_name)
        if record_id is None:
            record_id = new_id()
        elif not is_record_id(record_id):
            raise validation.ValidationError("id", f"must be a UUIDv7, got {record_id!r}")
        clean = validation.record(spec, values, self._store.validation_context())
        self._authorize(spec, record_id, clean, None)
        columns = [codec.to_column(f.kind, clean.get(f.name)) for f in spec.fields]
        try:
            self._conn.execute(self._store.insert_sql(table_name), [record_id, *columns])
        except sqlite3.IntegrityError:
            raise validation.ValidationError(
                "id", f"a {spec.label.lower()} with id {record_id} exists already") from None
        stamp = self._clock.tick()
        for f, column in zip(spec.fields, columns, strict=True):
            if column is not None:
                # JSON columns already hold the log's encoding; don't encode twice.
                logged = column if f.kind in JSON_KINDS else codec.to_log(clean[f.name])
                self._log(spec, record_id, f.name, None, clean[f.name], stamp, 0, logged)
        return record_id

    def update(self, table_name: str, record_id: str, values: Mapping[str, Any]) -> list[str]:
        """Change some fields of a record; returns the names of the fields that changed."""
        spec = table(table_name)
        current = self._require(spec, record_id)
        clean = validation.record(spec, values, self._store.validation_context(), current)
        changed = [n for n, val in clean.items() if current.get(n) != val]
        if not changed:
            return []
        self._authorize(spec, record_id, {n: clean[n] for n in changed}, current)
        assignments = ", ".join(f'"{n}" = ?' for n in changed)
        self._conn.execute(
            f'UPDATE "{table_name}" SET {assignments} WHERE id = ?',
            [codec.to_column(spec.by_name[n].kind, clean[n]) for n in changed] + [record_id])
        stamp = self._clock.tick()
        bases = self._bases(record_id)
        for name in changed:
            self._log(spec, record_id, name, current.get(name), clean[name], stamp,
                      bases.get(name, 0))
        return changed

    def delete(self, table_name: str, record_id: str) -> None:
        """Mark a record deleted (a tombstone that syncs like any other field)."""
        self._set_deleted(table_name, record_id, True)

    def restore(self, table_name: str, record_id: str) -> None:
        """Bring back a deleted record (undo of a delete)."""
        self._set_deleted(table_name, record_id, False)

    # -- internals ----------------------------------------------------------------------
    def _set_deleted(self, table_name: str, record_id: str, deleted: bool) -> None:
        spec = table(table_name)
        current = self._store.get(table_name, record_id, include_deleted=True)
        if current is None:
            raise validation.ValidationError("id", f"no {spec.label.lower()} with id {record_id}")
        if current["deleted"] == deleted:
            return
        self._authorize(spec, record_id, {"deleted": deleted}, current)
        self._conn.execute(f'UPDATE "{table_name}" SET deleted = ? WHERE id = ?',
                           (int(deleted), record_id))
        self._log(spec, record_id, "deleted", current["deleted"], deleted, self._clock.tick(),
                  self._bases(record_id).get("deleted", 0))

    def _authorize(self, spec: Table, record_id: str, values: dict[str, Any],
                   current: dict[str, Any] | None) -> None:
        """Refuse an edit outside this site's nation's authority; note decisions for audit."""
        if self._check:
            from app.core.trust.authority import local_check

            problem = local_check(self._store, self._author, spec.name, record_id, values,
                                  current)
            if problem:
                raise validation.ValidationError(next(iter(values)), f"refused: {problem}")
        if self._private_key is None:
            return
        status = values.get("status")
        if spec.name == "permits" and status in DECIDED_PERMIT_STATUSES:
            record = {**(current or {}), **values}
            subject = f"permit {record.get('reference') or record_id}"
            self._decisions.append(("permit_decided", subject, {
                "permit_id": record_id, "status": status,
                "host_nation": record.get("host_nation"),
                "movement_id": record.get("movement_id")}))
        elif spec.name == "movements" and status == "planned":
            record = {**(current or {}), **values}
            self._decisions.append(("movement_approved", f"movement {record.get('name')}",
                                    {"movement_id": record_id, "owner": record.get("owner"),
                                     "status": status}))

    def _keep_permits(self) -> None:
        if not self._permits:
            return
        touched: dict[str, bool] = {}
        for change in self.changes:
            if change.table == "movements" and (change.field in WATCHED_FIELDS
                                                or change.old is None):
                material = change.field in MATERIAL_FIELDS or change.field == "deleted"
                touched[change.row_id] = touched.get(change.row_id, False) or material
            elif change.table == "serials":
                serial = self._store.get("serials", change.row_id, include_deleted=True)
                if serial is not None:
                    touched[serial["movement_id"]] = True
        if touched:
            self._permits = False  # the permits it writes do not start another round
            keep(self, self._store, touched, self._store.authority(self._origin).nation)

    def _audit_decisions(self) -> None:
        if not self._decisions or self._private_key is None:
            return
        from app.core import audit

        person = audit.current_person()
        for action, subject, detail in self._decisions:
            audit.append(self._conn, site_id=self._origin, private_key=self._private_key,
                         action=action, subject=subject, detail=detail, person=person)
        self._decisions.clear()

    def _require(self, spec: Table, record_id: str) -> dict[str, Any]:
        current = self._store.get(spec.name, record_id)
        if current is None:
            raise validation.ValidationError("id", f"no {spec.label.lower()} with id {record_id}")
        return current

    def _bases(self, record_id: str) -> dict[str, int]:
        """The stamp of each field's current value: what an edit replaces (for sync)."""
        self._flush_log()  # this transaction's own earlier changes count too
        return dict(self._conn.execute(
            "SELECT field, max(hlc) FROM change_log WHERE row_id = ? GROUP BY field",
            (record_id,)).fetchall())

    def _log(self, spec: Table, record_id: str, name: str, old: Any, new: Any,
             stamp: int, base: int, logged: str | None = None) -> None:
        self._seq += 1
        self._log_rows.append((self._origin_no, self._seq, stamp, spec.name, record_id, name,
                               codec.to_log(new) if logged is None else logged, base))
        self.changes.append(Change(spec.name, record_id, name, old, new, self._seq, stamp))
        if len(self._log_rows) >= 500:
            self._flush_log()

    def _flush_log(self) -> None:
        if self._log_rows:
            self._conn.executemany("INSERT INTO change_log VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                                   self._log_rows)
            self._log_rows.clear()

    @property
    def changed_tables(self) -> set[str]:
        return {c.table for c in self.changes}
