"""The README's deployment section, exercised: its team block runs as written (PostgreSQL, a Chroma
server, migrations, ingest, the API and the console, then a health check and a draft), the systemd
unit's commands start the API, and the console and the API share one Postgres log and one Chroma
server."""

from __future__ import annotations

import configparser
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from tests.conftest import ROOT
from tests.servers import Postgres, postgres_bin
from tests.support import free_port, stop

pytestmark = [pytest.mark.postgres, pytest.mark.server]
BIN = Path(sys.executable).parent
TOKEN = "ann-deploy-0123456789abcdef"


def readme_block(marker: str) -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- {marker} -->\n```bash\n(.*?)```", text, re.S)
    assert found, f"README.md has no block after <!-- {marker} -->"
    return found.group(1)


def moved(text: str, places: dict[str, str]) -> str:
    """The deployment's paths and ports moved to the test's (in one pass, longest match first)."""
    pattern = re.compile("|".join(re.escape(k) for k in sorted(places, key=len, reverse=True)))
    return pattern.sub(lambda m: places[m.group(0)], text)


def env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text(encoding="utf-8").splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if not k.strip().startswith("#")}


def places_for(tmp_path: Path, postgres: Postgres) -> dict[str, str]:
    ports = {port: str(free_port()) for port in ("8000", "8001", "8501")}
    return {
        "sudo -u postgres psql": f"{postgres_bin()}/psql -h 127.0.0.1 -p {postgres.port} -U postgres -d postgres",
        "/etc/assistant": str(tmp_path / "etc"),
        "/var/lib/assistant": str(tmp_path / "var"),
        "/opt/assistant/.venv/bin/": f"{BIN}/",
        ".venv/bin/": f"{BIN}/",
        "0.0.0.0": "127.0.0.1",
        "127.0.0.1:5432": f"127.0.0.1:{postgres.port}",
        **{f":{p}": f":{q}" for p, q in ports.items()},
        **{f"--port {p}": f"--port {q}" for p, q in ports.items()},
        "https://sidebar.example.com": "http://127.0.0.1",
    }


def prepare_etc(tmp_path: Path, places: dict[str, str]) -> Path:
    etc = tmp_path / "etc"
    etc.mkdir()
    (etc / "env").write_text(moved((ROOT / "deploy" / "assistant.env").read_text(encoding="utf-8"), places))
    (etc / "tokens").write_text(f"ann:{TOKEN}\n", encoding="utf-8")
    return etc


def end_group(group: int) -> None:
    """Stop every process the block started in the background (they share its process group)."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(group, sig)
        except ProcessLookupError:
            return
        time.sleep(2)


def clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_", "CHROMA_"))}


def test_the_readme_team_block_runs_as_written(postgres: Postgres, tmp_path: Path):
    if shutil.which("curl") is None:
        pytest.fail("curl is missing (.ci/run installs it)")
    places = places_for(tmp_path, postgres)
    prepare_etc(tmp_path, places)
    script = "set -euo pipefail\n" + moved(readme_block("deployment:team"), places)
    environment = clean_environment() | {"TOKEN": TOKEN, "PGPASSWORD": postgres.password}
    out_file, err_file = tmp_path / "out", tmp_path / "err"
    with out_file.open("w") as out, err_file.open("w") as err:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.DEVNULL,  # as under systemd (streamlit would otherwise ask for an e-mail)
            stdout=out,
            stderr=err,
            start_new_session=True,  # the background servers (and streamlit under `assistant ui`) go with it
        )
    try:
        process.wait(timeout=600)
    finally:
        end_group(process.pid)
        postgres.admin('DROP DATABASE IF EXISTS "assistant" WITH (FORCE)')
        postgres.admin('DROP ROLE IF EXISTS "assistant"')
    out, err = out_file.read_text(encoding="utf-8"), err_file.read_text(encoding="utf-8")
    assert process.returncode == 0, err[-3000:]
    answers = [line for line in out.splitlines() if line.startswith('{"')]  # servers print too
    health_line, draft_line = answers[-2:]
    health = json.loads(health_line)
    assert health["status"] == "ok" and "assistant:***@" in health["log"]["detail"]
    assert "http://127.0.0.1:" in health["store"]["detail"]
    draft = json.loads(draft_line)
    assert draft["draft_id"] == 1 and draft["stage"] in ("ask", "uncover_need") and draft["reply"]


def test_the_systemd_unit_migrates_and_serves(
    postgres: Postgres, postgres_url: str, chroma: str, tmp_path: Path
):
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(ROOT / "deploy" / "assistant-api.service", encoding="utf-8")
    service = unit["Service"]
    assert service["EnvironmentFile"] == "/etc/assistant/env" and service["User"] == "assistant"
    places = places_for(tmp_path, postgres)
    etc = prepare_etc(tmp_path, places)
    environment = clean_environment() | env_file(etc / "env")
    environment |= {"ASSISTANT_DATABASE_URL": postgres_url, "CHROMA_URL": chroma}
    environment["ASSISTANT_COLLECTION"] = "unit-" + uuid.uuid4().hex[:8]
    before = subprocess.run(
        moved(service["ExecStartPre"], places).split(), env=environment, capture_output=True, text=True
    )
    assert before.returncode == 0 and "at revision" in before.stdout, before.stderr
    command = moved(service["ExecStart"], places).split()
    port = command[command.index("--port") + 1]
    server = subprocess.Popen(
        command, env=environment, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        report = wait_for(f"http://127.0.0.1:{port}/v1/health")
        assert report["status"] == "ok" and chroma in report["store"]["detail"]
        answer = httpx.post(
            f"http://127.0.0.1:{port}/v1/drafts",
            json={"message": "hello, my skin is oily"},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=60,
        )
        assert answer.status_code == 200 and answer.json()["language"] == "en"
    finally:
        stop(server)
    log = server.stdout.read().decode() if server.stdout else ""
    assert TOKEN not in log and postgres.password not in log
    if shutil.which("systemd-analyze"):
        verify = subprocess.run(
            ["systemd-analyze", "verify", str(ROOT / "deploy" / "assistant-api.service")],
            capture_output=True,
            text=True,
        )
        assert "Unknown key" not in verify.stderr and "Invalid" not in verify.stderr, verify.stderr


def wait_for(url: str, seconds: float = 300) -> dict:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(url, timeout=5)
            if answer.status_code == 200:
                return answer.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} did not answer")


def test_the_console_and_the_api_share_one_postgres_log_and_one_chroma_server(
    postgres_url: str, chroma: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from streamlit.testing.v1 import AppTest

    shared = {
        "ASSISTANT_DATABASE_URL": postgres_url,
        "CHROMA_URL": chroma,
        "ASSISTANT_COLLECTION": "shared-" + uuid.uuid4().hex[:8],
        "ASSISTANT_ENGINE": "offline",
    }
    port = free_port()
    api_env = (
        clean_environment()
        | shared
        | {
            "ASSISTANT_DATA_DIR": str(tmp_path / "api-data"),
            "ASSISTANT_API_TOKENS": f"ann:{TOKEN}",
            "ASSISTANT_ENV_FILE": "/nonexistent",
        }
    )
    server = subprocess.Popen(
        [str(BIN / "assistant"), "serve", "--port", str(port)],
        env=api_env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(f"{base}/v1/health")
        api = httpx.Client(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
        customer = api.post("/v1/customers", json={"name": "小美"}).json()["id"]
        first = api.post(
            "/v1/drafts", json={"customer_id": customer, "message": "你好，我脸上最近老出油还长痘"}
        ).json()
        api.post(f"/v1/drafts/{first['draft_id']}/decision", json={"decision": "approved"})

        for name, value in shared.items():  # the console: another instance with its own data dir
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "console-data"))
        from ui import state

        state.reset_caches()
        at = AppTest.from_file(str(ROOT / "ui" / "app.py"), default_timeout=180)
        at.run()
        assert not at.exception, at.exception
        at.selectbox(key="customer_id").set_value(customer).run()
        at.text_area(key="draft_input").input("对的，我是油皮").run()
        at.button(key="make_draft").click().run()
        assert not at.exception, at.exception
        at.button(key="approve").click().run()
        assert not at.exception, at.exception
        state.reset_caches()

        view = api.get(f"/v1/customers/{customer}").json()
        assert [t["role"] for t in view["thread"]] == ["customer", "operator", "customer", "operator"]
        assert view["thread"][2]["text"] == "对的，我是油皮" and view["stage"] == "propose"
        hits = api.post("/v1/kb/search", json={"query": "控油", "k": 2}).json()
        assert hits  # the knowledge the API ingested into the Chroma server
        assert not (tmp_path / "console-data" / "review.db").exists()
        assert not (tmp_path / "api-data" / "review.db").exists()
    finally:
        stop(server)
