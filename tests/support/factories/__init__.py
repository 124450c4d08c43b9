"""Test factories, one module per package: each builds that package's records through its real
services, so a test's data passes the same rules as a user's.

`core.py` builds the platform's agencies, people, tokens and cases (the `make` fixture of
tests/conftest.py). A domain package adds its own module beside it (`consent.py`, `meetings.py`)
with a factory that takes the core one, e.g. ``ConsentFactory(make)``, and its fixture in that
package's tests/<package>/conftest.py.
"""
