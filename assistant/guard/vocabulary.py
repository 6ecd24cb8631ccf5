"""The guard's lexicons (assistant/lexicons/): banned claims, promotions, prices, product words.

Each file is validated on load (unknown or missing keys are an error naming the file) and its
patterns compiled once per process.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from assistant.errors import ConfigError
from assistant.lexicon import LEXICON_DIR
from assistant.models import Language, Stage
from assistant.text import skeleton

# a number in digits or Chinese numerals, for the `{num}` placeholder of the patterns
NUM = r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十百千万]+)"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BannedClaims(_Strict):
    note: str = ""
    legal_efficacy_categories: list[str]
    medical: list[str]
    absolute: list[str]
    ad_law: list[str]
    en: list[str]
    time_bound: list[str]


class Promotions(_Strict):
    offers: list[str]
    perks: list[str]
    denials: list[str]
    not_denials: list[str]
    policy: list[str]
    selling: list[str]


class Currency(_Strict):
    pattern: str
    cny: bool


class BudgetContext(_Strict):
    before: list[str]
    after: list[str]


class Prices(_Strict):
    currency_before: list[Currency]
    units: list[Currency]
    cues: list[str]
    not_amounts: list[str]
    not_money_after_yuan: list[str]
    policy_context: list[str]
    budget_context: BudgetContext


class WordSet(_Strict):
    categories: list[str]
    counters: list[str]
    generic: list[str]


class ProductWords(_Strict):
    common_word_frequency: int
    zh: WordSet
    en: WordSet


class NearDuplicate(_Strict):
    jaccard: float
    changes: int
    changes_min_jaccard: float


class ReplySanity(_Strict):
    min_chars: dict[Language, dict[Stage, int]]
    near_duplicate: NearDuplicate
    schema_keys: list[str]
    echo_words: int
    echo_chars: int
    question_tail: str


M = TypeVar("M", bound=BaseModel)


def _load(name: str, model: type[M]) -> M:
    path = LEXICON_DIR / name
    try:
        return model.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValidationError) as exc:
        raise ConfigError(f"{path}: invalid guard lexicon: {exc}") from exc


def any_of(patterns: list[str]) -> re.Pattern[str]:
    """One alternation of the patterns (with `{num}` filled in)."""
    return re.compile("|".join(f"(?:{p.replace('{num}', NUM)})" for p in patterns))


def quick_look(patterns: list[str]) -> re.Pattern[str]:
    """A looser alternation that finds at least every place the patterns match, faster: without the
    leading word boundaries, which keep the regex engine from skipping ahead to a first letter."""
    return any_of([re.sub(r"^\\b", "", p) for p in patterns])


@cache
def banned_claims() -> BannedClaims:
    return _load("banned_claims.yaml", BannedClaims)


@cache
def promotions() -> Promotions:
    return _load("promotions.yaml", Promotions)


@cache
def prices() -> Prices:
    return _load("prices.yaml", Prices)


@cache
def product_words() -> ProductWords:
    return _load("product_words.yaml", ProductWords)


@cache
def reply_sanity() -> ReplySanity:
    return _load("reply_sanity.yaml", ReplySanity)


def trie_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regular expression matching any of the words, longest first, built as a trie so that a
    scan costs the same with ten words or ten thousand."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict[str, Any]) -> str:
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(build(trie)) if trie else None


def skeletons(words: list[str]) -> frozenset[str]:
    return frozenset(s for s in (skeleton(w) for w in words) if s)
