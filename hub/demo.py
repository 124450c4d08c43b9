"""`hub demo`: a self-contained hub on loopback with fictional agencies, people and cases."""

from __future__ import annotations

import dataclasses
import os
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import run_simple

from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency, User
from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import CaseKind
from hub.config import DEFAULT_INSTANCE, Policy, load_settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow

AGENCIES = [
    ("POL-NS", "Northshire Police", "police"),
    ("NMH-NS", "Northshire Mental Health NHS Foundation Trust", "nhs_mental_health"),
    ("ASC-NS", "Northshire County Council Adult Social Care", "council_adults"),
    ("IDVA-NS", "Northshire IDVA Service", "idva"),
    ("CSC-NS", "Northshire County Council Children's Services", "council_children"),
    ("PRB-NS", "Northshire Probation Delivery Unit", "probation"),
]


@dataclass(frozen=True)
class Persona:
    email: str
    name: str
    agency: str
    roles: tuple[str, ...]
    description: str


PERSONAS = [
    Persona("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS", ("practitioner",),
            "police officer, public protection unit"),
    Persona("nurse.okafor@nmh.northshire.example", "Chidi Okafor", "NMH-NS", ("practitioner",),
            "community mental-health nurse"),
    Persona("lead.price@asc.northshire.example", "Hannah Price", "ASC-NS", ("lead",),
            "adult safeguarding lead and MARAC chair"),
    Persona("idva.walsh@idva.northshire.example", "Niamh Walsh", "IDVA-NS", ("practitioner",),
            "independent domestic violence adviser"),
    Persona("ig.hughes@nmh.northshire.example", "Gareth Hughes", "NMH-NS", ("ig",),
            "Caldicott Guardian's deputy"),
    Persona("admin@hub.northshire.example", "Hub Administrator", "ASC-NS", ("admin",),
            "hub administrator (sees no case content)"),
    Persona("auditor@hub.northshire.example", "Partnership Auditor", "ASC-NS", ("auditor",),
            "audit-trail reviewer (sees no case content)"),
]

# Entirely fictional people; any resemblance is accidental.
CASES = [
    (CaseKind.MARAC, "IDVA-NS", "Jordan Example", date(1991, 4, 12), ["POL-NS", "ASC-NS", "NMH-NS"]),
    (CaseKind.ADULT, "ASC-NS", "Margaret Fictitious", date(1938, 9, 2), ["POL-NS", "NMH-NS"]),
    (CaseKind.MAPPA, "PRB-NS", "Lee Madeup", date(1979, 1, 23), ["POL-NS", "ASC-NS"]),
    (CaseKind.CHILD, "CSC-NS", "Riley Invented", date(2015, 6, 30), ["POL-NS", "NMH-NS"]),
]


def prepare_instance(instance: Path = DEFAULT_INSTANCE) -> dict[str, str]:
    """Create instance/ with a keyring and a secret key on first run; returns the environment."""
    instance.mkdir(parents=True, exist_ok=True)
    os.chmod(instance, 0o700)
    keyring_path = instance / "keyring.json"
    if not keyring_path.exists():
        Keyring.generate().save(keyring_path)
    secret_path = instance / "secret_key"
    if not secret_path.exists():
        fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
    return {
        "HUB_KEYRING": str(keyring_path),
        "HUB_SECRET_KEY": secret_path.read_text().strip(),
    }


def seed(session: Session, envelope: Envelope, policy: Policy) -> bool:
    """Fictional agencies, people and cases; does nothing if the demo data is already there."""
    if session.scalar(select(Agency.id).where(Agency.code == "POL-NS")) is not None:
        return False
    now = utcnow()
    system = Actor.system()
    for code, name, kind in AGENCIES:
        agency_services.add_agency(session, system, code=code, name=name, kind=kind, now=now)
    for p in PERSONAS:
        agency_services.add_user(session, system, agency_code=p.agency, email=p.email,
                                 name=p.name, roles=list(p.roles), now=now)
    for kind, lead, name, dob, others in CASES:
        creator = session.scalar(
            select(User).join(Agency).where(Agency.code == lead).order_by(User.created_at)
        )
        if creator is None or not creator.has_role("practitioner", "lead", "manager"):
            creator = agency_services.add_user(
                session, system, agency_code=lead, email=f"duty@{lead.lower()}.northshire.example",
                name=f"Duty worker {lead}", roles=["practitioner"], now=now)
        case_services.create_case(
            session, Actor(creator, "hub:demo"), kind=kind,
            subject=case_services.Subject(name, dob), agency_codes=others, envelope=envelope,
            policy=policy, now=now - timedelta(days=30),
        )
    return True


def run_demo(*, port: int) -> None:
    env = prepare_instance()
    os.environ.update(env)
    settings = load_settings(demo=True)
    settings = dataclasses.replace(settings, base_url=f"http://127.0.0.1:{port}")
    migrate.upgrade(settings.database_url)
    database = Database(settings.database_url)
    keyring = Keyring.load(Path(env["HUB_KEYRING"]))
    envelope = Envelope(keyring)
    with database.transaction() as session:
        seeded = seed(session, envelope, settings.policy)
        tokens = []
        for p in PERSONAS:
            person = agency_services.find_user_by_email(session, p.email)
            _t, secret = agency_services.create_token(session, Actor.system(), user=person,
                                                      days=1, now=utcnow())
            tokens.append((p, secret))
    app = create_app(settings, database=database, keyring=keyring)
    click.echo(f"\nSafeguarding hub demo {'(fresh demo data) ' if seeded else ''}"
               f"at http://127.0.0.1:{port}/\n")
    click.echo("Personas (API bearer tokens, valid for 1 day):")
    for p, secret in tokens:
        click.echo(f"  {p.name:<22} {p.agency:<8} {','.join(p.roles):<13} {p.description}")
        click.echo(f"      curl -H 'Authorization: Bearer {secret}' "
                   f"http://127.0.0.1:{port}/api/v1/cases")
    click.echo("\nPress Ctrl+C to stop.\n")
    run_simple("127.0.0.1", port, app, threaded=True, use_reloader=False)
