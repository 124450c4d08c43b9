"""The concerns package (DESIGN.md §1): safeguarding concerns and their triage by the agency's
named leads, daily wellbeing observations and the thresholds that raise alerts, supervision
focused on risk."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="concerns",
    models=("concerns.models",),
    blueprints=("concerns.api:api",),
    jobs=(Job("observations", "concerns.tasks:observations", timedelta(minutes=15)),),
)
