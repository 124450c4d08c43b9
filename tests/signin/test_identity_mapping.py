"""The identity-mapping service on its own (invariant 3): (issuer, subject) is the person, and
their roles follow the provider's role claim at every sign-in (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from hub.actor import Actor
from hub.agencies.models import ExternalIdentity, User
from hub.audit.models import AuditEvent
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


def map_person(session, provider, sub="s-1", **claims):
    return person_for_identity(session, Actor(None, provider.issuer), provider, {"sub": sub, **claims},
                               now=utcnow())


def audited(session, action):
    events = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    return list(session.scalars(events))


def test_first_sign_in_creates_the_person_in_the_configured_agency_and_records_the_identity(
    session, provider
):
    user = map_person(session, provider, roles=["safeguarding-lead"], agency="NHS-IM", email="x@y.example")
    assert user.agency.code == "POL-IM"
    assert user.roles == ["lead"]
    identity = session.scalar(select(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    assert (identity.issuer, identity.subject) == (ISSUER, "s-1")


def test_the_same_email_from_another_subject_is_another_person(session, provider):
    first = map_person(session, provider, email="same@x.example", roles=["safeguarding-lead"])
    second = map_person(session, provider, sub="s-2", email="same@x.example", roles=["safeguarding-lead"])
    assert first.id != second.id
    assert session.scalar(select(func.count()).select_from(User).where(User.email == "same@x.example")) == 2


def test_an_issuer_that_may_no_longer_vouch_for_the_agency_is_refused(session, provider):
    map_person(session, provider, roles=["safeguarding-lead"])
    moved = replace(provider, agencies=("NHS-IM",))
    with pytest.raises(SignInRefused) as refused:
        map_person(session, moved, roles=["safeguarding-lead"])
    assert refused.value.code == "agency_not_vouched"


def test_an_agency_not_registered_on_the_hub_is_refused_and_nothing_is_created(session, provider):
    with pytest.raises(SignInRefused) as refused:
        map_person(session, replace(provider, agencies=("GHOST-1",)), roles=["safeguarding-lead"])
    assert refused.value.code == "agency_not_registered"
    assert session.scalar(select(func.count()).select_from(ExternalIdentity)) == 0


# --- roles follow the provider ----------------------------------------------------------------


def test_a_person_demoted_at_the_provider_loses_the_role_at_the_next_sign_in(session, provider):
    with_officers = replace(provider, role_map={"safeguarding-lead": "lead", "officer": "practitioner"})
    lead = map_person(session, with_officers, roles=["safeguarding-lead"])
    assert lead.roles == ["lead"]

    again = map_person(session, with_officers, roles=["officer"])
    assert again.id == lead.id
    assert again.roles == ["practitioner"]
    assert again.agency.code == "POL-IM"
    [changed] = audited(session, "user.roles_changed")
    assert changed.object_id == str(lead.id)
    assert changed.details == {"old": ["lead"], "new": ["practitioner"], "provider": "north"}


def test_the_same_roles_again_change_nothing_and_are_not_audited(session, provider):
    map_person(session, provider, roles=["safeguarding-lead"])
    map_person(session, provider, roles=["safeguarding-lead"])
    assert audited(session, "user.roles_changed") == []


@pytest.mark.parametrize("claims", [{}, {"roles": []}, {"roles": ["janitor"]}, {"roles": 7}],
                         ids=["no-claim", "empty", "unmapped", "not-a-list"])
def test_a_role_claim_that_maps_to_nothing_refuses_a_first_sign_in(session, provider, claims):
    with pytest.raises(SignInRefused) as refused:
        map_person(session, provider, **claims)
    assert refused.value.code == "role_not_mapped"
    assert "Ask your agency's administrator" in refused.value.detail
    assert session.scalar(select(func.count()).select_from(User)) == 0


def test_a_role_claim_that_maps_to_nothing_refuses_a_known_person_and_keeps_their_roles(session, provider):
    lead = map_person(session, provider, roles=["safeguarding-lead"])
    with pytest.raises(SignInRefused) as refused:
        map_person(session, provider, roles=["janitor"])
    assert refused.value.code == "role_not_mapped"
    assert lead.roles == ["lead"]


def test_the_default_role_is_used_only_when_the_provider_names_one(session, provider):
    defaulting = replace(provider, default_role="practitioner")
    assert map_person(session, defaulting, roles=["janitor"]).roles == ["practitioner"]
    assert map_person(session, defaulting, sub="s-2").roles == ["practitioner"]
    assert map_person(session, defaulting, sub="s-3", roles=["safeguarding-lead"]).roles == ["lead"]


def test_without_a_role_claim_a_first_sign_in_gets_the_default_role_or_practitioner(session, provider):
    plain = replace(provider, role_claim=None)
    assert map_person(session, plain, roles=["safeguarding-lead"]).roles == ["practitioner"]
    assert map_person(session, replace(plain, default_role="manager"), sub="s-2").roles == ["manager"]


def test_without_a_role_claim_later_sign_ins_keep_the_roles_an_operator_set(session, provider):
    plain = replace(provider, role_claim=None)
    person = map_person(session, plain)
    person.roles = ["manager", "lead"]
    session.flush()
    assert map_person(session, plain, roles=["officer"]).roles == ["manager", "lead"]
    assert audited(session, "user.roles_changed") == []


def test_roles_never_move_a_person_to_another_agency(session, provider):
    two = replace(provider, agencies=("POL-IM", "NHS-IM"))
    person = map_person(session, two, agency="POL-IM", roles=["safeguarding-lead"])
    again = map_person(session, two, agency="NHS-IM", roles=["safeguarding-lead"])
    assert again.id == person.id
    assert again.agency.code == "POL-IM"
