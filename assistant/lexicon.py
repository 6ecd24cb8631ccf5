"""The analyzer's lexicons (lexicons/zh.yaml, lexicons/en.yaml): loading, validation and matching."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from assistant.errors import ConfigError
from assistant.models import CONCERNS, CONSTRAINTS, SKIN_TYPES
from assistant.text import normalize

LEXICON_DIR = Path(__file__).parent / "lexicons"
_CLAUSE_END = re.compile(r"[，、。！？；,.!?;\n]")


class Escalation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reaction_strong: list[str]
    reaction_weak: list[str]
    usage_context: list[str]
    complaint: list[str]
    medical: list[str]
    # regular expressions for complaints phrased around their parts ("扣了两次钱", "tracking hasn't moved")
    complaint_patterns: list[str] = []
    # words that make a reaction general, not an incident ("有些东西用了会不舒服", "some products sting")
    generic_use: list[str] = []
    # usage told as a time ("since I started using it", "自从用了"): a reaction anywhere in its sentence
    since_use: list[str] = []
    # an operator's check-in on a product in use ("用了几天感觉怎么样", "how's your skin doing"):
    # a reaction in the answer is a report
    checkin: list[str] = []


class Intents(BaseModel):
    model_config = ConfigDict(extra="forbid")
    logistics: list[str]
    small_talk: list[str]
    wants_product: list[str]
    injection: list[str]
    discount: list[str]


class OperatorActs(BaseModel):
    model_config = ConfigDict(extra="forbid")
    restate: list[str]
    propose: list[str]
    expect: list[str]


class QuestionCues(BaseModel):
    """Words that say what kind of question a message asks, checked in this order."""

    model_config = ConfigDict(extra="forbid")
    safety: list[str]
    time: list[str]
    price: list[str]
    results: list[str]
    usage: list[str]
    logistics: list[str]
    product: list[str]


class Lexicon(BaseModel):
    model_config = ConfigDict(extra="forbid")
    language: str = "zh"
    skin_types: dict[str, list[str]]
    concerns: dict[str, list[str]]
    negations: list[str]
    negation_exceptions: list[str] = []  # words that contain a negation but do not negate (不过, 不错)
    desire_markers: list[str]
    tendency_markers: list[str]
    affirm: list[str]
    deny: list[str]
    constraints: dict[str, list[str]]
    # a constraint said around its parts: the thing avoided and a rejection in the same clause
    # ("酒精不行", "别给我带酒精的", "he hates anything that smells")
    # the customer takes back what they said
    retractions: list[str] = []
    # said after a concern, it is over ("痘痘已经好了", "my pimples are mostly gone")
    resolved_markers: list[str] = []
    constraint_concepts: dict[str, list[str]] = {}
    rejections: list[str] = []
    allergy_pattern: str
    texture: dict[str, list[str]]
    expectation_markers: list[str]
    routine_markers: list[str]
    escalation: Escalation
    intents: Intents
    operator_acts: OperatorActs
    money_units: list[str]
    budget_cues: list[str]
    hesitate: list[str]
    affirm_false_starts: list[str]
    question_words: list[str]
    question_cues: QuestionCues
    per_item: list[str]
    no_budget: list[str]
    photo: list[str]
    order_cues: list[str]
    approach_terms: list[str]
    expectation_topics: dict[str, list[str]]
    none_answers: list[str]
    any_answers: list[str]
    money_slang: dict[str, float]
    abbreviations: dict[str, str]

    @field_validator("skin_types")
    @classmethod
    def _known_skin_types(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_keys(value, SKIN_TYPES, "skin type")

    @field_validator("concerns")
    @classmethod
    def _known_concerns(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_keys(value, CONCERNS, "concern")

    @field_validator("constraints")
    @classmethod
    def _known_constraints(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        return _check_keys(value, CONSTRAINTS, "constraint")


def _check_keys(value: dict[str, list[str]], allowed: tuple[str, ...], what: str) -> dict[str, list[str]]:
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(f"unknown {what} {unknown}; allowed: {list(allowed)}")
    return value


_PATTERNS = ("allergy_pattern", "complaint_patterns")  # regular expressions: matched as written


def _normalized(value: object) -> object:
    """Every phrase goes through the same normalisation as the text it is matched against."""
    if isinstance(value, str):
        return normalize(value)
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: (v if k in _PATTERNS else _normalized(v)) for k, v in value.items()}
    return value


M = TypeVar("M", bound=BaseModel)


def load_yaml_model(path: Path, model: type[M], what: str) -> M:
    """A YAML vocabulary file read into its pydantic model; any problem is one ConfigError naming
    the file (`what` says which vocabulary it is)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError("expected a mapping at the top level")
        return model.model_validate(data)
    except (OSError, yaml.YAMLError, ValidationError, ValueError, TypeError) as exc:
        raise ConfigError(f"{what} {path} is invalid: {exc}") from exc


@cache
def load_lexicon(language: str) -> Lexicon:
    path = LEXICON_DIR / f"{language}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return Lexicon(language=language, **_normalized(data))  # type: ignore[arg-type]
    except (OSError, yaml.YAMLError, ValidationError, TypeError) as exc:
        raise ConfigError(f"lexicon {path} is invalid: {exc}") from exc


def lexicons() -> tuple[Lexicon, Lexicon]:
    return load_lexicon("zh"), load_lexicon("en")


@cache
def _abbreviation_pattern(words: tuple[str, ...]) -> re.Pattern[str] | None:
    if not words:
        return None
    return re.compile(
        r"(?<![\w'])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\w'])",
        re.I,
    )


def spelled_out(text: str) -> str:
    """Chat spellings as the words they stand for ("ur cleanser" → "your cleanser"), for matching."""
    for lex in lexicons():
        table = lex.abbreviations
        pattern = _abbreviation_pattern(tuple(table))
        if pattern is not None:
            text = pattern.sub(lambda m, table=table: table.get(m.group(1).lower(), m.group(1)), text)  # type: ignore[misc]
    return text


@dataclass(frozen=True)
class Match:
    phrase: str
    start: int
    negated: bool


@cache
def _pattern(phrases: tuple[str, ...], latin: bool) -> re.Pattern[str] | None:
    if not phrases:
        return None
    ordered = sorted(set(phrases), key=len, reverse=True)
    if latin:  # whole words: no letter or digit may touch a phrase's alphanumeric ends
        parts = [
            (r"(?<![a-z0-9])" if p[0].isalnum() else "")
            + re.escape(p)
            + (r"(?![a-z0-9])" if p[-1].isalnum() else "")
            for p in ordered
        ]
        return re.compile("|".join(parts), re.IGNORECASE)
    body = "|".join(re.escape(p) for p in ordered)
    return re.compile(body, re.IGNORECASE)


def _clause_before(text: str, start: int, width: int) -> str:
    head = text[max(0, start - width) : start]
    parts = _CLAUSE_END.split(head)
    return parts[-1] if parts else head


def is_negated(text: str, start: int, lex: Lexicon) -> bool:
    """A negation shortly before the phrase in the same clause, unless it is a wish (不想/avoid)."""
    if lex.language == "en":
        words = re.findall(r"[a-z']+", _clause_before(text.lower(), start, 40))[-3:]
        return any(w in lex.negations for w in words)
    before = re.split(r"\s", _clause_before(text, start, 4))[-1]  # a space ends a clause in WeChat
    for question in (
        "是不是",
        "是否",
        "会不会",
        "能不能",
        "可不可以",
        "有没有",
        "要不要",
        *lex.negation_exceptions,
    ):
        before = before.replace(question, "")
    if any(marker in before for marker in lex.desire_markers):
        return False
    return any(neg in before for neg in lex.negations)


def find(text: str, phrases: list[str], lex: Lexicon) -> list[Match]:
    """Non-overlapping matches of `phrases` in `text`, longest phrase first, with negation."""
    pattern = _pattern(tuple(phrases), lex.language == "en")
    if pattern is None:
        return []
    return [Match(m.group(0), m.start(), is_negated(text, m.start(), lex)) for m in pattern.finditer(text)]


def contains(text: str, phrases: list[str], lex: Lexicon) -> list[str]:
    """The phrases found and not negated."""
    return [m.phrase for m in find(text, phrases, lex) if not m.negated]


def starts_with_any(text: str, phrases: list[str], lex: Lexicon, _depth: int = 0) -> bool:
    """True when the message opens with one of the phrases as a whole word (对，… / yes, …), or
    with a chain of them ("嗯嗯对，…", "好的没问题")."""
    stripped = text.strip().lstrip("~～ ").lower()
    for phrase in sorted(phrases, key=len, reverse=True):
        p = phrase.lower()
        if not stripped.startswith(p):
            continue
        rest = stripped[len(p) :]
        if (
            not rest
            or rest[0] in " ，。！？,.!?~～…、😊👌🙂👍"
            or (lex.language == "zh" and rest[0] in "啊呀呢哈吧的啦嘛哦喔滴哒")
            or (lex.language == "zh" and _depth < 3 and starts_with_any(rest, phrases, lex, _depth + 1))
        ):
            return True
    return False
