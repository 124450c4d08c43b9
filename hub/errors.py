"""Domain errors raised by services; the web and API layers turn them into pages and problems."""

from __future__ import annotations


class HubError(Exception):
    status = 400
    title = "Bad request"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class ValidationFailed(HubError):
    """Input broke a rule; nothing was changed. ``errors`` maps each field to what is wrong."""

    status = 422
    title = "Validation failed"

    def __init__(self, errors: dict[str, str], detail: str | None = None) -> None:
        super().__init__(detail or "; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(HubError):
    """Absent, or present but not visible to the caller: the two are never distinguished."""

    status = 404
    title = "Not found"


class Forbidden(HubError):
    status = 403
    title = "Forbidden"


class Conflict(HubError):
    status = 409
    title = "Conflict"
