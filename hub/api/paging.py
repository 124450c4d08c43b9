"""The list envelope of DESIGN.md §4: `{<plural>: [...], limit, offset, next_offset}`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

__all__ = ["envelope"]


def envelope(name: str, found: Sequence[T], out: Callable[[T], Any], *, limit: int,
             offset: int) -> dict[str, Any]:
    """One page of a list fetched with ``limit + 1`` rows: the extra row, if any, only says that
    another page follows (``next_offset``; null on the last page)."""
    return {name: [out(item) for item in found[:limit]], "limit": limit, "offset": offset,
            "next_offset": offset + limit if len(found) > limit else None}
