"""First use that completes (issue 9 item 5), with real processes: several starting at once on an
empty data dir, and a kill -9 in the middle of the demo ingest followed by a restart."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.conftest import ROOT

DEMO_FILES = sum(
    1
    for p in (ROOT / "knowledge").rglob("*")
    # knowledge/.embeddings holds the demo's shipped vectors, not a source
    if p.is_file()
    and p.stem.upper() != "README"
    and not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
)
DEMO_PRODUCTS = sum(1 for line in (ROOT / "knowledge/products/catalog.csv").open(encoding="utf-8")) - 1

START = """
import json, os, signal, sys, time
from pathlib import Path
from assistant.services import build
from assistant.settings import load_settings
from assistant.store import KnowledgeStore

mode, at = sys.argv[1], int(sys.argv[2])
if mode != "run":  # when the demo ingest switches its n-th source: SIGKILL, or pause 3 s
    calls = []
    activate = KnowledgeStore.activate
    def hook(self, record):
        calls.append(record.source)
        if len(calls) == at and mode == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if len(calls) == at and mode == "pause":
            Path(sys.argv[3]).touch()
            time.sleep(3)
        return activate(self, record)
    KnowledgeStore.activate = hook
kb = build(load_settings()).kb
records = kb.store.source_records()
print(json.dumps({
    "sources": len(records),
    "products": len(kb.products()),
    "orphans": kb.store.count() - sum(len(r.chunk_ids) for r in records.values()),
}))
"""


def start(data_dir: Path, *hook: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "OPENAI_"))}
    env.update(
        ASSISTANT_DATA_DIR=str(data_dir),
        ASSISTANT_ENV_FILE="/nonexistent",
        ASSISTANT_KNOWLEDGE_DIR=str(ROOT / "knowledge"),
    )
    return subprocess.Popen(
        [sys.executable, "-c", START, *(hook or ("run", "0"))],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str]) -> dict[str, int]:
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


def test_processes_starting_together_all_see_the_complete_demo(tmp_path):
    processes = [start(tmp_path / "data") for _ in range(4)]
    results = [finish(p) for p in processes]
    assert results == [{"sources": DEMO_FILES, "products": DEMO_PRODUCTS, "orphans": 0}] * 4
    assert list((tmp_path / "data").glob("demo-knowledge-*.done"))


def test_processes_starting_during_the_demo_ingest_wait_for_it(tmp_path):
    paused = tmp_path / "paused"
    first = start(tmp_path / "data", "pause", str(DEMO_FILES // 2), str(paused))
    deadline = time.monotonic() + 300
    while not paused.exists():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()[1][-2000:]
        time.sleep(0.1)
    later = [start(tmp_path / "data") for _ in range(2)]  # the store holds half of the demo now
    results = [finish(p) for p in [first, *later]]
    assert results == [{"sources": DEMO_FILES, "products": DEMO_PRODUCTS, "orphans": 0}] * 3


def test_a_demo_ingest_killed_half_way_is_completed_on_the_next_start(tmp_path):
    killed = start(tmp_path / "data", "kill", str(DEMO_FILES // 2))
    killed.communicate(timeout=600)
    assert killed.returncode == -signal.SIGKILL
    assert not list((tmp_path / "data").glob("demo-knowledge-*.done"))  # not marked complete
    assert finish(start(tmp_path / "data")) == {
        "sources": DEMO_FILES,
        "products": DEMO_PRODUCTS,
        "orphans": 0,
    }
