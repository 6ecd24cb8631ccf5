"""The API's request and response bodies. Requests are checked here with the library's own rules
(non-empty text, known profile fields), so a bad input is a 422 naming its field before any work."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from assistant.analysis.profile import parse_profile
from assistant.errors import InputError
from assistant.models import Role, Stage, Turn
from assistant.services import DraftRequest
from assistant.transcript import check_text, parse_conversation

MAX_TEXT = 20_000  # characters in one message or pasted chat (the draft keeps the recent part anyway)
MAX_TURNS = 500
Text = Annotated[str, Field(min_length=1, max_length=MAX_TEXT)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


def _text(value: str) -> str:
    try:
        return check_text(value, "text")
    except InputError as exc:
        raise ValueError(str(exc).removeprefix("text: ")) from None


def _profile(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        try:
            parse_profile(value)
        except InputError as exc:
            raise ValueError(str(exc)) from None
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TurnIn(Strict):
    role: Role
    text: Text
    speaker: str | None = Field(None, max_length=100, description="the name shown in the chat")

    _check = field_validator("text")(_text)


class DraftIn(Strict):
    message: Text = Field(description="the customer's newest message (with chat=true: a pasted chat)")
    history: list[TurnIn] | Text | None = Field(
        None,
        description="the chat before the message, as turns or as pasted chat text; it stands for the "
        "customer's saved thread and replaces it when the draft is decided",
    )
    customer_id: Id | None = Field(
        None, description="the customer (POST /v1/customers); none: a one-off draft"
    )
    profile: dict[str, Any] | None = Field(
        None,
        description="what you know (skin_types, concerns, budget, constraints, …), saved with the customer",
    )
    engine: Literal["offline", "llm"] | None = Field(None, description="default: the server's engine")
    stage: Stage | None = Field(None, description="override the derived stage")
    chat: bool = Field(False, description="the message is a pasted chat, split into turns")
    replace_thread: bool = Field(False, description="the pasted chat is the whole conversation")

    _check = field_validator("message")(_text)
    _check_profile = field_validator("profile")(_profile)

    @field_validator("history")
    @classmethod
    def _history(cls, value: list[TurnIn] | str | None) -> list[TurnIn] | str | None:
        if isinstance(value, str):
            _text(value)
        elif value is not None and len(value) > MAX_TURNS:
            raise ValueError(f"at most {MAX_TURNS} turns")
        return value

    def to_request(self, operator: str, max_chars: int) -> DraftRequest:
        history: tuple[Turn, ...] | None = None
        if isinstance(self.history, str):
            history = tuple(parse_conversation(self.history, max_chars=max_chars).turns)
        elif self.history is not None:
            history = tuple(Turn(role=t.role, text=t.text, speaker=t.speaker) for t in self.history)
        return DraftRequest(
            text=self.message,
            customer_id=self.customer_id,
            chat=self.chat,
            replace_thread=self.replace_thread,
            profile=self.profile,
            stage=self.stage,
            operator=operator,
            engine=self.engine,
            history=history,
        )


class DecisionIn(Strict):
    decision: Literal["approved", "edited", "rejected"]
    final_text: Text | None = Field(None, description="the text sent (required for edited)")
    reason: Annotated[str, Field(max_length=2000)] | None = Field(
        None, description="why (required for rejected)"
    )
    variant: int = Field(0, ge=0, le=9, description="which variant was sent (0 = the first)")


class CustomerIn(Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="a WeChat nickname is fine")
    profile: dict[str, Any] | None = None

    _check_profile = field_validator("profile")(_profile)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("a customer needs a name (a WeChat nickname is fine)")
        return value


class MessagesIn(Strict):
    text: Text = Field(description="a message, or with chat=true a pasted chat")
    role: Role = Role.customer
    chat: bool = False
    speaker: str | None = Field(None, max_length=100)

    _check = field_validator("text")(_text)


class SearchIn(Strict):
    query: Annotated[str, Field(min_length=1, max_length=2000)]
    k: int = Field(5, ge=1, le=50)
    kind: Literal["product", "article", "faq"] | None = None
    mode: Literal["hybrid", "vector", "bm25"] = "hybrid"

    _check = field_validator("query")(_text)


class ErrorOut(BaseModel):
    error: str = Field(description="what went wrong, in one line")
    field: str | None = Field(None, description="the input at fault (body.message, customer_id, …)")
    errors: list[dict[str, Any]] = Field(default_factory=list, description="every invalid field, for 422")
