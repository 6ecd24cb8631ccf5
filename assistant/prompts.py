"""Prompts and reply templates from prompts/, validated when loaded.

Every template is a str.format string; its placeholders must be among the variables the code
provides for it, and rendering with a missing variable is an error, never a blank.
"""

from __future__ import annotations

import string
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from assistant.errors import PromptError
from assistant.models import SCRIPT_STAGES, Stage


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(template: str, **values: Any) -> str:
    missing = placeholders(template) - set(values)
    if missing:
        raise PromptError(f"template needs {sorted(missing)}: {template[:60]!r}")
    return template.format(**values)


def _check(templates: list[str] | str, allowed: set[str], where: str) -> None:
    for template in [templates] if isinstance(templates, str) else templates:
        try:
            unknown = placeholders(template) - allowed
        except ValueError as exc:
            raise ValueError(f"{where}: bad template {template[:40]!r}: {exc}") from exc
        if unknown:
            raise ValueError(f"{where}: unknown placeholders {sorted(unknown)}; allowed: {sorted(allowed)}")


class StageTemplates(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ask: list[str]
    uncover_need: list[str]
    uncover_need_no_skin: list[str]
    propose: list[str]
    confirm_expectation: list[str]
    match_product: list[str]
    no_match: list[str]
    escalate: list[str]
    escalate_complaint: list[str]
    escalate_medical: list[str]


class OfflineTemplates(BaseModel):
    """prompts/offline/<lang>.yaml: the offline engine's replies in one language."""

    model_config = ConfigDict(extra="forbid")
    language: str
    greeting: list[str]
    compressed: str
    logistics: str
    injection: str
    discount: str
    small_talk: list[str]
    questions: dict[str, str]
    expectation_questions: dict[str, str]
    approaches: dict[str, str]
    approach_default: str
    skin_labels: dict[str, str]
    concern_labels: dict[str, str]
    constraint_labels: dict[str, str]
    product_line: str
    why: str
    category_usage: dict[str, str]
    list_separator: str
    stages: StageTemplates

    @model_validator(mode="after")
    def _placeholders(self) -> OfflineTemplates:
        s = self.stages
        _check(s.ask, {"greeting", "questions"}, "stages.ask")
        _check(s.uncover_need, {"greeting", "skin", "concerns", "context"}, "stages.uncover_need")
        _check(
            s.uncover_need_no_skin,
            {"greeting", "concerns", "context", "skin_question"},
            "stages.uncover_need_no_skin",
        )
        _check(s.propose, {"concerns", "skin", "approach"}, "stages.propose")
        _check(s.confirm_expectation, {"questions"}, "stages.confirm_expectation")
        _check(s.match_product, {"items", "concerns", "skin"}, "stages.match_product")
        _check(s.no_match, {"reason", "concerns", "approach"}, "stages.no_match")
        for name in ("escalate", "escalate_complaint", "escalate_medical"):
            _check(getattr(s, name), {"greeting"}, f"stages.{name}")
        _check(self.product_line, {"index", "name", "price", "size", "why", "usage"}, "product_line")
        _check(self.why, {"skin", "concerns"}, "why")
        _check(self.logistics, {"answer"}, "logistics")
        for name in ("compressed", "injection", "discount", "approach_default"):
            _check(getattr(self, name), set(), name)
        for group in ("questions", "expectation_questions", "approaches"):
            for key, value in getattr(self, group).items():
                _check(value, set(), f"{group}.{key}")
        for name in ("ask", "uncover_need", "propose", "confirm_expectation", "match_product", "escalate"):
            if len(getattr(s, name)) < 2:
                raise ValueError(f"stages.{name}: give at least 2 variants")
        return self


class DraftPrompt(BaseModel):
    """prompts/llm/draft.yaml: the LLM engine's system and user messages, per-stage instructions."""

    model_config = ConfigDict(extra="forbid")
    system: str
    user: str
    feedback: str
    stage_instructions: dict[Stage, str]

    @model_validator(mode="after")
    def _placeholders(self) -> DraftPrompt:
        _check(self.system, {"language", "variants"}, "system")
        _check(
            self.user,
            {
                "stage",
                "stage_goal",
                "stage_instruction",
                "slots",
                "conversation",
                "context",
                "products",
                "notes",
            },
            "user",
        )
        _check(self.feedback, {"findings"}, "feedback")
        missing = set(SCRIPT_STAGES) | {Stage.escalate}
        missing -= set(self.stage_instructions)
        if missing:
            raise ValueError(f"stage_instructions: missing {sorted(m.value for m in missing)}")
        return self


class AnalyzePrompt(BaseModel):
    """prompts/llm/analyze.yaml: the LLM analyzer's messages."""

    model_config = ConfigDict(extra="forbid")
    system: str
    user: str

    @model_validator(mode="after")
    def _placeholders(self) -> AnalyzePrompt:
        _check(self.system, {"skin_types", "concerns", "constraints"}, "system")
        _check(self.user, {"conversation"}, "user")
        return self


class JudgePrompt(BaseModel):
    """prompts/judge/<criterion>.yaml: one binary criterion of the LLM judge."""

    model_config = ConfigDict(extra="forbid")
    criterion: str
    description: str
    system: str
    user: str

    @model_validator(mode="after")
    def _placeholders(self) -> JudgePrompt:
        _check(self.user, {"stage", "stage_goal", "conversation", "reply", "context"}, "user")
        return self


def _load(path: Path, model: type[BaseModel]) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return model.model_validate(data)
    except FileNotFoundError:
        raise PromptError(f"prompt file missing: {path}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"prompt file {path} is invalid: {exc}") from None


@cache
def offline_templates(prompts_dir: Path, language: str) -> OfflineTemplates:
    return _load(prompts_dir / "offline" / f"{language}.yaml", OfflineTemplates)


@cache
def draft_prompt(prompts_dir: Path) -> DraftPrompt:
    return _load(prompts_dir / "llm" / "draft.yaml", DraftPrompt)


@cache
def analyze_prompt(prompts_dir: Path) -> AnalyzePrompt:
    return _load(prompts_dir / "llm" / "analyze.yaml", AnalyzePrompt)


@cache
def judge_prompts(prompts_dir: Path) -> dict[str, JudgePrompt]:
    folder = prompts_dir / "judge"
    prompts = [_load(p, JudgePrompt) for p in sorted(folder.glob("*.yaml"))] if folder.exists() else []
    return {p.criterion: p for p in prompts}
