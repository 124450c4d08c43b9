"""Multi-agency safeguarding hub."""
