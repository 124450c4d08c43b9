"""The consent package (DESIGN.md §1): consent records, lawful-disclosure decisions and their
validation, the IG review queue, information-sharing agreements, and the membership gate."""

from hub.wiring import Package

PACKAGE = Package(
    name="consent",
    models=("consent.models",),
    blueprints=("consent.api:api", "consent.views:pages", "consent.admin_views:admin_pages"),
    panels=("consent.panels:dashboard_panel",),
    admission=("consent.services.admission:membership_ground",),
)
