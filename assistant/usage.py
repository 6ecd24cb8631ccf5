"""Counting LLM calls and tokens per unit of work (a draft, an eval case), without importing any client."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class CallScope:
    """Counts the LLM calls and tokens of one unit of work (a draft, an eval case); scopes nest."""

    repeat: int = 0
    calls: int = 0
    cache_hits: int = 0
    usage: dict[str, int] = field(default_factory=lambda: {"input_tokens": 0, "output_tokens": 0})
    parent: CallScope | None = None

    def chain(self) -> Iterator[CallScope]:
        scope: CallScope | None = self
        while scope is not None:
            yield scope
            scope = scope.parent


_scope: ContextVar[CallScope | None] = ContextVar("llm_call_scope", default=None)


@contextmanager
def call_scope(repeat: int | None = None) -> Iterator[CallScope]:
    parent = _scope.get()
    scope = CallScope(
        repeat=repeat if repeat is not None else (parent.repeat if parent else 0), parent=parent
    )
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


def current_scope() -> CallScope | None:
    return _scope.get()
