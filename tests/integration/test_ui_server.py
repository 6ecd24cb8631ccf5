"""`assistant ui` owns its server: the command becomes the Streamlit server, so SIGTERM or Ctrl+C
stops it and nothing is left serving the port (issue 12: a `streamlit run` child kept serving)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support import free_port


def healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_stopping_assistant_ui_stops_the_server(tmp_path: Path, stop_with: signal.Signals):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
    env |= {"ASSISTANT_DATA_DIR": str(tmp_path / "data"), "ASSISTANT_ENV_FILE": "/nonexistent"}
    log = (tmp_path / "ui.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "ui", "--port", str(port), "--host", "127.0.0.1"],
        env=env | {"STREAMLIT_SERVER_HEADLESS": "true"},
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=tmp_path,  # any folder: the options come from the command line, not a config file
    )
    try:
        deadline = time.monotonic() + 90
        while not healthy(port):
            assert proc.poll() is None, (tmp_path / "ui.log").read_text(errors="replace")
            assert time.monotonic() < deadline, "the console did not start in 90 s"
            time.sleep(0.3)
        assert children(proc.pid) == []  # the command is the server, not its parent
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
        assert b"streamlit" in cmdline and b"--client.toolbarMode" in cmdline
        proc.send_signal(stop_with)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        while port_open(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not port_open(port), f"port {port} is still served after {stop_with.name}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
