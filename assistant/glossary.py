"""The bilingual glossary (lexicons/glossary.yaml): words that name the same ingredient, product kind
or everyday topic in Chinese and English. Retrieval adds a group's other words to a query's keyword
side, so "retinol" also finds A醇 and 维A finds 视黄醇.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, field_validator

from assistant.lexicon import load_yaml_model

GLOSSARY_PATH = Path(__file__).parent / "lexicons" / "glossary.yaml"


class Glossary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    groups: list[list[str]]

    @field_validator("groups")
    @classmethod
    def _groups(cls, value: list[list[str]]) -> list[list[str]]:
        for n, group in enumerate(value, start=1):
            if len(group) < 2 or any(not isinstance(p, str) or not p.strip() for p in group):
                raise ValueError(f"group {n} needs two or more non-empty phrases, got {group!r}")
        return value


@cache
def load_glossary(path: Path = GLOSSARY_PATH) -> Glossary:
    return load_yaml_model(path, Glossary, "glossary")


@cache
def _matcher() -> tuple[re.Pattern[str], dict[str, list[int]]]:
    """One pattern for every phrase (English on word boundaries), and phrase → its groups."""
    groups: dict[str, list[int]] = {}
    for n, group in enumerate(load_glossary().groups):
        for phrase in group:
            groups.setdefault(phrase.lower(), []).append(n)
    parts = [
        re.escape(p) if not p.isascii() else rf"(?<![a-z0-9]){re.escape(p)}(?![a-z0-9])"
        for p in sorted(groups, key=len, reverse=True)
    ]
    return re.compile("|".join(parts)), groups


def related_terms(text: str) -> list[str]:
    """The other words of every glossary group that `text` names, in glossary order."""
    pattern, groups = _matcher()
    found = {n for m in pattern.finditer(text.lower()) for n in groups[m.group(0)]}
    terms = load_glossary().groups
    lowered = text.lower()
    return [p for n in sorted(found) for p in terms[n] if p.lower() not in lowered]
