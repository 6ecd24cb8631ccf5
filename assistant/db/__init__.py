"""The review log's database: table definitions (`tables.py`), the engine for SQLite or PostgreSQL
(`engine.py`) and the Alembic migrations run when a log is opened (`migrate.py`, `migrations/`)."""
