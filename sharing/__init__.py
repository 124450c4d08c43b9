"""The sharing package (DESIGN.md §1): a case's risk summary and crisis plan, in versions, readable
by its member agencies only; cross-agency actions and professional challenge grow here next."""

from hub.wiring import Package

PACKAGE = Package(
    name="sharing",
    models=("sharing.models",),
    blueprints=("sharing.api:api",),
)
