"""How the test run reads its environment: one reading of `CI`, `HUB_TEST_DB` and `HUB_TEST_SKIP`.

Standard library only, and runnable as a script, so that scripts/install-system-packages (which
runs before the virtual environment exists) reads the variables exactly as pytest does:

    python3 tests/support/environment.py ci            # exit 0 when running in CI
    python3 tests/support/environment.py skips NAME    # exit 0 when component NAME is opted out
    python3 tests/support/environment.py check         # exit 2 naming a bad value
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

DATABASES = ("sqlite", "postgresql")
# The real components a test run starts; each may be left out only by naming it in HUB_TEST_SKIP.
COMPONENTS = {
    "postgresql": "the PostgreSQL run (make test-postgresql) and the tests that need a cluster",
    "idp": "the sign-in tests against the npm oidc-provider (Node.js)",
    "browser": "the browser journeys (Chromium driven by Playwright, axe-core)",
}
SKIP_VARIABLE = "HUB_TEST_SKIP"


class BadTestEnvironment(ValueError):
    """A test-run variable holds a value the harness does not know."""


def running_in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    """`CI` set to anything but empty, `0` or `false` (any case): how CI services announce themselves."""
    return environ.get("CI", "").strip().lower() not in ("", "0", "false")


def database_kind(environ: Mapping[str, str] = os.environ) -> str:
    """`HUB_TEST_DB`: `sqlite` (the default) or `postgresql`; anything else is refused."""
    value = environ.get("HUB_TEST_DB", "sqlite")
    if value not in DATABASES:
        raise BadTestEnvironment(f"HUB_TEST_DB={value!r} is not a database the tests know; "
                                f"use one of: {', '.join(DATABASES)}")
    return value


def skipped_components(environ: Mapping[str, str] = os.environ) -> frozenset[str]:
    """`HUB_TEST_SKIP`: comma-separated components to leave out; refused in CI, which runs them all."""
    names = frozenset(n.strip() for n in environ.get(SKIP_VARIABLE, "").split(",") if n.strip())
    unknown = sorted(names - set(COMPONENTS))
    if unknown:
        raise BadTestEnvironment(f"{SKIP_VARIABLE} names unknown components {unknown}; "
                                f"known: {', '.join(COMPONENTS)}")
    if names and running_in_ci(environ):
        raise BadTestEnvironment(f"{SKIP_VARIABLE}={','.join(sorted(names))} is set but so is CI: "
                                "CI runs every real component")
    return names


def check(environ: Mapping[str, str] = os.environ) -> None:
    """Raise BadTestEnvironment naming the first variable with a value the harness does not know."""
    database_kind(environ)
    skipped_components(environ)


def main(argv: list[str]) -> int:
    try:
        check()
        if argv[:1] == ["ci"]:
            return 0 if running_in_ci() else 1
        if argv[:1] == ["skips"] and len(argv) == 2:
            if argv[1] not in COMPONENTS:
                raise BadTestEnvironment(f"unknown component {argv[1]!r}")
            return 0 if argv[1] in skipped_components() else 1
        if argv[:1] == ["check"]:
            return 0
    except BadTestEnvironment as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print("usage: environment.py ci | skips COMPONENT | check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
