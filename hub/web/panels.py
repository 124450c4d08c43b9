"""Panels that packages register, so the core pages never import domain code: dashboard panels
(hub.wiring ``panels``), each ``(db, user) -> Panel | None``, and case-page panels (hub.wiring
``case_panels``), each ``(db, user, case) -> Panel | None``. A panel renders its own template."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from flask import Flask, current_app
from sqlalchemy.orm import Session

from hub import wiring
from hub.agencies.models import User
from hub.cases.models import Case

EXTENSION = "hub.panels"
CASE_EXTENSION = "hub.case_panels"


@dataclass(frozen=True)
class Panel:
    """One dashboard panel: the template that draws it and what the template needs."""

    template: str
    context: Mapping[str, Any] = field(default_factory=dict)


PanelSource = Callable[[Session, User], Panel | None]
CasePanelSource = Callable[[Session, User, Case], Panel | None]


def init_panels(app: Flask) -> None:
    """Load every package's panels once, in package order."""
    app.extensions[EXTENSION] = [wiring.load(reference) for package in wiring.packages()
                                 for reference in package.panels]


def dashboard_panels(db: Session, user: User) -> list[Panel]:
    """The panels that have something to show this person."""
    sources = cast(list[PanelSource], current_app.extensions[EXTENSION])
    return [panel for source in sources if (panel := source(db, user)) is not None]


def init_case_panels(app: Flask) -> None:
    """Load every package's case-page panels once, in package order."""
    app.extensions[CASE_EXTENSION] = [wiring.load(reference) for package in wiring.packages()
                                      for reference in package.case_panels]


def case_panels(db: Session, user: User, case: Case) -> list[Panel]:
    """The case-page panels that have something to show this person about this case."""
    sources = cast(list[CasePanelSource], current_app.extensions[CASE_EXTENSION])
    return [panel for source in sources if (panel := source(db, user, case)) is not None]
