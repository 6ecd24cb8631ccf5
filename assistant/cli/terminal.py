"""What crosses the terminal: arguments in, JSON and errors out.

Arguments that were not valid UTF-8 reach Python as lone surrogates; they are read as GB18030 (a
terminal in a GBK locale) or refused, never echoed back as raw bytes. JSON output is always valid
JSON and valid UTF-8 (no NaN/Infinity, no lone surrogates). Errors are one line.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import typer

from assistant.errors import InputError

_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_arg(value: str, name: str) -> str:
    """`value` as the user typed it; InputError when its bytes are neither UTF-8 nor GB18030."""
    if not _SURROGATES.search(value):
        return value
    raw = value.encode("utf-8", "surrogateescape")
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError(f"{name}: the text is not valid UTF-8 (or GBK); retype or paste it again") from None


def clean_args(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Every text argument and option of a command through `clean_arg` (paths are left alone)."""
    out: dict[str, Any] = {}
    for key, value in kwargs.items():
        name = key.rstrip("_").replace("_", "-")
        if isinstance(value, str):
            value = clean_arg(value, name)
        elif isinstance(value, list) and all(isinstance(v, str) for v in value):
            value = [clean_arg(v, name) for v in value]
        out[key] = value
    return out


def _valid(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {_valid(k): _valid(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_valid(v) for v in value]
    return value


def echo_json(data: Any) -> None:
    """Print `data` as JSON that every parser accepts: finite numbers, valid UTF-8."""
    typer.echo(json.dumps(_valid(data), ensure_ascii=False, indent=2, allow_nan=False, default=str))


def one_line(message: str) -> str:
    return " ".join(message.split())
