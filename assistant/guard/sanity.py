"""Reply sanity, for every engine (lexicons/reply_sanity.yaml): a reply is a message to the customer,
not an identifier, a field name, a JSON fragment or a copy of the prompt; it is in the customer's
language, long enough for its stage, ends with a question where the script asks one, and the
variants of a draft are different replies, not one reply offered twice."""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import yaml
from pydantic import BaseModel

from assistant import models
from assistant.analysis.language import detect_language
from assistant.guard.reading import Reading
from assistant.guard.vocabulary import reply_sanity
from assistant.models import CONCERNS, CONSTRAINTS, SKIN_TYPES, Language, Stage
from assistant.settings import PROJECT_ROOT
from assistant.stage import STAGE_GOALS_ZH
from assistant.text import normalize, skeleton

QUESTION_STAGES = (Stage.ask, Stage.uncover_need, Stage.confirm_expectation)
_CJK = re.compile(r"[\u3400-\u9fff]")
_ITEM_SEPARATOR = re.compile(r"[,，、;；|/\n]+|[\"'`]\s*[\"'`]")
_IDENTIFIER = re.compile(r"[A-Za-z0-9_.:#@-]+")
_SNAKE = re.compile(r"(?<![A-Za-z0-9])[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?![A-Za-z0-9])")
_JSON_KEY = re.compile(r"[\"']\w+[\"']\s*:")
_KEY_VALUE = re.compile(r"^\s*[A-Za-z_]+\s*:\s*[\[{\"']", re.M)  # variants: ["…"]
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}|</?(?:conversation|context)>")
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_BRACKETS = " \t\n\"'`[]{}()<>"


@dataclass(frozen=True)
class Problem:
    rule: str
    text: str  # the offending words as the reply shows them
    message: str


@cache
def schema_keys() -> frozenset[str]:
    """Field names of every model at the boundaries, the vocabulary ids and the stage ids."""
    keys = set(reply_sanity().schema_keys) | set(SKIN_TYPES) | set(CONCERNS) | set(CONSTRAINTS)
    keys |= {s.value for s in Stage}
    for value in vars(models).values():
        if isinstance(value, type) and issubclass(value, BaseModel) and value is not BaseModel:
            keys |= set(value.model_fields)
    return frozenset(keys)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _word_grams(lowered: str, n: int) -> set[tuple[str, ...]]:
    words = _WORD.findall(lowered)
    return {tuple(words[i : i + n]) for i in range(len(words) - n + 1)}


def _char_grams(skeleton_text: str, n: int) -> set[str]:
    """Runs of n Chinese characters (digits and Latin letters inside a run are kept: 问12个简单的问题)."""
    out: set[str] = set()
    for run in re.findall(rf"[\u3400-\u9fff0-9a-z%]{{{n},}}", skeleton_text):
        if _CJK.search(run):
            out |= {run[i : i + n] for i in range(len(run) - n + 1)}
    return {gram for gram in out if _CJK.search(gram)} if out else out


@cache
def prompt_grams() -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    """Word and character n-grams of the shipped LLM prompts and stage goals."""
    s = reply_sanity()
    texts = list(STAGE_GOALS_ZH.values())
    for path in sorted((PROJECT_ROOT / "prompts" / "llm").glob("*.yaml")):
        texts.extend(_strings(yaml.safe_load(path.read_text(encoding="utf-8"))))
    words: set[tuple[str, ...]] = set()
    chars: set[str] = set()
    for text in texts:
        words |= _word_grams(normalize(text).lower(), s.echo_words)
        chars |= _char_grams(skeleton(text), s.echo_chars)
    return frozenset(words), frozenset(chars)


def _not_a_reply(reading: Reading) -> str | None:
    """Why the reply is not a message to a customer, or None."""
    stripped = reading.text.strip()
    if stripped[:1] in "[{" or _JSON_KEY.search(stripped) or _KEY_VALUE.search(stripped):
        try:
            json.loads(stripped)
            return "it is JSON"
        except ValueError:
            return "it is a JSON fragment"
    items = [
        i.strip(_BRACKETS) for i in _ITEM_SEPARATOR.split(stripped.strip(_BRACKETS + ",.;:!?，。；：！？"))
    ]
    items = [i for i in items if i]
    if items and all(_IDENTIFIER.fullmatch(i) for i in items):
        keys = schema_keys()
        if all(i.lower() in keys for i in items):
            return "it is a list of schema keys" if len(items) > 1 else "it is a schema key"
        if any(re.search(r"[\d_:#@]", i) or i.lower() in keys for i in items):
            return "it is an identifier" if len(items) == 1 else "it is a list of identifiers"
    snake = [m.group(0) for m in _SNAKE.finditer(stripped)]
    if snake:
        return f"it contains the field name {snake[0]}"
    if _PLACEHOLDER.search(stripped):
        return "it contains a prompt placeholder"
    s = reply_sanity()
    words, chars = prompt_grams()
    if _word_grams(reading.compact, s.echo_words) & words or (
        _char_grams(reading.skeleton, s.echo_chars) & chars
    ):
        return "it copies the prompt"
    return None


def ends_with_question(text: str) -> bool:
    return bool(re.search(rf"[？?]{reply_sanity().question_tail}$", text.strip()))


def check_reply(reading: Reading, stage: Stage, language: Language) -> list[Problem]:
    s = reply_sanity()
    problems: list[Problem] = []
    stripped = reading.text.strip()
    reason = _not_a_reply(reading)
    if reason:
        problems.append(Problem("not_a_reply", stripped[:60], f"not a message to the customer: {reason}"))
    minimum = s.min_chars[language][stage]
    length = len(reading.normal)
    if length < minimum:
        problems.append(
            Problem("too_short", stripped, f"{length} characters; a {stage.value} reply needs {minimum}+")
        )
    reply_language = detect_language(stripped)
    if stripped and reply_language != language:
        problems.append(
            Problem(
                "language",
                stripped[:20],
                f"the customer wrote in {language}, the reply is in {reply_language}",
            )
        )
    if stage in QUESTION_STAGES and not ends_with_question(stripped):
        problems.append(
            Problem(
                "missing_question",
                stripped[-20:],
                f"stage {stage.value} must end with a question to the customer (SCRIPT.md rule 6)",
            )
        )
    return problems


def _bigrams(skeleton_text: str) -> Counter[str]:
    s = skeleton_text
    return Counter(s[i : i + 2] for i in range(len(s) - 1)) or Counter([s])


def _compare(x: Counter[str], y: Counter[str]) -> tuple[float, int]:
    """(Jaccard similarity of the bigram sets, bigrams that differ counted with repeats)."""
    union = x.keys() | y.keys()
    jaccard = len(x.keys() & y.keys()) / len(union) if union else 1.0
    return jaccard, sum(abs(x[k] - y[k]) for k in union)


def similarity(a: str, b: str) -> tuple[float, int]:
    """How alike two replies are: (bigram Jaccard, differing bigrams), on their skeletons."""
    return _compare(_bigrams(skeleton(a)), _bigrams(skeleton(b)))


def near_duplicates(readings: list[Reading]) -> list[tuple[int, int, float]]:
    """(later, earlier, Jaccard) for each variant that repeats an earlier one."""
    limit = reply_sanity().near_duplicate
    grams = [_bigrams(r.skeleton) for r in readings]
    out: list[tuple[int, int, float]] = []
    flagged: set[int] = set()
    for i, j in itertools.combinations(range(len(readings)), 2):
        if j in flagged or i in flagged:
            continue
        jaccard, changes = _compare(grams[i], grams[j])  # (cheap enough: 3 variants, 3 pairs)
        if jaccard >= limit.jaccard or (changes <= limit.changes and jaccard >= limit.changes_min_jaccard):
            out.append((j, i, round(jaccard, 3)))
            flagged.add(j)
    return out
