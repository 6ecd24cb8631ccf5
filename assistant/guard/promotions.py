"""Promised discounts, gifts and promotions, and selling during an escalation
(lexicons/promotions.yaml explains how a clause is read)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.guard.reading import Reading, Span
from assistant.guard.vocabulary import any_of, promotions, quick_look


@dataclass(frozen=True)
class _Patterns:
    any_promotion: re.Pattern[str]  # a quick look before reading clause by clause
    offers: re.Pattern[str]
    perks: re.Pattern[str]
    denials: re.Pattern[str]
    not_denials: re.Pattern[str]
    policy: re.Pattern[str]
    selling: re.Pattern[str]


@cache
def _patterns() -> _Patterns:
    p = promotions()
    return _Patterns(
        quick_look(p.offers + p.perks),
        any_of(p.offers),
        any_of(p.perks),
        any_of(p.denials),
        any_of(p.not_denials),
        any_of(p.policy),
        any_of(p.selling),
    )


def find_promises(reading: Reading) -> list[Span]:
    p = _patterns()
    text = reading.compact
    found: list[Span] = []
    if not p.any_promotion.search(text):
        return found
    for start, end in reading.clauses:
        clause = text[start:end]
        denied = bool(p.denials.search(p.not_denials.sub(" ", clause)))
        if denied:
            continue
        hits = [(m, "offer") for m in p.offers.finditer(clause)]
        if not p.policy.search(clause):
            hits += [(m, "perk") for m in p.perks.finditer(clause)]
        for m, _ in sorted(hits, key=lambda h: h[0].start()):
            if any(f.start <= start + m.start() < f.end for f in found):
                continue
            found.append(reading.in_compact(start + m.start(), start + m.end()))
    return found


def find_selling(reading: Reading) -> list[Span]:
    return [reading.in_compact(m.start(), m.end()) for m in _patterns().selling.finditer(reading.compact)]
