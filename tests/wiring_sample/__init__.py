"""A package that exists only to prove the wiring: one line in hub.wiring.PACKAGES adds its page,
API endpoint, command, job and dashboard panel, with no edit to the platform."""

from datetime import timedelta

from hub.wiring import Job, Package

PACKAGE = Package(
    name="wiring_sample",
    blueprints=("tests.wiring_sample.parts:pages", "tests.wiring_sample.parts:api"),
    commands=("tests.wiring_sample.parts:sample",),
    jobs=(Job("sample-job", "tests.wiring_sample.parts:count_agencies", timedelta(minutes=5)),),
    panels=("tests.wiring_sample.parts:panel",),
)
