"""`assistant db`: the review log's database (migrations also run whenever a log is opened)."""

from __future__ import annotations

import json

import typer

from assistant.cli.app import friendly
from assistant.settings import load_settings

app = typer.Typer(help="The review log's database: SQLite in the data dir, or ASSISTANT_DATABASE_URL.")


@app.command()
@friendly
def upgrade(as_json: bool = typer.Option(False, "--json", help="Print one JSON object.")) -> None:
    """Create or migrate the review log's tables to the newest revision, then print where it is."""
    from assistant.reviewlog import ReviewLog

    log = ReviewLog.open(load_settings())
    status = {"database": log.describe(), "backend": log.url.get_backend_name(), "revision": log.revision}
    log.close()
    if as_json:
        typer.echo(json.dumps(status))
        return
    typer.echo(f"review log {status['database']} at revision {status['revision']}")
