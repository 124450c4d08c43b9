"""A refusal a domain service raises, audited although the request is rolled back."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import request

from hub import context
from hub.errors import Forbidden, NotFound


@contextmanager
def audited_refusal(object_type: str | None = None, object_id: uuid.UUID | None = None) -> Iterator[None]:
    """Audit a refusal raised inside the block as access.denied, as the access policy's own are
    (invariant 5: probing leaves a trace): a 403 always, and a 404 for the object named here (a
    concern or alert of another agency, say). A 404 with no object named is a case the access
    policy refused, which it has audited already."""
    try:
        yield
    except Forbidden:
        context.defer_audit(action="access.denied", details={"endpoint": request.endpoint},
                            object_type=object_type, object_id=object_id)
        raise
    except NotFound:
        if object_type is not None:
            context.defer_audit(action="access.denied", details={"endpoint": request.endpoint},
                                object_type=object_type, object_id=object_id)
        raise
