"""Homophone typos: Chinese customers type with pinyin input methods, so a typo is usually the
right sound with the wrong character (闭扣 for 闭口, 对得 for 对的). A lexicon phrase matches a
span of the text that sounds the same (pinyin without tones), starts with the same character,
and is not itself a word (出游 is a word, not a typo of 出油).

Used only as a fallback, when the exact phrases found nothing.
"""

from __future__ import annotations

from functools import cache, lru_cache

from pypinyin.constants import PINYIN_DICT

from assistant.tokenize import is_word

_TONES = str.maketrans("āáǎàēéěèīíǐìōóǒòūúǔùüǖǘǚǜńňǹḿ", "aaaaeeeeiiiioooouuuuvvvvvnnnm")


@lru_cache(maxsize=8192)
def syllable(ch: str) -> str | None:
    """The first reading of a CJK character, without tone; None for anything else."""
    code = PINYIN_DICT.get(ord(ch))
    return code.split(",")[0].translate(_TONES) if code else None


@cache
def _index(phrases: tuple[str, ...]) -> dict[tuple[str, ...], str]:
    index: dict[tuple[str, ...], str] = {}
    for phrase in phrases:
        sounds = tuple(syllable(ch) for ch in phrase)
        if len(phrase) >= 2 and all(sounds):
            index.setdefault(sounds, phrase)  # type: ignore[arg-type]
    return index


def sound_alike(text: str, phrases: list[str]) -> list[tuple[str, str]]:
    """(phrase, what the customer typed) for spans of `text` that sound like a phrase."""
    index = _index(tuple(phrases))
    if not index:
        return []
    lengths = sorted({len(k) for k in index}, reverse=True)
    found: list[tuple[str, str]] = []
    for start in range(len(text)):
        for length in lengths:
            span = text[start : start + length]
            if len(span) < length:
                continue
            sounds = tuple(syllable(ch) for ch in span)
            if not all(sounds):
                continue
            phrase = index.get(sounds)  # type: ignore[arg-type]
            if phrase and span != phrase and span[0] == phrase[0] and not is_word(span):
                found.append((phrase, span))
                break
    return found
