"""Jinja set-up: the project's templates first, then GOV.UK Frontend's macros."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import Flask
from jinja2 import ChoiceLoader, PackageLoader, PrefixLoader

from hub import context


def init_templates(app: Flask) -> None:
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [app.jinja_loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    zone = ZoneInfo(context.state(app).settings.policy.timezone)

    def local_time(value, fmt: str = "%-d %B %Y %H:%M") -> str:  # type: ignore[no-untyped-def]
        """Stored in UTC, shown in Europe/London (invariant 7)."""
        if value is None:
            return ""
        return value.astimezone(zone).strftime(fmt)

    app.jinja_env.filters["local_time"] = local_time

    @app.context_processor
    def inject() -> dict[str, object]:
        return {"current_user_": context.user(), "request_id": context.request_id()}
