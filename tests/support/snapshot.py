"""Proving that a refused request wrote nothing: every row of every table, before and after.

Counting rows is not enough: removing a member only sets `removed_at`, and an UPDATE leaves the
count as it was. A snapshot keeps each row's values under its primary key, so an insert, a
delete and an in-place change all show, named by table, key and column.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, LargeBinary, TextClause, select, text
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

Key = str  # the primary key's values, as a JSON array
Snapshot = dict[str, dict[Key, str]]  # table -> key -> the row, as a JSON object


def _value(column: Column[Any], dialect: str) -> str:
    name = f'x."{column.name}"'
    if isinstance(column.type, LargeBinary):
        return f"encode({name}, 'hex')" if dialect == "postgresql" else f"hex({name})"
    return name


@functools.cache
def _statement(dialect: str) -> TextClause:
    """One statement for the whole snapshot: every row of every table, as JSON text keyed by its
    primary key (a round trip per table, sixty of them twice per refused request, was most of
    the access matrix's and the fuzz tests' time on PostgreSQL)."""
    parts = []
    for table in metadata.sorted_tables:
        keys = list(table.primary_key.columns) or list(table.columns)
        if dialect == "postgresql":
            key = f"jsonb_build_array({', '.join(_value(c, dialect) for c in keys)})"
            row = "to_jsonb(x)"  # bytea as "\\x..." text; no limit on the number of columns
        else:
            # SQLite's functions take at most 127 arguments: a row of 63 columns, which no table
            # comes near (the widest has 37).
            key = f"json_array({', '.join(_value(c, dialect) for c in keys)})"
            row = "json_object(" + ", ".join(f"'{c.name}', {_value(c, dialect)}" for c in table.columns) + ")"
        parts.append(f"SELECT '{table.name}' AS t, CAST({key} AS TEXT) AS k, "  # noqa: S608 - the schema's names
                     f"CAST({row} AS TEXT) AS r FROM \"{table.name}\" AS x")
    return text(" UNION ALL ".join(parts))


def take_snapshot(session: Session) -> Snapshot:
    """Every row of every table of the schema (hub.models.metadata), keyed by primary key."""
    session.expire_all()
    connection = session.connection()
    found: Snapshot = {table.name: {} for table in metadata.sorted_tables}
    for table, key, row in connection.execute(_statement(connection.dialect.name)):
        found[table][key] = row
    return found


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
        if rows := [json.loads(new[k]) for k in new.keys() - old.keys()]:
            added[table] = rows
        if rows := [json.loads(old[k]) for k in old.keys() - new.keys()]:
            removed[table] = rows
        edits = []
        for key in old.keys() & new.keys():
            if old[key] == new[key]:
                continue
            was, now = json.loads(old[key]), json.loads(new[key])
            columns = {c: (was[c], now.get(c)) for c in was if was[c] != now.get(c)}
            if columns:
                edits.append((key, columns))
        if edits:
            changed[table] = edits
    return Difference(added, removed, changed)


def _native_audit_rows(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The audit rows named, read again with their column types (the snapshot holds JSON text)."""
    if not rows:
        return []
    table = metadata.tables["audit_events"]
    found = session.connection().execute(select(table).where(table.c.id.in_([r["id"] for r in rows])))
    return sorted((dict(row._mapping) for row in found), key=lambda row: row["id"])


def added_audit_events(session: Session, before: Snapshot) -> list[dict[str, Any]]:
    """The audit rows written since ``before``, oldest first."""
    added = difference(before, take_snapshot(session)).added.get("audit_events", [])
    return _native_audit_rows(session, added)


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
    return _native_audit_rows(session, events)
