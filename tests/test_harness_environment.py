"""The test run's own switches: one reading of CI, known databases only, and a missing component
either installed, or named with the command to install it, or left out only on request."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.environment import BadTestEnvironment, database_kind, running_in_ci, skipped_components

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ROOT / "scripts" / "install-system-packages"


@pytest.mark.parametrize(("value", "in_ci"), [
    ("", False), ("0", False), ("false", False), ("False", False), (" FALSE ", False),
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("github-actions", True),
])
def test_ci_is_any_value_but_empty_0_or_false(value, in_ci):
    assert running_in_ci({"CI": value}) is in_ci


def test_ci_unset_is_not_ci():
    assert running_in_ci({}) is False


@pytest.mark.parametrize(("value", "kind"), [(None, "sqlite"), ("sqlite", "sqlite"),
                                             ("postgresql", "postgresql")])
def test_known_test_databases(value, kind):
    assert database_kind({} if value is None else {"HUB_TEST_DB": value}) == kind


@pytest.mark.parametrize("value", ["mysql", "postgres", "SQLite", "", "sqlite "])
def test_an_unknown_test_database_is_refused_naming_the_choices(value):
    with pytest.raises(BadTestEnvironment, match=r"HUB_TEST_DB=.* use one of: sqlite, postgresql"):
        database_kind({"HUB_TEST_DB": value})


def test_components_are_left_out_only_by_name_and_never_in_ci():
    assert skipped_components({"HUB_TEST_SKIP": "browser, idp"}) == {"browser", "idp"}
    assert skipped_components({}) == frozenset()
    with pytest.raises(BadTestEnvironment, match="unknown components"):
        skipped_components({"HUB_TEST_SKIP": "chrome"})
    with pytest.raises(BadTestEnvironment, match="CI runs every real component"):
        skipped_components({"HUB_TEST_SKIP": "browser", "CI": "true"})


def _pytest(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--collect-only",
                           "-q", "tests/test_config.py"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120, check=False)


def test_pytest_stops_at_start_up_on_an_unknown_test_database():
    done = _pytest({**os.environ, "HUB_TEST_DB": "mysql"})
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "HUB_TEST_DB='mysql' is not a database the tests know" in done.stderr
    assert "collected" not in done.stdout


def test_pytest_stops_at_start_up_when_ci_is_asked_to_skip_a_component():
    env = {**os.environ, "HUB_TEST_DB": "sqlite", "CI": "1", "HUB_TEST_SKIP": "browser"}
    done = _pytest(env)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR, done.stdout + done.stderr
    assert "CI runs every real component" in done.stderr


def test_a_missing_browser_fails_the_run_outside_ci_too():
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HUB_TEST_SKIP")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q",
                           "tests/e2e/test_harness.py::test_a_clean_page_passes"],
                          cwd=ROOT, env={**env, "HUB_CHROMIUM": "/nonexistent/chromium"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == pytest.ExitCode.TESTS_FAILED, done.stdout + done.stderr
    assert "Chromium is needed for the browser tests" in done.stdout
    assert "HUB_TEST_SKIP=browser" in done.stdout


def test_a_browser_left_out_by_name_is_skipped_saying_so():
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HUB_TEST_SKIP")}
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs",
                           "tests/e2e/test_harness.py::test_a_clean_page_passes"],
                          cwd=ROOT, env={**env, "HUB_CHROMIUM": "/nonexistent/chromium",
                                         "HUB_TEST_SKIP": "browser"},
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == pytest.ExitCode.OK, done.stdout + done.stderr
    assert "left out by HUB_TEST_SKIP=browser" in done.stdout


def _machine_without_chromium(tmp_path: Path, uid: int) -> dict[str, str]:
    """A PATH with what the install script uses, but no Chromium, and `id -u` answering ``uid``."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "ls", "node", "npm", "initdb", "python3"):
        found = shutil.which(tool) or next(Path("/usr/lib/postgresql").glob(f"*/bin/{tool}"), None)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    fake_id = bin_dir / "id"
    fake_id.write_text(f"#!/bin/sh\necho {uid}\n")
    fake_id.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "HUB_TEST_SKIP", "HUB_CHROMIUM")}
    return {**env, "PATH": str(bin_dir), "PYTHON": sys.executable}


def test_without_root_a_missing_package_stops_the_run_with_the_command_to_install_it(tmp_path):
    done = subprocess.run([str(INSTALL)], env=_machine_without_chromium(tmp_path, uid=1000),
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "sudo apt-get install -y --no-install-recommends chromium" in done.stderr
    assert "HUB_TEST_SKIP=browser" in done.stderr


def test_a_component_left_out_by_name_is_not_required(tmp_path):
    env = {**_machine_without_chromium(tmp_path, uid=1000), "HUB_TEST_SKIP": "browser"}
    done = subprocess.run([str(INSTALL)], env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_ci_runs_the_install_script_and_then_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    assert script.index("scripts/install-system-packages") < script.index("make test")
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/install-system-packages" in makefile
