"""Browser-test harness: every page a journey visits is checked with axe-core and for console errors.

axe-core comes from the root `package.json` (pinned devDependency, installed by `npm ci`). It is
evaluated through the DevTools protocol rather than added as a <script> element, so the hub's
Content-Security-Policy stays fully enforced in the browser while the tests run: a page that breaks
its own CSP shows up here as a console error.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import ConsoleMessage, Frame, Page, Response

ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = ROOT / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
BLOCKING_IMPACTS = ("serious", "critical")


def chromium_path() -> str | None:
    """Debian's chromium (Playwright's own browser downloads are not used)."""
    configured = os.environ.get("HUB_CHROMIUM")
    if configured:
        return configured if Path(configured).exists() else None
    return shutil.which("chromium")


def describe_violations(url: str, violations: list[dict[str, Any]]) -> str:
    lines = [f"axe-core found {len(violations)} serious or critical accessibility violation(s) on {url}:"]
    for v in violations:
        lines.append(f"  [{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v.get("nodes", [])[:5]:
            lines.append(f"      at {' '.join(node.get('target', []))}: {node.get('failureSummary', '')}"
                         .replace("\n", " "))
    return "\n".join(lines)


@dataclass
class AuditedPage:
    """A Playwright page whose every visited document must pass `audit()` before the test ends."""

    page: Page
    axe_source: str
    visited: list[str] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("framenavigated", self._navigated)
        self.page.on("console", self._console)
        self.page.on("response", self._response)

    def _navigated(self, frame: Frame) -> None:
        if frame == self.page.main_frame:
            self.visited.append(frame.url)

    def _console(self, message: ConsoleMessage) -> None:
        # Failed loads are judged in _response: a 400 page for bad input is the document working.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.console_errors.append(f"{self.page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.request.resource_type != "document" and response.status >= 400:
            self.console_errors.append(f"{self.page.url}: {response.status} for {response.url}")

    def goto(self, url: str) -> None:
        self.page.goto(url)
        self.audit()

    def audit(self) -> None:
        """Run axe-core on the current page; fail on serious/critical violations or console errors."""
        self.page.wait_for_load_state("load")
        self.page.evaluate(self.axe_source)
        result = self.page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
        blocking = [v for v in result if v.get("impact") in BLOCKING_IMPACTS]
        self.audited.append(self.page.url)
        assert not blocking, describe_violations(self.page.url, blocking)
        errors, self.console_errors = self.console_errors, []
        assert not errors, "the browser reported errors:\n  " + "\n  ".join(errors)

    def assert_every_page_audited(self) -> None:
        missed = [url for url in self.visited if url not in self.audited and url != "about:blank"]
        assert not missed, f"pages visited but never checked with axe-core: {missed}"
