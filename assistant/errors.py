"""The library's error hierarchy. The CLI and the UI turn these into a clear message and an exit code."""

from __future__ import annotations


class AssistantError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 1


class ConfigError(AssistantError):
    """A setting is missing or wrong."""

    exit_code = 2


class InputError(AssistantError):
    """The operator's input cannot be used (empty, binary, wrong encoding); `field` names the
    input at fault when the caller knows it (the API reports it)."""

    exit_code = 2

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.field = field


class NotFoundError(InputError):
    """The input names a record that does not exist (a customer, a draft)."""


class ConflictError(InputError):
    """The record is not in a state that allows this (a draft that was already decided)."""


class PromptError(AssistantError):
    """A prompt or template file in prompts/ is missing or invalid."""

    exit_code = 2


class LLMError(AssistantError):
    """The LLM call failed: endpoint down, timeout, HTTP error or an unparseable answer."""

    def __init__(self, message: str, *, kind: str = "error", attempts: int = 1, raw: str | None = None):
        super().__init__(message)
        self.kind = kind  # connection | timeout | rate_limit | http | parse
        self.attempts = attempts
        self.raw = raw


class DatabaseError(AssistantError):
    """The review log's database cannot be reached or used (server down, disk full, locked too long)."""


class StoreError(AssistantError):
    """The knowledge store cannot be used as asked (wrong embedder, unreachable server)."""


class IngestError(AssistantError):
    """A knowledge source cannot be ingested; says which file, row and field."""

    exit_code = 2

    def __init__(
        self, message: str, *, source: str | None = None, row: int | None = None, field: str | None = None
    ):
        where = ", ".join(
            p for p in (source, f"row {row}" if row else None, f"field {field!r}" if field else None) if p
        )
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.row = row
        self.field = field
