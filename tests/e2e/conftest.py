"""Browser fixtures: Debian's Chromium through Playwright, and the hub demo as the site under test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.conftest import DB_KIND
from tests.e2e.harness import AXE_PATH, CHROMIUM_ARGS, AuditedPage, chromium_path
from tests.e2e.live import DemoProcess
from tests.support.components import require
from tests.support.environment import COMPONENTS, skipped_components
from tests.support.postgres import PostgresCluster


@pytest.fixture(scope="session")
def axe_source() -> str:
    require("browser", AXE_PATH.exists(),
            f"axe-core is not installed ({AXE_PATH.name} missing): run `npm ci` at the repository root")
    return AXE_PATH.read_text(encoding="utf-8")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """HUB_TEST_SKIP=browser leaves the browser journeys out before any server is started for them."""
    if "browser" in skipped_components():
        for item in items:
            if item.get_closest_marker("e2e"):
                item.add_marker(pytest.mark.skip(reason=f"{COMPONENTS['browser']}: left out by "
                                                        "HUB_TEST_SKIP=browser"))


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    executable = chromium_path()
    require("browser", executable, "Chromium is needed for the browser tests: apt-get install chromium")
    launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
    yield launched
    launched.close()


def _audited_context(browser: Browser, axe_source: str) -> Iterator[AuditedPage]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = AuditedPage(context.new_page(), axe_source)
    yield page
    context.close()
    page.assert_every_page_audited()


@pytest.fixture
def audited(browser: Browser, axe_source: str) -> Iterator[AuditedPage]:
    """A fresh browser context (no cookies) per test; at the end, every page must have been audited."""
    yield from _audited_context(browser, axe_source)


@pytest.fixture
def second_browser(browser: Browser, axe_source: str) -> Iterator[AuditedPage]:
    """Another person's browser: its own context, so its own cookies and session."""
    yield from _audited_context(browser, axe_source)


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory: pytest.TempPathFactory, pg_cluster: PostgresCluster | None,
              database_url: str) -> Iterator[DemoProcess]:
    """`hub demo` in a subprocess: the hub with its demo identity provider, seeded with fictional data."""
    url = name = None
    if DB_KIND == "postgresql":
        assert pg_cluster is not None
        name = f"hub_e2e_{uuid.uuid4().hex[:10]}"
        url = pg_cluster.create_database(name, template="hub_template")
    workdir: Path = tmp_path_factory.mktemp("demo-site")
    with DemoProcess(workdir, url) as process:
        yield process
    if pg_cluster is not None and name is not None:
        pg_cluster.drop_database(name)
