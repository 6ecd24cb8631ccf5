"""The `assistant` command (also `python -m assistant`)."""

from assistant.cli.app import app, main

__all__ = ["app", "main"]
