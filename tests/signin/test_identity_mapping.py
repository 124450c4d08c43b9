"""The identity-mapping service on its own (invariant 3): (issuer, subject) is the person."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from hub.actor import Actor
from hub.agencies.models import ExternalIdentity, User
from hub.config import ProviderConfig
from hub.db import utcnow
from hub.signin.services import SignInRefused, person_for_identity

ISSUER = "https://idp.north.example"


@pytest.fixture
def provider(make) -> ProviderConfig:
    make.agency("POL-IM")
    make.agency("NHS-IM", kind="nhs_acute")
    return ProviderConfig(name="north", title="Northshire Police", issuer=ISSUER, client_id="hub",
                          client_secret_env="UNUSED", agencies=("POL-IM",), role_claim="roles",
                          role_map={"safeguarding-lead": "lead"})


def map_person(session, provider, **claims):
    return person_for_identity(session, Actor(None, provider.issuer), provider, {"sub": "s-1", **claims},
                               now=utcnow())


def test_first_sign_in_creates_the_person_in_the_configured_agency_and_records_the_identity(
    session, provider
):
    user = map_person(session, provider, roles=["safeguarding-lead"], agency="NHS-IM", email="x@y.example")
    assert user.agency.code == "POL-IM"
    assert user.roles == ["lead"]
    identity = session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert (identity.issuer, identity.subject) == (ISSUER, "s-1")


def test_the_same_email_from_another_subject_is_another_person(session, provider):
    first = map_person(session, provider, email="same@x.example")
    second = person_for_identity(session, Actor(None, ISSUER), provider,
                                 {"sub": "s-2", "email": "same@x.example"}, now=utcnow())
    assert first.id != second.id
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "same@x.example")) == 2


def test_an_issuer_that_may_no_longer_vouch_for_the_agency_is_refused(session, provider):
    map_person(session, provider)
    moved = replace(provider, agencies=("NHS-IM",))
    with pytest.raises(SignInRefused) as refused:
        map_person(session, moved)
    assert refused.value.code == "agency_not_vouched"


def test_an_agency_not_registered_on_the_hub_is_refused_and_nothing_is_created(session, provider):
    with pytest.raises(SignInRefused) as refused:
        map_person(session, replace(provider, agencies=("GHOST-1",)))
    assert refused.value.code == "agency_not_registered"
    assert session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0
