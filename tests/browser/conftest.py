"""What the browser tests share: Debian's Chromium through playwright, the console started on a free
port over its own data dir, and helpers to wait for Streamlit and take screenshots.

Skips without /usr/bin/chromium or playwright, except in CI (CI=true), where they must run.
Screenshots go to test-output/ (git-ignored)."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT
from tests.support import CHROMIUM, CHROMIUM_ARGS, free_port, stop, streamlit_command

SHOTS = ROOT / "test-output"
TIMEOUT_MS = 30_000
LOCAL_HOSTS = ("127.0.0.1", "localhost")


def require(what: str, ok: bool) -> None:
    """Skip with the reason locally; in CI (CI=true) the browser tests must run, so fail instead."""
    if ok:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {what}: the browser tests must run in CI (see .ci/run)", pytrace=False)
    pytest.skip(f"{what} (install: apt-get install -y chromium fonts-noto-cjk)")


def wait_healthy(proc: subprocess.Popen, port: int, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    url = f"http://127.0.0.1:{port}/_stcore/health"
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit did not become healthy in {timeout:.0f} s:\n{log.read_text(errors='replace')}")


@pytest.fixture
def chromium() -> Path:
    require(f"{CHROMIUM} is absent", CHROMIUM.exists())
    return CHROMIUM


@pytest.fixture
def data_dir(chromium: Path, demo_data_dir: Path, tmp_path: Path) -> Path:
    """A copy of the demo data dir (the console writes to its review log and store)."""
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target)
    return target


@pytest.fixture
def start_console(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Start `streamlit run ui/app.py` on a free port: start_console(data_dir, **env) → its URL.
    No key from the developer's environment reaches it; every server is stopped at the end."""
    procs: list[subprocess.Popen] = []

    def start(data_dir: Path, **extra_env: str) -> str:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ASSISTANT_"))}
        env |= {"ASSISTANT_DATA_DIR": str(data_dir), "ASSISTANT_ENV_FILE": "/nonexistent", **extra_env}
        log = tmp_path / f"streamlit-{port}.log"
        with log.open("wb") as out:
            proc = subprocess.Popen(
                streamlit_command("ui/app.py", port),
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        wait_healthy(proc, port, log)
        return f"http://127.0.0.1:{port}/"

    try:
        yield start
    finally:
        for proc in procs:
            stop(proc)


@pytest.fixture
def browser(chromium: Path) -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        require("the playwright package is not installed", False)
    expect.set_options(timeout=TIMEOUT_MS)  # a loaded 2-core machine can take seconds per rerun
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class Outside:
    """Every request a page makes to a host other than the console's is recorded and refused."""

    def __init__(self) -> None:
        self.requests: list[str] = []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        host = url.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]
        if url.startswith(("http://", "https://", "ws://", "wss://")) and host not in LOCAL_HOSTS:
            self.requests.append(url)
            route.abort()
        else:
            route.continue_()


def new_page(browser: Any, url: str, width: int = 1440, height: int = 900) -> tuple[Any, Outside]:
    """A fresh context (a new session) on `url`, clipboard allowed, outside requests refused."""
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
    parts = urllib.parse.urlsplit(url)
    context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=f"{parts.scheme}://{parts.netloc}"
    )
    outside = Outside()
    context.route("**/*", outside)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(url)
    return page, outside


def idle(page: Any) -> None:
    """Wait until Streamlit has finished the current script run."""
    page.wait_for_timeout(300)  # let a just-triggered rerun start
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for(
        state="attached", timeout=TIMEOUT_MS
    )


def shot(page: Any, folder: str, name: str) -> None:
    """Full-page screenshot; Streamlit scrolls inside its main section, so grow the viewport to fit it."""
    target = SHOTS / folder
    target.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate(
        "Math.max(...[...document.querySelectorAll('[data-testid=stMain], section')].map(e => e.scrollHeight))"
    )
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], min(int(height), 6000))})
    page.wait_for_timeout(200)
    page.screenshot(path=str(target / name), full_page=True)
    page.set_viewport_size(size)
