"""The append-only, hash-chained audit trail (invariant 5)."""
