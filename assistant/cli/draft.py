"""`assistant draft`: one draft reply from the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer
import yaml

from assistant.analysis.profile import parse_profile
from assistant.cli.app import app, friendly
from assistant.errors import InputError
from assistant.models import Conversation, Role, Turn
from assistant.services import build
from assistant.settings import load_settings
from assistant.transcript import (
    check_text,
    conversation_from_turns,
    decode_text,
    parse_conversation,
    parse_message,
)


def read_history(path: Path, max_chars: int, operator_names: list[str] | None = None) -> Conversation:
    """A chat file: pasted text (WeChat or prefixed lines), or YAML/JSON turns [{customer: …}, {operator: …}]."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}") from None
    text = decode_text(data, str(path))
    if path.suffix.lower() in (".yaml", ".yml", ".json"):
        try:
            turns = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise InputError(f"{path}: not valid YAML/JSON: {exc}") from None
        if not isinstance(turns, list) or not all(
            isinstance(t, dict) and len(t) == 1 and next(iter(t)) in ("customer", "operator") for t in turns
        ):
            raise InputError(f"{path}: expected a list of {{customer: …}} / {{operator: …}} turns")
        return conversation_from_turns(turns)
    return parse_conversation(text, max_chars=max_chars, operator_names=operator_names or ())


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
    if history is not None:
        conversation = read_history(history, settings.max_input_chars, settings.operator_names)
        conversation.turns.append(Turn(role=Role.customer, text=message.strip()))
    elif chat:
        conversation = parse_conversation(
            message, max_chars=settings.max_input_chars, operator_names=settings.operator_names
        )
    else:  # what the customer typed is one customer turn, whatever lines it contains
        conversation = parse_message(message, max_chars=settings.max_input_chars)
    result = build(settings).drafts.draft(conversation, parsed_profile)
    if as_json:
        typer.echo(json.dumps(result.to_output(), ensure_ascii=False, indent=2))
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
