"""Real servers for the tests and the load benchmark: PostgreSQL from Debian's `postgresql` package
(initdb/pg_ctl in a temporary folder, on 127.0.0.1) and `chroma run`; both stop when done.

PostgreSQL refuses to run as root: as root the cluster is made and run as the `postgres` user
(runuser). Without the binaries the fixtures skip with a reason, except under CI=true, where they fail."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support import free_port, stop

PG_USER, PG_PASSWORD = "postgres", "pw-" + uuid.uuid4().hex[:12]


def postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl: Debian keeps them in /usr/lib/postgresql/<version>/bin."""
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if versions:
        return versions[-1].parent
    found = shutil.which("initdb")
    return Path(found).parent if found and shutil.which("pg_ctl") else None


def missing(what: str) -> None:
    """Skip a test that needs a server this machine lacks, but fail it in CI (where .ci/run installs it)."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} (CI installs it in .ci/run)")
    pytest.skip(what)


@dataclass
class Postgres:
    host: str
    port: int
    user: str
    password: str

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}:{self.password}@{self.host}:{self.port}/{database}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            password=self.password,
            dbname="postgres",
            autocommit=True,
        ) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    @contextmanager
    def database(self) -> Iterator[str]:
        """A new, empty database for one test or run; dropped afterwards. Yields its URL."""
        name = "t_" + uuid.uuid4().hex[:16]
        self.admin(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def postgres_server(binaries: Path) -> Iterator[Postgres]:
    """initdb + pg_ctl start in a temporary folder (password auth on 127.0.0.1 only, no fsync:
    test data); stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            missing("running as root and there is no postgres user (Debian's postgresql package creates it)")
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    data, port = folder / "data", free_port()
    (folder / "pw").write_text(PG_PASSWORD, encoding="utf-8")
    if as_user:
        shutil.chown(folder / "pw", "postgres", "postgres")

    def run(*args: str) -> None:
        done = subprocess.run([*as_user, *args], capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    run(
        str(binaries / "initdb"),
        "-D",
        str(data),
        "-U",
        PG_USER,
        f"--pwfile={folder / 'pw'}",
        "--auth=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C",
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -k {folder} -c fsync=off -c max_connections=200"
    run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    try:
        yield Postgres("127.0.0.1", port, PG_USER, PG_PASSWORD)
    finally:
        subprocess.run(
            [*as_user, str(binaries / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"],
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def chroma_server(folder: Path) -> Iterator[str]:
    """A real `chroma run` server on 127.0.0.1; yields its URL."""
    binary = Path(sys.executable).parent / "chroma"
    if not binary.exists():
        raise FileNotFoundError(f"{binary}: the chroma CLI is not installed in this environment")
    port = free_port()
    process = subprocess.Popen(
        [str(binary), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("the chroma server did not start")
        yield url
    finally:
        stop(process)


# -- fixtures (imported by tests/conftest.py) ------------------------------------------------------
@pytest.fixture(scope="session")
def postgres() -> Iterator[Postgres]:
    """A real PostgreSQL server for the whole session."""
    binaries = postgres_bin()
    if binaries is None:
        missing("PostgreSQL is not installed (Debian: apt-get install postgresql)")
        return
    with postgres_server(binaries) as server:
        yield server


@pytest.fixture
def postgres_url(postgres: Postgres) -> Iterator[str]:
    """The URL of a new, empty database on the session's server."""
    with postgres.database() as url:
        yield url


@pytest.fixture(scope="session")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real `chroma run` server on 127.0.0.1 for the whole session; yields its URL."""
    try:
        with chroma_server(tmp_path_factory.mktemp("chroma-server")) as url:
            yield url
    except FileNotFoundError as exc:
        missing(str(exc))


@contextmanager
def serving(app: object) -> Iterator[str]:
    """An ASGI app served by uvicorn on a free 127.0.0.1 port in a thread of this process (real HTTP,
    with the app's services at hand for the test); yields the base URL."""
    import threading

    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))  # type: ignore[arg-type]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(600):
            if server.started:
                break
            if not thread.is_alive():
                raise RuntimeError("the API server stopped while starting")
            time.sleep(0.05)
        else:
            raise RuntimeError("the API server did not start")
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
