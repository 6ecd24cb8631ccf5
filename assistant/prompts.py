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

FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: 10x faster on the phrase banks


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
                "known",
                "question",
                "routine",
                "budget_rule",
                "attempt",
            },
            "user",
        )
        _check(self.feedback, {"findings"}, "feedback")
        missing = set(SCRIPT_STAGES) | {Stage.escalate}
        missing -= set(self.stage_instructions)
        if missing:
            raise ValueError(f"stage_instructions: missing {sorted(m.value for m in missing)}")
        return self


class RewritePrompt(BaseModel):
    """prompts/llm/rewrite.yaml: the tone rewrite of a draft (one call)."""

    model_config = ConfigDict(extra="forbid")
    system: str
    user: str
    tones: dict[str, str]

    @model_validator(mode="after")
    def _placeholders(self) -> RewritePrompt:
        _check(self.system, {"language"}, "system")
        _check(self.user, {"tone", "draft"}, "user")
        missing = {"warmer", "shorter", "professional", "casual"} - set(self.tones)
        if missing:
            raise ValueError(f"tones: missing {sorted(missing)}")
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
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER)
        return model.model_validate(data)
    except FileNotFoundError:
        raise PromptError(f"prompt file missing: {path}") from None
    except (yaml.YAMLError, ValidationError) as exc:
        raise PromptError(f"prompt file {path} is invalid: {exc}") from None


@cache
def draft_prompt(prompts_dir: Path) -> DraftPrompt:
    return _load(prompts_dir / "llm" / "draft.yaml", DraftPrompt)


@cache
def rewrite_prompt(prompts_dir: Path) -> RewritePrompt:
    return _load(prompts_dir / "llm" / "rewrite.yaml", RewritePrompt)  # type: ignore[no-any-return]


@cache
def analyze_prompt(prompts_dir: Path) -> AnalyzePrompt:
    return _load(prompts_dir / "llm" / "analyze.yaml", AnalyzePrompt)


@cache
def judge_prompts(prompts_dir: Path) -> dict[str, JudgePrompt]:
    folder = prompts_dir / "judge"
    prompts = [_load(p, JudgePrompt) for p in sorted(folder.glob("*.yaml"))] if folder.exists() else []
    return {p.criterion: p for p in prompts}
