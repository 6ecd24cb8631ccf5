"""Shared by the browser test, the cold-start benchmark and the server fixtures: free ports,
Debian's Chromium and how to start the console."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# without the background-networking flags Chromium keeps calling home, which this closed network refuses
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command(script: Path | str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(script),
        "--server.headless",
        "true",
        "--server.port",
        str(port),
        "--server.address",
        "127.0.0.1",
        "--browser.gatherUsageStats",
        "false",
    ]
