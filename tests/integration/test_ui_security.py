"""Issue 9 through AppTest: every page, run on its own or through the app, shows only the sign-in form
without a session; Settings sends a stored key only to the URL it was stored with, and changing the
URL drops it; what Settings saves is what the CLI uses."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.overlay import overlay_path, read_overlay
from assistant.settings import load_settings
from tests.conftest import ROOT
from tests.fake_openai import FakeOpenAI
from tests.support import run_cli

pytest_plugins = ["tests.integration.console"]  # the `data_dir` fixture
APP = ROOT / "ui" / "app.py"
VIEWS = sorted((ROOT / "ui" / "views").glob("*.py"))
PASSWORD = "s3cret-密码"
ENV_KEY = "sk-env-key-for-server-a"


def element_types(at: AppTest) -> set[str]:
    """Every kind of element drawn anywhere (main area and sidebar)."""
    seen: set[str] = set()

    def walk(node) -> None:
        seen.add(type(node).__name__ if not hasattr(node, "type") else str(node.type))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return seen


def assert_sign_in_only(at: AppTest) -> None:
    assert not at.exception, at.exception
    assert [t.label for t in at.text_input] == ["密码", "你的名字（可选）"]
    assert [b.label for b in at.button] == ["登录"]
    assert [h.value for h in at.subheader] == ["私域转化助手 · 登录"]
    drawn = element_types(at) - {"form", "text_input", "button", "subheader", "heading", "markdown"}
    drawn -= {"root", "ElementTree", "Block", "vertical", "main", "sidebar", "event", "SpecialBlock"}
    assert not drawn, f"drawn before sign-in: {drawn}"
    assert not at.title and not at.sidebar.children


@pytest.mark.parametrize("view", VIEWS, ids=[v.stem for v in VIEWS])
def test_every_page_without_a_session_shows_only_the_sign_in_form(data_dir, monkeypatch, view: Path):
    monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    assert_sign_in_only(AppTest.from_file(str(view), default_timeout=60).run())  # the page on its own
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert_sign_in_only(at)
    at.switch_page(f"views/{view.name}").run()  # asking the app for the page
    assert_sign_in_only(at)


def test_a_wrong_password_is_refused_and_the_right_one_opens_the_pages(data_dir, monkeypatch):
    monkeypatch.setenv("ASSISTANT_PASSWORD", PASSWORD)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    at.text_input[0].input("s3cret")
    at.button[0].click().run()
    assert any("密码错误" in e.value for e in at.error)
    assert [t.label for t in at.text_input][0] == "密码"
    at.text_input[0].input(PASSWORD)
    at.text_input[1].input("阿青")
    at.button[0].click().run()
    assert not at.exception and [t for t in at.text_area if t.key == "draft_input"]
    assert at.session_state.operator == "阿青"
    at.switch_page("views/settings.py").run()
    assert not at.exception and any("接口地址" in t.label for t in at.text_input)


# -- Settings: the key goes with its URL ---------------------------------------------------------
@pytest.fixture
def servers(monkeypatch) -> Iterator[tuple[FakeOpenAI, FakeOpenAI]]:
    """Two OpenAI-compatible servers: A is configured with a key in the environment, B is not."""
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    a, b = FakeOpenAI().start(), FakeOpenAI().start()
    try:
        yield a, b
    finally:
        a.stop()
        b.stop()


@pytest.fixture
def settings_page(data_dir, servers, monkeypatch) -> AppTest:
    a, _ = servers
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", a.base_url)
    monkeypatch.setenv("ASSISTANT_ENGINE", "offline")
    monkeypatch.setenv("ASSISTANT_LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("ASSISTANT_UI_LANGUAGE", "en")
    from ui import state

    state.reset_caches()
    at = AppTest.from_file(str(ROOT / "ui" / "views" / "settings.py"), default_timeout=60).run()
    assert not at.exception, at.exception
    return at


def fill(at: AppTest, *, url: str | None = None, key: str | None = None, engine: str | None = None) -> None:
    if url is not None:
        next(t for t in at.text_input if t.label.startswith("Base URL")).input(url)
    if key is not None:
        next(t for t in at.text_input if t.label.startswith("API key")).input(key)
    if engine is not None:
        next(s for s in at.selectbox if "Engine" in s.label).set_value(engine)


def press(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if label in b.label).click().run()
    assert not at.exception, at.exception
    return at


def keys_sent(server: FakeOpenAI) -> list[str]:
    return [r.headers.get("authorization", "") for r in server.requests]


def test_test_connection_uses_the_stored_key_only_with_the_stored_url(settings_page, servers):
    a, b = servers
    press(settings_page, "Test connection")
    assert any("Connected" in s.value for s in settings_page.success)
    assert keys_sent(a) == [f"Bearer {ENV_KEY}"]

    fill(settings_page, url=b.base_url)  # a typed new URL, no key typed with it
    press(settings_page, "Test connection")
    assert any("Enter the API key for this new base URL" in e.value for e in settings_page.error)
    assert b.requests == [] and len(a.requests) == 1

    fill(settings_page, url=b.base_url, key="sk-typed-for-b")
    press(settings_page, "Test connection")
    assert any("Connected" in s.value for s in settings_page.success)
    assert keys_sent(b) == ["Bearer sk-typed-for-b"]
    assert not overlay_path(load_settings().data_dir).exists()  # testing saves nothing


def test_saving_a_new_url_clears_the_stored_key(settings_page, servers, data_dir):
    _, b = servers
    fill(settings_page, url=b.base_url)
    press(settings_page, "Save")
    assert any("stored key was cleared" in s.value for s in settings_page.success)
    assert read_overlay(data_dir) == {
        "ASSISTANT_UI_LANGUAGE": "en",
        "ASSISTANT_ENGINE": "offline",
        "ASSISTANT_MODEL": "gpt-4o-mini",
        "ASSISTANT_STRUCTURED_METHOD": "json_schema",
        "OPENAI_BASE_URL": b.base_url,
    }
    settings = load_settings()  # what the CLI and the console use from now on
    assert settings.openai_base_url == b.base_url and settings.openai_api_key is None
    assert "current: not set" in " ".join(t.label for t in settings_page.text_input)

    press(settings_page, "Test connection")  # no key for B: nothing is sent anywhere
    assert b.requests == []


def test_saving_a_new_url_with_its_key_stores_both_0600(settings_page, servers, data_dir):
    _, b = servers
    fill(settings_page, url=b.base_url, key="sk-typed-for-b", engine="llm")
    press(settings_page, "Save")
    path = overlay_path(data_dir)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    settings = load_settings()
    assert settings.openai_base_url == b.base_url
    assert (
        settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == "sk-typed-for-b"
    )
    assert "sk-typed-for-b" not in " ".join(
        [t.label for t in settings_page.text_input] + [str(t.value) for t in settings_page.text_input]
    )

    # the CLI reads the same overlay: its draft goes to B with B's key
    b.queue('{"variants": ["您好～请问您主要是哪方面的困扰呢？"]}')
    result = run_cli(
        "draft",
        "你好",
        "--json",
        data_dir=data_dir,
        env={"OPENAI_API_KEY": ENV_KEY, "ASSISTANT_ANALYZER": "rules", "NO_PROXY": "127.0.0.1"},
    )
    assert result.returncode == 0, result.stderr
    assert keys_sent(b) and set(keys_sent(b)) == {"Bearer sk-typed-for-b"}


def test_a_url_changed_back_without_a_key_does_not_take_the_other_urls_key(settings_page, servers, data_dir):
    a, b = servers
    fill(settings_page, url=b.base_url, key="sk-typed-for-b")
    press(settings_page, "Save")
    fill(settings_page, url=a.base_url)  # back to the environment's URL: the environment's key again
    press(settings_page, "Save")
    settings = load_settings()
    assert settings.openai_base_url == a.base_url
    assert settings.openai_api_key is not None and settings.openai_api_key.get_secret_value() == ENV_KEY
