"""Shared by the console's AppTests: a copy of the demo data dir per test, with the console's caches
reset around it (pages write to the review log and the store)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def data_dir(demo_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    target = tmp_path / "data"
    shutil.copytree(demo_data_dir, target)
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(target))
    from ui import state

    state.reset_caches()
    yield target
    state.reset_caches()
