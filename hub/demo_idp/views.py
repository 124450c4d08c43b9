"""The demo provider's endpoints: discovery, JWKS, the persona picker, token, userinfo, end-session."""

from __future__ import annotations

from urllib.parse import urlencode

from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc6749 import OAuth2Error
from authlib.oauth2.rfc6749.grants import BaseGrant
from flask import Blueprint, Response, jsonify, request, url_for
from flask.typing import ResponseReturnValue

from hub.demo_idp.directory import SUPPORTED_SCOPES
from hub.demo_idp.pages import all_servers, error_page, page, tenant_server
from hub.demo_idp.server import ALGORITHM, TenantServer

idp = Blueprint("idp", __name__)

CLAIMS = ["sub", "name", "email", "roles", "auth_time", "sid", "nonce", "iss", "aud", "exp", "iat"]


@idp.get("/")
def index() -> ResponseReturnValue:
    """A page for people: which issuers this demo serves."""
    return page("demo_idp/index.html", page_title="Demo identity providers", servers=all_servers())


@idp.get("/<tenant>/.well-known/openid-configuration")
def discovery(tenant: str) -> ResponseReturnValue:
    """OpenID Connect Discovery 1.0 §3; every endpoint lives under the issuer's own path."""
    issuer = tenant_server(tenant).state.issuer
    return jsonify({
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "userinfo_endpoint": f"{issuer}/userinfo",
        "jwks_uri": f"{issuer}/jwks",
        "end_session_endpoint": f"{issuer}/end-session",
        "scopes_supported": list(SUPPORTED_SCOPES),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": [ALGORITHM],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "code_challenge_methods_supported": ["S256"],
        "claims_supported": CLAIMS,
        "authorization_response_iss_parameter_supported": True,
        "request_parameter_supported": False,
        "request_uri_parameter_supported": False,
    })


@idp.get("/<tenant>/jwks")
def jwks(tenant: str) -> ResponseReturnValue:
    return jsonify(tenant_server(tenant).state.public_jwks())


@idp.route("/<tenant>/authorize", methods=["GET", "POST"])
def authorize(tenant: str) -> ResponseReturnValue:
    """The persona picker: no password, the person chooses which fictional member of staff to be."""
    server = tenant_server(tenant)
    try:
        grant = server.get_consent_grant(end_user=None)
    except OAuth2Error as error:
        return _authorization_error(server, error)
    except ValueError:
        # authlib refuses to echo non-ASCII input in an error description; refuse the request instead.
        return _unreadable(server)
    request_key = _request_key()
    if request.method == "GET":
        return _picker(server, grant, server.state.begin_picker(request_key))

    form_token = request.form.get("transaction", "")
    if not server.state.picker_matches(form_token, request_key, consume=False):
        return error_page(400, "This sign-in page has expired",
                          "Go back to the service you were signing in to and start again.",
                          server.state.tenant)
    if request.form.get("action") == "cancel":
        person = None
    else:
        person = server.state.tenant.person(request.form.get("person", ""))
        if person is None:
            return _picker(server, grant, form_token, error="Select who you want to sign in as", status=400)
    if not server.state.picker_matches(form_token, request_key, consume=True):
        return error_page(400, "This sign-in page has expired",
                          "Go back to the service you were signing in to and start again.",
                          server.state.tenant)
    # grant_user=None makes authlib answer `access_denied` to the client, as a cancel should.
    return server.create_authorization_response(grant_user=person, grant=grant)  # type: ignore[no-any-return]


@idp.post("/<tenant>/token")
def token(tenant: str) -> ResponseReturnValue:
    try:
        return tenant_server(tenant).create_token_response()  # type: ignore[no-any-return]
    except ValueError:
        return jsonify({"error": "invalid_request"}), 400


@idp.route("/<tenant>/userinfo", methods=["GET", "POST"])
def userinfo(tenant: str) -> ResponseReturnValue:
    try:
        return tenant_server(tenant).create_endpoint_response("userinfo")  # type: ignore[no-any-return]
    except ValueError:
        return jsonify({"error": "invalid_request"}), 400


@idp.route("/<tenant>/end-session", methods=["GET", "POST"])
def end_session(tenant: str) -> ResponseReturnValue:
    """RP-initiated logout 1.0: with an ID token hint, sign out and go back to the registered URI;
    without one, ask the person to confirm first (§6: a bare request could be a forgery)."""
    server = tenant_server(tenant)
    try:
        validated = server.validate_endpoint_request("end_session")
    except OAuth2Error as error:
        return error_page(400, "Sign-out request refused", error.description or error.error,
                          server.state.tenant)
    except ValueError:
        return _unreadable(server)
    if validated.id_token_claims is None and request.method == "GET":
        return page("demo_idp/confirm_sign_out.html", page_title="Sign out", tenant=server.state.tenant,
                    action=_same_request_url("idp.end_session", tenant),
                    confirmation=server.state.begin_confirmation())
    response = server.create_endpoint_response("end_session", validated)
    if response is None:
        return page("demo_idp/signed_out.html", page_title="You have signed out",
                    tenant=server.state.tenant)
    return response  # type: ignore[no-any-return]


def _request_key() -> bytes:
    """The authorization request's parameters in a canonical order, to bind the picker form to it."""
    return urlencode(sorted(request.args.items(multi=True))).encode()


def _same_request_url(endpoint: str, tenant: str) -> str:
    base = url_for(endpoint, tenant=tenant)
    query = urlencode(list(request.args.items(multi=True)))
    return f"{base}?{query}" if query else base


def _picker(server: TenantServer, grant: BaseGrant, form_token: str, *, error: str | None = None,
            status: int = 200) -> Response:
    chosen = request.form.get("person", "")
    items = [{
        "value": p.subject,
        "text": p.name,
        "hint": {"text": f"{p.description} · roles: {', '.join(p.roles)}" if p.description
                 else f"roles: {', '.join(p.roles)}"},
        "checked": p.subject == chosen,
    } for p in server.state.tenant.people]
    return page("demo_idp/picker.html", status, page_title="Who do you want to sign in as?",
                tenant=server.state.tenant, client_id=grant.request.client.client_id, items=items,
                error=error, transaction=form_token,
                action=_same_request_url("idp.authorize", server.state.tenant.slug))


def _unreadable(server: TenantServer) -> Response:
    return error_page(400, "Request refused", "The request contains characters that are not allowed.",
                      server.state.tenant)


def _authorization_error(server: TenantServer, error: OAuth2Error) -> Response:
    """Redirect errors to the client only once authlib has verified its redirect URI; else a page."""
    if error.redirect_uri:
        response: Response = server.handle_error_response(None, error)
        if response.location:
            # RFC 9207 §2: error responses carry `iss` too.
            response.location = add_params_to_uri(response.location, {"iss": server.state.issuer})
        return response
    return error_page(400, "Sign-in request refused", error.description or error.error,
                      server.state.tenant)
