"""What every package's page views answer with: a rendered page, or a redirect after a POST."""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue

__all__ = ["page", "see_other"]


def page(template: str, status: int = 200, **values: Any) -> Response:
    """`template` rendered with `values`, as an HTML response with `status` (422 for a form that
    breaks a rule, 409 for one another request overtook)."""
    return Response(render_template(template, **values), status=status, mimetype="text/html")


def see_other(endpoint: str, **values: Any) -> ResponseReturnValue:
    """303 to `endpoint`: the browser GETs the result of a POST, so a reload never repeats it."""
    return redirect(url_for(endpoint, **values), code=303)
