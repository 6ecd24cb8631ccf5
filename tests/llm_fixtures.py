"""The `fake_llm` fixture: a running FakeOpenAI server for one test. Import it into a test module:

from tests.llm_fixtures import fake_llm  # noqa: F401
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.fake_openai import FakeOpenAI


@pytest.fixture
def fake_llm() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    try:
        yield server
    finally:
        server.stop()
