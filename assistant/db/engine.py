"""The review log's database connection: a SQLite file in the data directory by default (WAL, as
before), PostgreSQL when `ASSISTANT_DATABASE_URL` names one (psycopg 3).

SQLite: every connection waits up to 30 s for a lock and enforces foreign keys; a write
transaction starts with BEGIN IMMEDIATE, so concurrent writers queue instead of failing half-way.
The file is created 0600 in a 0700 folder (it holds customers' chats).
PostgreSQL: a connection pool that checks connections before use (a restarted server is fine)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.pool import NullPool

from assistant.errors import ConfigError

SQLITE_FILE = "review.db"
VARIABLE = "ASSISTANT_DATABASE_URL"
WRITE = "review_log_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
_POSTGRES = ("postgresql", "postgres", "postgresql+psycopg")
_SQLITE = ("sqlite", "sqlite+pysqlite")


def sqlite_url(path: Path | str) -> URL:
    return URL.create("sqlite+pysqlite", database=str(path))


def parse_url(raw: str) -> URL:
    """A SQLAlchemy URL for SQLite or PostgreSQL; `postgresql://` and `postgres://` use psycopg 3.
    Errors name the variable but never repeat the URL (it may hold a password)."""
    try:
        url = make_url(raw.strip())
    except ArgumentError:
        raise ConfigError(
            f"{VARIABLE}: not a database URL; use postgresql+psycopg://user:password@host:5432/dbname "
            "or sqlite:////path/to/review.db"
        ) from None
    if url.drivername in _POSTGRES:
        return url.set(drivername="postgresql+psycopg")
    if url.drivername in _SQLITE:
        if not url.database or url.database == ":memory:":
            raise ConfigError(f"{VARIABLE}: a SQLite URL needs a file path (sqlite:////path/to/review.db)")
        return url.set(drivername="sqlite+pysqlite")
    raise ConfigError(
        f"{VARIABLE}: unsupported database {url.drivername!r}; use postgresql+psycopg:// (or postgresql://) "
        "or sqlite:///"
    )


def describe(url: URL) -> str:
    """The URL to show people: the password masked."""
    return url.render_as_string(hide_password=True)


def is_sqlite(url: URL) -> bool:
    return url.get_backend_name() == "sqlite"


def _private_file(path: Path) -> None:
    """Customers' chats: the folder 0700, the file 0600 from its first byte (SQLite gives its -wal
    and -shm files the database file's mode); a log created by an older version is made private."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def _sqlite_engine(url: URL) -> Engine:
    _private_file(Path(str(url.database)))
    # a connection per use: SQLite connections are cheap and several processes share the file
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (below)
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def open_engine(url: URL) -> Engine:
    if is_sqlite(url):
        return _sqlite_engine(url)
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=30,
        pool_timeout=30,
        connect_args={"connect_timeout": 10, "application_name": "assistant"},
    )
