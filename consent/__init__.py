"""The consent package (DESIGN.md §1): consent records, lawful-disclosure decisions and their
validation, the IG review queue, information-sharing agreements, and the membership gate."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="consent",
    models=("consent.models",),
    blueprints=("consent.api:api", "consent.views:pages", "consent.admin_views:admin_pages"),
    panels=("consent.panels:dashboard_panel",),
    case_panels=("consent.case_panel:case_panel",),
    jobs=(Job("disclosure-drafts", "consent.tasks:discard_stale_drafts", timedelta(hours=1)),),
    admission=("consent.services.admission:membership_ground",),
    figures=("consent.figures:figures",),
)
