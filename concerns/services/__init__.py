"""The concerns package's services: one shape everywhere (STYLE.md)."""
