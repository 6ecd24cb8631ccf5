"""Suite files (YAML) validated by pydantic; `assistant eval schema` exports the JSON schema for editors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.analysis.profile import parse_profile
from assistant.errors import AssistantError
from assistant.models import Conversation, Stage
from assistant.transcript import conversation_from_turns, parse_conversation


class SuiteError(AssistantError):
    """A suite file is invalid; the message names the file, the case and the field."""

    exit_code = 2


class Expect(BaseModel):
    model_config = ConfigDict(extra="forbid")
    stage: Stage
    asks_question: bool | None = Field(None, description="the reply ends with a question")
    products_any_of: list[str] = Field(
        default_factory=list, description="at least one of these ids recommended"
    )
    products_none_of: list[str] = Field(default_factory=list, description="none of these ids recommended")
    must_include: list[str] = Field(default_factory=list)
    must_not_include: list[str] = Field(default_factory=list)
    max_chars: int | None = Field(
        None, gt=0, description="reply length in characters (each CJK character counts 1)"
    )
    answer_facts: list[str] = Field(
        default_factory=list,
        description="the key facts a reply that answers the customer's question contains; each item "
        "is one fact, alternatives separated by | (e.g. '4周|四周|28天')",
    )


class Case(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str = Field(min_length=1)
    conversation: list[dict[str, str]] = Field(
        default_factory=list, description="oldest first; {customer: …} or {operator: …}"
    )
    chat: str | None = Field(
        None,
        description="instead of `conversation`: the chat as an operator pastes it (WeChat's copied "
        "format or 客户:/我: lines), parsed as a chat",
    )
    profile: dict[str, Any] = Field(default_factory=dict)
    expect: Expect

    @model_validator(mode="after")
    def _one_source(self) -> Case:
        if bool(self.conversation) == bool(self.chat and self.chat.strip()):
            raise ValueError("give either `conversation` (a list of turns) or `chat` (pasted text), not both")
        return self

    @field_validator("conversation")
    @classmethod
    def _turns(cls, turns: list[dict[str, str]]) -> list[dict[str, str]]:
        if not turns:
            return turns
        for n, turn in enumerate(turns, start=1):
            if len(turn) != 1 or next(iter(turn)) not in ("customer", "operator"):
                raise ValueError(f"turn {n} must be {{customer: …}} or {{operator: …}}, got {list(turn)}")
            if not str(next(iter(turn.values())) or "").strip():
                raise ValueError(f"turn {n} is empty")
        if "customer" not in turns[-1]:
            raise ValueError("the last turn must be the customer's message to answer")
        return turns

    def to_conversation(self) -> Conversation:
        """The conversation the case drafts for: its turns, or its pasted chat parsed as a chat."""
        if self.chat:
            return parse_conversation(self.chat)
        return conversation_from_turns(self.conversation)


RATE_METRICS = {
    "stage_accuracy",
    "product_fit",
    "asks_question",
    "products_expected",
    "must_include",
    "length",
    "escalation_handled",
    "pass_rate",
    "judge_pass_rate",
}  # minima
COUNT_METRICS = {"early_pitch", "banned_claims", "ungrounded_facts", "errors"}  # maxima


class Thresholds(BaseModel):
    """Rates are minima (0–1), counts are maxima. Any metric of the results can have a threshold."""

    model_config = ConfigDict(extra="allow")
    stage_accuracy: float | None = Field(None, ge=0, le=1)
    early_pitch: int | None = Field(None, ge=0)
    banned_claims: int | None = Field(None, ge=0)
    product_fit: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="after")
    def _known(self) -> Thresholds:
        unknown = sorted(set(self.model_extra or {}) - RATE_METRICS - COUNT_METRICS)
        if unknown:
            raise ValueError(
                f"unknown metric {unknown}; known: {', '.join(sorted(RATE_METRICS | COUNT_METRICS))}"
            )
        return self


class Suite(BaseModel):
    model_config = ConfigDict(extra="allow")
    suite: str = Field(min_length=1)
    description: str = ""
    knowledge: str | None = Field(
        None, description="catalog or folder, relative to the suite file, ingested for the run"
    )
    profile: dict[str, Any] = Field(default_factory=dict)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    cases: list[Case] = Field(min_length=1)
    path: Path | None = Field(None, exclude=True)

    @model_validator(mode="after")
    def _unique_ids(self) -> Suite:
        seen: set[str] = set()
        for case in self.cases:
            if case.id in seen:
                raise ValueError(f"case id {case.id!r} is used twice")
            seen.add(case.id)
        return self

    def knowledge_path(self) -> Path | None:
        if not self.knowledge:
            return None
        base = self.path.parent if self.path else Path.cwd()
        return (base / self.knowledge).resolve()


def _where(data: Any, loc: tuple[Any, ...]) -> str:
    """'case oily-ask-01, field expect.stage' from a pydantic error location."""
    if len(loc) >= 2 and loc[0] == "cases" and isinstance(loc[1], int):
        cases = data.get("cases") if isinstance(data, dict) else None
        case_id = (
            cases[loc[1]].get("id")
            if isinstance(cases, list) and loc[1] < len(cases) and isinstance(cases[loc[1]], dict)
            else None
        )
        field = ".".join(str(p) for p in loc[2:]) or "(the case)"
        return f"case {case_id or '#' + str(loc[1] + 1)}, field {field}"
    return f"field {'.'.join(str(p) for p in loc) or '(top level)'}"


def load_suite(path: Path) -> Suite:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML: {exc}") from None
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        message = err["msg"].removeprefix("Value error, ")
        raise SuiteError(f"{path}: {_where(data, tuple(err['loc']))}: {message}") from None
    for case in suite.cases:
        try:
            parse_profile({**suite.profile, **case.profile})
        except AssistantError as exc:
            raise SuiteError(f"{path}: case {case.id}, field profile: {exc}") from None
    suite.path = path
    if suite.knowledge and not suite.knowledge_path().exists():  # type: ignore[union-attr]
        raise SuiteError(f"{path}: field knowledge: {suite.knowledge_path()} does not exist")
    return suite


def suite_paths(targets: list[Path]) -> list[Path]:
    paths: list[Path] = []
    for target in targets:
        if target.is_dir():
            paths.extend(sorted(p for p in target.glob("*.y*ml") if p.suffix in (".yaml", ".yml")))
        else:
            paths.append(target)
    if not paths:
        raise SuiteError(f"no suite files in {', '.join(map(str, targets))}")
    return paths


def json_schema() -> dict[str, Any]:
    schema = Suite.model_json_schema()
    schema["properties"].pop("path", None)
    schema["$id"] = "https://example.invalid/private-chat-assistant/eval-suite.schema.json"
    schema["title"] = "Eval suite"
    return schema
