"""The operator's profile fields (CLI --profile key=value, the UI form) merged into the slots."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from assistant.analysis.budget import parse_budget
from assistant.errors import InputError
from assistant.lexicon import lexicons
from assistant.models import CONCERNS, CONSTRAINTS, SKIN_TYPES, Slots, Stage

_FLAGS = ("need_confirmed", "solution_proposed", "solution_accepted", "expectations_confirmed")
_TRUE = {"1", "true", "yes", "y", "是", "对", "已确认", "on"}
_FALSE = {"0", "false", "no", "n", "否", "off", ""}


def _split(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    return [
        p.strip()
        for p in str(value).replace("，", ",").replace("；", ";").replace(";", ",").split(",")
        if p.strip()
    ]


def normalize_term(term: str, kind: str) -> str:
    """Map a vocabulary term or a synonym (油皮, 敏感肌, 孕期 …) to its id; ValueError if unknown."""
    allowed = {"skin_types": SKIN_TYPES, "concerns": CONCERNS, "constraints": CONSTRAINTS}[kind]
    cleaned = term.strip().lower().replace(" ", "-").replace("_", "-")
    for ident in allowed:
        if cleaned in (ident, ident.replace("_", "-")):
            return ident
    for lex in lexicons():
        for ident, phrases in getattr(lex, kind).items():
            if any(term.strip().lower() == p.lower() for p in phrases):
                return ident
    raise ValueError(
        f"unknown {kind[:-1].replace('_', ' ')} {term!r}; use one of {', '.join(allowed)} (or a Chinese synonym)"
    )


class Profile(BaseModel):
    """What the operator already knows; every field is optional and wins over the analysis."""

    model_config = ConfigDict(extra="forbid")

    skin_types: list[str] | None = None
    concerns: list[str] | None = None
    budget: float | None = Field(None, gt=0, allow_inf_nan=False)  # a finite positive CNY amount
    constraints: list[str] | None = None
    allergies: list[str] | None = None
    age: int | None = Field(None, ge=10, le=100)
    tier: str | None = None
    tags: list[str] | None = None
    need_confirmed: bool | None = None
    solution_proposed: bool | None = None
    solution_accepted: bool | None = None
    expectations_confirmed: bool | None = None
    stage: Stage | None = Field(None, description="operator override of the derived stage")

    @field_validator("skin_types", "concerns", "constraints", mode="before")
    @classmethod
    def _normalize(cls, value: Any, info) -> list[str] | None:  # type: ignore[no-untyped-def]
        if value is None:
            return None
        return list(dict.fromkeys(normalize_term(v, info.field_name) for v in _split(value)))

    @field_validator("allergies", "tags", mode="before")
    @classmethod
    def _listify(cls, value: Any) -> list[str] | None:
        return None if value is None else _split(value)

    @field_validator("budget", mode="before")
    @classmethod
    def _budget(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip():
            try:
                return float(value)
            except ValueError:
                parsed = parse_budget(value)
                if parsed is None:
                    raise ValueError(f"cannot read a budget from {value!r}; give a number of CNY") from None
                return parsed[0]
        return value or None

    @field_validator(*_FLAGS, mode="before")
    @classmethod
    def _flag(cls, value: Any) -> Any:
        if isinstance(value, str):
            lowered = value.strip().lower()
            if lowered in _TRUE:
                return True
            if lowered in _FALSE:
                return False
        return value

    def apply(self, slots: Slots) -> Slots:
        """The slots with the operator's fields laid over them: a value the operator set replaces
        what was read (a correction wins)."""
        update: dict[str, Any] = {}
        if self.skin_types:
            update["skin_types"] = self.skin_types
        if self.concerns:
            update["concerns"] = self.concerns
        if self.budget is not None:
            update["budget_max"] = self.budget
        if self.constraints:
            update["constraints"] = self.constraints
            update["constraints_checked"] = True
        for name in ("allergies", "tags"):
            value = getattr(self, name)
            if value:
                update[name] = list(dict.fromkeys([*getattr(slots, name), *value]))
        for name in ("age", "tier"):
            if getattr(self, name) is not None:
                update[name] = getattr(self, name)
        for flag in _FLAGS:
            if getattr(self, flag) is not None:
                update[flag] = getattr(self, flag)
        return slots.model_copy(update=update)


def parse_profile(items: list[str] | dict[str, Any] | None) -> Profile:
    """From ["skin_type=油皮", "budget=200"] or a dict; an unknown key or value is an InputError."""
    if not items:
        return Profile()
    data: dict[str, Any] = {}
    if isinstance(items, dict):
        data = {k: v for k, v in items.items() if v not in (None, "", [])}
    else:
        for item in items:
            key, sep, value = item.partition("=")
            if not sep:
                raise InputError(f"profile item {item!r} must look like key=value")
            data[key.strip()] = value.strip()
    if "skin_type" in data:
        data["skin_types"] = data.pop("skin_type")
    try:
        return Profile(**data)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"])
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown profile field; use one of {', '.join(['skin_type', *Profile.model_fields])}"
        raise InputError(f"profile field {field!r}: {message}") from None
