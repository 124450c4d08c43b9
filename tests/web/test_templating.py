"""govuk_static: GOV.UK Frontend components rendered once by their own macros, escaped, then reused."""

from __future__ import annotations

import pytest
from flask import url_for


def test_a_static_component_is_the_macros_own_markup_escaped_and_reused(app):
    env = app.jinja_env
    params = {"text": "Sign <out> & \"leave\"", "classes": "govuk-button--secondary"}
    with app.test_request_context("/"):
        direct = env.from_string(
            '{% from "govuk_frontend_jinja/components/button/macro.html" import govukButton %}'
            "{{ govukButton(params) }}").render(params=params)
        cached = env.from_string('{{ govuk_static("button", params) }}')
        first, second = cached.render(params=params), cached.render(params=params)
    assert first == direct == second
    assert "Sign &lt;out&gt; &amp;" in first
    assert "<out>" not in first
    assert 'class="govuk-button govuk-button--secondary"' in first


def test_different_parameters_are_different_variants(app):
    template = app.jinja_env.from_string(
        '{{ govuk_static("service-navigation", {"serviceName": "Hub", "serviceUrl": url, '
        '"navigation": [{"href": url, "text": "My cases", "active": active}]}) }}')
    with app.test_request_context("/"):
        current = template.render(url="/", active=True)
        other = template.render(url="/", active=False)
    assert "govuk-service-navigation__item--active" in current
    assert "govuk-service-navigation__item--active" not in other


def test_page_urls_are_url_fors_own_and_follow_the_root_the_hub_is_mounted_at(app):
    template = app.jinja_env.from_string(
        "{{ page_url('static', filename='hub.css') }} {{ page_url('web.dashboard') }}")
    for root in ("", "/hub", "/other"):
        with app.test_request_context("/", base_url=f"http://localhost{root}/"):
            expected = f"{url_for('static', filename='hub.css')} {url_for('web.dashboard')}"
            assert template.render() == expected
            assert template.render() == expected
            assert expected.startswith(f"{root}/static/hub.css")


def test_page_url_refuses_what_it_cannot_key_on(app):
    template = app.jinja_env.from_string("{{ page_url('web.dashboard', _external=True) }}")
    with app.test_request_context("/"), pytest.raises(TypeError, match="relative URLs only"):
        template.render()


def test_template_globals_are_the_templates_own_over_the_environments_as_jinja_has_them(app):
    from jinja2 import DictLoader

    from hub.web.templating import HubEnvironment

    assert isinstance(app.jinja_env, HubEnvironment)
    env = HubEnvironment(app, loader=DictLoader({"m.html": "{% macro m() %}{{ special }}{% endmacro %}"}),
                         autoescape=True)
    env.globals["shade"] = "environment"
    page = env.from_string('{% from "m.html" import m %}{{ shade }} {{ m() }}',
                           globals={"shade": "page", "special": "<seen by the import>"})
    # An imported macro sees the importing template's own globals, escaped like everything else.
    assert page.render() == "page &lt;seen by the import&gt;"
    # Globals added to the environment later still reach a loaded template.
    env.globals["later"] = "added"
    assert {"later", "shade", "special"} <= set(page.globals.keys())
    assert {"later", "unknown"} - page.globals.keys() == {"unknown"}
    assert page.globals["shade"] == "page"
