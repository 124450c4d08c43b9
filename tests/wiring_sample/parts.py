"""The sample package's parts: a page, an API endpoint named like the core's, a command, a job
and a panel."""

from __future__ import annotations

import click
from flask import Blueprint
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.access import Permission, requires
from hub.agencies.models import Agency, User
from hub.api.blueprint import api_blueprint
from hub.api.endpoints import endpoint
from hub.jobs import JobContext
from hub.web.panels import Panel

pages = Blueprint("wiring_sample", __name__)
api = api_blueprint("wiring_sample", __name__)


@pages.get("/wiring-sample")
@requires(Permission.SIGNED_IN)
def page() -> str:
    return "sample page"


class SampleList(BaseModel):
    samples: list[str]


# The same view name as the core's case list: each package's blueprint keeps them apart.
@endpoint(api, "GET", "/wiring-sample", summary="Samples", permission=Permission.SIGNED_IN,
          response=SampleList)
def list_cases() -> dict:
    return SampleList(samples=["one"]).model_dump(mode="json")


@click.command("sample")
def sample() -> None:
    """A sample command."""
    click.echo("sample command ran")


def count_agencies(session: Session, context: JobContext) -> int:
    return session.scalar(select(func.count()).select_from(Agency)) or 0


def panel(db: Session, user: User) -> Panel | None:
    if not user.has_role("lead"):
        return None
    return Panel("wiring_sample/panel.html", {"greeting": f"Panel for {user.agency.code}"})
