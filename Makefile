# The README's commands. Each target sets up what it needs on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ASSETS := hub/static/govuk/govuk-frontend.min.css
# The real OpenID provider the sign-in tests start (npm oidc-provider, pinned in tests/idp).
TEST_IDP := tests/idp/node_modules/.package-lock.json
# PostgreSQL, Node.js with npm, Chromium: installed when missing (or the command to run is printed).
SYSTEM_PACKAGES := scripts/install-system-packages
# How the harness reads CI, HUB_TEST_DB and HUB_TEST_SKIP (standard library only).
TEST_ENVIRONMENT := $(PYTHON) tests/support/environment.py

.PHONY: demo test test-sqlite test-postgresql lint bench assets clean system-packages

demo: $(STAMP) $(ASSETS)
	$(BIN)/hub demo

# Everything, on both databases. A component is left out only when HUB_TEST_SKIP names it. The
# tests that use no database (rules, configuration, the harness itself) run once, in the SQLite
# suite: the PostgreSQL suite leaves them out (--database-tests-only, tests/conftest.py).
# Each database's suite is mostly one process on one core, so the two run side by side (every
# server a test starts takes a free port, every cluster its own directory); each suite's output is
# printed whole when it ends, and the run fails when either fails.
test: system-packages $(STAMP) $(ASSETS) $(TEST_IDP)
	$(MAKE) lint
	@if $(TEST_ENVIRONMENT) skips postgresql; then \
		echo "PostgreSQL left out of the run (HUB_TEST_SKIP)"; $(MAKE) test-sqlite; \
	else $(MAKE) --output-sync=target -j2 test-sqlite test-postgresql \
		POSTGRESQL_ARGS=--database-tests-only; fi

test-sqlite: system-packages $(STAMP) $(ASSETS) $(TEST_IDP)
	HUB_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgresql: system-packages $(STAMP) $(ASSETS) $(TEST_IDP)
	HUB_TEST_DB=postgresql $(BIN)/pytest $(PYTEST_ARGS) $(POSTGRESQL_ARGS)

system-packages:
	PYTHON=$(PYTHON) $(SYSTEM_PACKAGES)

lint: $(STAMP)
	$(BIN)/ruff check hub consent meetings sharing concerns learning tests bench migrations/env.py
	$(BIN)/mypy

BENCH_STAMP := $(VENV)/.bench-installed

bench: $(STAMP) $(BENCH_STAMP) $(ASSETS)
	command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || (apt-get update && apt-get install -y wrk)
	$(BIN)/python -m bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

$(TEST_IDP): tests/idp/package.json tests/idp/package-lock.json | system-packages
	cd tests/idp && npm ci --no-audit --no-fund
	touch $@

node_modules/.package-lock.json: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund
	touch $@

assets: $(ASSETS)

$(ASSETS): node_modules/.package-lock.json
	rm -rf hub/static/govuk
	mkdir -p hub/static/govuk
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css hub/static/govuk/
	# The stylesheet points at /assets/; make it relative so fonts load wherever static files are mounted.
	sed -i 's#url(/assets/#url(assets/#g' hub/static/govuk/govuk-frontend.min.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js hub/static/govuk/
	cp -r node_modules/govuk-frontend/dist/govuk/assets hub/static/govuk/assets

clean:
	rm -rf $(VENV) node_modules tests/idp/node_modules hub/static/govuk
