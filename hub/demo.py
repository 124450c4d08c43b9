"""`hub demo`: a self-contained hub on loopback with fictional agencies, people and cases."""

from __future__ import annotations

import dataclasses
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from hub import migrate
from hub.actor import Actor
from hub.agencies import services as agency_services
from hub.agencies.models import Agency, ExternalIdentity, User
from hub.app import create_app
from hub.cases import services as case_services
from hub.cases.models import CaseKind
from hub.config import DEFAULT_INSTANCE, Policy, ProviderConfig, load_settings
from hub.crypto.envelope import Envelope
from hub.crypto.keyring import Keyring
from hub.db import Database, utcnow
from hub.demo_idp import DemoClient, DemoPerson, Tenant, create_demo_idp
from hub.demo_idp.loopback import serve_on_loopback

IDP_MOUNT = "/demo-idp"
# Where the hub asks the demo provider to send people after signing out (registered exactly).
POST_LOGOUT_PATHS = ("/signed-out",)

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
    """A fictional member of staff: a hub user, and a person at their agency's demo identity provider."""

    email: str
    name: str
    agency: str
    roles: tuple[str, ...]
    description: str
    subject: str  # the `sub` their agency's provider gives them; stable across runs
    idp_roles: tuple[str, ...]  # what their provider says in the `roles` claim


@dataclass(frozen=True)
class DemoProvider:
    """One fictional agency's identity provider, as the hub is configured to trust it."""

    name: str
    title: str
    agency: str
    role_map: dict[str, str]

    @property
    def secret_env(self) -> str:
        return f"HUB_DEMO_{self.name.upper().replace('-', '_')}_SECRET"


PROVIDERS = [
    DemoProvider("police", "Northshire Police", "POL-NS",
                 {"officer": "practitioner", "detective-sergeant": "manager"}),
    DemoProvider("nhs-mh", "Northshire Mental Health NHS Foundation Trust", "NMH-NS",
                 {"clinician": "practitioner", "caldicott-deputy": "ig"}),
    DemoProvider("council-adults", "Northshire County Council Adult Social Care", "ASC-NS",
                 {"social-worker": "practitioner", "safeguarding-lead": "lead", "hub-administrator": "admin",
                  "partnership-auditor": "auditor"}),
    DemoProvider("idva", "Northshire IDVA Service", "IDVA-NS",
                 {"idva": "practitioner", "idva-manager": "manager"}),
]

PERSONAS = [
    Persona("dc.ahmed@police.northshire.example", "DC Samira Ahmed", "POL-NS", ("practitioner",),
            "police officer, public protection unit", "pol-000417", ("officer",)),
    Persona("nurse.okafor@nmh.northshire.example", "Chidi Okafor", "NMH-NS", ("practitioner",),
            "community mental-health nurse", "nmh-002231", ("clinician",)),
    Persona("lead.price@asc.northshire.example", "Hannah Price", "ASC-NS", ("lead",),
            "adult safeguarding lead and MARAC chair", "asc-000087", ("safeguarding-lead",)),
    Persona("idva.walsh@idva.northshire.example", "Niamh Walsh", "IDVA-NS", ("practitioner",),
            "independent domestic violence adviser", "idva-000012", ("idva",)),
    Persona("ig.hughes@nmh.northshire.example", "Gareth Hughes", "NMH-NS", ("ig",),
            "Caldicott Guardian's deputy", "nmh-000954", ("caldicott-deputy",)),
    Persona("admin@hub.northshire.example", "Hub Administrator", "ASC-NS", ("admin",),
            "hub administrator (sees no case content)", "asc-000001", ("hub-administrator",)),
    Persona("auditor@hub.northshire.example", "Partnership Auditor", "ASC-NS", ("auditor",),
            "audit-trail reviewer (sees no case content)", "asc-000002", ("partnership-auditor",)),
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


def instance_dir(environ: Mapping[str, str]) -> Path:
    """`HUB_INSTANCE` if set (tests use a temporary one), else the repository's `instance/`."""
    return Path(environ["HUB_INSTANCE"]) if environ.get("HUB_INSTANCE") else DEFAULT_INSTANCE


def demo_providers(base_url: str) -> tuple[ProviderConfig, ...]:
    """The hub's provider table for the four demo issuers, all served under `base_url/demo-idp`."""
    return tuple(
        ProviderConfig(name=p.name, title=p.title, issuer=f"{base_url}{IDP_MOUNT}/{p.name}", client_id="hub",
                       client_secret_env=p.secret_env, agencies=(p.agency,), role_claim="roles",
                       role_map=dict(p.role_map))
        for p in PROVIDERS
    )


def demo_tenants(base_url: str, client_secrets: Mapping[str, str]) -> list[Tenant]:
    """The demo provider's side of the same four agencies: their people and the hub as a client."""
    return [
        Tenant(
            slug=p.name, title=p.title,
            people=tuple(DemoPerson(subject=x.subject, name=x.name, email=x.email, roles=x.idp_roles,
                                    description=x.description)
                         for x in PERSONAS if x.agency == p.agency),
            clients=(DemoClient(
                client_id="hub", client_secret=client_secrets[p.name],
                redirect_uris=(f"{base_url}/auth/{p.name}/callback",),
                post_logout_redirect_uris=tuple(f"{base_url}{path}" for path in POST_LOGOUT_PATHS),
            ),),
        )
        for p in PROVIDERS
    ]


def link_identities(session: Session, providers: tuple[ProviderConfig, ...], *, now: datetime) -> int:
    """Tie each persona to (issuer, subject) so a demo sign-in lands on the seeded person and cases.

    The issuer carries the port, so this runs on every start; it adds only the missing links.
    """
    by_agency = {p.agencies[0]: p for p in providers}
    added = 0
    for persona in PERSONAS:
        issuer = by_agency[persona.agency].issuer
        exists = session.scalar(select(ExternalIdentity.id).where(
            ExternalIdentity.issuer == issuer, ExternalIdentity.subject == persona.subject))
        if exists is None:
            person = agency_services.find_user_by_email(session, persona.email)
            session.add(ExternalIdentity(user_id=person.id, issuer=issuer, subject=persona.subject,
                                         created_at=now))
            added += 1
    session.flush()
    return added


def build_demo(port: int) -> tuple[DispatcherMiddleware, list[tuple[Persona, str]], bool]:
    """Prepare instance/, migrate, seed, link identities; return the combined WSGI app and tokens."""
    instance = instance_dir(os.environ)
    os.environ.update(prepare_instance(instance))
    os.environ.setdefault("HUB_DATABASE_URL", f"sqlite:///{instance / 'hub.db'}")
    base_url = f"http://127.0.0.1:{port}"
    client_secrets = {p.name: secrets.token_urlsafe(32) for p in PROVIDERS}
    for p in PROVIDERS:
        os.environ[p.secret_env] = client_secrets[p.name]
    providers = demo_providers(base_url)
    settings = dataclasses.replace(load_settings(demo=True), base_url=base_url, providers=providers)
    migrate.upgrade(settings.database_url)
    database = Database(settings.database_url)
    keyring = Keyring.load(Path(os.environ["HUB_KEYRING"]))
    envelope = Envelope(keyring)
    with database.transaction() as session:
        seeded = seed(session, envelope, settings.policy)
        link_identities(session, providers, now=utcnow())
        tokens = []
        for persona in PERSONAS:
            person = agency_services.find_user_by_email(session, persona.email)
            _t, secret = agency_services.create_token(session, Actor.system(), user=person,
                                                      days=1, now=utcnow())
            tokens.append((persona, secret))
    hub = create_app(settings, database=database, keyring=keyring)
    idp = create_demo_idp(f"{base_url}{IDP_MOUNT}", demo_tenants(base_url, client_secrets))
    return DispatcherMiddleware(hub, {IDP_MOUNT: idp}), tokens, seeded


def run_demo(*, port: int) -> None:
    """`hub demo`: the hub and the demo identity provider in one loopback process."""
    application, tokens, seeded = build_demo(port)
    base_url = f"http://127.0.0.1:{port}"
    click.echo(f"\nSafeguarding hub demo {'(fresh demo data) ' if seeded else ''}at {base_url}/\n")
    click.echo(f"Sign in at {base_url}/sign-in: choose an agency, then one of its fictional people.")
    click.echo(f"The demo identity providers (one issuer per agency) are under {base_url}{IDP_MOUNT}/\n")
    click.echo("Personas (sign-in provider, and an API bearer token valid for 1 day):")
    titles = {p.agency: p.title for p in PROVIDERS}
    for p, secret in tokens:
        click.echo(f"  {p.name:<22} {p.agency:<8} {','.join(p.roles):<13} {p.description}")
        click.echo(f"      sign in with: {titles[p.agency]}")
        click.echo(f"      curl -H 'Authorization: Bearer {secret}' {base_url}/api/v1/cases")
    click.echo("\nPress Ctrl+C to stop.\n")
    serve_on_loopback(application, "127.0.0.1", port)
