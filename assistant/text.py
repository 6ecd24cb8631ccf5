"""One normalisation step for every piece of text that is matched against a vocabulary.

The analyzer, the guard and the transcript parser all match on `normalize(text)` (and the guard
on `compact(...)` as well), so a full-width letter, a zero-width space or "！！！" never changes
what is understood. Displayed text is never rewritten: normalise a copy for matching.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# zero-width and invisible formatting characters (ZWSP, ZWNJ, ZWJ, LRM/RLM, word joiner, BOM, soft
# hyphen, the bidi controls, Mongolian vowel separator, the invisible operators)
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # the Cc characters, except newline and tab
_REPEATED_PUNCT = re.compile(r"([!?~,.;:。，、；：…\-])\1+")
_MIXED_END = re.compile(r"[!?]{2,}")  # "?!?!" → "?"
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_ANY_GAP = re.compile(r"\s+")


_HAS_CJK = re.compile(f"[{_CJK}]")


@lru_cache(maxsize=1)
def _t2s() -> Callable[[str], str]:
    from opencc import OpenCC  # type: ignore[import-untyped]  # pure Python, its tables in the wheel

    return OpenCC("t2s").convert  # type: ignore[no-any-return]


@lru_cache(maxsize=16384)
def simplified(text: str) -> str:
    """Traditional characters as simplified ones (肌膚 → 肌肤, 每樣 → 每样): customers in Hong Kong,
    Taiwan and overseas type traditional, the vocabularies are simplified."""
    return _t2s()(text) if _HAS_CJK.search(text) else text


def strip_invisible(text: str) -> str:
    """Remove zero-width/formatting and control characters (newlines and tabs are kept)."""
    return _CONTROL.sub("", _INVISIBLE.sub("", text))


def normalize(text: str, simplify: bool = True) -> str:
    """NFKC (full-width → half-width letters, digits and punctuation), invisible and control
    characters removed, runs of the same punctuation collapsed, spaces collapsed, traditional
    characters simplified (unless `simplify` is False). Case is kept."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = strip_invisible(text)
    text = text.replace("...", "…")
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _MIXED_END.sub(lambda m: "?" if "?" in m.group(0) else "!", text)
    text = _SPACES.sub(" ", text)
    text = simplified(text) if simplify else text
    return "\n".join(line.strip() for line in text.split("\n")).strip()


def compact(text: str) -> str:
    """`normalize`, then no whitespace between CJK characters ("根 治" → "根治")."""
    return _CJK_GAP.sub("", normalize(text))


_REPEATS = re.compile(r"([\u4e00-\u9fff]{1,3}?)\1+")


def collapse_repeats(text: str) -> str:
    """Immediate repetitions said for emphasis, once: 对对对 → 对, 没有没有 → 没有, 好的好的 → 好的
    (so "没有没有" is not read as the question "有没有")."""
    return _REPEATS.sub(r"\1", text)


def squash(text: str) -> str:
    """`normalize`, lower-cased, with no whitespace at all: for matching words that may have been
    split by spaces ("1 0 0 %", "c u r e")."""
    return _ANY_GAP.sub("", normalize(text)).lower()


# -- normalised views that remember where each character came from ------------------------------
# The guard matches on the normalised text but reports the offending words as the reply shows them,
# so the console can highlight them. `normalize_mapped(text).text == normalize(text)` (and the same
# for compact/squash): the same steps, in the same order, with the original span of every character.

_MARKS = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a"
# characters NFKC may change (anything but ASCII and the unified CJK ideographs), or a character
# that a following combining mark composes with; each with its combining marks
_NFKC_UNSTABLE = re.compile(rf"(?:[^\x00-\x7f\u4e00-\u9fff]|.(?=[{_MARKS}]))[{_MARKS}]*", re.S)
_CRLF = re.compile(r"\r\n?")
_ELLIPSIS = re.compile(r"\.\.\.")
_LINE_EDGES = re.compile(r"[^\S\n]*\n[^\S\n]*")
_TEXT_EDGES = re.compile(r"\A\s+|\s+\Z")
# what `skeleton` drops: anything but a letter or a digit (spaces, punctuation, symbols, emoji), except
# the symbols that carry meaning in a claim or a price
_SEPARATOR = re.compile(r"[^\w%¥$+]|_")

Replacement = str | Callable[[re.Match[str]], str]


class Mapped:
    """A text derived from an original string, with the original span of each of its characters."""

    __slots__ = ("original", "spans", "text")

    def __init__(self, original: str, text: str, spans: list[tuple[int, int]]):
        self.original = original
        self.text = text
        self.spans = spans

    @classmethod
    def of(cls, text: str) -> Mapped:
        return cls(text, text, [(i, i + 1) for i in range(len(text))])

    def source(self, start: int, end: int) -> str:
        """The original words behind `text[start:end]`."""
        if end <= start:
            return ""
        return self.original[self.spans[start][0] : self.spans[end - 1][1]]

    def sub(self, pattern: re.Pattern[str], repl: Replacement) -> Mapped:
        """`pattern.sub(repl, text)`; each replacement character maps to the span of its whole match."""
        text: list[str] = []
        spans: list[tuple[int, int]] = []
        last = 0
        for m in pattern.finditer(self.text):
            if m.end() == m.start():
                continue
            text.append(self.text[last : m.start()])
            spans.extend(self.spans[last : m.start()])
            new = repl(m) if callable(repl) else (m.expand(repl) if "\\" in repl else repl)
            if new:
                text.append(new)
                spans.extend([(self.spans[m.start()][0], self.spans[m.end() - 1][1])] * len(new))
            last = m.end()
        if not last:
            return self
        text.append(self.text[last:])
        spans.extend(self.spans[last:])
        return Mapped(self.original, "".join(text), spans)

    def lower(self) -> Mapped:
        lowered = self.text.lower()
        if len(lowered) == len(self.text):
            return Mapped(self.original, lowered, self.spans)
        return self.sub(re.compile(".", re.S), lambda m: m.group(0).lower())

    # the views of a normalised text (`normalize_mapped(text).compacted()` ≡ `compact(text)` …)
    def compacted(self) -> Mapped:
        return self.sub(_CJK_GAP, "")

    def squashed(self) -> Mapped:
        return self.sub(_ANY_GAP, "").lower()

    def skeletonized(self) -> Mapped:
        """Squashed, without punctuation and symbols either (see `skeleton`)."""
        return self.squashed().sub(_SEPARATOR, "")


def normalize_mapped(text: str) -> Mapped:
    """`normalize(text)` with the original span of every character."""
    mapped = Mapped.of(text).sub(_NFKC_UNSTABLE, lambda m: unicodedata.normalize("NFKC", m.group(0)))
    mapped = mapped.sub(_CRLF, "\n").sub(_INVISIBLE, "").sub(_CONTROL, "")
    mapped = mapped.sub(_ELLIPSIS, "…").sub(_REPEATED_PUNCT, r"\1")
    mapped = mapped.sub(_MIXED_END, lambda m: "?" if "?" in m.group(0) else "!").sub(_SPACES, " ")
    return mapped.sub(_LINE_EDGES, "\n").sub(_TEXT_EDGES, "")


def compact_mapped(text: str) -> Mapped:
    """`compact(text)` with the original span of every character."""
    return normalize_mapped(text).compacted()


def squash_mapped(text: str) -> Mapped:
    """`squash(text)` with the original span of every character."""
    return normalize_mapped(text).squashed()


def skeleton(text: str) -> str:
    """`squash`, without punctuation and symbols either: "根*治", "c.u.r.e", "1 0 0 %" and
    "沐研-净颜·精华" read as "根治", "cure", "100%" and "沐研净颜精华". For matching fixed words."""
    return _SEPARATOR.sub("", squash(text))


def views(text: str) -> tuple[str, str, str]:
    """(normalize, compact, skeleton) of one text, normalising it once."""
    normal = normalize(text)
    return normal, _CJK_GAP.sub("", normal), _SEPARATOR.sub("", _ANY_GAP.sub("", normal).lower())


def skeleton_mapped(text: str) -> Mapped:
    """`skeleton(text)` with the original span of every character."""
    return normalize_mapped(text).skeletonized()
