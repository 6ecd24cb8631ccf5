"""Symptom words → concern ids (lexicons/symptoms.yaml), validated on load.

`load_symptoms()` is the one loader: retrieval expands and boosts queries with it, and the analyzer
may read it to fill the concern slots (`symptom_concerns(text, language)` does the matching).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from assistant.lexicon import contains, load_lexicon, load_yaml_model
from assistant.models import CONCERNS

SYMPTOMS_PATH = Path(__file__).parent / "lexicons" / "symptoms.yaml"


def _check(value: dict[str, list[str]]) -> dict[str, list[str]]:
    unknown = sorted(set(value) - set(CONCERNS))
    if unknown:
        raise ValueError(f"unknown concern {unknown}; allowed: {list(CONCERNS)}")
    for concern, phrases in value.items():
        blank = [p for p in phrases if not isinstance(p, str) or not p.strip()]
        if not phrases or blank:
            raise ValueError(f"concern {concern!r} needs a list of non-empty phrases")
        repeated = sorted({p for p in phrases if phrases.count(p) > 1})
        if repeated:
            raise ValueError(f"concern {concern!r} repeats {repeated}")
    return value


class Symptoms(BaseModel):
    """language → concern id → phrases."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    zh: dict[str, list[str]]
    en: dict[str, list[str]]

    @field_validator("zh", "en")
    @classmethod
    def _known_concerns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check(value)

    def phrases(self, language: str) -> dict[str, list[str]]:
        return self.en if language == "en" else self.zh


@cache
def load_symptoms(path: Path = SYMPTOMS_PATH) -> Symptoms:
    return load_yaml_model(path, Symptoms, "symptom lexicon")


def symptom_concerns(text: str, language: str | None = None) -> dict[str, list[str]]:
    """concern id → the symptom phrases of `text` that point to it (not negated), in one language
    or both (None)."""
    symptoms = load_symptoms()
    found: dict[str, list[str]] = {}
    for lang in ("zh", "en") if language is None else (language,):
        lex = load_lexicon(lang)
        for concern, phrases in symptoms.phrases(lang).items():
            hits = contains(text, phrases, lex)
            if hits:
                seen = found.setdefault(concern, [])
                seen.extend(h for h in dict.fromkeys(hits) if h not in seen)
    return found
