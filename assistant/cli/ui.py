"""`assistant ui`: start the Streamlit app."""

from __future__ import annotations

import subprocess
import sys

import typer

from assistant.cli.app import app
from assistant.settings import PROJECT_ROOT


@app.command()
def ui(
    port: int = typer.Option(8501, help="Port to serve on."),
    host: str = typer.Option("localhost", help="Address to bind (0.0.0.0 to share on the network)."),
) -> None:
    """Start the operator console in the browser."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PROJECT_ROOT / "ui" / "app.py"),
        "--server.port",
        str(port),
        "--server.address",
        host,
        "--browser.gatherUsageStats",
        "false",
    ]
    raise typer.Exit(subprocess.call(command))
