"""`hub agency`, `hub user` and `hub token`: agencies, people and API tokens."""

from __future__ import annotations

import uuid

import click

from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import AgencyKind, Role
from hub.cli.common import database_for
from hub.config import load_settings
from hub.db import utcnow


@click.group()
def agency() -> None:
    """Agencies (tenants)."""


@agency.command("add")
@click.argument("code")
@click.option("--name", required=True, help="the agency's full name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in AgencyKind]))
def agency_add(code: str, name: str, kind: str) -> None:
    """Register an agency, e.g. `hub agency add POL-NS --name "Northshire Police" --kind police`."""
    database = database_for(load_settings())
    with database.transaction() as session:
        created = agency_services.add_agency(session, Actor.system(), code=code, name=name,
                                             kind=kind, now=utcnow())
        click.echo(f"agency {created.code} registered")


@click.group()
def user() -> None:
    """People."""


@user.command("add")
@click.option("--agency", "agency_code", required=True, help="agency code, e.g. POL-NS")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", "roles", required=True, multiple=True,
              type=click.Choice([r.value for r in Role]), help="repeat for several roles")
def user_add(agency_code: str, email: str, name: str, roles: tuple[str, ...]) -> None:
    """Register a person (service accounts, the first administrator)."""
    database = database_for(load_settings())
    with database.transaction() as session:
        created = agency_services.add_user(session, Actor.system(), agency_code=agency_code,
                                           email=email, name=name, roles=list(roles),
                                           now=utcnow())
        click.echo(f"user {created.id} registered in {agency_code}")


@user.command("deactivate")
@click.option("--email", help="the person's e-mail address")
@click.option("--id", "user_id", type=click.UUID, help="the person's id (when several share an address)")
def user_deactivate(email: str | None, user_id: uuid.UUID | None) -> None:
    """Deactivate a person at once: their API tokens stop working and their sessions end."""
    if (email is None) == (user_id is None):
        raise click.UsageError("give either --email or --id")
    database = database_for(load_settings())
    with database.transaction() as session:
        if user_id is None:
            assert email is not None
            user_id = agency_services.find_user_by_email(session, email).id
        agency_services.deactivate_user(session, Actor.system(), user_id, utcnow())
        click.echo(f"user {user_id} deactivated")


@user.command("roles")
@click.option("--email", help="the person's e-mail address")
@click.option("--id", "user_id", type=click.UUID, help="the person's id (when several share an address)")
@click.option("--set", "roles", required=True, metavar="ROLE[,ROLE]",
              help=f"the person's roles from now on, separated by commas: {', '.join(r.value for r in Role)}")
def user_roles(email: str | None, user_id: uuid.UUID | None, roles: str) -> None:
    """Set a person's roles, e.g. `hub user roles --email svc@agency.example --set lead,manager`.

    Meant for service accounts: someone who signs in through a provider with a `role_claim` gets
    their roles from that provider again at every sign-in.
    """
    if (email is None) == (user_id is None):
        raise click.UsageError("give either --email or --id")
    wanted = [r.strip() for r in roles.split(",")]
    database = database_for(load_settings())
    with database.transaction() as session:
        if user_id is None:
            assert email is not None
            user_id = agency_services.find_user_by_email(session, email).id
        person = agency_services.set_roles(session, Actor.system(), user_id, wanted, now=utcnow())
        click.echo(f"user {person.id} has roles {','.join(person.roles)}")


@click.group()
def token() -> None:
    """API bearer tokens."""


@token.command("create")
@click.option("--user", "email", required=True, help="the person's e-mail address (or their id)")
@click.option("--days", default=90, show_default=True, type=click.IntRange(1, 366))
def token_create(email: str, days: int) -> None:
    """Print a new bearer token once; only its hash is stored."""
    database = database_for(load_settings())
    with database.transaction() as session:
        person = agency_services.find_user(session, email)
        _token, secret = agency_services.create_token(session, Actor.system(), user=person,
                                                      days=days, now=utcnow())
    click.echo(secret)
