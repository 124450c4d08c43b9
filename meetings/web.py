"""What the meetings package's API and pages read of the running hub: where invitations come from
and point to, and the domain that makes their UIDs unique."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

from flask import request

from hub import context
from hub.errors import Forbidden
from meetings.services.meetings import Mailing


def mailing() -> Mailing:
    settings = context.state().settings
    return Mailing(sender=settings.smtp.sender, base_url=settings.base_url, secret=settings.secret_key)


def uid_domain() -> str:
    """The host of the hub's external URL: invitations' UIDs are unique to this hub."""
    return urlsplit(context.state().settings.base_url).hostname or "hub.invalid"


@contextmanager
def audited_refusal() -> Iterator[None]:
    """A refusal the services raise (403) where no case is concerned is audited as access.denied,
    as the access policy's own refusals are, although the request's changes are rolled back."""
    try:
        yield
    except Forbidden:
        context.defer_audit(action="access.denied", details={"endpoint": request.endpoint})
        raise
