"""Multi-agency safeguarding hub: the platform's own wiring (see hub.wiring)."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="hub",
    models=(
        "hub.agencies.models",
        "hub.audit.models",
        "hub.cases.models",
        "hub.crypto.models",
        "hub.mail.models",
        "hub.sessions.models",
        "hub.signin.models",
    ),
    blueprints=(
        "hub.api.meta:api",
        "hub.agencies.api:api",
        "hub.audit.api:api",
        "hub.cases.api:api",
        "hub.web.views:web",
        "hub.cases.views:cases",
    ),
    commands=(
        "hub.cli.database:db",
        "hub.cli.people:agency",
        "hub.cli.people:user",
        "hub.cli.people:token",
        "hub.cli.keys:keys",
        "hub.cli.audit:audit",
        "hub.cli.jobs:jobs",
        "hub.cli.serving:scheduler_command",
        "hub.cli.serving:serve",
        "hub.cli.serving:demo",
    ),
    jobs=(
        Job("audit-seal", "hub.audit.tasks:seal_audit_events", timedelta(minutes=1)),
        Job("outbox", "hub.mail.delivery:deliver_outbox", timedelta(minutes=1)),
    ),
)
