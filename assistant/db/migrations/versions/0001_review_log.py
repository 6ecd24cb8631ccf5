"""The review log: customers, their threads, drafts and decisions.

A new database gets the three tables. A SQLite `review.db` made before migrations existed already
has them (possibly without the columns added later: customers.learned_json, turns.speaker): the
tables are kept with their rows and the missing columns and indexes are added.

Revision ID: 0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _customers() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("profile_json", sa.Text, nullable=False, server_default="{}"),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float, nullable=False),
        sa.Column("learned_json", sa.Text, nullable=False, server_default="{}"),
    ]


def _turns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Text, sa.ForeignKey("customers.id"), nullable=False),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("draft_id", sa.Integer),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("speaker", sa.Text),
    ]


def _drafts() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("customer_id", sa.Text, sa.ForeignKey("customers.id")),
        sa.Column("operator", sa.Text),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("input_text", sa.Text, nullable=False),
        sa.Column("conversation_json", sa.Text, nullable=False),
        sa.Column("profile_json", sa.Text, nullable=False),
        sa.Column("slots_json", sa.Text, nullable=False),
        sa.Column("stage", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("variants_json", sa.Text, nullable=False),
        sa.Column("products_json", sa.Text, nullable=False),
        sa.Column("findings_json", sa.Text, nullable=False),
        sa.Column("citations_json", sa.Text, nullable=False),
        sa.Column("engine", sa.Text, nullable=False),
        sa.Column("model", sa.Text),
        sa.Column("latency_ms", sa.Float, nullable=False),
        sa.Column("decision", sa.Text, nullable=False, server_default="pending"),
        sa.Column("final_text", sa.Text),
        sa.Column("reason_text", sa.Text),
        sa.Column("decided_at", sa.Float),
        sa.Column("edit_ratio", sa.Float),
    ]


TABLES = {"customers": _customers, "turns": _turns, "drafts": _drafts}  # in foreign-key order
INDEXES = {
    "turns_customer": ("turns", ["customer_id", "id"]),
    "drafts_created": ("drafts", ["created"]),
    "drafts_customer": ("drafts", ["customer_id", "id"]),
}


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    existing = set(inspector.get_table_names())
    for name, columns in TABLES.items():
        if name not in existing:
            op.create_table(name, *columns(), sqlite_autoincrement=True)
            continue
        have = {c["name"] for c in inspector.get_columns(name)}
        for column in columns():
            if column.name not in have:  # a log from before this column: add it, rows keep their data
                op.add_column(name, column)
    indexed = {ix["name"] for table in TABLES for ix in sa.inspect(op.get_bind()).get_indexes(table)}
    for index, (table, names) in INDEXES.items():
        if index not in indexed:
            op.create_index(index, table, names)


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
