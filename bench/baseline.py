"""The bare baseline: a Flask app with no hub code that selects one case row by primary key.

Served with exactly the hub's gunicorn settings (``python -m bench.baseline --port N``): the
hub's own ``serve()`` runs with only the application swapped, so the two can only differ in
what the application does per request.
"""

from __future__ import annotations

import argparse
import os
import uuid

from flask import Flask, abort, jsonify
from flask.typing import ResponseReturnValue
from sqlalchemy import Column, MetaData, String, Table, Uuid, create_engine, select
from sqlalchemy.engine import Engine

from hub import serve as hub_serve

_metadata = MetaData()
cases = Table(
    "cases", _metadata,
    Column("id", Uuid, primary_key=True),
    Column("ref", String(32)),
    Column("kind", String(16)),
    Column("status", String(16)),
)


def make_engine(url: str) -> Engine:
    """The same engine type as the hub's (SQLAlchemy on pysqlite or psycopg 3), left at its defaults.

    The hub's database file is already in WAL mode (a persistent setting), so readers here never
    wait for the hub's writers.
    """
    return create_engine(url)


def create_app(url: str | None = None) -> Flask:
    engine = make_engine(url or os.environ["BENCH_DATABASE_URL"])
    app = Flask("baseline")

    @app.get("/healthz")
    def healthz() -> ResponseReturnValue:
        return jsonify({"status": "ok"})

    @app.get("/rows/<uuid:row_id>")
    def row(row_id: uuid.UUID) -> ResponseReturnValue:
        with engine.connect() as conn:
            found = conn.execute(select(cases).where(cases.c.id == row_id)).first()
        if found is None:
            abort(404)
        return jsonify({"id": str(found.id), "ref": found.ref, "kind": found.kind,
                        "status": found.status})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description="serve the bare baseline with the hub's gunicorn settings")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    # The hub's serve() is reused as is, so gunicorn's settings are the hub's by construction;
    # only the application it loads in each worker is the bare one.
    hub_serve.serve(host="127.0.0.1", port=args.port, workers=args.workers,
                    threads=args.threads, app_factory=create_app)


if __name__ == "__main__":
    main()
