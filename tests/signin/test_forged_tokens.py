"""Hand-signed tokens against the hub's callback and back-channel logout.

A hand-rolled provider on loopback serves real discovery, a real JWKS and a token endpoint that
checks client authentication and PKCE, and answers with whatever ID token the test signs. Every
forged answer must be refused with a clear page, no session row and no cookie, and be audited.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from joserfc.jwk import OctKey, RSAKey
from sqlalchemy import select

from hub.agencies.models import User
from hub.sessions.models import UserSession
from hub.signin.models import SignInAttempt
from tests.signin.conftest import LiveHub, session_cookie_set
from tests.support.idp import HandRolledProvider, b64url, unsigned_token

REFUSED = "You have not been signed in"


@dataclass
class Started:
    state: str
    nonce: str
    query: dict[str, str]


def start(hub: LiveHub, browser: requests.Session, provider: HandRolledProvider, name: str = "forged",
          **params: str) -> Started:
    """The hub's login: the provider learns the PKCE challenge it will check at its token endpoint."""
    answer = browser.get(f"{hub.url}/auth/{name}/login", params=params, allow_redirects=False)
    assert answer.status_code == 302, answer.text[:300]
    location = answer.headers["Location"]
    assert location.startswith(provider.discovery["authorization_endpoint"] + "?")
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    provider.expected_challenge = query["code_challenge"]
    return Started(query["state"], query["nonce"], query)


def finish(hub: LiveHub, browser: requests.Session, provider: HandRolledProvider, started: Started, *,
           token: dict[str, Any] | None = None, id_token: str | None = None, name: str = "forged",
           iss: str | None = "default") -> requests.Response:
    """The provider's redirect back to the hub's callback, with the token response the test chose."""
    response = token if token is not None else {"access_token": "at", "token_type": "Bearer",
                                                "expires_in": 300, "id_token": id_token}
    provider.token_response = lambda: response
    params = {"code": "code-123", "state": started.state}
    if iss is not None:
        params["iss"] = provider.issuer if iss == "default" else iss
    return browser.get(f"{hub.url}/auth/{name}/callback", params=params, allow_redirects=False)


def assert_refused(hub: LiveHub, answer: requests.Response, reason: str) -> None:
    assert answer.status_code == 400, answer.text[:500]
    assert REFUSED in answer.text
    assert "Nothing was changed and no session was started" in answer.text
    assert not session_cookie_set(answer)
    assert "hub_session" not in answer.headers.get("Set-Cookie", "")
    assert hub.count(UserSession) == 0
    assert hub.count(User) == 0
    failures = hub.audit("signin.failure")
    assert [f.reason for f in failures][-1:] == [reason]
    assert failures[-1].outcome == "denied"
    assert failures[-1].details == {"provider": failures[-1].details["provider"]}


def test_a_correctly_signed_answer_is_accepted(hub, browser):
    """The control for every test below: only the one forged detail makes them fail."""
    forged = hub.forged
    started = start(hub, browser, forged)
    token = forged.sign(forged.id_token_claims(started.nonce))
    answer = finish(hub, browser, forged, started, id_token=token)
    assert answer.status_code == 302, answer.text[:500]
    assert session_cookie_set(answer)
    assert hub.page(browser).status_code == 200
    assert hub.count(UserSession) == 1
    assert forged.token_requests == 1


def test_the_session_remembers_when_the_person_authenticated_at_the_provider(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    claims = forged.id_token_claims(started.nonce, sid="sid-9")
    claims["auth_time"] = claims["iat"] - 600
    assert finish(hub, browser, forged, started, id_token=forged.sign(claims)).status_code == 302
    [live] = hub.live_sessions()
    assert live.auth_time.timestamp() == claims["auth_time"]
    assert (live.subject, live.sid, live.provider) == ("forged-1", "sid-9", "forged")


def test_an_ec_signed_answer_is_accepted_too(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    token = forged.sign(forged.id_token_claims(started.nonce), key=forged.keys[1], alg="ES256")
    assert finish(hub, browser, forged, started, id_token=token).status_code == 302


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"aud": "someone-else"}, "aud_mismatch"),
        ({"aud": ["someone-else", "other"]}, "aud_mismatch"),
        ({"aud": ["hub", "other"]}, "azp_missing"),
        ({"aud": ["hub", "other"], "azp": "other"}, "azp_mismatch"),
        ({"iss": "http://127.0.0.9:1"}, "iss_mismatch"),
        ({"exp": 1_000_000_000}, "expired"),
        ({"exp": None}, "exp_invalid"),
        ({"iat": 4_000_000_000}, "iat_future"),
        ({"nonce": "not-the-nonce"}, "nonce_mismatch"),
        ({"nonce": None}, "nonce_mismatch"),
        ({"sub": ""}, "sub_invalid"),
    ],
    ids=["wrong-aud", "wrong-aud-list", "several-aud-no-azp", "wrong-azp", "wrong-iss", "expired",
         "no-exp", "iat-in-future", "wrong-nonce", "no-nonce", "empty-sub"],
)
def test_a_token_with_a_wrong_claim_is_refused(hub, browser, changes, reason):
    forged = hub.forged
    started = start(hub, browser, forged)
    claims = {**forged.id_token_claims(started.nonce), **changes}
    claims = {k: v for k, v in claims.items() if v is not None}
    answer = finish(hub, browser, forged, started, id_token=forged.sign(claims))
    assert_refused(hub, answer, reason)


def test_a_token_response_without_an_id_token_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    answer = finish(hub, browser, forged, started, token={"access_token": "at", "token_type": "Bearer"})
    assert_refused(hub, answer, "id_token_missing")


def test_an_unsigned_alg_none_token_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    token = unsigned_token(forged.id_token_claims(started.nonce))
    answer = finish(hub, browser, forged, started, id_token=token)
    assert_refused(hub, answer, "alg_not_allowed")


def test_an_hs256_token_keyed_with_the_client_secret_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    secret_key = OctKey.import_key(forged.client_secret.encode())
    token = forged.sign(forged.id_token_claims(started.nonce), key=secret_key, alg="HS256")
    answer = finish(hub, browser, forged, started, id_token=token)
    assert_refused(hub, answer, "alg_not_allowed")


def test_a_token_whose_signature_does_not_match_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    impostor = RSAKey.generate_key(2048, parameters={"kid": forged.keys[0].kid})  # same kid, other key
    answer = finish(hub, browser, forged, started,
                    id_token=forged.sign(forged.id_token_claims(started.nonce), key=impostor))
    assert_refused(hub, answer, "bad_signature")


def test_an_unknown_kid_refreshes_the_key_set_once_then_not_again_within_a_minute(hub, browser):
    forged = hub.forged
    # A first, good sign-in loads the key set.
    started = start(hub, browser, forged)
    assert finish(hub, browser, forged, started,
                  id_token=forged.sign(forged.id_token_claims(started.nonce))).status_code == 302
    assert forged.jwks_fetches == 1

    for kid in ("rotated-1", "rotated-2"):
        with requests.Session() as attacker:
            started = start(hub, attacker, forged)
            unknown = RSAKey.generate_key(2048, parameters={"kid": kid})
            answer = finish(hub, attacker, forged, started,
                            id_token=forged.sign(forged.id_token_claims(started.nonce), key=unknown))
        assert answer.status_code == 400
        assert REFUSED in answer.text
        assert not session_cookie_set(answer)
    # one refresh for the first unknown kid, none for the second within the minute
    assert forged.jwks_fetches == 2
    assert hub.count(UserSession) == 1  # only the good sign-in's
    assert [f.reason for f in hub.audit("signin.failure")] == ["unknown_kid", "unknown_kid"]


def test_a_key_the_provider_rotates_in_is_picked_up_by_the_one_refresh(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    assert finish(hub, browser, forged, started,
                  id_token=forged.sign(forged.id_token_claims(started.nonce))).status_code == 302
    new_key = RSAKey.generate_key(2048, parameters={"kid": "rsa-2", "use": "sig", "alg": "RS256"})
    forged.keys.append(new_key)
    with requests.Session() as other:
        started = start(hub, other, forged)
        answer = finish(hub, other, forged, started,
                        id_token=forged.sign(forged.id_token_claims(started.nonce), key=new_key))
    assert answer.status_code == 302
    assert forged.jwks_fetches == 2


def test_max_age_exceeded_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged, max_age="300", next="/cases")
    assert started.query["max_age"] == "300"
    claims = forged.id_token_claims(started.nonce)
    claims["auth_time"] = claims["iat"] - 3600
    answer = finish(hub, browser, forged, started, id_token=forged.sign(claims))
    assert_refused(hub, answer, "max_age_exceeded")


def test_max_age_without_auth_time_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged, max_age="300")
    claims = forged.id_token_claims(started.nonce, auth_time=None)
    assert_refused(hub, finish(hub, browser, forged, started, id_token=forged.sign(claims)),
                   "auth_time_missing")


def test_mix_up_state_from_provider_a_on_provider_b_callback_is_refused(hub, browser):
    forged, other = hub.forged, hub.forged_b
    started = start(hub, browser, forged)  # the person started at provider A
    # ...and an answer for that state arrives at provider B's callback, signed by B.
    other.expected_challenge = started.query["code_challenge"]
    token = other.sign(other.id_token_claims(started.nonce))
    answer = finish(hub, browser, other, started, id_token=token, name="forged-b")
    assert_refused(hub, answer, "provider_mismatch")
    assert other.token_requests == 0  # the code was never sent to B's token endpoint


def test_a_wrong_or_missing_iss_response_parameter_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    token = forged.sign(forged.id_token_claims(started.nonce))
    assert_refused(hub, finish(hub, browser, forged, started, id_token=token, iss=hub.forged_b.issuer),
                   "iss_mismatch")
    started = start(hub, browser, forged)
    token = forged.sign(forged.id_token_claims(started.nonce))
    assert_refused(hub, finish(hub, browser, forged, started, id_token=token, iss=None), "iss_missing")
    assert forged.token_requests == 0


def test_a_replayed_callback_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    token = forged.sign(forged.id_token_claims(started.nonce))
    assert finish(hub, browser, forged, started, id_token=token).status_code == 302
    with requests.Session() as attacker:
        answer = finish(hub, attacker, forged, started, id_token=token)
    assert answer.status_code == 400
    assert "already been used" in answer.text
    assert not session_cookie_set(answer)
    assert hub.count(UserSession) == 1
    assert hub.audit("signin.failure")[-1].reason == "state_replayed"


def test_an_unknown_or_missing_state_is_refused(hub, browser):
    forged = hub.forged
    fake = Started("made-up-state", "n", {})
    assert_refused(hub, finish(hub, browser, forged, fake, id_token="x.y.z"), "state_unknown")
    answer = browser.get(f"{hub.url}/auth/forged/callback", params={"code": "c"}, allow_redirects=False)
    assert_refused(hub, answer, "state_missing")


def test_state_is_stored_only_as_a_hash(hub, browser):
    started = start(hub, browser, hub.forged)
    [attempt] = hub.query(select(SignInAttempt))
    assert attempt.state_hash == hashlib.sha256(started.state.encode()).hexdigest()
    assert started.state not in str(vars(attempt))


def test_an_error_from_the_token_endpoint_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    answer = finish(hub, browser, forged, started, token={"error": "invalid_grant"})
    assert_refused(hub, answer, "token_error")


def test_the_provider_sending_the_person_back_with_an_error_is_refused(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    answer = browser.get(f"{hub.url}/auth/forged/callback",
                         params={"error": "access_denied", "state": started.state, "iss": forged.issuer},
                         allow_redirects=False)
    assert_refused(hub, answer, "provider_error")


def test_garbage_tokens_are_refused_not_crashed_on(hub, browser):
    forged = hub.forged
    for garbage in ("not-a-jwt", "a.b.c", b64url(b"{}") + "." + b64url(b"[]") + ".", "x" * 20000):
        with requests.Session() as other:
            started = start(hub, other, forged)
            answer = finish(hub, other, forged, started, id_token=garbage)
        assert answer.status_code == 400, garbage[:20]
        assert REFUSED in answer.text


# --- the provider is down or answers garbage --------------------------------------------------


def test_a_provider_that_is_down_gives_a_clear_unavailable_page(hub, browser):
    answer = browser.get(f"{hub.url}/auth/gone/login", allow_redirects=False)
    assert answer.status_code == 503
    assert "Sign-in with Gone Agency is unavailable" in answer.text
    [event] = hub.audit("signin.unavailable")
    assert event.reason == "discovery_unreachable"
    assert event.outcome == "failed"
    assert hub.count(SignInAttempt) == 0


@pytest.mark.parametrize(
    ("discovery", "reason"),
    [
        (b"<html>Service temporarily down</html>", "discovery_not_json"),
        (b"[1, 2, 3]", "discovery_not_object"),
        (None, "discovery_issuer_mismatch"),
    ],
    ids=["html", "json-array", "issuer-mismatch"],
)
def test_a_provider_answering_garbage_gives_a_clear_unavailable_page(hub, browser, discovery, reason):
    forged = hub.forged
    forged.discovery_override = discovery
    if discovery is None:
        forged.discovery = {**forged.discovery, "issuer": forged.issuer + "/"}
    answer = browser.get(f"{hub.url}/auth/forged/login", allow_redirects=False)
    assert answer.status_code == 503
    assert "Sign-in with Forged Agency is unavailable" in answer.text
    assert [e.reason for e in hub.audit("signin.unavailable")] == [reason]


@pytest.mark.parametrize(
    "raw", [(502, b"<html>Bad gateway</html>"), (200, b"this is not json")], ids=["502", "not-json"]
)
def test_a_token_endpoint_answering_garbage_gives_the_unavailable_page(hub, browser, raw):
    forged = hub.forged
    started = start(hub, browser, forged)
    forged.token_raw = raw
    answer = finish(hub, browser, forged, started, id_token="unused")
    assert answer.status_code == 503
    assert "Sign-in with Forged Agency is unavailable" in answer.text
    assert not session_cookie_set(answer)
    assert hub.count(UserSession) == 0
    assert [e.reason for e in hub.audit("signin.unavailable")] == ["token_endpoint_failed"]


def test_sign_in_attempts_are_rate_limited(hub, browser):
    url = f"{hub.url}/auth/forged/login"
    codes = [browser.get(url, allow_redirects=False).status_code for _ in range(31)]
    assert codes[:30] == [302] * 30
    assert codes[30] == 429
    assert hub.count(SignInAttempt) == 30


def test_a_refused_callback_still_uses_up_its_state(hub, browser):
    forged = hub.forged
    started = start(hub, browser, forged)
    wrong = forged.sign(forged.id_token_claims("not-the-nonce"))
    assert_refused(hub, finish(hub, browser, forged, started, id_token=wrong), "nonce_mismatch")
    right = forged.sign(forged.id_token_claims(started.nonce))
    assert_refused(hub, finish(hub, browser, forged, started, id_token=right), "state_replayed")
