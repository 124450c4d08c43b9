"""Engine, declarative base and the one-session-per-request unit of work (invariant 1)."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, Table, create_engine, event, insert
from sqlalchemy.engine import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware (invariant 7)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


# Generous: under load the busy handler is not fair, and a waiter that gives up becomes a 500.
SQLITE_BUSY_SECONDS = 30


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite's own transaction handling is switched off so that SQLAlchemy's BEGIN
    # (emitted below) governs savepoints correctly.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    cursor.close()
    # PostgreSQL's name, so that a statement that makes its own ids (INSERT ... SELECT) is the same
    # SQL on both: a version-4 UUID as SQLAlchemy's Uuid stores it here (32 hex digits).
    dbapi_connection.create_function("gen_random_uuid", 0, _random_uuid_hex)


def _random_uuid_hex() -> str:
    return uuid.uuid4().hex


# Execution option asking for a read-first transaction (see _sqlite_begin); ignored elsewhere.
READ_FIRST = "hub_read_first"
_DEFERRED = "hub_read_first_pending"


def _sqlite_begin(conn: Any) -> None:
    """BEGIN IMMEDIATE by default; BEGIN (deferred) for a read-first transaction.

    IMMEDIATE takes the write lock up front. A deferred transaction that has read and then
    writes fails at once with "database is locked" whenever another connection committed in
    between (its WAL snapshot is too old, and busy_timeout cannot help), so a plain deferred
    transaction cannot be used. But holding the lock for a whole request serialises every
    request behind every other, reads and validation included, so requests ask for a
    read-first transaction instead (commands and jobs keep IMMEDIATE). It reads without the
    lock, and its first statement that writes or locks rows takes the lock then, with a fresh
    snapshot (_sqlite_take_write_lock). Reads before that point may be older than the write:
    that is PostgreSQL's READ COMMITTED, which the hub's code already has to be correct under
    (unique indexes and ``ON CONFLICT`` inserts decide races, never an earlier read), and a read
    that decides a write asks for a row lock (``with_for_update``), which counts as a write.
    """
    read_first = bool(conn.get_execution_options().get(READ_FIRST))
    _transaction_ended(conn)
    if read_first:
        conn.exec_driver_sql("BEGIN")
    else:
        _begin_immediate(conn.connection.dbapi_connection)
    conn.info[_DEFERRED] = read_first


def _transaction_ended(conn: Any) -> None:
    # conn.info belongs to the pooled DBAPI connection, which outlives the transaction.
    conn.info[_DEFERRED] = False


def _writes_or_locks(statement: str, context: Any) -> bool:
    if statement.lstrip()[:6].upper() != "SELECT":
        return True  # INSERT, UPDATE, DELETE, SAVEPOINT, WITH …: take the lock first
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def _sqlite_take_write_lock(conn: Any, _cursor: Any, statement: str, _parameters: Any,
                            context: Any, _executemany: bool) -> None:
    """The first write (or locking read) of a read-first transaction: end the read snapshot,
    which has written nothing, and wait for the write lock with a fresh one."""
    if not conn.info.get(_DEFERRED) or not _writes_or_locks(statement, context):
        return
    conn.info[_DEFERRED] = False
    dbapi_connection = conn.connection.dbapi_connection
    dbapi_connection.execute("COMMIT")
    _begin_immediate(dbapi_connection)


# SQLite's own busy handler sleeps 1, 2, 5, 10, 15, 20, 25... ms between tries, while a writer here
# holds the lock for a fraction of a millisecond (an audit row and a commit): a request that found
# it taken slept several times longer than it had to wait. The write lock is therefore waited for
# here, polling from 0.1 ms and backing off to 2 ms (under `make bench`, 13% more audited case
# reads at the same CPU per request); every other statement keeps busy_timeout.
_LOCK_POLL_FIRST_SECONDS = 0.0001
_LOCK_POLL_MAX_SECONDS = 0.002


def _begin_immediate(dbapi_connection: Any) -> None:
    """BEGIN IMMEDIATE, waiting up to SQLITE_BUSY_SECONDS for the write lock, then failing with
    "database is locked" as busy_timeout would (as SQLAlchemy's OperationalError: called from
    the engine's begin event, a driver error would otherwise reach the caller unwrapped)."""
    try:
        dbapi_connection.execute("PRAGMA busy_timeout=0")
        try:
            delay, deadline = _LOCK_POLL_FIRST_SECONDS, time.monotonic() + SQLITE_BUSY_SECONDS
            while True:
                try:
                    dbapi_connection.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                        raise
                time.sleep(delay)
                delay = min(delay * 2, _LOCK_POLL_MAX_SECONDS)
        finally:
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_SECONDS * 1000}")
    except sqlite3.Error as error:
        raise OperationalError("BEGIN IMMEDIATE", None, error) from error


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys and proper transactional BEGIN.

    Bound parameters are kept out of error messages: they carry names and e-mail addresses,
    and errors reach the logs (invariant 5).
    """
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # No in-process queue in front of the lock: threads of one worker handing it to each other
        # starved the other worker's (sleeping) busy handler past the timeout under `make bench`.
        event.listen(engine, "begin", _sqlite_begin)
        event.listen(engine, "before_cursor_execute", _sqlite_take_write_lock)
        event.listen(engine, "commit", _transaction_ended)
        event.listen(engine, "rollback", _transaction_ended)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    kwargs.setdefault("pool_size", 5)
    kwargs.setdefault("max_overflow", 10)
    return create_engine(url, **kwargs)


def is_postgres(session_or_engine: Session | Engine) -> bool:
    bind = session_or_engine.get_bind() if isinstance(session_or_engine, Session) else session_or_engine
    return bind.dialect.name == "postgresql"


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> int:
    """Many rows of one table (every row with the same columns) in one pass: COPY on PostgreSQL,
    which takes ten thousand rows in a fraction of the time of as many INSERTs, and executemany
    on SQLite, one loop in C. Each value goes through its column's type first, as in an INSERT
    (UTC timestamps, JSON), and the rows join the session's transaction."""
    if not rows:
        return 0
    if not is_postgres(session):
        session.execute(insert(table), list(rows))
        return len(rows)
    session.flush()
    dialect = session.get_bind().dialect
    names = list(rows[0])
    processors = [table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names]
    columns = ", ".join(dialect.identifier_preparer.quote(name) for name in names)
    driver = session.connection().connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(
            f"COPY {dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] if process is None else process(row[name])
                            for name, process in zip(names, processors, strict=True)])
    return len(rows)


class Database:
    """Owns the engine and hands out sessions; tests may bind it to one outer connection."""

    def __init__(self, url: str, engine: Engine | None = None) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.sessionmaker = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._bound_to_connection = False
        self._read_first_engine: Engine | None = None

    def bind_to_connection(self, connection: Any) -> None:
        """Route every session through one connection, each commit becoming a savepoint release."""
        self.sessionmaker = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        self._bound_to_connection = True

    def session(self, *, read_first: bool = False) -> Session:
        """A new session; ``read_first`` (SQLite) reads without the write lock until it writes."""
        if read_first and not self._bound_to_connection and self.engine.dialect.name == "sqlite":
            # Same pool and events; the option reaches _sqlite_begin when the session connects.
            if self._read_first_engine is None:
                self._read_first_engine = self.engine.execution_options(**{READ_FIRST: True})
            return self.sessionmaker(bind=self._read_first_engine)
        return self.sessionmaker()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One unit of work outside a request (command line, jobs): commit on success."""
        session = self.session()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


def utcnow() -> datetime:
    """The only place the wall clock is read; services receive times from their callers."""
    return datetime.now(UTC)
