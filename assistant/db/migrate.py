"""Alembic migrations, run when a review log is opened: a new database gets every table, an older
one (including a SQLite `review.db` made before migrations existed) is brought up to date in place.

Several processes may start at once: the upgrade runs in one transaction that first takes the
database's write lock (SQLite: BEGIN IMMEDIATE; PostgreSQL: an advisory lock), so one process
migrates and the others find the work done. A database already at the newest revision is seen
without importing Alembic (it costs a CLI start ~0.2 s)."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

from assistant.db.engine import WRITE, is_sqlite

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_LOCK_KEY = 74_120_191  # pg_advisory_xact_lock key for the review log's migrations
_REVISION = re.compile(r'^(down_revision|revision)\s*=\s*"([^"]+)"', re.M)


def alembic_config(connection: Connection | None = None) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@cache
def head() -> str:
    """The newest revision: the one no other migration revises (the history is kept linear)."""
    revisions: set[str] = set()
    revised: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for kind, value in _REVISION.findall(path.read_text(encoding="utf-8")):
            (revisions if kind == "revision" else revised).add(value)
    heads = revisions - revised
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads ({sorted(heads)}); keep them in one line")
    return heads.pop()


def current(connection: Connection) -> str | None:
    if not inspect(connection).has_table("alembic_version"):
        return None
    return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def upgrade(engine: Engine) -> str | None:
    """Bring the database to the newest revision (a no-op when it is there); returns it."""
    with engine.connect() as connection:
        if current(connection) == head():
            return head()
    from alembic import command

    with engine.execution_options(**{WRITE: True}).begin() as connection:
        if not is_sqlite(engine.url):
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        command.upgrade(alembic_config(connection), "head")
        return current(connection)
