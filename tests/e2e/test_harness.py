"""The harness itself must be able to fail: it catches axe violations, browser errors, unaudited pages."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from tests.e2e.harness import AuditedPage
from tests.e2e.live import LiveServer

pytestmark = pytest.mark.e2e

PAGES = {
    "/fine": '<!DOCTYPE html><html lang="en"><head><title>Fine</title></head><body><main><h1>Fine</h1>'
             '<p>Nothing wrong here.</p></main></body></html>',
    # An input with no label at all is a `critical` axe violation (rule `label`).
    "/unlabelled": '<!DOCTYPE html><html lang="en"><head><title>Bad form</title></head><body><main>'
                   '<h1>Bad form</h1><form><input type="text" name="q"></form></main></body></html>',
    # The page's own CSP forbids this inline script: the browser reports it, and so must we.
    "/csp-breach": '<!DOCTYPE html><html lang="en"><head><title>Breach</title></head><body><main>'
                   '<h1>Breach</h1><script>document.title = "ran";</script></main></body></html>',
}


def _site(_base_url: str) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        body = PAGES.get(environ["PATH_INFO"])
        if body is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not found"]
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                  ("Content-Security-Policy", "default-src 'self'")])
        return [body.encode()]
    return app


@pytest.fixture(scope="module")
def site() -> Iterator[LiveServer]:
    with LiveServer(_site) as server:
        yield server


@pytest.fixture
def page(browser: Browser, axe_source: str) -> Iterator[AuditedPage]:
    context = browser.new_context()
    yield AuditedPage(context.new_page(), axe_source)
    context.close()


def test_a_clean_page_passes(page: AuditedPage, site: LiveServer) -> None:
    page.goto(f"{site.base_url}/fine")
    page.assert_every_page_audited()


def test_a_critical_accessibility_violation_fails_with_a_readable_message(page: AuditedPage,
                                                                          site: LiveServer) -> None:
    with pytest.raises(AssertionError) as failure:
        page.goto(f"{site.base_url}/unlabelled")
    message = str(failure.value)
    assert "[critical] label:" in message
    assert "/unlabelled" in message
    assert "dequeuniversity.com" in message


def test_a_content_security_policy_violation_fails(page: AuditedPage, site: LiveServer) -> None:
    with pytest.raises(AssertionError, match="Content Security Policy"):
        page.goto(f"{site.base_url}/csp-breach")


def test_a_page_visited_but_never_audited_is_reported(page: AuditedPage, site: LiveServer) -> None:
    page.goto(f"{site.base_url}/fine")
    page.page.goto(f"{site.base_url}/unlabelled")
    with pytest.raises(AssertionError, match="never checked with axe-core"):
        page.assert_every_page_audited()
