"""Prices in a reply, however they are written (lexicons/prices.yaml): ¥99, 99元, 九十九元,
一百二十八块, 两百块钱, 99块9, 只要169, "13 dollars", "USD 20", "twenty bucks". Numbers are read by
assistant/analysis/budget.py. An amount in a store-policy context (满99元包邮, 一元硬币大小) is not a
product's price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.analysis.budget import EN_NUMBER_WORDS, chinese_number, english_number
from assistant.guard.reading import Reading, Span
from assistant.guard.vocabulary import any_of, prices, quick_look

_DIGITS = r"\d+(?:\.\d+)?"
_ZH = r"[零一二两三四五六七八九十百千万]+"
_EN = r"(?:{w})(?:[\s-]+(?:and[\s-]+)?(?:{w}))*".format(
    w="|".join(sorted((w for w in EN_NUMBER_WORDS if w not in ("and", "a")), key=len, reverse=True))
)
_POLICY_WINDOW = 10
_COUNTED = "瓶支盒套个件次片罐管"  # 三十块一瓶: the digit after 块 counts bottles, it is not 三十块一 (30.1)


@dataclass(frozen=True)
class Amount:
    span: Span
    value: float
    cny: bool
    policy: bool  # a store policy (free shipping over ¥99) or the customer's budget, not a product's price


@dataclass(frozen=True)
class _Patterns:
    any_currency: re.Pattern[str]  # a quick look before the full patterns
    any_unit: re.Pattern[str]
    any_cue: re.Pattern[str]
    before: tuple[tuple[re.Pattern[str], bool], ...]
    after: tuple[tuple[re.Pattern[str], bool], ...]
    cue: re.Pattern[str]
    policy: re.Pattern[str]
    budget_before: re.Pattern[str]
    budget_after: re.Pattern[str]


def _number(text: str) -> float | None:
    text = text.strip()
    if re.fullmatch(_DIGITS, text):
        return float(text)
    return chinese_number(text) if re.fullmatch(_ZH, text) else english_number(text)


@cache
def _patterns() -> _Patterns:
    p = prices()
    num = rf"(?P<num>{_DIGITS}|{_ZH}|\b{_EN}\b)"
    not_amount = "|".join(p.not_amounts)
    not_money = "".join(p.not_money_after_yuan)
    before = tuple((re.compile(rf"(?:{c.pattern})\s*{num}(?!\d|\.\d)"), c.cny) for c in p.currency_before)
    after = tuple(
        (
            re.compile(
                rf"{num}\s*(?P<unit>{c.pattern})(?P<tail>[1-9一二三四五六七八九](?!\d|[块元{_COUNTED}]))?"
                rf"(?![a-z]|(?<=元)[{not_money}])"
            ),
            c.cny,
        )
        for c in p.units
    )
    cue = re.compile(
        rf"(?:{'|'.join(p.cues)})\s*(?:是|为|:|要|价)?\s*(?:[¥$]\s*)?"
        rf"(?P<num>{_DIGITS}|{_ZH}|\b{_EN}\b)(?!\s*(?:{not_amount})|\d|\.\d|[零一二两三四五六七八九十百千万多来余])"
    )
    budget = p.budget_context
    return _Patterns(
        quick_look([c.pattern for c in p.currency_before]),
        quick_look([c.pattern for c in p.units]),
        quick_look(p.cues),
        before,
        after,
        cue,
        any_of(p.policy_context),
        re.compile(rf"(?:{'|'.join(budget.before)})[^,.;!?，。；！？]{{0,6}}$"),
        re.compile(rf"^\s*(?:{'|'.join(budget.after)})"),
    )


def find_amounts(reading: Reading) -> list[Amount]:
    p = _patterns()
    text = reading.compact
    found: dict[tuple[int, int], Amount] = {}

    def add(m: re.Match[str], value: float | None, cny: bool, cue: bool = False) -> None:
        if value is None:
            return
        overlapping = [k for k in found if k[0] <= m.start() < k[1] or k[0] < m.end() <= k[1]]
        before = text[max(0, m.start() - _POLICY_WINDOW) : m.start()]
        policy = bool(p.policy.search(text[max(0, m.start() - _POLICY_WINDOW) : m.end() + _POLICY_WINDOW]))
        budget = bool(p.budget_before.search(before) or p.budget_after.search(text[m.end() : m.end() + 4]))
        if overlapping:  # 只要九十九元: the unit's reading is kept, the cue only says it is a price
            if cue:
                for key in overlapping:
                    found[key] = Amount(found[key].span, found[key].value, found[key].cny, policy)
            return
        is_policy = policy or (budget and not cue)
        found[(m.start(), m.end())] = Amount(reading.in_compact(m.start(), m.end()), value, cny, is_policy)

    for pattern, cny in p.after if p.any_unit.search(text) else ():
        for m in pattern.finditer(text):
            value = _number(m.group("num"))
            small_piece = m.group("unit").startswith("块") and re.fullmatch(_ZH, m.group("num").strip())
            if value is None or (
                small_piece and value < 10 and not m.group("tail") and "钱" not in m.group("unit")
            ):
                continue  # 一块一块的红, 两块: pieces, not money
            if m.group("tail"):
                value += (_number(m.group("tail")) or 0) / 10  # 99块9 → 99.9, 九块九 → 9.9
            add(m, value, cny)
    for pattern, cny in p.before if p.any_currency.search(text) else ():
        for m in pattern.finditer(text):
            add(m, _number(m.group("num")), cny)
    for m in p.cue.finditer(text) if p.any_cue.search(text) else ():
        value = _number(m.group("num"))
        if value is not None and value >= 10:
            add(m, value, True, cue=True)
    return sorted(found.values(), key=lambda a: a.span.start)
