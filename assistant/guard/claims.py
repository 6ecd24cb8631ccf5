"""Medical, absolute and time-bound claims banned for cosmetics (lexicons/banned_claims.yaml).

Chinese terms are found in the reply's skeleton, so spaces, zero-width characters and punctuation
between their characters do not hide them (「根 治」, 「根​治」, 「根*治」, 「1 0 0 %」). Terms with Latin
letters are matched word by word, allowing up to two separator characters between letters
("c.u.r.e", "c u r e", "CURE") but never inside a longer word ("secure", "healthy").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from assistant.guard.reading import Reading, Span
from assistant.guard.vocabulary import banned_claims, trie_pattern
from assistant.text import skeleton

_LATIN = re.compile(r"[a-z]")
_GAP = r"[^a-z0-9\u4e00-\u9fff]{0,2}"


@dataclass(frozen=True)
class Claims:
    words: re.Pattern[str] | None  # the skeletons of the Chinese and numeric terms
    latin: re.Pattern[str] | None  # every term with Latin letters, letters interleavable
    time_bound: tuple[re.Pattern[str], ...]


def _interleavable(term: str) -> str:
    """c(?<![a-z0-9].)[gap]u[gap]r[gap]e(?![a-z0-9]): the first letter comes first so that the regex
    engine can skip ahead to it; the look-behind after it checks the word starts there."""
    first, *rest = [re.escape(ch) for ch in skeleton(term)]
    return first + r"(?<![a-z0-9].)" + "".join(_GAP + ch for ch in rest) + r"(?![a-z0-9])"


@cache
def claims() -> Claims:
    data = banned_claims()
    terms = {*data.medical, *data.absolute, *data.ad_law, *data.en}
    latin = sorted((t for t in terms if _LATIN.search(t.lower())), key=len, reverse=True)
    return Claims(
        trie_pattern({w for t in terms if not _LATIN.search(t.lower()) and len(w := skeleton(t)) > 1}),
        re.compile("|".join(_interleavable(t) for t in latin)) if latin else None,
        tuple(re.compile(p, re.I) for p in data.time_bound),
    )


def find_claims(reading: Reading) -> list[tuple[Span, str]]:
    """(where, what kind) for each banned claim: "medical or absolute" or "time-bound"."""
    c = claims()
    found: list[tuple[Span, str]] = []
    if c.words is not None:  # longest first: 100%有效 once, not also 100%
        for m in c.words.finditer(reading.skeleton):
            found.append((reading.in_skeleton(m.start(), m.end()), "claim"))
    if c.latin is not None:
        for m in c.latin.finditer(reading.compact):
            found.append((reading.in_compact(m.start(), m.end()), "claim"))
    for pattern in c.time_bound:
        for m in pattern.finditer(reading.compact):
            found.append((reading.in_compact(m.start(), m.end()), "time_bound"))
    return found
