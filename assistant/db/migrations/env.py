"""Alembic's entry point: migrations run on the connection `assistant.db.migrate` hands over (in
its transaction, holding the write lock); the CLI's `alembic` is not needed."""

from __future__ import annotations

from alembic import context

from assistant.db.tables import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through assistant.db.migrate (assistant db upgrade)")
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
)
with context.begin_transaction():
    context.run_migrations()
