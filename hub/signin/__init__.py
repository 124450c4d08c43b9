"""Federated sign-in with each agency's OpenID Connect provider (DESIGN.md invariant 3)."""
