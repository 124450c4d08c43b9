"""What the meetings package's API and pages read of the running hub: where invitations come from
and point to, and the domain that makes their UIDs unique."""

from __future__ import annotations

from urllib.parse import urlsplit

from hub import context
from meetings.services.meetings import Mailing


def mailing() -> Mailing:
    settings = context.state().settings
    return Mailing(sender=settings.smtp.sender, base_url=settings.base_url, secret=settings.secret_key)


def uid_domain() -> str:
    """The host of the hub's external URL: invitations' UIDs are unique to this hub."""
    return urlsplit(context.state().settings.base_url).hostname or "hub.invalid"
