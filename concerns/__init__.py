"""The concerns package (DESIGN.md §1): safeguarding concerns and their triage by the agency's
named leads, daily wellbeing observations and the thresholds that raise alerts, supervision
focused on risk."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="concerns",
    models=("concerns.models",),
    blueprints=("concerns.api:api", "concerns.concern_views:concern_pages",
                "concerns.observation_views:observation_pages", "concerns.alert_views:alert_pages",
                "concerns.lead_views:lead_pages", "concerns.supervision_views:supervision_pages"),
    panels=("concerns.panels:dashboard_panel", "concerns.panels:supervision_panel"),
    case_panels=("concerns.panels:concern_panel", "concerns.panels:observation_panel",
                 "concerns.panels:allocation_panel"),
    jobs=(Job("observations", "concerns.tasks:observations", timedelta(minutes=15)),),
    figures=("concerns.figures:figures",),
)
