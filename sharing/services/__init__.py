"""The sharing package's services: what its API and pages call (STYLE.md: views stay thin)."""
