"""The offline composer's phrase banks (prompts/offline/{zh,en}.yaml) and routine lexicon
(prompts/offline/routine.yaml), validated when loaded: every placeholder must be one the code fills,
every list must offer at least one phrase, every vocabulary id must have a label."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from assistant.fit import STEP_ORDER
from assistant.models import CONCERNS, CONSTRAINTS, KNOWN_FIELDS, SKIN_TYPES
from assistant.prompts import _check, _load

StageKey = Literal["ask", "need", "propose", "expect", "match", "escalate"]
ReasonKey = Literal["ask", "need", "propose", "expect", "match", "escalate", "complaint", "medical"]
AnswerKind = Literal["time", "usage", "results", "safety", "other"]
QUESTION_TOPICS = (
    *KNOWN_FIELDS,
    "since",
    "agree",
    "order_and_photo",
    "order_and_item_photo",
    "condition",
    "situation",
    "more",
)
# placeholders allowed under each path of the phrase bank (every other phrase takes none)
ALLOWED: dict[str, set[str]] = {
    "fact_frames": {"fact"},
    "restate": {"skin", "concerns", "context"},
    "approach_frames": {"need", "approach"},
    "steps_frames": {"steps"},
    "item": {"index", "name", "price", "why"},
    "item_usage": {"usage"},
    "why": {"step", "concerns"},
    "totals": {"total"},
    "left_out": {"steps"},
    "no_match.reasons": {"constraints"},
    "no_match.lines": {"reason"},
    "no_match.paths": {"approach"},
    "escalate.known_order": {"order"},
    "answers.frames": {"fact"},
    "answers.price_total": {"total"},
    "answers.product_steps": {"steps"},
    "answers.product_usage": {"name", "usage"},
    "answers.logistics": {"answer"},
}

MAY_BE_EMPTY = {"remedy_words", "particles"}
Phrases = list[str]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class NoMatch(_Strict):
    reasons: dict[Literal["budget", "constraint", "none"], str]
    lines: Phrases
    paths: Phrases


class Escalate(_Strict):
    care_reaction: Phrases
    care_complaint: Phrases
    care_medical: Phrases
    handover: Phrases
    known_order: Phrases
    known_photo: Phrases


class Answers(_Strict):
    frames: dict[AnswerKind, Phrases]
    fallback: dict[AnswerKind, Phrases]
    texture: Phrases
    pregnancy: Phrases
    breastfeeding: Phrases
    price_early: Phrases
    price_early_budget: Phrases
    price_total: Phrases
    product_early: Phrases
    product_steps: Phrases
    product_usage: Phrases
    logistics: Phrases
    logistics_unknown: Phrases


class ToneWarmer(_Strict):
    openers: Phrases
    lines: Phrases
    closings: Phrases


class ToneOpeners(_Strict):
    openers: Phrases  # in place of a greeting
    acks: Phrases  # in place of an acknowledgement


class Tones(_Strict):
    warmer: ToneWarmer
    professional: ToneOpeners
    casual: ToneOpeners


class PhraseBank(_Strict):
    """prompts/offline/<lang>.yaml: the sentence-level parts the offline composer builds replies from."""

    language: Literal["zh", "en"]
    list_separator: str
    step_separator: str
    greetings: Phrases
    acks: Phrases
    small_talk: Phrases
    declines: dict[Literal["injection", "discount"], Phrases]
    empathy: dict[StageKey, Phrases]
    fact_frames: Phrases
    reasons: dict[ReasonKey, Phrases]
    questions: dict[str, Phrases]
    restate: dict[Literal["with_skin", "no_skin"], Phrases]
    confirm: Phrases
    approach_frames: Phrases
    steps_frames: Phrases
    approaches: dict[str, str]
    approaches_pregnancy: dict[str, str]
    approach_default: str
    step_labels: dict[str, str]
    serum_labels: dict[str, str]
    skin_labels: dict[str, str]
    concern_labels: dict[str, str]
    remedy_words: list[str]
    constraint_labels: dict[str, str]
    match_intros: Phrases
    item: str
    item_usage: str
    why: Phrases
    category_usage: dict[str, str]
    totals: dict[Literal["within_budget", "per_item", "no_budget"], Phrases]
    left_out: dict[Literal["budget", "none_fits", "limit"], Phrases]
    no_match: NoMatch
    closings: dict[Literal["propose", "match"], Phrases]
    escalate: Escalate
    answers: Answers
    tones: Tones
    particles: list[str]

    @model_validator(mode="after")
    def _complete(self) -> PhraseBank:
        _walk(self.model_dump(), "")
        for name, ids in (
            ("skin_labels", SKIN_TYPES),
            ("concern_labels", CONCERNS),
            ("approaches", CONCERNS),
            ("constraint_labels", CONSTRAINTS),
            ("step_labels", STEP_ORDER),
            ("category_usage", STEP_ORDER),
            ("questions", QUESTION_TOPICS),
        ):
            missing = sorted(set(ids) - set(getattr(self, name)))
            if missing:
                raise ValueError(f"{name}: missing {missing}")
        return self


def _walk(value: Any, path: str) -> None:
    """Every phrase: placeholders allowed at its path, and no empty list of alternatives."""
    if isinstance(value, str):
        allowed = next((v for k, v in ALLOWED.items() if path == k or path.startswith(k + ".")), set())
        _check(value, allowed, path)
    elif isinstance(value, list):
        if not value and path not in MAY_BE_EMPTY:
            raise ValueError(f"{path}: give at least one phrase")
        for item in value:
            _walk(item, path)
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(item, f"{path}.{key}" if path else str(key))


class RoutineStep(_Strict):
    categories: list[str] = Field(min_length=1)
    phrases: list[str] = Field(min_length=1)


class RoutineLexicon(_Strict):
    """prompts/offline/routine.yaml: step names in a proposal, and the approach's steps per concern."""

    steps: list[RoutineStep]
    approach_steps: dict[str, list[str]]
    negations: list[str]  # before a step in its clause: the step is not part of the routine
    stops_after: list[str]  # after a step in its clause: the same (鼻贴先停)

    @model_validator(mode="after")
    def _known(self) -> RoutineLexicon:
        used = {c for s in self.steps for c in s.categories} | {
            c for cats in self.approach_steps.values() for c in cats
        }
        unknown = sorted(used - set(STEP_ORDER))
        if unknown:
            raise ValueError(f"unknown categories {unknown}; known: {', '.join(STEP_ORDER)}")
        missing = sorted(set(CONCERNS) - set(self.approach_steps))
        if missing:
            raise ValueError(f"approach_steps: missing {missing}")
        return self


@cache
def phrase_bank(prompts_dir: Path, language: str) -> PhraseBank:
    bank: PhraseBank = _load(prompts_dir / "offline" / f"{language}.yaml", PhraseBank)
    return bank


@cache
def routine_lexicon(prompts_dir: Path) -> RoutineLexicon:
    lexicon: RoutineLexicon = _load(prompts_dir / "offline" / "routine.yaml", RoutineLexicon)
    return lexicon
