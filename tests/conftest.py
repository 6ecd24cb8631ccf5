"""Tests never touch the network or the developer's data: every test gets its own data dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from assistant.knowledge.base import KnowledgeBase
from assistant.pipeline import DraftFlow
from assistant.settings import load_settings
from tests.servers import chroma, postgres, postgres_url  # noqa: F401  (fixtures: real servers)

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
_ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "CHROMA_URL", "ASSISTANT_PASSWORD")


@pytest.fixture(autouse=True)
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in list(os.environ):
        if name.startswith("ASSISTANT_") or name in _ENV:
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASSISTANT_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with the demo knowledge ingested once for the whole session (read-only use)."""
    path = tmp_path_factory.mktemp("demo-data")
    os.environ.pop("OPENAI_API_KEY", None)
    settings = load_settings(
        ASSISTANT_DATA_DIR=str(path), ASSISTANT_ENGINE="offline", ASSISTANT_ENV_FILE="/nonexistent"
    )
    KnowledgeBase.open(settings).ensure_demo()
    return path


@pytest.fixture(scope="session")
def demo(demo_data_dir: Path) -> DraftFlow:
    """The offline draft flow over the demo knowledge (do not write to its store)."""
    settings = load_settings(ASSISTANT_DATA_DIR=str(demo_data_dir), ASSISTANT_ENGINE="offline")
    return DraftFlow(settings, KnowledgeBase.open(settings))


def shared_data(relative: str) -> Path:
    path = SHARED / "data" / relative
    if not path.exists():
        pytest.skip(
            f"../shared/data/{relative} is not available (tests using the shared public data skip without it)"
        )
    return path
