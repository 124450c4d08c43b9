"""Every list answer is `{<plural resource>: [...], limit, offset, next_offset}` (DESIGN.md §4)."""

from __future__ import annotations

import typing

from pydantic import BaseModel

from tests.support.endpoints import all_endpoints

ENVELOPE = {"limit", "offset", "next_offset"}
# One resource whose path ends in a name and whose parts are short lists, never paged: a
# meeting's agenda (its sections in the prescribed order) and its latest minutes (decisions).
SINGLE_RESOURCES = {"/api/v1/meetings/<uuid:meeting_id>/agenda",
                    "/api/v1/meetings/<uuid:meeting_id>/minutes/latest"}


def _lists(model) -> list[str]:
    """The fields holding a list of resources (objects), as opposed to a list of values."""
    return [name for name, field in model.model_fields.items()
            if typing.get_origin(field.annotation) is list
            and isinstance(item := typing.get_args(field.annotation)[0], type)
            and issubclass(item, BaseModel)]


def test_every_get_that_answers_a_list_answers_the_envelope():
    # A collection's path ends in a name (`/cases`); one resource's in its id (`/cases/<id>`),
    # whose answer may embed a short list (a case's members) without paging it.
    listing = [spec for spec in all_endpoints() if spec.method == "GET" and spec.response is not None
               and not spec.rule.endswith(">") and spec.rule not in SINGLE_RESOURCES
               and _lists(spec.response)]
    assert {spec.rule for spec in listing} >= {"/api/v1/cases", "/api/v1/audit"}
    for spec in listing:
        fields = set(spec.response.model_fields)
        assert fields >= ENVELOPE, f"GET {spec.rule} lacks {ENVELOPE - fields}"
        assert spec.query is not None, spec.rule
        assert set(spec.query.model_fields) >= {"limit", "offset"}, spec.rule


def test_the_audit_list_pages_by_offset_as_every_list_does(client, make):
    police = make.agency()
    officer, lead = make.user(police), make.user(police, "lead")
    case = make.case(officer)
    headers = make.headers(officer)
    for _ in range(4):
        assert client.get(f"/api/v1/cases/{case.id}", headers=headers).status_code == 200
    # Five events before the first page is read: create and four reads.
    lead_headers = make.headers(lead)
    first = client.get("/api/v1/audit", query_string={"case": case.id, "limit": 3, "offset": 1},
                       headers=lead_headers).json
    assert (first["limit"], first["offset"], first["next_offset"]) == (3, 1, 4)
    assert [e["action"] for e in first["events"]] == ["case.read"] * 3
    last = client.get("/api/v1/audit", query_string={"case": case.id, "limit": 3, "offset": 4},
                      headers=lead_headers).json
    assert last["next_offset"] is None
    # The first page's own read is the newest event now: offsets count from the newest.
    assert [e["action"] for e in last["events"]] == ["case.read", "case.create"]
