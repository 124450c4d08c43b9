"""The sharing package (DESIGN.md §1): a case's risk summary and crisis plan, in versions, readable
by its member agencies only; cross-agency actions; professional challenge and the escalation
ladder, moved by the `escalation` job."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="sharing",
    models=("sharing.models",),
    blueprints=("sharing.api:api", "sharing.views:pages", "sharing.action_views:action_pages",
                "sharing.challenge_views:challenge_pages"),
    panels=("sharing.panels:dashboard_panel", "sharing.action_panels:dashboard_panel",
            "sharing.challenge_panels:dashboard_panel"),
    case_panels=("sharing.panels:case_panel", "sharing.action_panels:case_panel"),
    jobs=(Job("escalation", "sharing.tasks:escalate_challenges", timedelta(minutes=15)),),
    figures=("sharing.figures:figures",),
)
