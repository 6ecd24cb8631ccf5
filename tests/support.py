"""Shared by the browser test, the cold-start benchmark and the server fixtures: free ports,
Debian's Chromium and how to start the console."""

from __future__ import annotations

import os
import socket
import subprocess
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


def cli_env(data_dir: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a user's shell: their own data dir, no settings file, no keys from here."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    environment.update(
        {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_ENV_FILE": "/nonexistent", **(env or {})}
    )
    return environment


def run_cli(
    *args: str,
    data_dir: Path,
    stdin: bytes | str | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """`python -m assistant ARGS` as a user runs it: its own data dir, no settings file, no keys from here."""
    if isinstance(stdin, bytes):
        stdin = stdin.decode("utf-8")
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=cli_env(data_dir, env),
        timeout=timeout,
    )


def run_cli_bytes(
    *args: str | bytes, data_dir: Path, stdin: bytes | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[bytes]:
    """`run_cli` with arguments and output as bytes, to check what reaches the terminal byte by byte."""
    return subprocess.run(
        [sys.executable, "-m", "assistant", *args],
        input=stdin,
        capture_output=True,
        env=cli_env(data_dir),
        timeout=timeout,
    )


def stop(process: subprocess.Popen[bytes] | subprocess.Popen[str]) -> None:
    """Terminate a server we started; kill it if it does not go within 10 s."""
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
