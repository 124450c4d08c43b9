"""Running Alembic from code: `hub db upgrade`, test fixtures and `alembic check`."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config

from hub.config import ROOT


def alembic_config(url: str, connection: Any = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def check(url: str) -> None:
    """Raise if the models and the migrations disagree (alembic check)."""
    command.check(alembic_config(url))
