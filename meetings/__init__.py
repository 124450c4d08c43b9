"""The meetings package (DESIGN.md §1): strategy meetings, MARAC and MAPPA convened against the
law's clocks; its wiring grows as its issue is built."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="meetings",
    models=("meetings.models",),
    blueprints=("meetings.api:api", "meetings.views:pages", "meetings.minutes_views:minutes_pages",
                "meetings.convene_views:convene_pages", "meetings.marac_views:marac_pages",
                "meetings.carried_views:carried_pages", "meetings.change_views:changes"),
    panels=("meetings.panels:dashboard_panel",),
    case_panels=("meetings.panels:meetings_panel", "meetings.panels:referral_panel",
                 "meetings.panels:case_panel"),
    jobs=(Job("mappa-reviews", "meetings.tasks:mappa_reviews", timedelta(hours=1)),
          Job("reminders", "meetings.tasks:reminders", timedelta(minutes=15))),
    figures=("meetings.figures:figures",),
)
