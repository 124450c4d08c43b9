"""Signing in through two real OpenID providers (npm oidc-provider) over real HTTP.

A person is (issuer, subject): the first sign-in creates them in the agency the hub's own
configuration names for that provider, with the role mapped from the role claim; claims never
move them to another agency (their roles follow the claim within it); deactivated people are
refused; every sign-in is audited without personal data.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy import select

from hub.agencies.models import Agency, ExternalIdentity, User
from hub.sessions.cookies import SESSION_COOKIE
from hub.sessions.models import UserSession
from tests.signin.conftest import LiveHub, session_cookie_set
from tests.support.idp import location_of, sign_in_at_provider


def sign_in(hub: LiveHub, browser: requests.Session, provider: str, subject: str,
            **params: str) -> requests.Response:
    """The whole journey; returns the hub callback's own answer (not followed)."""
    to_callback = sign_in_at_provider(browser, hub.url, provider, subject, **params)
    return browser.get(location_of(to_callback), allow_redirects=False)


def person(hub: LiveHub, provider: str, subject: str) -> list[tuple[User, str]]:
    """The hub users for (issuer, subject) with their agency code."""
    issuer = hub.idps[provider].issuer
    with hub.database.session() as session:
        rows = session.execute(
            select(User, Agency.code).join(ExternalIdentity, ExternalIdentity.user_id == User.id)
            .join(Agency, Agency.id == User.agency_id)
            .where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
        ).all()
    return [(u, code) for u, code in rows]


def test_first_sign_in_creates_one_person_in_the_providers_agency_with_the_mapped_role(hub, browser):
    answer = sign_in(hub, browser, "north", "lead-1")
    assert answer.status_code == 302
    assert location_of(answer) == f"{hub.url}/"
    assert session_cookie_set(answer)
    cookie = answer.cookies[SESSION_COOKIE]
    assert "httponly" in answer.headers["Set-Cookie"].lower()

    dashboard = hub.page(browser)
    assert dashboard.status_code == 200, dashboard.text[:300]
    assert "Lee Lead" in dashboard.text

    [(user, agency)] = person(hub, "north", "lead-1")
    assert agency == "POL-N"
    assert user.roles == ["lead"]
    assert user.active
    [live] = hub.live_sessions()
    assert live.user_id == user.id
    assert live.provider == "north"
    assert live.issuer == hub.idps["north"].issuer
    assert live.token_hash != cookie  # only the hash is stored

    [success] = hub.audit("signin.success")
    assert success.user_id == user.id
    assert success.agency_code == "POL-N"
    assert success.issuer == hub.idps["north"].issuer
    assert success.outcome == "success"
    [provisioned] = hub.audit("user.provision")
    for event in (success, provisioned):
        text = str(event.details) + str(event.reason)
        assert "Lee" not in text
        assert "police.example" not in text
        assert "lead-1" not in text


def test_default_role_is_practitioner_and_a_multi_agency_provider_lets_the_claim_choose_among_its_own(
    hub, browser
):
    assert sign_in(hub, browser, "south", "ig-1").status_code == 302
    [(user, agency)] = person(hub, "south", "ig-1")
    assert (agency, user.roles) == ("NHS-S1", ["ig"])

    with requests.Session() as other:
        assert sign_in(hub, other, "north", "officer-1").status_code == 302
    [(officer, agency)] = person(hub, "north", "officer-1")
    assert (agency, officer.roles) == ("POL-N", ["practitioner"])


def test_the_same_subject_from_the_other_issuer_is_a_different_person(hub, browser):
    assert sign_in(hub, browser, "north", "shared-7").status_code == 302
    with requests.Session() as other:
        assert sign_in(hub, other, "south", "shared-7").status_code == 302
    [(north_user, north_agency)] = person(hub, "north", "shared-7")
    [(south_user, south_agency)] = person(hub, "south", "shared-7")
    assert north_user.id != south_user.id
    assert (north_agency, south_agency) == ("POL-N", "NHS-S2")
    # Same name and e-mail at both providers: e-mail is never used to match a person.
    assert north_user.email == south_user.email == "sam@shared.example"
    assert hub.count(User) == 2


def test_a_claim_naming_another_agency_neither_places_nor_moves_a_person(hub, browser):
    assert sign_in(hub, browser, "north", "mover-1").status_code == 302
    [(user, agency)] = person(hub, "north", "mover-1")
    assert agency == "POL-N"  # the claim said NHS-S1; the north provider vouches only for POL-N

    hub.idps["north"].set_accounts({"mover-1": {"name": "Morgan Mover", "roles": ["safeguarding-lead"],
                                                "agency": "NHS-S2"}})
    with requests.Session() as again:
        assert sign_in(hub, again, "north", "mover-1").status_code == 302
    [(same, agency)] = person(hub, "north", "mover-1")
    assert same.id == user.id
    assert agency == "POL-N"
    assert same.roles == ["lead"]  # the role follows the provider, within the agency it vouches for


def test_a_multi_agency_provider_refuses_a_claim_naming_an_agency_it_may_not_vouch_for(hub, browser):
    for subject in ("elsewhere-1", "nowhere-1"):
        with requests.Session() as fresh:
            answer = sign_in(hub, fresh, "south", subject)
        assert answer.status_code == 400
        assert "You have not been signed in" in answer.text
        assert not session_cookie_set(answer)
    assert hub.count(User) == 0
    assert hub.count(UserSession) == 0
    reasons = [e.reason for e in hub.audit("signin.failure")]
    assert reasons == ["agency_not_determined", "agency_not_determined"]


def test_a_second_sign_in_reuses_the_person_with_a_new_session_token(hub, browser):
    first = sign_in(hub, browser, "north", "officer-1")
    with requests.Session() as other:
        second = sign_in(hub, other, "north", "officer-1")
    assert first.status_code == second.status_code == 302
    assert first.cookies[SESSION_COOKIE] != second.cookies[SESSION_COOKIE]
    assert len(person(hub, "north", "officer-1")) == 1
    assert hub.count(User) == 1
    assert len(hub.live_sessions()) == 2
    assert len(hub.audit("signin.success")) == 2


def test_a_deactivated_person_is_refused(hub, browser):
    assert sign_in(hub, browser, "north", "retired-1").status_code == 302
    [(user, _agency)] = person(hub, "north", "retired-1")
    with hub.change() as session:
        session.get(User, user.id).active = False
        session.commit()

    with requests.Session() as again:
        answer = sign_in(hub, again, "north", "retired-1")
    assert answer.status_code == 400
    assert "deactivated" in answer.text
    assert not session_cookie_set(answer)
    assert hub.count(UserSession) == 1  # only the session from before deactivation
    assert hub.page(browser).status_code == 302  # and that one no longer works
    [failure] = hub.audit("signin.failure")
    assert failure.reason == "user_deactivated"
    assert failure.outcome == "denied"


def test_next_is_honoured_for_local_paths_only(hub, browser):
    answer = sign_in(hub, browser, "north", "officer-1", next="/cases?page=2")
    assert location_of(answer) == f"{hub.url}/cases?page=2"
    for foreign in ("//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
        with requests.Session() as other:
            answer = sign_in(hub, other, "north", "officer-1", next=foreign)
        assert location_of(answer) == f"{hub.url}/", foreign


def test_max_age_is_sent_to_the_provider_which_then_asks_the_person_to_sign_in_again(hub, browser):
    assert sign_in(hub, browser, "north", "officer-1").status_code == 302
    # Same browser, provider session still alive: without max_age it would not ask again.
    start = browser.get(f"{hub.url}/auth/north/login", params={"max_age": "0", "next": "/"},
                        allow_redirects=False)
    query = parse_qs(urlsplit(start.headers["Location"]).query)
    assert query["max_age"] == ["0"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert sign_in(hub, browser, "north", "officer-1", max_age="0").status_code == 302
    # One browser, one session: the fresh sign-in replaced the earlier one.
    assert len(hub.live_sessions()) == 1
    assert hub.count(UserSession, UserSession.end_reason == "signed_in_again") == 1


def test_a_bad_max_age_is_a_clear_error(hub, browser):
    answer = browser.get(f"{hub.url}/auth/north/login", params={"max_age": "soon"}, allow_redirects=False)
    assert answer.status_code == 400
    assert "max_age must be a whole number" in answer.text


def test_an_unknown_provider_is_not_found(hub, browser):
    assert browser.get(f"{hub.url}/auth/nobody/login", allow_redirects=False).status_code == 404
    assert browser.get(f"{hub.url}/auth/nobody/callback?state=x", allow_redirects=False).status_code == 404


def test_sign_out_ends_the_server_session_and_signs_out_at_the_provider(hub, browser):
    answer = sign_in(hub, browser, "north", "out-1")
    copied = answer.cookies[SESSION_COOKIE]
    dashboard = hub.page(browser)
    csrf = dashboard.headers["X-CSRF-Token"]

    out = browser.post(f"{hub.url}/sign-out", data={"csrf_token": csrf}, allow_redirects=False)
    assert out.status_code == 302
    end_session = urlsplit(location_of(out))
    assert f"{end_session.scheme}://{end_session.netloc}" == hub.idps["north"].issuer
    assert parse_qs(end_session.query) == {"client_id": ["hub"],
                                           "post_logout_redirect_uri": [f"{hub.url}/signed-out"]}
    assert SESSION_COOKIE not in browser.cookies.get_dict(domain="127.0.0.1")
    assert hub.live_sessions() == []
    [signout] = hub.audit("signout")
    assert signout.outcome == "success"
    assert signout.details == {"provider": "north"}

    # A copy of the cookie taken before sign-out is useless now.
    with requests.Session() as thief:
        thief.cookies.set(SESSION_COOKIE, copied, domain="127.0.0.1")
        assert thief.get(f"{hub.url}/", allow_redirects=False).status_code == 302

    confirm = browser.get(location_of(out))
    assert confirm.status_code == 200
    assert 'name="logout"' in confirm.text
    xsrf = confirm.text.split('name="xsrf" value="')[1].split('"')[0]
    done = browser.post(f"{hub.idps['north'].issuer}/session/end/confirm",
                        data={"xsrf": xsrf, "logout": "yes"})
    assert done.url == f"{hub.url}/signed-out"
    assert "You have signed out" in done.text


def test_sign_out_without_the_csrf_token_changes_nothing(hub, browser):
    sign_in(hub, browser, "north", "out-1")
    refused = browser.post(f"{hub.url}/sign-out", allow_redirects=False)
    assert refused.status_code == 403
    assert len(hub.live_sessions()) == 1
    assert hub.page(browser).status_code == 200


def test_back_channel_logout_from_the_real_provider_ends_the_session(hub, browser):
    assert sign_in(hub, browser, "north", "bc-1").status_code == 302
    assert hub.page(browser).status_code == 200
    [live] = hub.live_sessions()
    assert live.sid  # the provider's session id was kept for back-channel logout

    # The person signs out at the provider itself (another tab, another service).
    confirm = browser.get(f"{hub.idps['north'].issuer}/session/end", params={"client_id": "hub"})
    xsrf = confirm.text.split('name="xsrf" value="')[1].split('"')[0]
    browser.post(f"{hub.idps['north'].issuer}/session/end/confirm", data={"xsrf": xsrf, "logout": "yes"},
                 allow_redirects=False)

    assert hub.live_sessions() == []
    assert hub.page(browser).status_code == 302  # the cookie stops working at once
    [event] = [e for e in hub.audit("signin.backchannel_logout") if e.outcome == "success"]
    assert event.details == {"provider": "north", "sessions_ended": 1}
