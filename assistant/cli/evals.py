"""`assistant eval …`: run eval suites and compare runs."""

from __future__ import annotations

import typer

app = typer.Typer(help="Run eval suites on script quality and compare runs.", no_args_is_help=True)
