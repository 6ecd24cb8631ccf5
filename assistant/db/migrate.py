"""Alembic migrations, run when a review log is opened: a new database gets every table, an older
one (including a SQLite `review.db` made before migrations existed) is brought up to date in place.

Several processes may start at once: the upgrade runs in one transaction that first takes the
database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so one process
migrates and the others find the work done."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from assistant.db.engine import WRITE, is_sqlite

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 7_412_019_1  # pg_advisory_xact_lock key for the review log's migrations


def alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> str | None:
    """Bring the database to the newest revision (a no-op when it is there); returns it."""
    with engine.connect() as connection:
        if current(connection) == head():
            return head()
    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if not is_sqlite(engine.url):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        command.upgrade(alembic_config(connection), "head")
        return current(connection)
