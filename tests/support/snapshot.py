"""Proving that a refused request wrote nothing: every row of every table, before and after.

Counting rows is not enough: removing a member only sets `removed_at`, and an UPDATE leaves the
count as it was. A snapshot keeps each row's values under its primary key, so an insert, a
delete and an in-place change all show, named by table, key and column.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Table, select
from sqlalchemy.orm import Session

from hub.audit.services import Outcome
from hub.models import metadata

# Audit actions with which the hub records a refusal (invariant 5: a refused request is itself
# audited); only these may be added by a request that was refused.
REFUSAL_ACTIONS = frozenset({
    "access.denied", "signin.failure", "signin.unavailable", "signin.backchannel_logout",
    "security.csrf_refused",
})
REFUSAL_OUTCOMES = frozenset({Outcome.DENIED, Outcome.FAILED})
# Counters of attempts, which count refused attempts too (hub.sessions.ratelimit: each hit is
# committed on its own, so that a flood of failing sign-ins is still limited).
ATTEMPT_COUNTERS = frozenset({"rate_limit_buckets"})

Key = tuple[Any, ...]
Snapshot = dict[str, dict[Key, dict[str, Any]]]


def _key(table: Table, row: Row[Any]) -> Key:
    columns = list(table.primary_key.columns) or list(table.columns)
    return tuple(row._mapping[c] for c in columns)


def take_snapshot(session: Session) -> Snapshot:
    """Every row of every table of the schema (hub.models.metadata), keyed by primary key."""
    session.expire_all()
    connection = session.connection()
    return {
        table.name: {_key(table, row): dict(row._mapping) for row in connection.execute(select(table))}
        for table in metadata.sorted_tables
    }


@dataclass(frozen=True)
class Difference:
    added: dict[str, list[dict[str, Any]]]
    removed: dict[str, list[dict[str, Any]]]
    changed: dict[str, list[tuple[Key, dict[str, tuple[Any, Any]]]]]

    def tables(self) -> set[str]:
        return set(self.added) | set(self.removed) | set(self.changed)

    def without(self, tables: Iterable[str]) -> Difference:
        left = set(tables)
        return Difference({t: r for t, r in self.added.items() if t not in left},
                          {t: r for t, r in self.removed.items() if t not in left},
                          {t: r for t, r in self.changed.items() if t not in left})

    def describe(self) -> str:
        lines = []
        for table, rows in sorted(self.added.items()):
            lines += [f"  {table}: added {_short(row)}" for row in rows]
        for table, rows in sorted(self.removed.items()):
            lines += [f"  {table}: removed {_short(row)}" for row in rows]
        for table, changes in sorted(self.changed.items()):
            for key, columns in changes:
                what = ", ".join(f"{c}: {old!r} -> {new!r}" for c, (old, new) in columns.items())
                lines.append(f"  {table} {key!r}: {what}")
        return "\n".join(lines) or "  nothing"


def _short(row: dict[str, Any]) -> str:
    return repr({k: v for k, v in row.items() if not isinstance(v, bytes | bytearray)})[:400]


def difference(before: Snapshot, after: Snapshot) -> Difference:
    added: dict[str, list[dict[str, Any]]] = {}
    removed: dict[str, list[dict[str, Any]]] = {}
    changed: dict[str, list[tuple[Key, dict[str, tuple[Any, Any]]]]] = {}
    for table in sorted(set(before) | set(after)):
        old, new = before.get(table, {}), after.get(table, {})
        if rows := [new[k] for k in new.keys() - old.keys()]:
            added[table] = rows
        if rows := [old[k] for k in old.keys() - new.keys()]:
            removed[table] = rows
        edits = []
        for key in old.keys() & new.keys():
            columns = {c: (old[key][c], new[key].get(c)) for c in old[key] if old[key][c] != new[key].get(c)}
            if columns:
                edits.append((key, columns))
        if edits:
            changed[table] = edits
    return Difference(added, removed, changed)


def added_audit_events(session: Session, before: Snapshot) -> list[dict[str, Any]]:
    """The audit rows written since ``before``, oldest first."""
    rows = difference(before, take_snapshot(session)).added.get("audit_events", [])
    return sorted(rows, key=lambda row: row["id"])


def assert_nothing_written(session: Session, before: Snapshot, *,
                           refusal_actions: Collection[str] = REFUSAL_ACTIONS,
                           counters: Collection[str] = ()) -> list[dict[str, Any]]:
    """Every table holds exactly the rows it held in ``before``, except that the refusal may have
    added its own audit events (actions in ``refusal_actions``, outcome denied or failed) and
    moved the attempt ``counters`` named. Returns the audit events it added."""
    found = difference(before, take_snapshot(session)).without(counters)
    events = found.added.pop("audit_events", [])
    not_refusals = [e for e in events
                    if e["action"] not in refusal_actions or e["outcome"] not in REFUSAL_OUTCOMES]
    unexpected = found.describe() if found.tables() else ""
    unexpected += "".join(f"\n  audit_events: added {_short(e)}" for e in not_refusals)
    assert not unexpected, "a refused request changed the database:\n" + unexpected.lstrip("\n")
    return sorted(events, key=lambda row: row["id"])
