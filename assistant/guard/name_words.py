"""The known words that product names are cut into (assistant/guard/names.py): categories, counters
and generic words, from lexicons/product_words.yaml, the analyzer's lexicons and the catalog's own key
ingredients."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from assistant.guard.vocabulary import product_words, skeletons
from assistant.lexicon import load_lexicon
from assistant.models import Product
from assistant.text import normalize

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


class NameWords:
    """Known words for cutting names: skeleton → "category" | "counter" | "generic"."""

    def __init__(self, products: Iterable[Product]):
        words = product_words()
        kinds: dict[str, str] = {}
        generic = list(words.zh.generic) + list(words.en.generic) + _analyzer_words()
        generic += [i for p in products for i in _ingredient_words(p.key_ingredients)]
        for word in skeletons(generic):
            kinds[word] = "generic"
        for word in skeletons(words.zh.counters + words.en.counters):
            kinds[word] = "counter"
        for word in skeletons(words.zh.categories + words.en.categories):
            kinds[word] = "category"
        self.kinds = kinds
        self.longest = max(len(w) for w in kinds)
        self._by_first: dict[str, tuple[str, ...]] = {}
        for word in sorted(kinds, key=len, reverse=True):
            self._by_first[word[0]] = (*self._by_first.get(word[0], ()), word)

    def word_at(self, text: str, i: int) -> str | None:
        """The longest known word at position i."""
        for word in self._by_first.get(text[i : i + 1], ()):
            if text.startswith(word, i):
                return word
        return None

    def cut(self, text: str) -> list[tuple[str, str]]:
        """(piece, kind) for a skeleton: known words and the coined pieces between them."""
        out: list[tuple[str, str]] = []
        rest = ""
        i = 0
        while i < len(text):
            word = self.word_at(text, i) if _CJK.match(text[i]) else None
            if word is None:
                rest += text[i]
                i += 1
                continue
            if rest:
                out.append((rest, "coined"))
                rest = ""
            out.append((word, self.kinds[word]))
            i += len(word)
        if rest:
            out.append((rest, "coined"))
        return out


@lru_cache(maxsize=1)
def _analyzer_words() -> list[str]:
    out: list[str] = []
    for language in ("zh", "en"):
        lexicon = load_lexicon(language)
        for groups in (lexicon.skin_types, lexicon.concerns, lexicon.texture):
            for phrases in groups.values():
                out.extend(p for p in phrases if len(p) > 1)  # not 痘 alone: 净痘 is a coined word
    return out


def _ingredient_words(ingredients: list[str]) -> list[str]:
    """水杨酸 2% → 水杨酸; "Hyaluronic Acid (1%)" → hyaluronic acid, hyaluronic, acid."""
    out = []
    for item in ingredients:
        name = re.sub(r"[\d.%()（）]+", " ", normalize(item)).strip().lower()
        if name:
            out.append(name)
            out.extend(w for w in name.split() if len(w) > 2)
    return out
