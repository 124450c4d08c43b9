"""Bad input over real HTTP: `hub serve` (gunicorn) on a real port, hit with real sockets.

The in-process tests cover the rules; these prove the same answers survive a real server, where
body size limits, chunked uploads and undecodable URLs are handled by gunicorn and werkzeug.
"""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from hub.db import make_engine
from hub.models import metadata
from tests.support.serve import hub_with_a_token

VALID_CASE = {"kind": "adult", "subject": {"name": "Hayden Overhttp", "date_of_birth": "1970-03-04"}}


@dataclass(frozen=True)
class Server:
    base: str
    port: int
    headers: dict[str, str]
    engine: Engine

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return {t.name: connection.execute(select(func.count()).select_from(t)).scalar_one()
                    for t in metadata.sorted_tables}


@pytest.fixture
def server(fresh_database_url: str, tmp_path: Path) -> Iterator[Server]:
    engine = make_engine(fresh_database_url)
    try:
        with hub_with_a_token(fresh_database_url, tmp_path, agency="POL-HT") as hub:
            yield Server(hub.base, hub.port, hub.headers, engine)
        assert "Traceback" not in hub.log_path.read_text()
    finally:
        engine.dispose()


def assert_problem(response: requests.Response, status: int) -> dict:
    assert response.status_code == status, response.text[:500]
    assert response.headers["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == status
    return body


def test_bad_requests_over_http_get_problems_and_write_nothing(server: Server):
    before = server.counts()
    url = f"{server.base}/api/v1/cases"
    json_headers = {**server.headers, "Content-Type": "application/json"}

    assert_problem(requests.post(url, data=b'{"kind": ', headers=json_headers, timeout=30), 400)
    assert_problem(requests.post(url, data=json.dumps(VALID_CASE), timeout=30,
                                 headers={**server.headers, "Content-Type": "text/plain"}), 415)
    unknown = assert_problem(requests.post(url, json={**VALID_CASE, "agencies": ["NOPE-XX"]},
                                           headers=server.headers, timeout=30), 422)
    assert "agencies" in unknown["errors"]
    huge = json.dumps({**VALID_CASE, "padding": "x" * 2_000_000}).encode()
    assert_problem(requests.post(url, data=huge, headers=json_headers, timeout=60), 413)

    def chunks() -> Iterator[bytes]:
        yield b'{"kind": "adult", "padding": "'
        for _ in range(40):
            yield b"y" * 65_536
        yield b'"}'

    # No Content-Length: the limit must hold while the body streams in.
    assert_problem(requests.post(url, data=chunks(), headers=json_headers, timeout=60), 413)
    assert_problem(requests.put(url, json=VALID_CASE, headers=server.headers, timeout=30), 405)
    assert_problem(requests.get(f"{url}/not-a-uuid", headers=server.headers, timeout=30), 404)
    assert_problem(requests.get(f"{url}?limit=lots", headers=server.headers, timeout=30), 422)
    assert server.counts() == before

    created = requests.post(url, json=VALID_CASE, headers=server.headers, timeout=30)
    assert created.status_code == 201, created.text
    assert server.counts()["cases"] == before["cases"] + 1


def test_undecodable_bytes_in_the_url_are_refused_cleanly(server: Server):
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.putrequest("DELETE", "/api/v1/cases/00000000-0000-4000-8000-000000000000/members/%FF%00",
                              skip_accept_encoding=True)
        connection.putheader("Authorization", server.headers["Authorization"])
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 404
        assert response.getheader("Content-Type", "").startswith("application/problem+json")
    finally:
        connection.close()
