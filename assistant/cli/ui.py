"""`assistant ui`: start the Streamlit app. The command becomes the server (exec), so stopping it
(Ctrl+C, SIGTERM from systemd or docker) stops the server; no child is left serving the port."""

from __future__ import annotations

import os
import sys

import typer

from assistant.cli.app import app
from assistant.settings import PROJECT_ROOT


def streamlit_args(port: int, host: str) -> list[str]:
    return [
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
        "--client.toolbarMode",
        "minimal",  # no Deploy button, no developer menu for operators
    ]


@app.command()
def ui(
    port: int = typer.Option(8501, help="Port to serve on."),
    host: str = typer.Option("localhost", help="Address to bind (0.0.0.0 to share on the network)."),
) -> None:
    """Start the operator console in the browser."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, streamlit_args(port, host))
