"""Jinja set-up: the project's templates first, then GOV.UK Frontend's macros."""

from __future__ import annotations

import functools
import itertools
import json
from collections import ChainMap
from collections.abc import KeysView, MutableMapping
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, request, url_for
from flask.templating import Environment as FlaskEnvironment
from jinja2 import ChoiceLoader, Environment, PackageLoader, PrefixLoader
from markupsafe import Markup

from hub import context


class _TemplateGlobals(ChainMap[str, Any]):
    """A template's globals as Jinja makes them (its own over the environment's), whose keys are
    a dict's keys view.

    Every ``{% from ... import %}`` (GOV.UK Frontend's page template has five) subtracts the
    imported template's global names from a set on every render; with ChainMap's keys that ran
    in Python, name by name: 7% of the dashboard's time in process.
    """

    def keys(self) -> KeysView[str]:  # type: ignore[override]
        return dict.fromkeys(itertools.chain.from_iterable(reversed(self.maps))).keys()


class HubEnvironment(FlaskEnvironment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return _TemplateGlobals({} if d is None else d, self.globals)


def init_templates(app: Flask) -> None:
    # Before anything creates app.jinja_env, which is built once from this class.
    assert "jinja_env" not in app.__dict__, "init_templates must run before the first use of jinja_env"
    app.jinja_environment = HubEnvironment
    assert app.jinja_loader is not None
    app.jinja_loader = ChoiceLoader(  # type: ignore[assignment]
        [app.jinja_loader, PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")})]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    zone = ZoneInfo(context.state(app).settings.policy.timezone)

    # Pages show the same moments again and again (a list on every visit): converting a time zone
    # and formatting was 6% of the dashboard's time in a profile. A pure function of its arguments.
    @functools.lru_cache(maxsize=4096)
    def local_time(value, fmt: str = "%-d %B %Y %H:%M") -> str:  # type: ignore[no-untyped-def]
        """Stored in UTC, shown in Europe/London (invariant 7)."""
        if value is None:
            return ""
        return value.astimezone(zone).strftime(fmt)

    app.jinja_env.filters["local_time"] = local_time
    app.jinja_env.globals["govuk_static"] = _static_components(app.jinja_env)
    app.jinja_env.globals["page_url"] = _page_urls()

    @app.context_processor
    def inject() -> dict[str, object]:
        return {"current_user_": context.user(), "request_id": context.request_id()}


def _static_components(env: Environment) -> Any:
    """``govuk_static("phase-banner", params)``: a GOV.UK Frontend component rendered by its own
    macro once per distinct ``params`` and then reused.

    For the layout's components, whose parameters take a handful of values (signed in or not,
    which page is current): their macros cost 0.1-0.2 ms a call on every page. Parameters are
    the cache key (as JSON), so they must never carry personal data; at most 64 are kept.
    """

    @functools.lru_cache(maxsize=64)
    def render(component: str, params_json: str) -> Markup:
        macro = "govuk" + "".join(part.capitalize() for part in component.split("-"))
        template = env.from_string(
            f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {macro} %}}'
            f"{{{{ {macro}(params) }}}}"
        )
        # Output of an autoescaping template (Flask autoescapes string templates): already safe.
        return Markup(template.render(params=json.loads(params_json)))  # noqa: S704

    def govuk_static(component: str, params: dict[str, Any]) -> Markup:
        return render(component, json.dumps(params, sort_keys=True))

    return govuk_static


def _page_urls() -> Any:
    """``page_url(endpoint, **values)``: ``url_for`` for fixed links (the layout's style sheets,
    scripts and menu, the dashboard panels' links), built once per application root and reused.

    Building a URL costs about as much as rendering a small component, and the layout has eight
    on every page. A relative URL depends only on the endpoint, its values and the root the
    application is mounted at (``SCRIPT_NAME``, or a proxy's ``X-Forwarded-Prefix`` after
    ProxyFix), which is part of the key.
    """

    @functools.lru_cache(maxsize=256)
    def build(script_root: str, endpoint: str, values: tuple[tuple[str, Any], ...]) -> str:
        arguments: dict[str, Any] = dict(values)
        return url_for(endpoint, **arguments)

    def page_url(endpoint: str, **values: Any) -> str:
        if any(name.startswith("_") for name in values):
            raise TypeError("page_url builds relative URLs only; use url_for for anything else")
        return build(request.script_root, endpoint, tuple(sorted(values.items())))

    return page_url
