"""Real components in a test run: a missing one fails the run; only HUB_TEST_SKIP leaves one out.

DESIGN.md §5: `make test` runs everything. A developer without, say, Chromium names it in
HUB_TEST_SKIP=browser (never honoured in CI) and sees the browser tests skipped, with the reason.
"""

from __future__ import annotations

from typing import NoReturn

import pytest

from tests.support.environment import COMPONENTS, SKIP_VARIABLE, skipped_components


def leave_out_if_opted_out(component: str) -> None:
    """Skip the calling test when HUB_TEST_SKIP names ``component`` (even if it is installed)."""
    assert component in COMPONENTS, component
    if component in skipped_components():
        pytest.skip(f"{COMPONENTS[component]}: left out by {SKIP_VARIABLE}={component}")


def component_missing(component: str, message: str) -> NoReturn:
    """A real component is not there: fail, saying how to install it or how to opt out."""
    leave_out_if_opted_out(component)
    pytest.fail(f"{message}\n(scripts/install-system-packages installs what the tests need; to run "
                f"without {COMPONENTS[component]}, set {SKIP_VARIABLE}={component})", pytrace=False)


def require(component: str, found: object, message: str) -> None:
    """Go on when ``found`` is truthy; otherwise the component is missing (see component_missing)."""
    leave_out_if_opted_out(component)
    if not found:
        component_missing(component, message)
