"""Who the demo identity provider knows: its tenants (one issuer each), their people and clients.

Everything here is fictional and lives in memory for the life of one demo process.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field

from authlib.oauth2.rfc6749 import ClientMixin, scope_to_list

SUPPORTED_SCOPES = ("openid", "profile", "email", "roles")


@dataclass(frozen=True)
class DemoPerson:
    """A fictional member of staff; `subject` is stable and never reused (the `sub` claim)."""

    subject: str
    name: str
    email: str
    roles: tuple[str, ...]
    description: str = ""


@dataclass(frozen=True)
class DemoClient(ClientMixin):  # type: ignore[misc]
    """A relying party registered with one tenant: exact redirect URIs, a confidential secret."""

    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()

    @property
    def client_metadata(self) -> dict[str, object]:
        return {"post_logout_redirect_uris": list(self.post_logout_redirect_uris)}

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        # No default: the request must name one of the registered URIs exactly.
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        if not scope:
            return ""
        return " ".join(s for s in scope_to_list(scope) if s in SUPPORTED_SCOPES)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact string match only (RFC 9700 §4.1.3): no prefixes, no wildcards."""
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return hmac.compare_digest(client_secret.encode(), self.client_secret.encode())

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method in ("client_secret_basic", "client_secret_post")
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass(frozen=True)
class Tenant:
    """One fictional agency's identity provider: its own issuer, signing key, people and clients."""

    slug: str
    title: str
    people: tuple[DemoPerson, ...]
    clients: tuple[DemoClient, ...] = field(default=())

    def person(self, subject: str) -> DemoPerson | None:
        return next((p for p in self.people if p.subject == subject), None)

    def client(self, client_id: str) -> DemoClient | None:
        return next((c for c in self.clients if c.client_id == client_id), None)
