"""The meetings package (DESIGN.md §1): strategy meetings, MARAC and MAPPA convened against the
law's clocks; its wiring grows as its issue is built."""

from hub.wiring import Package

PACKAGE = Package(
    name="meetings",
    models=("meetings.models",),
    blueprints=("meetings.api:api", "meetings.views:pages"),
)
