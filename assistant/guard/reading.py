"""One reply, read once: the normalised views the guard's rules match on. Matching runs on plain
strings; the map back to the reply's own characters (assistant.text.Mapped) is built only when a
rule has something to quote, so a finding shows the words as the operator sees them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from assistant.text import Mapped, normalize_mapped, views

# clause ends; not the point of 8.5折 or the comma of 1,000
_CLAUSE_END = re.compile(r"(?:[!?;:，。！？；：、\n…~～]|\.(?!\d)|,(?!\d{3}))+")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")


@dataclass(frozen=True)
class Span:
    """Where a rule matched, in one of the views; `source` is the reply's own words there."""

    start: int
    end: int
    source: str


@dataclass
class Reading:
    text: str
    normal: str  # normalize(text)
    compact: str  # compact(text), lower-cased: for patterns
    skeleton: str  # no spaces, punctuation or symbols: for fixed words ("根*治", "c.u.r.e")
    clauses: list[tuple[int, int]] = field(default_factory=list)  # in `compact`
    words: list[tuple[int, int]] = field(default_factory=list)  # Latin words in `compact`

    @classmethod
    def of(cls, text: str) -> Reading:
        normal, compacted, skeletal = views(text)
        lowered = compacted.lower()
        clauses, start = [], 0
        for m in _CLAUSE_END.finditer(lowered):
            if m.start() > start:
                clauses.append((start, m.start()))
            start = m.end()
        if start < len(lowered):
            clauses.append((start, len(lowered)))
        words = [(m.start(), m.end()) for m in _LATIN_WORD.finditer(lowered)]
        return cls(text, normal, lowered, skeletal, clauses, words)

    @cached_property
    def _normal_map(self) -> Mapped:
        return normalize_mapped(self.text)

    @cached_property
    def compact_map(self) -> Mapped | None:
        mapped = self._normal_map.compacted().lower()
        return mapped if mapped.text == self.compact else None  # never, but then quote normalised words

    @cached_property
    def skeleton_map(self) -> Mapped | None:
        mapped = self._normal_map.skeletonized()
        return mapped if mapped.text == self.skeleton else None

    def in_compact(self, start: int, end: int) -> Span:
        mapped = self.compact_map
        return Span(start, end, mapped.source(start, end) if mapped else self.compact[start:end])

    def in_skeleton(self, start: int, end: int) -> Span:
        mapped = self.skeleton_map
        return Span(start, end, mapped.source(start, end) if mapped else self.skeleton[start:end])

    def around_skeleton(self, start: int, end: int) -> tuple[str, str]:
        """The reply's characters just before and just after `skeleton[start:end]` ("" at an edge)."""
        mapped = self.skeleton_map
        if mapped is None or end <= start:
            return "", ""
        first, last = mapped.spans[start][0], mapped.spans[end - 1][1]
        return self.text[first - 1 : first], self.text[last : last + 1]
