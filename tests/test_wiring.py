"""Adding a package is one line in hub.wiring.PACKAGES: the app factory, the command line, the jobs
and Alembic's metadata all read that one list, and the dashboard shows the panels packages register."""

from __future__ import annotations

from datetime import timedelta

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import inspect

from hub import wiring
from hub.app import create_app
from hub.cli import add_package_commands
from hub.db import Base, utcnow
from hub.jobs import JobContext, registered_jobs
from hub.models import metadata

SAMPLE = "tests.wiring_sample"


@pytest.fixture
def with_sample_package(monkeypatch):
    monkeypatch.setattr(wiring, "PACKAGES", (*wiring.PACKAGES, SAMPLE))
    registered_jobs.cache_clear()  # the job table is built once per process
    yield
    registered_jobs.cache_clear()


def test_every_declared_package_is_a_package_of_the_hub():
    names = [package.name for package in wiring.packages()]
    assert names == ["hub", "consent", "sharing", "meetings", "concerns", "learning"]


def test_a_package_added_in_one_line_brings_its_pages_api_and_panel(
    with_sample_package, settings, database, keyring, make
):
    app = create_app(settings, database=database, keyring=keyring)
    client = app.test_client()
    agency = make.agency()
    lead, officer = make.user(agency, "lead"), make.user(agency)

    page = client.get("/wiring-sample", headers=make.headers(officer))
    assert (page.status_code, page.get_data(as_text=True)) == (200, "sample page")
    listed = client.get("/api/v1/wiring-sample", headers=make.headers(officer))
    assert listed.json == {"samples": ["one"]}
    # Two packages each have a `list_cases` view; the endpoints stay apart.
    assert {"cases_api.list_cases", "wiring_sample_api.list_cases"} <= set(app.view_functions)

    dashboard = client.get("/", headers=make.headers(lead)).get_data(as_text=True)
    assert f"Panel for {agency.code}" in dashboard
    # A panel answers None for people it has nothing for.
    assert "Sample panel" not in client.get("/", headers=make.headers(officer)).get_data(as_text=True)


def test_without_the_line_the_package_is_absent(settings, database, keyring, make):
    app = create_app(settings, database=database, keyring=keyring)
    officer = make.user(make.agency(), "lead")
    assert app.test_client().get("/wiring-sample", headers=make.headers(officer)).status_code == 404
    assert "Sample panel" not in app.test_client().get("/", headers=make.headers(officer)).get_data(
        as_text=True)
    assert "sample-job" not in wiring.jobs()


def test_a_package_added_in_one_line_brings_its_command_and_job(with_sample_package, session, make,
                                                                settings):
    group = click.Group("hub")
    add_package_commands(group)
    assert {"db", "agency", "user", "keys", "audit", "jobs", "serve", "sample"} <= set(group.commands)
    assert CliRunner().invoke(group, ["sample"]).output == "sample command ran\n"

    assert wiring.jobs()["sample-job"].interval == timedelta(minutes=5)
    make.agency()
    make.agency()
    assert registered_jobs()["sample-job"](session, JobContext(utcnow(), settings)) >= 2


def test_a_job_name_declared_twice_is_refused(monkeypatch):
    monkeypatch.setattr(wiring, "PACKAGES", (*wiring.PACKAGES, SAMPLE, SAMPLE))
    with pytest.raises(ValueError, match="sample-job"):
        wiring.jobs()


def test_a_package_without_a_declaration_is_refused(monkeypatch):
    monkeypatch.setattr(wiring, "PACKAGES", (*wiring.PACKAGES, "tests.support"))
    with pytest.raises(TypeError, match=r"tests\.support"):
        wiring.packages()


def test_alembic_metadata_is_exactly_the_declared_models_modules_and_matches_the_database(engine):
    declared = {module for package in wiring.packages() for module in package.models}
    defining = {mapper.class_.__module__ for mapper in Base.registry.mappers}
    assert defining == declared
    assert {table.name for table in metadata.sorted_tables} <= set(inspect(engine).get_table_names())
