"""Each sign-in is bound to the browser that started it (login CSRF, RFC 9700 §4.7), through the
real `oidc-provider`; signing in again in a browser ends the browser's previous session.

The attack: an attacker starts a sign-in at the hub with their own account, logs in at their
provider, and instead of following the redirect back sends that callback URL to a victim. Without
the binding the victim's browser would be signed in to the hub as the attacker, and whatever the
victim then records would be recorded under the attacker's name.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from hub.agencies.models import User
from hub.sessions.cookies import SECURE_SESSION_COOKIE, SESSION_COOKIE
from hub.sessions.models import UserSession
from hub.signin.binding import BINDING_COOKIE, SECURE_BINDING_COOKIE, hash_secret
from hub.signin.models import SignInAttempt
from tests.signin.conftest import LiveHub, binding_cookie, session_cookie_set
from tests.support.idp import location_of, log_in_at_provider, sign_in_at_provider

REFUSED = "You have not been signed in"


def sign_in(hub: LiveHub, browser: requests.Session, provider: str, subject: str) -> requests.Response:
    return browser.get(location_of(sign_in_at_provider(browser, hub.url, provider, subject)),
                       allow_redirects=False)


def attackers_callback_url(hub: LiveHub, provider: str = "north", subject: str = "officer-1") -> str:
    """The attacker's own, complete sign-in, stopped just before the hub's callback."""
    with requests.Session() as attacker:
        return location_of(sign_in_at_provider(attacker, hub.url, provider, subject))


def assert_refused_as_another_browsers(hub: LiveHub, answer: requests.Response) -> None:
    assert answer.status_code == 400, answer.text[:500]
    assert REFUSED in answer.text
    assert "was not started in this browser" in answer.text
    assert not session_cookie_set(answer)
    failure = hub.audit("signin.failure")[-1]
    assert (failure.reason, failure.outcome) == ("browser_mismatch", "denied")
    assert failure.details == {"provider": "north"}


def test_a_callback_from_an_attackers_sign_in_opened_in_another_browser_is_refused(hub, browser):
    callback = attackers_callback_url(hub)

    answer = browser.get(callback, allow_redirects=False)

    assert_refused_as_another_browsers(hub, answer)
    assert hub.count(UserSession) == 0
    assert hub.count(User) == 0
    assert hub.page(browser).status_code == 302  # the victim is signed in as nobody


def test_a_victim_with_a_sign_in_of_their_own_under_way_is_refused_too(hub, browser):
    own = browser.get(f"{hub.url}/auth/north/login", allow_redirects=False)
    assert own.status_code == 302
    assert binding_cookie(browser)  # the victim's own secret, for their own attempt

    answer = browser.get(attackers_callback_url(hub), allow_redirects=False)

    assert_refused_as_another_browsers(hub, answer)
    assert hub.count(UserSession) == 0


def test_a_signed_in_victim_stays_signed_in_as_themselves(hub, browser):
    assert sign_in(hub, browser, "north", "lead-1").status_code == 302

    answer = browser.get(attackers_callback_url(hub, subject="shared-7"), allow_redirects=False)

    assert_refused_as_another_browsers(hub, answer)
    dashboard = hub.page(browser)
    assert dashboard.status_code == 200
    assert "Lee Lead" in dashboard.text
    assert len(hub.live_sessions()) == 1


def test_a_refusal_in_another_browser_does_not_use_up_the_attempt_of_the_browser_that_started_it(
    hub, browser
):
    callback = location_of(sign_in_at_provider(browser, hub.url, "north", "officer-1"))
    with requests.Session() as eavesdropper:
        assert_refused_as_another_browsers(hub, eavesdropper.get(callback, allow_redirects=False))

    answer = browser.get(callback, allow_redirects=False)

    assert answer.status_code == 302, answer.text[:500]
    assert session_cookie_set(answer)
    assert hub.page(browser).status_code == 200


def test_login_gives_the_browser_a_short_lived_http_only_lax_cookie_whose_hash_the_attempt_keeps(
    hub, browser
):
    start = browser.get(f"{hub.url}/auth/north/login", allow_redirects=False)

    cookie = start.headers["Set-Cookie"]
    assert cookie.startswith(f"{BINDING_COOKIE}=")
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "samesite=lax", "path=/", "max-age=600"} <= attributes
    assert not any(a == "secure" or a.startswith("domain=") for a in attributes)  # plain HTTP here
    secret = binding_cookie(browser)
    [attempt] = hub.query(select(SignInAttempt))
    assert attempt.browser_hash == hash_secret(secret)
    assert secret not in str(vars(attempt))
    assert secret not in start.headers["Location"]  # it never goes to the provider


def test_the_callback_clears_the_binding_cookie(hub, browser):
    answer = sign_in(hub, browser, "north", "officer-1")

    assert answer.status_code == 302
    assert f"{BINDING_COOKIE}=;" in answer.headers["Set-Cookie"]
    assert binding_cookie(browser) is None


def test_a_refused_callback_clears_the_binding_cookie_too(hub, browser):
    hub.idps["north"].set_accounts({"nobody-1": {"name": "Nora Nobody"}})  # no roles: refused
    answer = sign_in(hub, browser, "north", "nobody-1")

    assert answer.status_code == 400
    assert hub.audit("signin.failure")[-1].reason == "role_not_mapped"
    assert binding_cookie(browser) is None


def test_two_tabs_signing_in_at_once_each_finish_with_their_own_secret(hub, browser):
    first_tab = location_of(sign_in_at_provider(browser, hub.url, "north", "officer-1"))
    second_tab = location_of(sign_in_at_provider(browser, hub.url, "south", "ig-1"))
    assert binding_cookie(browser).count(".") == 1  # both attempts' secrets

    assert browser.get(first_tab, allow_redirects=False).status_code == 302
    assert binding_cookie(browser)  # the second tab's secret is still there
    last = browser.get(second_tab, allow_redirects=False)

    assert last.status_code == 302, last.text[:500]
    assert binding_cookie(browser) is None
    assert "Ida Governance" in hub.page(browser).text


def test_signing_in_again_ends_the_browsers_previous_session(hub, browser):
    first = sign_in(hub, browser, "north", "officer-1")
    old_cookie = first.cookies[SESSION_COOKIE]
    [old] = hub.live_sessions()

    second = sign_in(hub, browser, "south", "ig-1")  # whoever signs in next, in this browser

    assert second.status_code == 302
    assert second.cookies[SESSION_COOKIE] != old_cookie
    [ended] = hub.query(select(UserSession).where(UserSession.id == old.id))
    assert ended.ended_at is not None
    assert ended.end_reason == "signed_in_again"
    [live] = hub.live_sessions()
    assert live.provider == "south"
    with requests.Session() as copy:
        copy.cookies.set(SESSION_COOKIE, old_cookie, domain="127.0.0.1")
        assert copy.get(f"{hub.url}/", allow_redirects=False).status_code == 302
    assert "Ida Governance" in hub.page(browser).text
    [audited] = [e for e in hub.audit("session.end") if e.object_id == str(old.id)]
    assert audited.details["reason"] == "signed_in_again"
    assert "Olive" not in str(audited.details)


def test_over_https_the_cookies_are_host_prefixed_and_secure(hub, browser):
    """The hub behind TLS: the binding and session cookies take the `__Host-` prefix and Secure."""
    netloc = urlsplit(hub.url).netloc
    with hub.app.test_client() as tls:
        start = tls.get("/auth/north/login", base_url=f"https://{netloc}")
        cookie = start.headers["Set-Cookie"]
        assert cookie.startswith(f"{SECURE_BINDING_COOKIE}=")
        assert "secure" in {part.strip().lower() for part in cookie.split(";")}
        assert "domain=" not in cookie.lower()

        at_provider = log_in_at_provider(browser, start.headers["Location"], hub.url, "north", "officer-1")
        callback = urlsplit(location_of(at_provider))
        answer = tls.get(f"{callback.path}?{callback.query}", base_url=f"https://{netloc}")

        assert answer.status_code == 302, answer.text[:500]
        cookies = answer.headers.getlist("Set-Cookie")
        assert any(c.startswith(f"{SECURE_SESSION_COOKIE}=") and "Secure" in c for c in cookies)
        assert any(c.startswith(f"{SECURE_BINDING_COOKIE}=;") for c in cookies)
        assert tls.get("/", base_url=f"https://{netloc}").status_code == 200
