"""Budgets as customers say them: 两百以内, 100块左右, 预算300-500, under $30, around 200 rmb."""

from __future__ import annotations

import math
import re

_CN_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
_NUM = r"(?:\d+(?:\.\d+)?\s*[kKwW千万]?|[零一二两三四五六七八九十百千万]+)"
_AROUND = ("左右", "上下", "around", "about", "roughly", "~")
_ZH_PATTERNS = [
    # 预算300-500 / 预算两百 / 价位在200左右
    re.compile(
        rf"(?:预算|价位|价格|价钱)[^0-9零一二两三四五六七八九十百千万]{{0,5}}(?P<a>{_NUM})(?:\s*(?:-|~|到|至)\s*(?P<b>{_NUM}))?\s*(?P<unit>块钱|块|元|米|rmb)?\s*(?P<mod>以内|以下|之内|左右|上下|封顶)?",
        re.I,
    ),
    # 不超过150 / 最多两百 / 控制在300以内
    re.compile(
        rf"(?:不超过|别超过|不要超过|最多|控制在|低于|不高于)\s*(?P<a>{_NUM})\s*(?P<unit>块钱|块|元|米|rmb)?\s*(?P<mod>以内|以下|之内|左右)?",
        re.I,
    ),
    # 100块左右 / 两百以内 / 200-300元
    re.compile(
        rf"(?P<a>{_NUM})(?:\s*(?:-|~|到|至)\s*(?P<b>{_NUM}))?\s*(?P<unit>块钱|块|元|米|rmb)\s*(?P<mod>以内|以下|之内|左右|上下)?",
        re.I,
    ),
    re.compile(rf"(?P<a>{_NUM})\s*(?P<mod>以内|以下|之内|封顶)(?!的?(?:岁|天|周|个月|ml|g|毫升|克))", re.I),
    re.compile(r"[¥￥]\s*(?P<a>\d+(?:\.\d+)?)"),
]
_EN_PATTERNS = [
    re.compile(
        r"(?P<mod>under|below|less than|up to|max(?:imum)?|no more than|within|around|about|roughly)\s*(?P<cur>\$|usd\s*|rmb\s*|¥)?\s*(?P<a>\d+(?:\.\d+)?k?)\s*(?P<unit>dollars?|usd|bucks|rmb|yuan|cny)?",
        re.I,
    ),
    re.compile(
        r"budget(?: is| of|:)?\s*(?P<mod>around|about|roughly)?\s*(?P<cur>\$|usd\s*|rmb\s*|¥)?\s*(?P<a>\d+(?:\.\d+)?k?)(?:\s*(?:-|to)\s*\$?(?P<b>\d+(?:\.\d+)?))?\s*(?P<unit>dollars?|usd|bucks|rmb|yuan|cny)?",
        re.I,
    ),
    re.compile(r"(?P<a>\d+(?:\.\d+)?)\s*(?P<unit>dollars?|usd|bucks|rmb|yuan|cny)\b", re.I),
    re.compile(r"(?P<cur>\$)\s*(?P<a>\d+(?:\.\d+)?)(?:\s*(?:-|to)\s*\$?(?P<b>\d+(?:\.\d+)?))?"),
]


def chinese_number(text: str) -> float | None:
    """两百 → 200, 一百五 → 150, 三百五十 → 350, 1.5k → 1500, 2w → 20000; None otherwise."""
    text = text.strip()
    match = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKwW千万]?)", text)
    if match:
        value = float(match.group(1))
        scale = {"k": 1000, "K": 1000, "千": 1000, "w": 10000, "W": 10000, "万": 10000}.get(match.group(2), 1)
        return value * scale
    total, current, last_unit = 0, 0, 1
    for ch in text:
        if ch in _CN_DIGITS:
            current = _CN_DIGITS[ch]
        elif ch in _CN_UNITS:
            unit = _CN_UNITS[ch]
            total += (current or 1) * unit
            current, last_unit = 0, unit
        else:
            return None
    if current:  # 一百五 → the trailing digit is in the next lower unit
        total += current * (last_unit // 10 if last_unit >= 100 else 1)
    return float(total) if total else None


_EN_UNITS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_EN_TENS = {
    w: 10 * n
    for n, w in enumerate(["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"], 2)
}
EN_NUMBER_WORDS = (*_EN_UNITS, *_EN_TENS, "hundred", "thousand", "a", "and")


def english_number(text: str) -> float | None:
    """twenty → 20, ninety-nine → 99, a hundred and twenty → 120, two thousand → 2000; None otherwise."""
    words = [w for w in re.split(r"[\s-]+", text.strip().lower()) if w and w != "and"]
    if not words or words == ["a"]:
        return None
    total, current = 0, 0
    for word in words:
        if word in _EN_UNITS:
            current += _EN_UNITS[word]
        elif word in _EN_TENS:
            current += _EN_TENS[word]
        elif word == "a":
            current += 1
        elif word == "hundred":
            current = (current or 1) * 100
        elif word == "thousand":
            total += (current or 1) * 1000
            current = 0
        else:
            return None
    return float(total + current)


def parse_budget(text: str, usd_to_cny: float = 7.2) -> tuple[float, str] | None:
    """The budget's upper bound in CNY and the phrase it came from, or None. The last mention wins.
    Money slang ("一张毛爷爷以内") counts too."""
    found: tuple[int, int, float, str] | None = None  # (end, -start, value, phrase)
    for pattern in _ZH_PATTERNS + _EN_PATTERNS:
        for m in pattern.finditer(text):
            groups = m.groupdict()
            a = chinese_number(groups["a"]) if groups.get("a") else None
            b = chinese_number(groups["b"]) if groups.get("b") else None
            if a is None or a < 10:
                continue
            value = max(a, b or 0)
            if not math.isfinite(value):  # "预算999…9元" with hundreds of digits: not a budget
                continue
            mod = (groups.get("mod") or "").lower()
            if mod in _AROUND:
                value *= 1.1
            currency = ((groups.get("cur") or "") + (groups.get("unit") or "")).lower()
            if "$" in currency or "usd" in currency or "dollar" in currency or "buck" in currency:
                value *= usd_to_cny
            key = (m.end(), -m.start())
            if found is None or key > found[:2]:  # the last mention wins; the longest reading of it
                found = (m.end(), -m.start(), round(value, 2), m.group(0).strip())
    if found:
        return found[2], found[3]
    return (
        slang_budget(text)
        if any(w in text for w in ("以内", "以下", "左右", "封顶", "预算", "别超"))
        else None
    )


_SLANG_COUNT = r"(?P<n>\d+|[一二两三四五六七八九十]+)?\s*(?:张|个)?\s*"
_BARE = re.compile(
    r"(?<![\d.])(?P<a>\d{2,6}(?:\.\d+)?|[一二两三四五六七八九十]?[百千][零一二两三四五六七八九十百千]*)"
    r"(?!\s*(?:\.\d|%|岁|天|周|个月|月|年|号|点|次|步|ml|mL|g|克|毫升|片|分钟|小时|h\b))"
)


def slang_budget(text: str) -> tuple[float, str] | None:
    """Money in slang: 一张毛爷爷 = 100 (the words and values are in the lexicon)."""
    from assistant.lexicon import lexicons  # the lexicons import nothing from here

    for lex in lexicons():
        for word, value in lex.money_slang.items():
            m = re.search(_SLANG_COUNT + re.escape(word), text)
            if m:
                count = chinese_number(m.group("n")) if m.group("n") else 1
                return (count or 1) * value, m.group(0).strip()
    return None


def bare_amount(text: str, usd_to_cny: float = 7.2) -> tuple[float, str] | None:
    """A number said on its own as the answer to "预算多少？" ("两百", "150吧", "总共就两百"):
    read only in that context, and only from a short reply."""
    found = parse_budget(text, usd_to_cny) or slang_budget(text)
    if found:
        return found
    if len(text) > 40:
        return None
    m = _BARE.search(text)
    if not m:
        return None
    value = chinese_number(m.group("a"))
    return (value, m.group(0)) if value and value >= 10 else None
