"""Federated sign-in with each agency's OpenID Connect provider (DESIGN.md invariant 3).

What an operator registers for the hub at each provider (HUB_BASE_URL + path, `name` from the
provider's `[[providers]]` table):

- redirect URI: ``/auth/<name>/callback``
- back-channel logout URI: ``/auth/<name>/backchannel-logout`` (session required: yes)
- post-logout redirect URI: ``/signed-out``

The client authenticates with ``client_secret_basic`` and always uses PKCE (S256); ID tokens must be
signed with an asymmetric algorithm the provider advertises.
"""
