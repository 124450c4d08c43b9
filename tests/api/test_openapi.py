"""The published OpenAPI document is valid 3.1, complete, and built from the validating models."""

from __future__ import annotations

import re

from openapi_spec_validator import validate

from hub.access import declared_permission
from hub.api.openapi import model_schema
from hub.cases.schemas import CaseCreate, CaseListQuery
from tests.support.endpoints import all_endpoints

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def _document(client):
    response = client.get("/api/v1/openapi.json")  # public: no token
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.json


def test_the_document_is_valid_openapi_3_1(client):
    document = _document(client)
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises with the offending path if the structure is wrong


def test_every_api_route_flask_serves_is_in_the_document_and_nothing_else(app, client):
    document = _document(client)
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            served |= {(m.lower(), path) for m in (rule.methods or set()) - {"HEAD", "OPTIONS"}}
    documented = {(method, path) for path, item in document["paths"].items()
                  for method in item if method in HTTP_METHODS}
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


def test_every_operation_has_responses_with_problems_for_errors(client):
    document = _document(client)
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert any(code.startswith("2") for code in responses), f"{method} {path}: no success"
            for code, response in responses.items():
                if int(code) >= 400:
                    assert set(response["content"]) == {"application/problem+json"}, (method, path, code)
            if operation.get("security") != []:
                assert "401" in responses, f"{method} {path} needs sign-in but documents no 401"
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= set(responses), (method, path)


def test_request_schemas_are_the_models_that_validate_requests(client):
    document = _document(client)
    schemas = document["components"]["schemas"]
    for spec in all_endpoints():
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", spec.rule)
        operation = document["paths"][path][spec.method.lower()]
        if spec.body is None:
            assert "requestBody" not in operation
            continue
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref == f"#/components/schemas/{spec.body.__name__}"
        expected = model_schema(spec.body)
        definitions = expected.pop("$defs", {})
        assert schemas[spec.body.__name__] == expected
        for name, definition in definitions.items():
            assert schemas[name] == definition


def test_case_create_schema_forbids_unknown_fields_and_requires_kind_and_subject(client):
    schemas = _document(client)["components"]["schemas"]
    case_create = schemas["CaseCreate"]
    assert case_create["additionalProperties"] is False
    assert set(case_create["required"]) == {"kind", "subject"}
    subject = schemas["SubjectIn"]
    assert subject["additionalProperties"] is False
    assert set(subject["required"]) == {"name", "date_of_birth"}
    assert subject["properties"]["date_of_birth"]["format"] == "date"
    assert set(schemas["CaseKind"]["enum"]) == {"adult", "child", "marac", "mappa"}
    assert CaseCreate.model_config["extra"] == "forbid"


def test_query_parameters_carry_their_validation_limits(client):
    operation = _document(client)["paths"]["/api/v1/cases"]["get"]
    params = {p["name"]: p for p in operation["parameters"]}
    assert set(params) == set(CaseListQuery.model_fields)
    assert params["limit"]["in"] == "query"
    assert params["limit"]["schema"]["minimum"] == 1
    assert params["limit"]["schema"]["maximum"] == 200
    assert params["offset"]["schema"]["minimum"] == 0


def test_public_operations_need_no_credentials(client):
    document = _document(client)
    assert document["paths"]["/api/v1/openapi.json"]["get"]["security"] == []
    assert document["paths"]["/api/v1/cases"]["post"].get("security") is None
    assert {"bearer", "session"} <= set(document["components"]["securitySchemes"])


def test_the_documented_permission_is_the_one_the_route_enforces(app, client):
    document = _document(client)
    adapter = app.url_map.bind("localhost")
    for path, item in document["paths"].items():
        for method, operation in item.items():
            types = {p["name"]: p.get("schema", {}).get("type") for p in operation.get("parameters", [])
                     if p.get("in") == "path"}
            concrete = re.sub(r"\{(\w+)\}", lambda m, types=types: "1" if types.get(m.group(1)) == "integer"
                              else "00000000-0000-4000-8000-000000000000", path)
            endpoint, _args = adapter.match(concrete, method=method.upper())
            declared = declared_permission(app.view_functions[endpoint])
            assert operation["x-permission"] == str(declared), (method, path)
