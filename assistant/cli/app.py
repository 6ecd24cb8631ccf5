"""The typer app: sub-commands live in their own modules; errors become a message and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import typer

from assistant.cli.terminal import clean_args, one_line
from assistant.errors import AssistantError

F = TypeVar("F", bound=Callable[..., Any])

app = typer.Typer(
    help="Private-chat conversion assistant for skincare operators.",
    no_args_is_help=True,
    add_completion=False,
)


def friendly(func: F) -> F:
    """Run a command on its cleaned text arguments; an AssistantError prints one `error: …` line on
    stderr and exits with its code (2 for bad input)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **clean_args(kwargs))
        except AssistantError as exc:
            typer.echo(f"error: {one_line(str(exc))}", err=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def main() -> None:
    from assistant.cli import db, draft, evals, kb, serve, ui  # noqa: F401  (register the commands)

    app.add_typer(kb.app, name="kb")
    app.add_typer(db.app, name="db")
    app.add_typer(evals.app, name="eval")
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except Exception as exc:  # click's usage errors (typer carries its own click): one line, exit 2
        describe = getattr(exc, "format_message", None)
        if describe is None:  # not a usage error: a fault, shown as one
            raise
        if message := one_line(describe()):  # empty after a command's help was shown for no arguments
            typer.echo(f"error: {message} (see --help)", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
    sys.exit(code if isinstance(code, int) else 0)
