"""The settings overlay: the LLM settings an operator changes on the console's Settings page, kept in
`ui-settings.json` in the data directory. `load_settings()` applies it for the CLI and the console
alike, between the environment and explicit overrides.

An API key belongs to the base URL it was given with: a key from the environment, the overlay or an
override is only ever used with that layer's base URL. Changing the URL without a key drops the key,
so a stored key cannot be sent to a new server. The file is created 0600 (it may hold the key) and
replaced atomically.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from assistant.errors import ConfigError

OVERLAY_FILE = "ui-settings.json"
URL, KEY = "OPENAI_BASE_URL", "OPENAI_API_KEY"
KEYS = (
    "ASSISTANT_ENGINE",
    "ASSISTANT_MODEL",
    URL,
    KEY,
    "ASSISTANT_STRUCTURED_METHOD",
    "ASSISTANT_UI_LANGUAGE",
)


def overlay_path(data_dir: Path | str) -> Path:
    return Path(data_dir) / OVERLAY_FILE


def normalise_url(url: object) -> str | None:
    text = str(url or "").strip().rstrip("/")
    return text or None


def read_overlay(data_dir: Path | str) -> dict[str, str]:
    """The saved values ({} without a file); a damaged file is a ConfigError naming it."""
    path = overlay_path(data_dir)
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the settings overlay ({exc})") from None
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid JSON ({exc.msg}, line {exc.lineno}); fix or delete it"
        ) from None
    if not isinstance(values, dict):
        raise ConfigError(f"{path}: expected an object of settings, got {type(values).__name__}")
    return {k: str(v) for k, v in values.items() if k in KEYS and v is not None}


def write_overlay(data_dir: Path | str, values: Mapping[str, str]) -> Path:
    """Replace the overlay atomically; the file is 0600 from the moment it exists."""
    path = overlay_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    kept = {k: v for k, v in values.items() if k in KEYS}
    fd, tmp = tempfile.mkstemp(prefix=".ui-settings-", suffix=".tmp", dir=path.parent)  # mkstemp: 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(kept, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def layered(
    env_url: str | None, env_key: str | None, overlay: Mapping[str, str], overrides: Mapping[str, object]
) -> dict[str, object]:
    """The overlay and the overrides merged (overrides win), with the key bound to its URL: the key
    in force is the last one given together with the URL in force (or none)."""
    url = normalise_url(env_url)
    given = [(url, env_key)]  # (the URL a key was given with, the key)
    for layer in (overlay, overrides):
        if URL in layer:
            url = normalise_url(layer[URL])
        if KEY in layer:
            given.append((url, str(layer[KEY] or "") or None))
    key = next((k for u, k in reversed(given) if u == url), None)
    merged: dict[str, object] = {**overlay, **overrides}
    merged[URL] = url or ""
    merged[KEY] = key or ""
    return merged


def saved_values(
    overlay: Mapping[str, str],
    current_url: str | None,
    *,
    engine: str,
    model: str,
    method: str,
    base_url: str | None,
    new_key: str | None,
    ui_language: str | None = None,
) -> dict[str, str]:
    """What Save writes: the fields as entered; a typed key is stored with the typed URL. A changed
    URL without a key stores no key, so `layered` drops the old one (it stays with its own URL)."""
    url = normalise_url(base_url)
    values = {
        "ASSISTANT_ENGINE": engine,
        "ASSISTANT_MODEL": model.strip(),
        "ASSISTANT_STRUCTURED_METHOD": method,
    }
    values[URL] = url or ""
    if ui_language:
        values["ASSISTANT_UI_LANGUAGE"] = ui_language
    if new_key and new_key.strip():
        values[KEY] = new_key.strip()
    elif KEY in overlay and url == normalise_url(current_url):
        values[KEY] = overlay[KEY]  # unchanged URL: the stored key stays with it
    return values


def url_changed(current_url: str | None, base_url: str | None) -> bool:
    return normalise_url(current_url) != normalise_url(base_url)
