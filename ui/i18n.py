"""One UI language at a time (ASSISTANT_UI_LANGUAGE=zh|en, Chinese by default): every string the
console shows is in `ui/strings/<language>.yaml`, stage names and vocabulary labels included."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from assistant.models import Stage

STRINGS = Path(__file__).resolve().parent / "strings"
LANGUAGES = ("zh", "en")
_current = {"language": "zh"}


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat |= _flatten(value, name + ".")
        else:
            flat[name] = str(value)
    return flat


@cache
def catalog(language: str) -> dict[str, str]:
    """The strings of one language, keyed by dotted path (`draft.paste`, `stage.ask` …)."""
    return _flatten(yaml.safe_load((STRINGS / f"{language}.yaml").read_text(encoding="utf-8")))


def use(language: str) -> None:
    """Set the language for this script run (the app and every page call it through the guard)."""
    _current["language"] = language if language in LANGUAGES else "zh"


def language() -> str:
    return _current["language"]


def t(key: str, **values: object) -> str:
    """The string `key` in the current language, with `{name}` fields filled in."""
    text = catalog(language())[key]
    return text.format(**values) if values else text


def stage_name(stage: Stage | str | None) -> str:
    """A stage in the UI language ('–' when there is none, the id itself when it is unknown)."""
    if not stage:
        return "–"
    return catalog(language()).get(f"stage.{stage}", str(stage))


def term(value: object) -> str:
    """A vocabulary id (oily, acne, pregnant …) or a decision as the operator reads it."""
    return catalog(language()).get(f"vocab.{value}", str(value))
