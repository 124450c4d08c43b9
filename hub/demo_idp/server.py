"""One tenant's OpenID provider, assembled from authlib's server components.

Authorization code flow only, with PKCE S256 required of every client (RFC 9700 §2.1.1), a nonce
required in every OpenID request, ID tokens signed RS256 with a key generated when the process starts,
the RFC 9207 `iss` authorization-response parameter, userinfo, and RP-initiated logout.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_oauth2 import AuthorizationServer, ResourceProtector
from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request, TokenMixin
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenValidator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc9207 import IssuerParameter
from authlib.oidc.core import AuthorizationCodeMixin, UserInfo, UserInfoEndpoint
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.rpinitiated import EndSessionEndpoint, EndSessionRequest
from joserfc.jwk import KeySet, RSAKey

from hub.demo_idp.directory import SUPPORTED_SCOPES, DemoClient, DemoPerson, Tenant

CODE_LIFETIME = 60  # seconds; RFC 6749 §4.1.2 recommends at most ten minutes
TOKEN_LIFETIME = 3600
PICKER_LIFETIME = 600
ALGORITHM = "RS256"


@dataclass
class IssuedCode(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    subject: str
    nonce: str | None
    code_challenge: str
    code_challenge_method: str
    auth_time: int
    sid: str
    expires_at: float

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return self.auth_time

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class IssuedToken(TokenMixin):  # type: ignore[misc]
    access_token: str
    client: DemoClient
    person: DemoPerson
    scope: str
    issued_at: float
    expires_in: int
    revoked: bool = False

    def check_client(self, client: DemoClient) -> bool:
        return client.client_id == self.client.client_id

    def get_scope(self) -> str:
        return self.scope

    def get_expires_in(self) -> int:
        return self.expires_in

    def is_expired(self) -> bool:
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self) -> bool:
        return self.revoked

    def get_user(self) -> DemoPerson:
        return self.person

    def get_client(self) -> DemoClient:
        return self.client


class TenantState:
    """Everything one issuer remembers, in memory and behind one lock (a single demo process)."""

    def __init__(self, tenant: Tenant, issuer: str, clock: Callable[[], float] = time.time) -> None:
        self.tenant = tenant
        self.issuer = issuer
        self.clock = clock
        self.key = RSAKey.generate_key(2048, parameters={"use": "sig", "alg": ALGORITHM},
                                       private=True, auto_kid=True)
        self._lock = threading.Lock()
        self._codes: dict[str, IssuedCode] = {}
        self._tokens: dict[str, IssuedToken] = {}
        self._nonces: set[tuple[str, str]] = set()
        self._sessions: dict[str, str] = {}  # sid -> subject
        self._pickers: dict[str, tuple[bytes, float]] = {}  # one-time form token -> (query, expiry)
        self._confirmations: dict[str, float] = {}

    # -- the keys --------------------------------------------------------------------------------

    def public_jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def public_key_set(self) -> KeySet:
        return KeySet([RSAKey.import_key(self.key.as_dict(private=False))])

    # -- authorization codes and nonces ----------------------------------------------------------

    def save_code(self, item: IssuedCode) -> None:
        with self._lock:
            self._purge()
            self._codes[item.code] = item
            if item.nonce:
                self._nonces.add((item.client_id, item.nonce))
            self._sessions[item.sid] = item.subject

    def take_code(self, code: str, client_id: str) -> IssuedCode | None:
        """A code is good once: it is removed on first presentation, whatever happens next."""
        with self._lock:
            item = self._codes.pop(code, None)
        if item is None or item.client_id != client_id or item.expires_at <= self.clock():
            return None
        return item

    def nonce_used(self, client_id: str, nonce: str) -> bool:
        with self._lock:
            return (client_id, nonce) in self._nonces

    # -- tokens and sessions ---------------------------------------------------------------------

    def save_token(self, item: IssuedToken) -> None:
        with self._lock:
            self._tokens[item.access_token] = item

    def token(self, access_token: str) -> IssuedToken | None:
        with self._lock:
            return self._tokens.get(access_token)

    def end_session(self, sid: str | None, subject: str | None) -> None:
        """RP-initiated logout: forget the session and revoke the access tokens of that person."""
        with self._lock:
            if sid:
                self._sessions.pop(sid, None)
            for item in self._tokens.values():
                if subject and item.person.subject == subject:
                    item.revoked = True

    def session_active(self, sid: str) -> bool:
        with self._lock:
            return sid in self._sessions

    # -- one-time tokens for the persona picker and the sign-out confirmation (CSRF) -------------

    def begin_picker(self, query: bytes) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._purge()
            self._pickers[token] = (query, self.clock() + PICKER_LIFETIME)
        return token

    def picker_matches(self, token: str, query: bytes, *, consume: bool) -> bool:
        """The form token must be live and bound to the exact authorization request it was shown for."""
        with self._lock:
            entry = self._pickers.get(token)
            if entry is None or entry[0] != query or entry[1] <= self.clock():
                return False
            if consume:
                del self._pickers[token]
            return True

    def begin_confirmation(self) -> str:
        token = secrets.token_urlsafe(32)
        with self._lock:
            self._confirmations[token] = self.clock() + PICKER_LIFETIME
        return token

    def take_confirmation(self, token: str | None) -> bool:
        with self._lock:
            expiry = self._confirmations.pop(token or "", None)
        return expiry is not None and expiry > self.clock()

    def _purge(self) -> None:
        now = self.clock()
        self._codes = {k: v for k, v in self._codes.items() if v.expires_at > now}
        self._pickers = {k: v for k, v in self._pickers.items() if v[1] > now}
        self._confirmations = {k: v for k, v in self._confirmations.items() if v > now}
        self._tokens = {k: v for k, v in self._tokens.items() if not v.is_expired()}


class TenantServer(AuthorizationServer):  # type: ignore[misc]
    """authlib's Flask authorization server bound to one tenant's state."""

    def __init__(self, state: TenantState) -> None:
        super().__init__(query_client=state.tenant.client, save_token=self._save_token)
        self.state = state
        self.load_config({"OAUTH2_TOKEN_EXPIRES_IN": {"authorization_code": TOKEN_LIFETIME}})
        self.scopes_supported = list(SUPPORTED_SCOPES)
        self.register_grant(CodeGrant, [RequireS256(), DemoOpenIDCode(state)])
        self.register_extension(_issuer_parameter(state.issuer))
        protector = ResourceProtector()
        protector.register_token_validator(_TokenValidator(state))
        self.register_endpoint(DemoUserInfo(resource_protector=protector))
        self.register_endpoint(DemoEndSession(state))

    def _save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        self.state.save_token(IssuedToken(
            access_token=token["access_token"], client=request.client, person=request.user,
            scope=token.get("scope", ""), issued_at=self.state.clock(),
            expires_in=int(token.get("expires_in", TOKEN_LIFETIME)),
        ))


def _issuer_parameter(issuer: str) -> IssuerParameter:
    class _Issuer(IssuerParameter):  # type: ignore[misc]
        def get_issuer(self) -> str:
            return issuer

    return _Issuer()


class CodeGrant(AuthorizationCodeGrant):  # type: ignore[misc]
    """The authorization code grant, storing codes in the tenant's memory."""

    TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]

    @property
    def _state(self) -> TenantState:
        return self.server.state  # type: ignore[no-any-return]

    def save_authorization_code(self, code: str, request: OAuth2Request) -> None:
        data = request.payload.data
        now = self._state.clock()
        self._state.save_code(IssuedCode(
            code=code, client_id=request.client.client_id, redirect_uri=request.payload.redirect_uri,
            scope=request.scope, subject=request.user.subject, nonce=data.get("nonce"),
            code_challenge=data["code_challenge"], code_challenge_method=data["code_challenge_method"],
            auth_time=int(now), sid=secrets.token_urlsafe(16), expires_at=now + CODE_LIFETIME,
        ))

    def query_authorization_code(self, code: str, client: DemoClient) -> IssuedCode | None:
        return self._state.take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code: IssuedCode) -> None:
        """Nothing left to do: `take_code` removed it when it was presented."""

    def authenticate_user(self, authorization_code: IssuedCode) -> DemoPerson | None:
        return self._state.tenant.person(authorization_code.subject)


class RequireS256(CodeChallenge):  # type: ignore[misc]
    """PKCE is not optional here, and `plain` is refused (RFC 9700 §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def __init__(self) -> None:
        super().__init__(required=True)

    def validate_code_challenge(self, grant: CodeGrant, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge") or data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE is required: send code_challenge with code_challenge_method=S256")
        super().validate_code_challenge(grant, redirect_uri)


class DemoOpenIDCode(OpenIDCode):  # type: ignore[misc]
    """ID tokens for the code flow: signed with the tenant's key, carrying `sid` and `roles`."""

    def __init__(self, state: TenantState) -> None:
        super().__init__(require_nonce=True)
        self.state = state

    def exists_nonce(self, nonce: str, request: OAuth2Request) -> bool:
        return self.state.nonce_used(request.payload.client_id, nonce)

    def resolve_client_private_key(self, client: DemoClient) -> RSAKey:
        return self.state.key

    def get_client_algorithm(self, client: DemoClient) -> str:
        return ALGORITHM

    def get_encode_header(self, client: DemoClient) -> dict[str, str]:
        return {"alg": ALGORITHM, "kid": self.state.key.kid or "", "typ": "JWT"}

    def get_client_claims(self, client: DemoClient) -> dict[str, Any]:
        return {"iss": self.state.issuer, "aud": client.client_id}

    def get_authorization_code_claims(self, authorization_code: IssuedCode) -> dict[str, Any]:
        claims: dict[str, Any] = super().get_authorization_code_claims(authorization_code)
        claims["sid"] = authorization_code.sid
        return claims

    def generate_user_info(self, user: DemoPerson, scope: str) -> UserInfo:
        return person_claims(user)


def person_claims(person: DemoPerson) -> UserInfo:
    """The claims the demo releases about a person, whatever the scope (they are all fictional)."""
    return UserInfo(sub=person.subject, name=person.name, email=person.email, roles=list(person.roles))


class _TokenValidator(BearerTokenValidator):  # type: ignore[misc]
    def __init__(self, state: TenantState) -> None:
        super().__init__()
        self.state = state

    def authenticate_token(self, token_string: str) -> IssuedToken | None:
        return self.state.token(token_string)


class DemoUserInfo(UserInfoEndpoint):  # type: ignore[misc]
    def generate_user_info(self, user: DemoPerson, scope: str) -> UserInfo:
        return person_claims(user)


class DemoEndSession(EndSessionEndpoint):  # type: ignore[misc]
    """RP-initiated logout; redirects only to a registered `post_logout_redirect_uri`."""

    def __init__(self, state: TenantState) -> None:
        super().__init__()
        self.state = state

    def get_server_jwks(self) -> KeySet:
        return self.state.public_key_set()

    def get_algorithms(self) -> list[str]:
        return [ALGORITHM]

    def validate_request(self, request: OAuth2Request) -> EndSessionRequest:
        validated: EndSessionRequest = super().validate_request(request)
        claims = validated.id_token_claims
        if claims is not None and claims.get("iss") != self.state.issuer:
            raise InvalidRequestError("'id_token_hint' was not issued here")
        return validated

    def is_post_logout_redirect_uri_legitimate(self, request: OAuth2Request, post_logout_redirect_uri: str,
                                               client: DemoClient, logout_hint: str | None) -> bool:
        """Without an ID token hint, only the person's own confirmation (a one-time form token) counts."""
        return request.method == "POST" and self.state.take_confirmation(request.form.get("confirmation"))

    def end_session(self, end_session_request: EndSessionRequest) -> None:
        claims = end_session_request.id_token_claims or {}
        self.state.end_session(claims.get("sid"), claims.get("sub"))
