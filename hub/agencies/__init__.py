"""Agencies (the tenants), the people who work for them, their external identities and API tokens."""
