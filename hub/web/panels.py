"""Dashboard panels that packages register (hub.wiring ``panels``), so the core dashboard never
imports domain code: each panel is ``(db, user) -> Panel | None`` and renders its own template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy.orm import Session

from hub import wiring
from hub.agencies.models import User

EXTENSION = "hub.panels"


@dataclass(frozen=True)
class Panel:
    """One dashboard panel: the template that draws it and what the template needs."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


PanelSource = Callable[[Session, User], Panel | None]


def init_panels(app: Flask) -> None:
    """Load every package's panels once, in package order."""
    app.extensions[EXTENSION] = [wiring.load(reference) for package in wiring.packages()
                                 for reference in package.panels]


def dashboard_panels(db: Session, user: User) -> list[Panel]:
    """The panels that have something to show this person."""
    sources = cast(list[PanelSource], current_app.extensions[EXTENSION])
    return [panel for source in sources if (panel := source(db, user)) is not None]
