"""Sign-in with each agency's OpenID provider: login, callback, back-channel logout, sign-out.

Authorization code flow with PKCE S256, `state` and `nonce` kept on the server (hashed state),
each attempt bound to the browser that started it (hub.signin.binding), RFC 9207 `iss` checked,
and every ID-token check made explicitly (hub.signin.rules, .tokens). Every sign-in, refusal and
sign-out is audited with a reason code and no personal data. No network call to a provider is
made while the request holds a database write lock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from flask import (
    Blueprint,
    Flask,
    Response,
    after_this_request,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
)
from flask.typing import ResponseReturnValue

from hub import context
from hub.access import Permission, requires
from hub.audit.services import Outcome
from hub.auth import is_https
from hub.config import ProviderConfig
from hub.errors import NotFound
from hub.security import csrf_exempt
from hub.sessions.models import UserSession
from hub.sessions.ratelimit import rate_limited
from hub.sessions.services import (
    clear_session_cookie,
    set_session_cookie,
)
from hub.signin import binding, rules, services
from hub.signin.providers import HTTP_TIMEOUT_SECONDS, ProviderMetadata, ProviderRegistry, ProviderUnavailable
from hub.signin.rules import TokenRejected
from hub.signin.services import SignInRefused
from hub.signin.tokens import VerifiedToken, verify_signed_token

EXTENSION = "hub.signin"
signin = Blueprint("signin", __name__)


def init_signin(app: Flask) -> ProviderRegistry:
    """Register the sign-in routes and this worker's provider registry (metadata and key caches)."""
    registry = ProviderRegistry(context.state(app).settings.providers)
    app.extensions[EXTENSION] = registry
    app.register_blueprint(signin)
    return registry


def registry() -> ProviderRegistry:
    return cast(ProviderRegistry, current_app.extensions[EXTENSION])


def _provider(name: str) -> ProviderConfig:
    provider = registry().get(name)
    if provider is None:
        raise NotFound("There is no sign-in for that agency")
    return provider


def _redirect_uri(provider: ProviderConfig) -> str:
    return f"{context.state().settings.base_url}/auth/{provider.name}/callback"


def _oauth_client(provider: ProviderConfig) -> OAuth2Session:
    secret = provider.client_secret
    if not secret:
        raise ProviderUnavailable(provider, "client_secret_missing")
    return OAuth2Session(
        client_id=provider.client_id, client_secret=secret,
        token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method name, not a secret
        scope=" ".join(provider.scopes), redirect_uri=_redirect_uri(provider), code_challenge_method="S256",
        default_timeout=HTTP_TIMEOUT_SECONDS,
    )


@signin.errorhandler(SignInRefused)
def _refused(exc: SignInRefused) -> ResponseReturnValue:
    name = (request.view_args or {}).get("name")
    context.defer_audit(action="signin.failure", outcome=Outcome.DENIED, reason=exc.code,
                        details={"provider": str(name)[:64]})
    provider = registry().get(str(name)) if name else None
    body = render_template("signin/refused.html", provider=provider, detail=exc.detail, code=exc.code)
    return Response(body, status=400, mimetype="text/html")


@signin.errorhandler(ProviderUnavailable)
def _unavailable(exc: ProviderUnavailable) -> ResponseReturnValue:
    context.defer_audit(action="signin.unavailable", outcome=Outcome.FAILED, reason=exc.code,
                        details={"provider": exc.provider.name})
    body = render_template("signin/unavailable.html", provider=exc.provider)
    return Response(body, status=503, mimetype="text/html", headers={"Retry-After": "60"})


@signin.get("/auth/<name>/login")
@requires(Permission.PUBLIC)
@rate_limited("signin.login", 30, 60)
def login(name: str) -> ResponseReturnValue:
    """Send the browser to the provider with a fresh state, nonce and PKCE challenge, and give it
    the secret that binds this attempt to it."""
    provider = _provider(name)
    try:
        max_age = rules.parse_max_age(request.args.get("max_age"))
    except ValueError as exc:
        raise SignInRefused("max_age_invalid", str(exc)) from exc
    now = context.now()
    metadata = registry().metadata(provider, now=now)
    client = _oauth_client(provider)
    auth_request = services.begin_sign_in(context.db(), provider, next_path=request.args.get("next"),
                                          max_age=max_age, now=now)
    extra: dict[str, Any] = {"nonce": auth_request.nonce}
    if max_age is not None:
        extra["max_age"] = max_age
    with client:
        url, _state = client.create_authorization_url(
            metadata.authorization_endpoint, state=auth_request.state,
            code_verifier=auth_request.code_verifier, **extra)
    response = redirect(url)
    secure = is_https()
    pending = binding.pending_secrets(request.cookies.get(binding.binding_cookie_name(secure=secure)))
    binding.set_binding_cookie(response, binding.with_secret(pending, auth_request.browser_secret),
                               secure=secure, lifetime=services.ATTEMPT_LIFETIME)
    return response


def _exchange_code(provider: ProviderConfig, metadata: ProviderMetadata, code: str,
                   code_verifier: str) -> dict[str, Any]:
    """Redeem the code at the token endpoint (client_secret_basic, PKCE verifier)."""
    with _oauth_client(provider) as client:
        try:
            token = client.fetch_token(metadata.token_endpoint, grant_type="authorization_code", code=code,
                                       code_verifier=code_verifier, redirect_uri=_redirect_uri(provider),
                                       allow_redirects=False)
        except OAuthError as exc:
            raise SignInRefused("token_error", "The provider refused to complete the sign-in.") from exc
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnavailable(provider, "token_endpoint_failed") from exc
    return dict(token)


def _verify(provider: ProviderConfig, metadata: ProviderMetadata, token: object, *,
            now: datetime) -> VerifiedToken:
    return verify_signed_token(
        token, algorithms=metadata.id_token_algorithms,
        key_for=lambda kid: registry().signing_key(provider, kid, now=now))


@signin.get("/auth/<name>/callback")
@requires(Permission.PUBLIC)
@rate_limited("signin.callback", 30, 60)
def callback(name: str) -> ResponseReturnValue:
    """Finish sign-in: match the state to an unused attempt of this provider started in this
    browser, redeem the code, verify the ID token, map the person, start a server-side session
    (ending the browser's previous one)."""
    provider = _provider(name)
    now, db = context.now(), context.db()
    args = request.args
    secure = is_https()
    pending = binding.pending_secrets(request.cookies.get(binding.binding_cookie_name(secure=secure)))
    # The attempt is used up in a transaction of its own, committed at once: a state can be
    # presented only once even when this callback is then refused and its changes roll back.
    with context.state().database.transaction() as own:
        attempt = services.claim_attempt(own, provider, state=args.get("state", ""),
                                         browser_secrets=pending, now=now)

    @after_this_request
    def forget_attempt(response: Response) -> Response:
        # Whatever happens next, this attempt is spent: its secret leaves the cookie, and the
        # cookie goes once no other tab's attempt is pending.
        binding.set_binding_cookie(response, binding.without_attempt(pending, attempt.browser_hash),
                                   secure=secure, lifetime=services.ATTEMPT_LIFETIME)
        return response

    metadata = registry().metadata(provider, now=now)
    try:
        rules.check_response_issuer(args.get("iss"), issuer=provider.issuer,
                                    iss_parameter_supported=metadata.iss_parameter_supported)
    except TokenRejected as exc:
        raise SignInRefused(exc.code, exc.detail) from exc
    if "error" in args:
        raise SignInRefused("provider_error", f"{provider.title} did not sign you in.")
    code = args.get("code", "")
    if not code or len(code) > 2000:
        raise SignInRefused("code_missing", "The sign-in response carried no authorization code.")
    tokens = _exchange_code(provider, metadata, code, attempt.code_verifier)
    if not tokens.get("id_token"):
        raise SignInRefused("id_token_missing", "The provider did not say who you are (no ID token).")
    try:
        verified = _verify(provider, metadata, tokens["id_token"], now=now)
        rules.check_id_token_claims(verified.claims, issuer=provider.issuer, client_id=provider.client_id,
                                    nonce=attempt.nonce, max_age=attempt.max_age, now=now)
    except TokenRejected as exc:
        raise SignInRefused(exc.code, f"The provider's answer could not be trusted: {exc.detail}.") from exc
    # Only now, after the provider's network calls, is the browser's current session looked up:
    # the lookup may write (last seen, expiry), and the request must hold no write lock while it
    # waits on a provider.
    _user, token = services.complete_sign_in(db, provider, verified.claims,
                                             previous_session=_browser_session(),
                                             policy=context.state().settings.policy, now=now,
                                             request_id=context.request_id())
    response = redirect(attempt.next_path or "/")
    set_session_cookie(response, token, secure=is_https())
    return response


def _browser_session() -> UserSession | None:
    """The live hub session of the browser's session cookie, if any (a bearer token is no browser)."""
    context.user()  # loads the caller from the cookie, setting g.user_session
    return cast(UserSession | None, g.get("user_session"))


def _logout_error(status: int, error: str, description: str) -> Response:
    response = jsonify({"error": error, "error_description": description})
    response.status_code = status
    return response


@signin.post("/auth/<name>/backchannel-logout")
@requires(Permission.PUBLIC)
@csrf_exempt
@rate_limited("signin.backchannel", 120, 60)
def backchannel_logout(name: str) -> ResponseReturnValue:
    """OpenID Connect Back-Channel Logout 1.0: end the sessions a valid logout token names."""
    provider = registry().get(name)
    if provider is None:
        return _logout_error(404, "invalid_request", "unknown provider")
    now, db = context.now(), context.db()
    try:
        metadata = registry().metadata(provider, now=now)
        verified = _verify(provider, metadata, request.form.get("logout_token"), now=now)
        rules.check_logout_token(verified.header, verified.claims, issuer=provider.issuer,
                                 client_id=provider.client_id, now=now)
        services.remember_logout_token(db, provider.issuer, verified.claims["jti"], now=now)
    except TokenRejected as exc:
        context.defer_audit(action="signin.backchannel_logout", outcome=Outcome.DENIED, reason=exc.code,
                            details={"provider": provider.name})
        return _logout_error(400, "invalid_request", exc.detail)
    except ProviderUnavailable as exc:
        context.defer_audit(action="signin.backchannel_logout", outcome=Outcome.FAILED, reason=exc.code,
                            details={"provider": provider.name})
        return _logout_error(503, "temporarily_unavailable", "the provider's keys could not be read")
    services.log_out_from_provider(db, provider, verified.claims, now=now, request_id=context.request_id())
    return jsonify({})


@signin.post("/sign-out")
@requires(Permission.SIGNED_IN)
def sign_out() -> ResponseReturnValue:
    """End the server-side session, forget the cookie, then sign out at the provider too."""
    destination = "/signed-out"
    user_session = g.get("user_session")
    if user_session is not None:
        now, db = context.now(), context.db()
        services.sign_out(db, context.actor(), user_session, now=now)
        # Committed before the provider is asked for its metadata: a POST's transaction holds
        # SQLite's write lock from its first statement (hub.db), and no request may wait on a
        # network call while holding it. The hub's session has ended whatever the provider does.
        db.commit()
        provider = registry().get(user_session.provider)
        try:
            metadata = registry().metadata(provider, now=now) if provider else None
        except ProviderUnavailable:
            metadata = None  # the hub's own session has ended; the provider's may outlive it
        if provider is not None and metadata is not None and metadata.end_session_endpoint:
            query = urlencode({"client_id": provider.client_id,
                               "post_logout_redirect_uri": context.state().settings.base_url + "/signed-out"})
            joiner = "&" if "?" in metadata.end_session_endpoint else "?"
            destination = metadata.end_session_endpoint + joiner + query
    response = redirect(destination)
    clear_session_cookie(response, secure=is_https())
    return response


@signin.get("/signed-out")
@requires(Permission.PUBLIC)
def signed_out() -> ResponseReturnValue:
    return render_template("signin/signed_out.html")
