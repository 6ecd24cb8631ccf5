"""Suite files (YAML) validated by pydantic; `assistant eval schema` exports the JSON schema for editors.

Strict, because a suite that silently ignores a misspelled key "passes" without checking anything:
an unknown key anywhere (suite, case, expect, thresholds) is an error naming it and the closest
valid one; a suite is UTF-8 text; `knowledge:` must stay inside the suite's folder.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.analysis.profile import parse_profile
from assistant.errors import AssistantError
from assistant.models import Conversation, Stage
from assistant.textio import yaml_error
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
    model_config = ConfigDict(extra="forbid")
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
    kinds: list[str] = Field(
        default_factory=list, description="labels of what the case exercises (opening, slang …), for reports"
    )
    reference_reply: str | None = Field(None, description="the operator's approved reply (exported cases)")
    source: str | None = Field(None, description="where the case came from (exported cases)")
    why: str | None = Field(None, description="what the case checks and why its expectation is right")
    fit: dict[str, Any] | None = Field(
        None, description="the recorded slots its expected products were derived from (dev set B)"
    )

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
    "budget_total",
    "answers_question",
    "variant_diversity",
    "regenerate_differs",
    "composition",
}  # minima
COUNT_METRICS = {
    "early_pitch",
    "banned_claims",
    "ungrounded_facts",
    "errors",
    "reask",
    "duplicated_phrase",
}  # maxima


class Thresholds(BaseModel):
    """Rates are minima (0–1), counts are maxima. Any metric of the results can have a threshold."""

    model_config = ConfigDict(extra="allow")
    stage_accuracy: float | None = Field(None, ge=0, le=1)
    early_pitch: int | None = Field(None, ge=0)
    banned_claims: int | None = Field(None, ge=0)
    product_fit: float | None = Field(None, ge=0, le=1)

    @model_validator(mode="before")
    @classmethod
    def _known(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for name, value in data.items():
            if name not in RATE_METRICS | COUNT_METRICS:
                raise ValueError(f"unknown metric {name!r}{closest(name, RATE_METRICS | COUNT_METRICS)}")
            number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
            if name in RATE_METRICS and not (number and 0 <= value <= 1):
                raise ValueError(f"{name} is a rate: a number from 0 to 1, not {value!r}")
            if name in COUNT_METRICS and not (number and value >= 0 and float(value).is_integer()):
                raise ValueError(f"{name} is a count: a whole number ≥ 0, not {value!r}")
        return data


class Suite(BaseModel):
    model_config = ConfigDict(extra="forbid")
    suite: str = Field(min_length=1)
    description: str = ""
    knowledge: str | None = Field(
        None, description="catalog or folder inside the suite's folder (relative path), ingested for the run"
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


def closest(name: str, valid: Iterable[str]) -> str:
    """' (did you mean 'knowledge'?)', or the valid names when none is close."""
    options = sorted(valid)
    match = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else f"; valid: {', '.join(options)}"


def _model_at(loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model that validates the object at `loc` (Suite, Case, Expect …), None past a plain value."""
    model: type[BaseModel] = Suite
    for part in loc:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        inner = [t for t in (field.annotation, *get_args(field.annotation)) if isinstance(t, type)]
        found = next((t for t in inner if issubclass(t, BaseModel)), None)
        if found is None:
            return None
        model = found
    return model


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


def _explain(data: Any, exc: ValidationError) -> str:
    """The first unknown key if there is one (a misspelled key also makes a required one missing),
    else the first error; where it is and what is wrong."""
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        valid = [f for f in (model.model_fields if model else []) if f != "path"]
        return f"{_where(data, loc)}: unknown key {loc[-1]!r}{closest(str(loc[-1]), valid)}"
    return f"{_where(data, loc)}: {err['msg'].removeprefix('Value error, ')}"


def _read(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SuiteError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SuiteError(
            f"{path}: line {line}: byte 0x{data[exc.start]:02x} is not UTF-8; save the suite as UTF-8"
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise SuiteError(f"{path}: not valid YAML: {yaml_error(exc)}") from None


def _check_knowledge(suite: Suite, path: Path) -> None:
    """`knowledge:` names a file or folder inside the suite's folder, and nothing in it leads out."""
    if not suite.knowledge:
        return
    base = path.parent.resolve()
    where = f"{path}: field knowledge"
    if Path(suite.knowledge).is_absolute():
        raise SuiteError(f"{where}: {suite.knowledge} is absolute; give a path inside the suite's folder")
    target = suite.knowledge_path()
    assert target is not None
    if not target.is_relative_to(base):
        raise SuiteError(f"{where}: {suite.knowledge} leads outside the suite's folder {base}")
    if not target.exists():
        raise SuiteError(f"{where}: {target} does not exist")
    for item in target.rglob("*") if target.is_dir() else []:
        if item.is_symlink() and not item.resolve().is_relative_to(base):
            raise SuiteError(f"{where}: {item} is a link to {item.resolve()}, outside the suite's folder")


def load_suite(path: Path) -> Suite:
    data = _read(path)
    try:
        suite = Suite.model_validate(data)
    except ValidationError as exc:
        raise SuiteError(f"{path}: {_explain(data, exc)}") from None
    for case in suite.cases:
        try:
            parse_profile({**suite.profile, **case.profile})
        except AssistantError as exc:
            raise SuiteError(f"{path}: case {case.id}, field profile: {exc}") from None
    suite.path = path
    _check_knowledge(suite, path)
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
