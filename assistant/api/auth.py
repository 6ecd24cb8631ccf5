"""Bearer tokens per operator, from ASSISTANT_API_TOKENS (`operator:token,…`) and/or the file named
by ASSISTANT_API_TOKENS_FILE (one `operator:token` a line, `#` comments).

A presented token is compared with every configured one in constant time (SHA-256 digests through
hmac.compare_digest, no early exit), so timing tells nothing about which token is close. Tokens
never appear in an error, a log line or a response."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError
from assistant.settings import Settings

MIN_TOKEN_CHARS = 16


@dataclass(frozen=True)
class Tokens:
    digests: tuple[tuple[str, bytes], ...]  # (operator, sha256 of the token)

    def operator_for(self, presented: str) -> str | None:
        """The operator whose token this is, or None."""
        digest = hashlib.sha256(presented.encode("utf-8")).digest()
        found = None
        for operator, expected in self.digests:
            if hmac.compare_digest(digest, expected):
                found = operator
        return found

    @property
    def operators(self) -> list[str]:
        return sorted({operator for operator, _ in self.digests})


def _pairs(lines: list[str], where: str) -> list[tuple[str, str]]:
    pairs = []
    for number, line in enumerate(lines, start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        operator, sep, token = (part.strip() for part in line.partition(":"))
        place = f"{where}, entry {number}" + (f" ({operator!r})" if operator and sep else "")
        if not sep or not operator or not token:
            raise ConfigError(f"{place}: expected operator:token")
        if len(token) < MIN_TOKEN_CHARS:
            raise ConfigError(
                f"{place}: the token is shorter than {MIN_TOKEN_CHARS} characters; "
                "make one with `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
            )
        pairs.append((operator, token))
    return pairs


def load_tokens(settings: Settings) -> Tokens:
    """Every configured token; a ConfigError naming the variable, file and entry when one is wrong
    or when none is configured (the API never runs open)."""
    pairs = []
    if settings.api_tokens is not None:
        pairs += _pairs(settings.api_tokens.get_secret_value().split(","), "ASSISTANT_API_TOKENS")
    if settings.api_tokens_file is not None:
        path = Path(settings.api_tokens_file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"ASSISTANT_API_TOKENS_FILE: cannot read {path} ({exc})") from None
        pairs += _pairs(text.splitlines(), f"ASSISTANT_API_TOKENS_FILE {path}")
    if not pairs:
        raise ConfigError(
            "the API needs tokens: set ASSISTANT_API_TOKENS=operator:token,… or ASSISTANT_API_TOKENS_FILE"
        )
    tokens = [token for _, token in pairs]
    if len(set(tokens)) != len(tokens):
        raise ConfigError("two API entries share one token: give every operator their own")
    return Tokens(tuple((op, hashlib.sha256(t.encode("utf-8")).digest()) for op, t in pairs))
