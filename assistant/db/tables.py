"""Every table of the review log, in one place. Alembic's migrations in `migrations/versions/`
create and change them; a new table is one more `Table` here and one more migration.

Times are seconds since the epoch (float); JSON documents are stored as text, so SQLite and
PostgreSQL hold the same values and every reader parses them the same way."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, MetaData, Table, Text

# names for constraints and indexes, so migrations can refer to them on every backend
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("id", Text, primary_key=True),
    Column("name", Text, nullable=False),
    Column("profile_json", Text, nullable=False, server_default="{}"),  # what the operator set
    Column("created", Float, nullable=False),
    Column("updated", Float, nullable=False),
    Column("learned_json", Text, nullable=False, server_default="{}"),  # what the analysis read
)

turns = Table(
    "turns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", Text, ForeignKey("customers.id"), nullable=False),
    Column("role", Text, nullable=False),  # customer | operator
    Column("text", Text, nullable=False),
    Column("draft_id", Integer),  # the draft whose decision added the turn
    Column("created", Float, nullable=False),
    Column("speaker", Text),  # the name on a pasted WeChat line
    Index("turns_customer", "customer_id", "id"),
    sqlite_autoincrement=True,
)

drafts = Table(
    "drafts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("customer_id", Text, ForeignKey("customers.id")),
    Column("operator", Text),
    Column("created", Float, nullable=False),
    Column("input_text", Text, nullable=False),
    Column("conversation_json", Text, nullable=False),  # turns, new turns, replace flag, request
    Column("profile_json", Text, nullable=False),
    Column("slots_json", Text, nullable=False),
    Column("stage", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("variants_json", Text, nullable=False),
    Column("products_json", Text, nullable=False),
    Column("findings_json", Text, nullable=False),
    Column("citations_json", Text, nullable=False),
    Column("engine", Text, nullable=False),
    Column("model", Text),
    Column("latency_ms", Float, nullable=False),
    Column("decision", Text, nullable=False, server_default="pending"),
    Column("final_text", Text),
    Column("reason_text", Text),
    Column("decided_at", Float),
    Column("edit_ratio", Float),
    Index("drafts_created", "created"),
    Index("drafts_customer", "customer_id", "id"),
    sqlite_autoincrement=True,
)
