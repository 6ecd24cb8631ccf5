"""The settings overlay: applied by load_settings() for the CLI and the console alike, the key bound to
the URL it was given with, the file 0600 from its first byte."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from assistant.errors import ConfigError
from assistant.overlay import layered, overlay_path, read_overlay, saved_values, write_overlay
from assistant.settings import load_settings

A, B = "http://a.example/v1", "http://b.example/v1"


def key_of(settings) -> str | None:
    return settings.openai_api_key.get_secret_value() if settings.openai_api_key else None


def test_load_settings_applies_the_overlay(isolated_env: Path):
    write_overlay(isolated_env, {"ASSISTANT_MODEL": "qwen-plus", "ASSISTANT_ENGINE": "offline"})
    settings = load_settings()
    assert settings.model == "qwen-plus"
    assert load_settings(ASSISTANT_MODEL="gpt-4o").model == "gpt-4o"  # explicit overrides win


def test_a_key_is_only_used_with_its_url(isolated_env: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_BASE_URL", A)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-a")
    assert key_of(load_settings()) == "sk-a"
    write_overlay(isolated_env, {"OPENAI_BASE_URL": B})  # a new URL saved without a key
    settings = load_settings()
    assert settings.openai_base_url == B and key_of(settings) is None and not settings.use_llm_engine
    write_overlay(isolated_env, {"OPENAI_BASE_URL": B, "OPENAI_API_KEY": "sk-b"})
    assert key_of(load_settings()) == "sk-b"
    assert (
        key_of(load_settings(OPENAI_BASE_URL=A + "/")) == "sk-a"
    )  # the env's own URL (same once normalised)
    assert key_of(load_settings(OPENAI_BASE_URL="http://evil.example/v1")) is None


@pytest.mark.parametrize(
    ("overlay", "overrides", "expected"),
    [
        ({}, {}, (A, "sk-a")),
        ({"OPENAI_BASE_URL": B}, {}, (B, None)),
        ({"OPENAI_BASE_URL": B, "OPENAI_API_KEY": "sk-b"}, {}, (B, "sk-b")),
        ({"OPENAI_API_KEY": "sk-new"}, {}, (A, "sk-new")),  # a new key for the same URL
        ({"OPENAI_BASE_URL": B, "OPENAI_API_KEY": "sk-b"}, {"OPENAI_BASE_URL": A}, (A, "sk-a")),
        ({"OPENAI_API_KEY": ""}, {}, (A, None)),  # the key cleared for this URL
        ({}, {"OPENAI_BASE_URL": "", "OPENAI_API_KEY": "sk-o"}, (None, "sk-o")),
    ],
)
def test_layered_binds_the_key_to_its_url(overlay, overrides, expected):
    merged = layered(A, "sk-a", overlay, overrides)
    assert (merged["OPENAI_BASE_URL"] or None, merged["OPENAI_API_KEY"] or None) == expected


def test_saved_values_drop_the_key_when_the_url_changes():
    common = {"engine": "auto", "model": "m", "method": "json_schema"}
    assert "OPENAI_API_KEY" not in saved_values(
        {"OPENAI_API_KEY": "sk-a"}, A, base_url=B, new_key="", **common
    )
    kept = saved_values({"OPENAI_API_KEY": "sk-a"}, A, base_url=A, new_key="", **common)
    assert kept["OPENAI_API_KEY"] == "sk-a"
    typed = saved_values({}, A, base_url=B, new_key=" sk-b ", **common)
    assert typed["OPENAI_API_KEY"] == "sk-b" and typed["OPENAI_BASE_URL"] == B


def test_the_overlay_is_0600_from_its_first_byte(isolated_env: Path):
    old = os.umask(0o022)
    try:
        path = write_overlay(isolated_env, {"OPENAI_API_KEY": "sk-secret"})
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in isolated_env.iterdir()] == ["ui-settings.json"]  # no temporary file left
    assert json.loads(path.read_text(encoding="utf-8")) == {"OPENAI_API_KEY": "sk-secret"}


def test_the_overlay_is_never_written_with_a_readable_mode(isolated_env: Path, monkeypatch):
    """Every file the writer creates is created 0600 (no write-then-chmod window)."""
    modes: list[int] = []
    real_open = os.open

    def recording_open(path, flags, mode=0o777, *args, **kwargs):
        if flags & os.O_CREAT:
            modes.append(mode)
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", recording_open)
    write_overlay(isolated_env, {"ASSISTANT_MODEL": "m"})
    assert modes and all(m & 0o077 == 0 for m in modes), [oct(m) for m in modes]


def test_a_damaged_overlay_is_one_clear_error(isolated_env: Path):
    isolated_env.mkdir(parents=True)
    overlay_path(isolated_env).write_text("{not json", encoding="utf-8")
    with pytest.raises(ConfigError, match="ui-settings.json: not valid JSON"):
        load_settings()
    overlay_path(isolated_env).write_text('["a"]', encoding="utf-8")
    with pytest.raises(ConfigError, match="expected an object"):
        read_overlay(isolated_env)
