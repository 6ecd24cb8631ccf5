"""The `fake_llm` fixture: a running FakeOpenAI server for one test.

A test module uses it by declaring `pytest_plugins = ["tests.llm_fixtures"]`.
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
    assert not server.errors, "the fake OpenAI server failed:\n" + "\n".join(server.errors)
