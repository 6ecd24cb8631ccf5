"""One normalisation step for every piece of text that is matched against a vocabulary.

The analyzer, the guard and the transcript parser all match on `normalize(text)` (and the guard
on `compact(...)` as well), so a full-width letter, a zero-width space or "！！！" never changes
what is understood. Displayed text is never rewritten: normalise a copy for matching.
"""

from __future__ import annotations

import re
import unicodedata

# zero-width and invisible formatting characters (ZWSP, ZWNJ, ZWJ, LRM/RLM, word joiner, BOM, soft
# hyphen, the bidi controls, Mongolian vowel separator, the invisible operators)
_INVISIBLE = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_REPEATED_PUNCT = re.compile(r"([!?~,.;:。，、；：…\-])\1+")
_MIXED_END = re.compile(r"[!?]{2,}")  # "?!?!" → "?"
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_GAP = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")
_ANY_GAP = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """Remove zero-width/formatting and control characters (newlines and tabs are kept)."""
    text = _INVISIBLE.sub("", text)
    return "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")


def normalize(text: str) -> str:
    """NFKC (full-width → half-width letters, digits and punctuation), invisible and control
    characters removed, runs of the same punctuation collapsed, spaces collapsed. Case is kept."""
    text = unicodedata.normalize("NFKC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = strip_invisible(text)
    text = text.replace("...", "…")
    text = _REPEATED_PUNCT.sub(r"\1", text)
    text = _MIXED_END.sub(lambda m: "?" if "?" in m.group(0) else "!", text)
    text = _SPACES.sub(" ", text)
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
