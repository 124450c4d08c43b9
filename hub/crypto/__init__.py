"""Envelope encryption (AES-256-GCM), the keyring and the keyed blind index (invariant 4)."""
