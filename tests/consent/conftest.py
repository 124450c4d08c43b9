"""Fixtures of the consent tests: consent records, decisions and agreements made through the real
services (tests.support.factories.consent)."""

from __future__ import annotations

import pytest

from tests.conftest import Factory
from tests.support.factories.consent import ConsentFactory


@pytest.fixture
def consents(make: Factory) -> ConsentFactory:
    return ConsentFactory(make)
