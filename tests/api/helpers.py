"""What the API tests share: a snapshot of every table's rows, to prove a refused request wrote nothing."""

from __future__ import annotations

from tests.support.snapshot import (
    REFUSAL_ACTIONS,
    Snapshot,
    added_audit_events,
    assert_nothing_written,
    take_snapshot,
)

__all__ = ["REFUSAL_ACTIONS", "Snapshot", "added_audit_events", "assert_nothing_written", "take_snapshot"]
