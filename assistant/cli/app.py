"""The typer app: sub-commands live in their own modules; errors become a message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from assistant.errors import AssistantError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="Private-chat conversion assistant for skincare operators.",
    no_args_is_help=True,
    add_completion=False,
)


def friendly(func: F) -> F:
    """Run a command; an AssistantError prints `error: …` on stderr and exits with its code."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except AssistantError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def main() -> None:
    from assistant.cli import db, draft, evals, kb, serve, ui  # noqa: F401  (register the commands)

    app.add_typer(kb.app, name="kb")
    app.add_typer(db.app, name="db")
    app.add_typer(evals.app, name="eval")
    sys.exit(app())
