"""Which language to reply in: the customer's."""

from __future__ import annotations

import re

from assistant.models import Language

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")


def detect_language(text: str) -> Language:
    """Chinese when the Chinese carries the message: a Chinese customer mixing in English words
    ("有 discount code 吗", "T区好油 oily af") still gets a Chinese reply; an English sentence
    with one Chinese word stays English."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(text))
    if cjk == 0:
        return "en" if words else "zh"
    return "zh" if cjk * 2 >= words or cjk >= 6 else "en"
