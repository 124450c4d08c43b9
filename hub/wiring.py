"""One list of packages, read by the app factory, the jobs, the scheduler, the CLI and Alembic.

A package declares what it adds in one place, a :class:`Package` named ``PACKAGE`` in its
``__init__.py``; adding a package to the hub is one line in :data:`PACKAGES`. References are
``"module:attribute"`` strings, imported only by whoever needs them, so the command line does not
load the web application and Alembic does not load the views.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

# The platform first; then the domain packages, in the order their pages and panels appear.
PACKAGES: tuple[str, ...] = (
    "hub",
    "consent",
    "sharing",
    "meetings",
    "concerns",
    "learning",
)


@dataclass(frozen=True)
class Job:
    """A scheduled job: ``target`` is ``(session, context) -> int`` (hub.jobs), idempotent and
    set-based."""

    name: str
    target: str
    interval: timedelta = timedelta(minutes=1)


@dataclass(frozen=True)
class Package:
    """What one package adds to the hub.

    ``models``: modules whose import defines tables; ``blueprints``: Flask blueprints;
    ``setup``: callables ``(app) -> None`` run by the app factory after the blueprints;
    ``commands``: click commands or groups under ``hub``; ``jobs``: scheduled jobs;
    ``panels``: dashboard panels, callables ``(db, user) -> Panel | None``;
    ``case_panels``: panels of the case page, callables ``(db, user, case) -> Panel | None``
    (hub.web.panels), each drawn below the case's member agencies;
    ``admission``: checks run before an agency joins a case, callables
    ``(db, case, agency, *, policy, now) -> hub.cases.admission.Admission`` that raise
    ``hub.errors.Conflict`` to refuse (membership is sharing: the consent package's gate);
    ``figures``: the package's measures for the partnership report, callables
    ``(db, period, policy) -> list[hub.figures.Figure]`` (aggregates by agency, never a person).
    """

    name: str
    models: tuple[str, ...] = ()
    blueprints: tuple[str, ...] = ()
    setup: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()
    jobs: tuple[Job, ...] = ()
    panels: tuple[str, ...] = ()
    case_panels: tuple[str, ...] = ()
    admission: tuple[str, ...] = ()
    figures: tuple[str, ...] = ()


def load(reference: str) -> Any:
    """The object a ``"module:attribute"`` reference names."""
    module_name, _, attribute = reference.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


def packages() -> list[Package]:
    """Every installed package's declaration, in the order of :data:`PACKAGES`."""
    found = []
    for name in PACKAGES:
        package = getattr(importlib.import_module(name), "PACKAGE", None)
        if not isinstance(package, Package):
            raise TypeError(f"package {name!r} declares no PACKAGE = hub.wiring.Package(...)")
        found.append(package)
    return found


def jobs() -> dict[str, Job]:
    """Every package's jobs by name; a name declared twice is a wiring error."""
    found: dict[str, Job] = {}
    for package in packages():
        for job in package.jobs:
            if job.name in found:
                raise ValueError(f"job {job.name!r} is declared by two packages")
            found[job.name] = job
    return found


def import_models() -> None:
    """Import every package's model modules so that the metadata is complete."""
    for package in packages():
        for module in package.models:
            importlib.import_module(module)
