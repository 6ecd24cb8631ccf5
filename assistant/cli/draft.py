"""`assistant draft`: one draft reply from the terminal."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import typer
import yaml

from assistant.analysis.profile import parse_profile
from assistant.cli.app import app, friendly
from assistant.cli.terminal import echo_json
from assistant.errors import InputError
from assistant.models import Role, Turn
from assistant.services import build
from assistant.settings import load_settings
from assistant.textio import yaml_error
from assistant.transcript import (
    check_text,
    continue_thread,
    decode_text,
    parse_conversation,
    parse_message,
)

_ITEM = re.compile(r"^- ", re.M)  # a top-level item of a YAML list


def _recent_items(text: str, budget: int) -> tuple[str, bool]:
    """The end of a YAML list of turns, from an item start, with about `budget` characters: a long
    history is not parsed whole (YAML parsing is slow) when only its recent turns are kept."""
    if len(text) <= budget:
        return text, False
    start = _ITEM.search(text, len(text) - budget)
    return (text[start.start() :], True) if start else (text, False)


def read_history(
    path: Path, max_chars: int, operator_names: list[str] | None = None
) -> tuple[list[Turn], list[str]]:
    """The turns of a chat file (pasted text, or YAML/JSON [{customer: …}, {operator: …}]) and notices."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    text = decode_text(data, str(path))
    suffix = path.suffix.lower()
    if suffix not in (".yaml", ".yml", ".json"):
        conversation = parse_conversation(text, max_chars=max_chars, operator_names=operator_names or ())
        return conversation.turns, conversation.notices
    notices: list[str] = []
    try:
        if suffix == ".json":
            turns = json.loads(text)
        else:
            recent, cut = _recent_items(text, max_chars * 4)
            if cut:
                notices.append(f"{path} has {len(text):,} characters; read its most recent turns only.")
            turns = yaml.safe_load(recent)
    except json.JSONDecodeError as exc:
        raise InputError(
            f"{path}: not valid JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML: {yaml_error(exc)}") from None
    if not isinstance(turns, list) or not all(
        isinstance(t, dict) and len(t) == 1 and next(iter(t)) in ("customer", "operator") for t in turns
    ):
        raise InputError(f"{path}: expected a list of {{customer: …}} / {{operator: …}} turns")
    return [Turn(role=Role(next(iter(t))), text=str(next(iter(t.values())))) for t in turns], notices


@app.command()
@friendly
def draft(
    message: str = typer.Argument(..., help="The customer's message, a pasted chat, or - to read stdin."),
    history: Path | None = typer.Option(
        None,
        "--history",
        help="Earlier chat (text, or YAML/JSON turns); MESSAGE is the newest customer turn.",
    ),
    profile: list[str] = typer.Option(
        [],
        "--profile",
        "-p",
        help="What you know: key=value (skin_type=油皮, budget=200, constraints=孕期, need_confirmed=true, stage=propose …).",
    ),
    chat: bool = typer.Option(
        False,
        "--chat",
        help="MESSAGE is a pasted chat (WeChat's copied format or 客户:/我: lines), not one customer message.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    engine: str | None = typer.Option(
        None, "--engine", help="offline or llm (default: llm when OPENAI_API_KEY is set)."
    ),
) -> None:
    """Draft the next reply to a customer. Nothing is ever sent: you review and send it yourself."""
    if message == "-":
        message = decode_text(sys.stdin.buffer.read(), "stdin")
    check_text(message, "MESSAGE")
    if engine not in (None, "offline", "llm"):
        raise InputError("--engine must be offline or llm")
    settings = load_settings(**({"ASSISTANT_ENGINE": engine} if engine else {}))
    parsed_profile = parse_profile(profile)
    if history is not None:  # the history and the message obey the size limit together
        turns, notices = read_history(history, settings.max_input_chars, settings.operator_names)
        conversation, _ = continue_thread(
            turns,
            message,
            max_chars=settings.max_input_chars,
            chat=chat,
            operator_names=settings.operator_names,
        )
        conversation.notices[:0] = notices
    elif chat:
        conversation = parse_conversation(
            message, max_chars=settings.max_input_chars, operator_names=settings.operator_names
        )
    else:  # what the customer typed is one customer turn, whatever lines it contains
        conversation = parse_message(message, max_chars=settings.max_input_chars)
    result = build(settings).drafts.draft(conversation, parsed_profile)
    if as_json:
        echo_json(result.to_output())
        return
    for notice in result.notices:
        typer.echo(f"note: {notice}", err=True)
    typer.echo(f"[{result.stage.value}] {result.analysis.reason} · engine={result.engine}")
    for i, variant in enumerate(result.variants, start=1):
        typer.echo(f"\n--- variant {i} ---\n{variant}")
    if result.products:
        typer.echo("\nproducts: " + ", ".join(f"{p.id} {p.name} ¥{p.price:g}" for p in result.products))
    for citation in result.citations:
        typer.echo(f"cites: [{citation.id}] {citation.source} · {citation.title}")
    for finding in result.findings:
        typer.echo(
            f"{finding.severity.value}: {finding.rule}: {finding.message} «{finding.text}» (variant {finding.variant})"
        )
