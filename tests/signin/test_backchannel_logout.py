"""Back-channel logout (OpenID Connect Back-Channel Logout 1.0) with hand-signed logout tokens.

A valid token ends the person's sessions at once (the cookie stops working); a replayed `jti`,
a token carrying a `nonce`, a wrong `typ`, `iss`, `aud` or event, or a bad signature is refused
with 400 and a JSON error, and changes nothing.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests
from joserfc.jwk import RSAKey

from tests.signin.conftest import LiveHub
from tests.signin.test_forged_tokens import finish, start
from tests.support.idp import unsigned_token


def signed_in(hub: LiveHub, browser: requests.Session, subject: str = "forged-1",
              sid: str | None = None) -> None:
    forged = hub.forged
    started = start(hub, browser, forged)
    claims = forged.id_token_claims(started.nonce, subject=subject, sid=sid)
    assert finish(hub, browser, forged, started, id_token=forged.sign(claims)).status_code == 302
    assert hub.page(browser).status_code == 200


def post_logout(hub: LiveHub, token: str, name: str = "forged") -> requests.Response:
    return requests.post(f"{hub.url}/auth/{name}/backchannel-logout", data={"logout_token": token},
                         timeout=10, allow_redirects=False)


LOGOUT_TYP = {"typ": "logout+jwt"}


def logout_token(hub: LiveHub, claims: dict[str, Any]) -> str:
    """Signed by the forged provider's real key, explicitly typed as a logout token."""
    return hub.forged.sign({k: v for k, v in claims.items() if v is not None}, header=LOGOUT_TYP)


def test_a_valid_logout_token_ends_every_session_of_the_person_and_the_cookie_stops_working(hub, browser):
    forged = hub.forged
    signed_in(hub, browser)
    with requests.Session() as laptop:
        signed_in(hub, laptop)
        with requests.Session() as colleague:
            signed_in(hub, colleague, subject="forged-2")
            assert len(hub.live_sessions()) == 3

            answer = post_logout(hub, forged.sign(forged.logout_token_claims(), header=LOGOUT_TYP))
            assert answer.status_code == 200
            assert answer.headers["Cache-Control"] == "no-store"

            assert hub.page(browser).status_code == 302
            assert hub.page(laptop).status_code == 302
            assert hub.page(colleague).status_code == 200  # another person is untouched
    [live] = hub.live_sessions()
    assert live.subject == "forged-2"
    [event] = [e for e in hub.audit("signin.backchannel_logout") if e.outcome == "success"]
    assert event.details == {"provider": "forged", "sessions_ended": 2}
    assert event.issuer == forged.issuer


def test_a_logout_token_naming_only_a_sid_ends_only_that_session(hub, browser):
    forged = hub.forged
    signed_in(hub, browser, sid="sid-A")
    with requests.Session() as laptop:
        signed_in(hub, laptop, sid="sid-B")
        answer = post_logout(hub, logout_token(hub, forged.logout_token_claims(subject=None, sid="sid-A")))
        assert answer.status_code == 200, answer.text
        assert hub.page(browser).status_code == 302
        assert hub.page(laptop).status_code == 200


def test_a_replayed_jti_is_refused(hub, browser):
    forged = hub.forged
    token = forged.sign(forged.logout_token_claims(), header=LOGOUT_TYP)
    assert post_logout(hub, token).status_code == 200
    signed_in(hub, browser)  # signs in again after the first logout
    replay = post_logout(hub, token)
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_request",
                             "error_description": "this logout token has already been used"}
    assert hub.page(browser).status_code == 200
    refused = [e.reason for e in hub.audit("signin.backchannel_logout") if e.outcome == "denied"]
    assert refused == ["jti_replayed"]


BAD_CLAIMS: list[tuple[dict[str, Any], str]] = [
    ({"nonce": "n-123"}, "nonce_present"),
    ({"iss": "http://127.0.0.9:1"}, "iss_mismatch"),
    ({"aud": "someone-else"}, "aud_mismatch"),
    ({"events": None}, "events_invalid"),
    ({"events": {"http://schemas.openid.net/event/backchannel-logout": "yes"}}, "events_invalid"),
    ({"iat": None}, "iat_invalid"),
    ({"iat": 1_000_000_000}, "iat_invalid"),
    ({"jti": None}, "jti_invalid"),
    ({"sub": None, "sid": None}, "sub_sid_missing"),
]


@pytest.mark.parametrize(("changes", "reason"), BAD_CLAIMS,
                         ids=["nonce", "iss", "aud", "no-events", "bad-event", "no-iat", "old-iat", "no-jti",
                              "no-sub-or-sid"])
def test_a_malformed_logout_token_is_refused_and_changes_nothing(hub, browser, changes, reason):
    forged = hub.forged
    signed_in(hub, browser)
    claims = {**forged.logout_token_claims(), **changes}
    answer = post_logout(hub, logout_token(hub, claims))
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert hub.page(browser).status_code == 200
    assert len(hub.live_sessions()) == 1
    assert [e.reason for e in hub.audit("signin.backchannel_logout")] == [reason]


def test_forged_signatures_and_wrong_types_are_refused(hub, browser):
    forged = hub.forged
    signed_in(hub, browser)
    claims = forged.logout_token_claims()
    stranger = RSAKey.generate_key(2048, parameters={"kid": forged.keys[0].kid})
    attempts = {
        "unsigned": unsigned_token(claims),
        "wrong key": forged.sign(claims, key=stranger),
        "wrong typ": forged.sign(claims, header={"typ": "JWT"}),
        "an ID token": forged.sign(forged.id_token_claims("n-1")),
        "an ID token typed as logout": logout_token(hub, forged.id_token_claims("n-1")),
        "missing": "",
    }
    for label, token in attempts.items():
        answer = post_logout(hub, token)
        assert answer.status_code == 400, label
    # a valid token of one provider, sent to another provider's back-channel
    assert post_logout(hub, logout_token(hub, claims), name="forged-b").status_code == 400
    assert hub.page(browser).status_code == 200
    assert len(hub.live_sessions()) == 1


def test_an_unknown_provider_has_no_back_channel(hub):
    assert post_logout(hub, "x.y.z", name="nobody").status_code == 404
