"""Homophone typos: Chinese customers type with pinyin input methods, so a typo is usually the
right sound with the wrong character (闭扣 for 闭口, 对得 for 对的). A lexicon phrase matches a
span of the text that sounds the same (pinyin without tones), shares a character with it,
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
def _index(phrases: tuple[str, ...]) -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """Phrases by the sound of their first character, longest first, with their sounds."""
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for phrase in sorted(set(phrases), key=len, reverse=True):
        sounds = tuple(syllable(ch) for ch in phrase)
        if len(phrase) >= 2 and all(sounds):
            index.setdefault(sounds[0], []).append((sounds, phrase))  # type: ignore[arg-type,index]
    return index


def sound_alike(text: str, phrases: list[str]) -> list[tuple[str, str]]:
    """(phrase, what the customer typed) for spans of `text` that sound like a phrase and share at
    least one character with it (闭扣 and 避口 for 闭口; never two new characters)."""
    index = _index(tuple(phrases))
    found: list[tuple[str, str]] = []
    if not index:
        return found
    sounds = [syllable(ch) for ch in text]
    for start, sound in enumerate(sounds):
        for target, phrase in index.get(sound, ()) if sound else ():
            end = start + len(target)
            span = text[start:end]
            if (
                end <= len(text)
                and tuple(sounds[start:end]) == target
                and span != phrase
                and any(a == b for a, b in zip(span, phrase, strict=True))
                and not is_word(span)
            ):
                found.append((phrase, span))
                break
    return found
