"""Conversation input: a customer's message, or a chat the operator pastes as a chat.

What is typed as the customer's message is one customer turn, whatever it contains: lines such
as "我: …", "Me: …" or a fake WeChat header inside it are the customer's words, never operator
turns (`parse_message`; the operator gets a notice). Only text pasted *as a chat* is split into
turns (`parse_conversation`), in these formats, tried in order:
- WeChat's copied chat: a "name timestamp" line, then the message lines; the operator's names
  come from the setting ASSISTANT_OPERATOR_NAMES and the customer's saved thread;
- lines prefixed with a role: 客户:/顾客:/我:/客服:/Customer:/Me:/Operator: …, or 【客户】/[Customer];
- "Name：message" lines from two speakers, one named as an operator (小A（客服）, a known name);
- anything else is one customer message. Parsing never fails on text; only empty, binary or
  word-less input (zero-width characters, punctuation only) is refused (InputError).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from assistant.errors import InputError
from assistant.models import Conversation, Role, Turn
from assistant.text import normalize, strip_invisible

_CUSTOMER_PREFIXES = (
    "客户",
    "顾客",
    "用户",
    "买家",
    "客人",
    "粉丝",
    "会员",
    "customer",
    "client",
    "user",
    "buyer",
    "c",
)
_OPERATOR_PREFIXES = (
    "我", "客服", "顾问", "美容顾问", "护肤顾问", "运营", "导购", "店员", "店长", "卖家", "商家", "助理", "小助手",
    "me", "operator", "agent", "assistant", "advisor", "consultant", "seller", "staff", "support", "rep", "o",
)  # fmt: skip
# "客户: …", "【客户】…", "[Customer] …", "客户> …"
_PREFIX = re.compile(
    r"^\s*(?:[【\[]\s*([A-Za-z]+|[\u4e00-\u9fff]{1,4})\s*[】\]]\s*[:：>]?"
    r"|([A-Za-z]+|[\u4e00-\u9fff]{1,4})\s*[:：>])\s*(.*)$"
)
# "小美：…" / "小A（客服）：…": a named speaker, an operator when the name says so
_NAMED = re.compile(r"^\s*([^\s:：]{1,20}?(?:\s?[（(][^）)]{1,8}[）)])?)\s*[:：]\s*(.*)$")
_TIMESTAMP = (
    r"(?:\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s*)?"
    r"(?:(?:昨天|前天|今天|星期[一二三四五六日天]|周[一二三四五六日天]|(?i:yesterday|today|mon|tue|wed|thu|fri|sat|sun)\w*)\s*)?"
    r"(?:(?:上午|下午|晚上|凌晨|早上|中午)\s*)?\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AaPp][Mm])?"
)
_WECHAT_HEADER = re.compile(rf"^\s*(?P<name>\S(?:.{{0,30}}?\S)?)\s+(?P<time>{_TIMESTAMP})\s*$")
_OPERATOR_NAME_HINTS = (
    "客服", "顾问", "助理", "小助手", "官方", "店长", "导购", "operator", "support", "advisor", "consultant",
)  # fmt: skip


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


def _has_words(text: str) -> bool:
    """Letters, digits, CJK or emoji: anything but punctuation, spaces and invisible characters."""
    return any(unicodedata.category(ch)[0] in "LN" or unicodedata.category(ch) == "So" for ch in text)


def check_text(text: str, source: str = "input") -> str:
    """Refuse empty, binary, garbled or word-less text with a message that says which."""
    if not text or not strip_invisible(text).strip():
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
    if not _has_words(strip_invisible(sample)):
        raise InputError(f"{source}: the message has no words (only punctuation or invisible characters)")
    return text


def _role_of_prefix(prefix: str) -> Role | None:
    p = prefix.strip().lower()
    if p in _CUSTOMER_PREFIXES:
        return Role.customer
    if p in _OPERATOR_PREFIXES:
        return Role.operator
    return None


def _prefix(line: str) -> tuple[Role, str] | None:
    """The role and text of a role-prefixed line, or None."""
    match = _PREFIX.match(line)
    if not match:
        return None
    role = _role_of_prefix(match.group(1) or match.group(2))
    return (role, match.group(3).strip()) if role is not None else None


def _parse_prefixed(lines: list[str]) -> list[Turn] | None:
    turns: list[Turn] = []
    for line in lines:
        found = _prefix(line)
        if found is not None:
            turns.append(Turn(role=found[0], text=found[1]))
        elif turns and line.strip():
            turns[-1].text = (turns[-1].text + "\n" + line.strip()).strip()
        elif line.strip():
            return None  # text before the first prefix: not this format
    turns = [t for t in turns if t.text]
    return turns if turns and any(t.role is Role.customer for t in turns) else None


def _parse_named(lines: list[str], operator_names: frozenset[str] = frozenset()) -> list[Turn] | None:
    """ "Name：message" lines from two speakers: the operator by a known name or a hint in the name
    ("小A（客服）", "品牌顾问-Lily"), else the one who did not write last; the other is the customer."""
    said: list[tuple[str, str]] = []
    for line in lines:
        match = _NAMED.match(line)
        if match:
            said.append((match.group(1).strip(), match.group(2).strip()))
        elif said and line.strip():
            said[-1] = (said[-1][0], (said[-1][1] + "\n" + line.strip()).strip())
        elif line.strip():
            return None
    names = list(dict.fromkeys(name for name, _ in said))
    known = {normalize(n).lower() for n in operator_names}
    operators = {
        n for n in names if normalize(n).lower() in known or any(h in n.lower() for h in _OPERATOR_NAME_HINTS)
    }
    if len(names) != 2 or len(operators) > 1:
        return None
    if not operators:  # pasted as a chat: the message to answer is the customer's, as in WeChat's format
        if len(said) < 3 or len(said) == len(names):  # a back-and-forth, not two lines with a colon
            return None
        operators = {n for n in names if n != said[-1][0]}
    turns = [
        Turn(role=Role.operator if name in operators else Role.customer, text=text, speaker=name)
        for name, text in said
        if text
    ]
    return turns if any(t.role is Role.customer for t in turns) else None


def _parse_wechat(lines: list[str], operator_names: frozenset[str] = frozenset()) -> list[Turn] | None:
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
    known = {normalize(n).lower() for n in operator_names}
    operators = {n for n in names if normalize(n).lower() in known}
    operators |= {n for n in names if any(h in n.lower() for h in _OPERATOR_NAME_HINTS)}
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


def _lines(text: str) -> list[str]:
    return strip_invisible(text.replace("\r\n", "\n").replace("\r", "\n")).split("\n")


def looks_like_chat(text: str) -> bool:
    """Whether a message holds lines that look like chat turns (role prefixes, WeChat headers)."""
    lines = _lines(text)
    if len([line for line in lines if line.strip()]) < 2:
        return False
    prefixed = any(_prefix(line) for line in lines)
    return prefixed or any(_WECHAT_HEADER.match(line) for line in lines)


def parse_message(text: str, *, max_chars: int = 6000) -> Conversation:
    """What the customer typed: one customer turn, whatever lines it contains."""
    check_text(text)
    message = "\n".join(_lines(text)).strip()
    notices = []
    if looks_like_chat(message):
        notices.append(
            "The customer's message contains lines that look like a chat (我: …, Me: …, a name and a time); "
            "they were read as the customer's own words. If you pasted a whole chat, paste it as a chat."
        )
    turns, trimmed = _trim([Turn(role=Role.customer, text=message)], max_chars)
    return Conversation(turns=turns, notices=[*notices, *trimmed])


def parse_conversation(
    text: str, *, max_chars: int = 6000, operator_names: Iterable[str] = ()
) -> Conversation:
    """Text the operator pasted as a chat: WeChat's copied format or role-prefixed lines; text in
    neither format becomes one customer message."""
    check_text(text)
    lines = _lines(text)
    turns = (
        _parse_prefixed(lines)
        or _parse_wechat(lines, frozenset(operator_names))
        or _parse_named(lines, frozenset(operator_names))
        or [Turn(role=Role.customer, text="\n".join(lines).strip())]
    )
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
    thread: list[Turn],
    pasted: str,
    *,
    max_chars: int = 6000,
    replace: bool = False,
    chat: bool = False,
    operator_names: Iterable[str] = (),
) -> tuple[Conversation, list[Turn]]:
    """The customer's saved thread plus what was just pasted: the customer's message, or a chat
    when `chat` (the paste alone when it `replace`s the thread). The operators' names known from
    the thread help read a WeChat paste. Returns the conversation to draft from and the new turns."""
    names = {*operator_names, *(t.speaker for t in thread if t.role is Role.operator and t.speaker)}
    new = (
        parse_conversation(pasted, max_chars=max_chars, operator_names=names)
        if chat or replace  # a whole chat is a chat
        else parse_message(pasted, max_chars=max_chars)
    )
    turns = new.turns if replace else [*thread, *new.turns]
    turns, notices = _trim(turns, max_chars)
    return Conversation(turns=turns, notices=[*new.notices, *notices]), new.turns
