"""Roles follow the provider at every sign-in, through the real `oidc-provider` (DESIGN.md §3).

The test provider releases the `roles` claim only under the `roles` scope, so these tests also
show that the scopes configured for a provider are the ones the hub asks for.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from sqlalchemy import select

from hub.agencies.models import ExternalIdentity, User
from hub.config import DEFAULT_SCOPES
from hub.sessions.models import UserSession
from tests.signin.conftest import LiveHub, session_cookie_set
from tests.support.idp import location_of, sign_in_at_provider


def sign_in(hub: LiveHub, browser: requests.Session, provider: str, subject: str) -> requests.Response:
    return browser.get(location_of(sign_in_at_provider(browser, hub.url, provider, subject)),
                       allow_redirects=False)


def roles_of(hub: LiveHub, provider: str, subject: str) -> list[str]:
    [user] = hub.query(select(User).join(ExternalIdentity, ExternalIdentity.user_id == User.id).where(
        ExternalIdentity.issuer == hub.idps[provider].issuer, ExternalIdentity.subject == subject))
    return list(user.roles)


def requested_scopes(hub: LiveHub, browser: requests.Session, provider: str) -> list[str]:
    start = browser.get(f"{hub.url}/auth/{provider}/login", allow_redirects=False)
    assert start.status_code == 302, start.text[:300]
    return parse_qs(urlsplit(start.headers["Location"]).query)["scope"][0].split(" ")


def test_a_person_demoted_at_the_provider_loses_the_role_at_their_next_sign_in(hub, browser):
    north = hub.idps["north"]
    north.set_accounts({"demoted-1": {"name": "Dana Demoted", "roles": ["safeguarding-lead"]}})
    assert sign_in(hub, browser, "north", "demoted-1").status_code == 302
    assert roles_of(hub, "north", "demoted-1") == ["lead"]

    north.set_accounts({"demoted-1": {"name": "Dana Demoted", "roles": ["officer"]}})
    with requests.Session() as next_day:
        assert sign_in(hub, next_day, "north", "demoted-1").status_code == 302
        me = next_day.get(f"{hub.url}/api/v1/me", allow_redirects=False)

    assert roles_of(hub, "north", "demoted-1") == ["practitioner"]
    assert me.json()["roles"] == ["practitioner"]
    [changed] = hub.audit("user.roles_changed")
    assert changed.details == {"old": ["lead"], "new": ["practitioner"], "provider": "north"}
    assert changed.issuer == north.issuer
    assert "Dana" not in str(changed.details)


@pytest.mark.parametrize(
    ("subject", "claims"),
    [("roleless-1", {"name": "Rory Roleless"}), ("janitor-1", {"name": "Jan Janitor", "roles": ["janitor"]})],
    ids=["claim-missing", "nothing-maps"],
)
def test_a_sign_in_whose_role_claim_maps_to_nothing_is_refused_with_a_clear_page(hub, browser, subject,
                                                                                claims):
    hub.idps["north"].set_accounts({subject: claims})

    answer = sign_in(hub, browser, "north", subject)

    assert answer.status_code == 400
    assert "You have not been signed in" in answer.text
    assert "does not give you a role on the hub" in answer.text
    assert "Ask your agency&#39;s administrator" in answer.text
    assert not session_cookie_set(answer)
    assert hub.count(User) == 0
    assert hub.count(UserSession) == 0
    [failure] = hub.audit("signin.failure")
    assert (failure.reason, failure.details) == ("role_not_mapped", {"provider": "north"})


def test_a_known_person_whose_roles_are_withdrawn_at_the_provider_is_refused(hub, browser):
    north = hub.idps["north"]
    north.set_accounts({"withdrawn-1": {"name": "Wyn Withdrawn", "roles": ["safeguarding-lead"]}})
    assert sign_in(hub, browser, "north", "withdrawn-1").status_code == 302
    north.set_accounts({"withdrawn-1": {"name": "Wyn Withdrawn", "roles": []}})

    with requests.Session() as again:
        answer = sign_in(hub, again, "north", "withdrawn-1")

    assert answer.status_code == 400
    assert hub.audit("signin.failure")[-1].reason == "role_not_mapped"
    assert len(hub.live_sessions()) == 1  # only the earlier one
    assert roles_of(hub, "north", "withdrawn-1") == ["lead"]  # a refused sign-in changes nothing


@pytest.mark.parametrize("provider_changes", [{"north": {"default_role": "practitioner"}}], ids=["default"])
def test_the_providers_default_role_is_used_when_nothing_maps(hub, browser, provider_changes):
    hub.idps["north"].set_accounts({"roleless-2": {"name": "Remy Roleless", "roles": ["janitor"]}})

    assert sign_in(hub, browser, "north", "roleless-2").status_code == 302

    assert roles_of(hub, "north", "roleless-2") == ["practitioner"]


def test_the_authorization_request_carries_the_configured_scopes(hub, browser):
    assert requested_scopes(hub, browser, "north") == ["openid", "profile", "email", "roles"]
    assert requested_scopes(hub, browser, "forged") == list(DEFAULT_SCOPES)  # none configured


@pytest.mark.parametrize("provider_changes", [{"north": {"scopes": DEFAULT_SCOPES}}], ids=["no-roles-scope"])
def test_without_the_roles_scope_the_provider_releases_no_roles_and_the_sign_in_is_refused(
    hub, browser, provider_changes
):
    assert requested_scopes(hub, browser, "north") == list(DEFAULT_SCOPES)
    with requests.Session() as fresh:
        answer = sign_in(hub, fresh, "north", "lead-1")  # a lead at the provider, under `roles`

    assert answer.status_code == 400
    assert hub.audit("signin.failure")[-1].reason == "role_not_mapped"
