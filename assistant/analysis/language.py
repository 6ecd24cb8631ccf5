"""Which language to reply in: the customer's."""

from __future__ import annotations

import re

from assistant.models import Language

_CJK = re.compile(r"[\u4e00-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def detect_language(text: str) -> Language:
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    if cjk == 0 and latin > 0:
        return "en"
    return "zh" if cjk * 4 >= latin or cjk >= 6 else "en"
