"""What the concerns package's API and pages share."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from flask import request

from hub import context
from hub.errors import Forbidden, NotFound


@contextmanager
def audited_refusal(object_type: str | None = None, object_id: uuid.UUID | None = None) -> Iterator[None]:
    """A refusal the services raise (403, or 404 for a concern or alert of another agency) is
    audited as access.denied, naming what was asked for, although the request is rolled back:
    probing for concerns leaves a trace, as probing for cases does."""
    try:
        yield
    except (Forbidden, NotFound):
        context.defer_audit(action="access.denied", details={"endpoint": request.endpoint},
                            object_type=object_type, object_id=object_id)
        raise
