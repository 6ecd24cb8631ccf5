"""Conversation input: a single message or a pasted chat, turned into a Conversation.

Understood formats, tried in order:
- WeChat's copied chat: a "name timestamp" line, then the message lines;
- lines prefixed with a role: 客户:/顾客:/我:/客服:/Customer:/Me:/Operator: …;
- anything else is one customer message. Parsing never fails on text; only empty or
  binary input is refused (InputError).
"""

from __future__ import annotations

import re
import unicodedata

from assistant.errors import InputError
from assistant.models import Conversation, Role, Turn

_CUSTOMER_PREFIXES = ("客户", "顾客", "用户", "买家", "customer", "client", "user", "c")
_OPERATOR_PREFIXES = ("我", "客服", "顾问", "美容顾问", "运营", "me", "operator", "agent", "assistant", "o")
_PREFIX = re.compile(r"^\s*([A-Za-z]+|[\u4e00-\u9fff]{1,4})\s*[:：]\s*(.*)$")
_TIMESTAMP = (
    r"(?:\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s*)?"
    r"(?:(?:上午|下午|晚上|凌晨|早上|中午)\s*)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?"
)
_WECHAT_HEADER = re.compile(rf"^\s*(?P<name>\S(?:.{{0,30}}?\S)?)\s+(?P<time>{_TIMESTAMP})\s*$")
_OPERATOR_NAME_HINTS = ("客服", "顾问", "助理", "小助手", "官方", "店长", "operator", "support", "advisor")


def decode_text(data: bytes, source: str = "input") -> str:
    """Decode bytes as UTF-8 (with or without BOM) or GB18030; anything else is an InputError."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        check_text(text, source)
        return text
    raise InputError(f"{source}: cannot decode the text; save it as UTF-8 and try again")


def check_text(text: str, source: str = "input") -> str:
    """Refuse empty, binary or garbled text with a message that says which."""
    if not text or not text.strip():
        raise InputError(f"{source}: the message is empty; paste the customer's message or the recent chat")
    sample = text[:20000]
    if "\x00" in sample:
        raise InputError(f"{source}: this looks like binary data, not a chat; paste text")
    bad = sum(
        1 for ch in sample if ch == "\ufffd" or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
    )
    if bad > max(3, len(sample) // 50):
        raise InputError(
            f"{source}: the text is garbled ({bad} unreadable characters); check its encoding (UTF-8 expected)"
        )
    return text


def _role_of_prefix(prefix: str) -> Role | None:
    p = prefix.strip().lower()
    if p in _CUSTOMER_PREFIXES:
        return Role.customer
    if p in _OPERATOR_PREFIXES:
        return Role.operator
    return None


def _parse_prefixed(lines: list[str]) -> list[Turn] | None:
    turns: list[Turn] = []
    for line in lines:
        match = _PREFIX.match(line)
        role = _role_of_prefix(match.group(1)) if match else None
        if match and role is not None:
            turns.append(Turn(role=role, text=match.group(2).strip()))
        elif turns and line.strip():
            turns[-1].text = (turns[-1].text + "\n" + line.strip()).strip()
        elif line.strip():
            return None  # text before the first prefix: not this format
    turns = [t for t in turns if t.text]
    return turns if turns and any(t.role is Role.customer for t in turns) else None


def _parse_wechat(lines: list[str]) -> list[Turn] | None:
    blocks: list[tuple[str, str, list[str]]] = []
    for line in lines:
        match = _WECHAT_HEADER.match(line)
        if match:
            blocks.append((match.group("name").strip(), match.group("time"), []))
        elif blocks:
            if line.strip():
                blocks[-1][2].append(line.strip())
        elif line.strip():
            return None
    blocks = [b for b in blocks if b[2]]
    if not blocks:
        return None
    names = list(dict.fromkeys(name for name, _, _ in blocks))
    operators = {n for n in names if any(h in n.lower() for h in _OPERATOR_NAME_HINTS)}
    if not operators:
        customer = blocks[-1][0]  # the message to answer is the customer's
        operators = {n for n in names if n != customer}
    turns = [
        Turn(
            role=Role.operator if name in operators else Role.customer,
            text="\n".join(body),
            speaker=name,
            time=time,
        )
        for name, time, body in blocks
    ]
    return turns if any(t.role is Role.customer for t in turns) else None


def _trim(turns: list[Turn], max_chars: int) -> tuple[list[Turn], list[str]]:
    total = sum(len(t.text) for t in turns)
    if total <= max_chars:
        return turns, []
    kept: list[Turn] = []
    size = 0
    for turn in reversed(turns):
        if kept and size + len(turn.text) > max_chars:
            break
        kept.append(turn)
        size += len(turn.text)
    kept.reverse()
    if len(kept[0].text) > max_chars:  # one huge message: keep its end, the most recent words
        kept[0] = kept[0].model_copy(update={"text": kept[0].text[-max_chars:]})
    dropped = len(turns) - len(kept)
    what = f"the {dropped} oldest turns" if dropped else "the start of the message"
    return kept, [f"Input was {total} characters; kept the most recent {max_chars} and dropped {what}."]


def parse_chat(text: str, *, max_chars: int = 6000) -> Conversation:
    """Text the operator pasted as a chat: WeChat's copied format or role-prefixed lines;
    anything else becomes one customer message."""
    return parse_conversation(text, max_chars=max_chars)


def parse_conversation(text: str, *, max_chars: int = 6000) -> Conversation:
    """Parse pasted text into turns; unknown formats become one customer message."""
    check_text(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    turns = _parse_prefixed(lines) or _parse_wechat(lines) or [Turn(role=Role.customer, text=text.strip())]
    turns, notices = _trim(turns, max_chars)
    return Conversation(turns=turns, notices=notices)


def conversation_from_turns(
    turns: list[dict[str, str]] | list[Turn], message: str | None = None
) -> Conversation:
    """Build from structured turns ({customer: …} / {operator: …} or Turn), plus an optional new message."""
    parsed: list[Turn] = []
    for item in turns:
        if isinstance(item, Turn):
            parsed.append(item)
            continue
        (role, text), *_ = item.items()
        parsed.append(Turn(role=Role(role), text=str(text)))
    if message is not None:
        parsed.append(Turn(role=Role.customer, text=check_text(message)))
    if not parsed or not any(t.role is Role.customer for t in parsed):
        raise InputError("the conversation has no customer message to answer")
    return Conversation(turns=parsed)


def continue_thread(
    thread: list[Turn], pasted: str, *, max_chars: int = 6000, replace: bool = False
) -> tuple[Conversation, list[Turn]]:
    """The customer's saved thread plus what was just pasted (or the paste alone when it is the
    whole chat). Returns the conversation to draft from and the new turns."""
    new = parse_conversation(pasted, max_chars=max_chars)
    turns = new.turns if replace else [*thread, *new.turns]
    turns, notices = _trim(turns, max_chars)
    return Conversation(turns=turns, notices=[*new.notices, *notices]), new.turns
