"""Database errors never carry a person's name or e-mail into the logs (invariant 5): engines
hide bound parameters, and the tracebacks the hub logs are made of those errors."""

from __future__ import annotations

import logging

import pytest
from flask import Blueprint
from sqlalchemy.exc import IntegrityError

from hub import context
from hub.access import Permission, requires
from hub.agencies.models import User
from hub.db import utcnow
from hub.security import csrf_exempt

NAME = "Zebedee Quartermaine-Oyelaran"
EMAIL = "zebedee.quartermaine@police.example"


def _write_a_person_to_an_agency_that_does_not_exist(db) -> None:
    db.add(User(agency_id=987_654_321, email=EMAIL, name=NAME, roles=["practitioner"], active=True,
                created_at=utcnow()))
    db.flush()


def test_an_integrity_error_does_not_repeat_the_values_being_written(session):
    with pytest.raises(IntegrityError) as failed:
        _write_a_person_to_an_agency_that_does_not_exist(session)
    assert NAME not in str(failed.value)
    assert EMAIL not in str(failed.value)
    assert "hidden due to hide_parameters" in str(failed.value)


def test_a_failed_write_in_a_request_logs_no_personal_data(app, client, caplog):
    broken = Blueprint("broken_for_test", __name__)

    @broken.post("/test-only/write-person")
    @requires(Permission.PUBLIC)
    @csrf_exempt
    def write_person():
        _write_a_person_to_an_agency_that_does_not_exist(context.db())
        return "written"

    app.register_blueprint(broken)
    caplog.set_level(logging.DEBUG)
    response = client.post("/test-only/write-person")
    assert response.status_code == 500
    logged = [r for r in caplog.records if r.exc_info and r.exc_info[0] is IntegrityError]
    assert logged, "the failure is logged with its traceback"
    formatter = logging.Formatter("%(message)s")
    for record in caplog.records:
        line = formatter.format(record)  # the message and, where there is one, the traceback
        assert NAME not in line
        assert EMAIL not in line
    assert NAME not in response.get_data(as_text=True)
