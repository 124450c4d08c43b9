"""Learning from incidents and reviews (DOMAIN.md §9) and the partnership's evidence (§11):
incident and near-miss reviews with feedback to whoever raised them, Safeguarding Adult Reviews
and Child Safeguarding Practice Reviews with their clocks, each review's action plan; the rules
reviews are checked against and the small-number suppression the partnership report applies."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="learning",
    models=("learning.models",),
    blueprints=("learning.api:api", "learning.review_views:review_pages",
                "learning.statutory_views:statutory_pages", "learning.link_views:link_pages",
                "learning.action_views:action_pages",
                "learning.report_views:report_pages"),
    panels=("learning.panels:dashboard_panel", "learning.panels:report_panel"),
    jobs=(Job("reviews", "learning.tasks:reviews", timedelta(hours=1)),),
    figures=("learning.figures:figures",),
)
