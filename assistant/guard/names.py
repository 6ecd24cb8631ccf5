"""Product names in a reply: full names, English names, aliases, and distinctive fragments.

A shortened name (「净痘凝胶」 for 「沐研净痘修护凝胶」, "Ghostberry Moisturizer") names a product as
surely as the full one. Which pieces of a name are distinctive is derived from the catalog:

1. The brand is the name prefix (Chinese) or first word (English) that at least half of the
   catalog shares (沐研 / MUYAN in the demo catalog).
2. The rest of the name is cut, longest first, into known words: categories (精华, 凝胶, serum),
   counters (款, 瓶) and generic words (efficacy, texture, ingredient families, skin types:
   `name_words.py`: lexicons/product_words.yaml, the analyzer's lexicons, the catalog's key ingredients).
3. What is left is a coined word: two or more Chinese characters that jieba's general dictionary
   does not count as an everyday word (净颜, 焕亮, 净痘, but not 质地 or 混合型), or a Latin word of
   four or more letters outside the known words (Ghostberry, Bounce). It is distinctive when the
   names of at most max(3, 1% of the catalog) products contain it (more is a brand or boilerplate).
4. In a reply, a coined word names a product when a category or counter follows it (after at most
   two generic words: 「净痘凝胶」, 「净痘修护凝胶」, 「焕亮的那瓶」), when the brand comes just before
   it, or (Chinese) when it has three or more characters. An English one must also be written as a
   name ("Bounce Serum", not "bounce serum"): English capitalises names, and without a dictionary of
   everyday English the capital letter is what tells "Cool Water Toner" from "rinse with cool water".

Full names, English names and aliases count as they are (also without a trailing SPF50+ PA++++),
unless they are made only of known words (a catalog's "Lip Mask" is also any lip mask); one of known
words only with three or more words counts when written as the catalog writes it, capitals and all
("Mini Brightening Dark Spot Vitamin C Serum": the catalog's key ingredients make Vitamin C known). The name
without its brand counts when it has a coined word or at least three words (an English one made only
of known words must then be written in title case: "Retinol Eye Cream", not "a retinol eye cream").
A brand followed by a category (「沐研的精华」, "MUYAN serum") refers to a product too.
"""

from __future__ import annotations

import re
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from assistant.guard.name_words import NameWords
from assistant.guard.reading import Reading
from assistant.guard.vocabulary import product_words, trie_pattern
from assistant.models import Product
from assistant.text import normalize, skeleton
from assistant.tokenize import word_frequency

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[a-z]")
_LATIN_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*")
_NOT_ALNUM = re.compile(r"[^a-z0-9]")  # a Latin word's skeleton: oil-free → oilfree
_SPEC = re.compile(r"[a-z0-9+]+$")  # SPF50+ PA++++, 30ml at the end of a name
_SKIP = frozenset("的这那个一款")  # between a coined word and its category: 焕亮的那瓶
_MAX_GAP = 6  # characters of generic words between a Chinese coined word and its category
_MIN_SHARE_BRAND = 0.5
_CACHED_CATALOGS = 8
_MIN_WRITTEN_WORDS = 3  # a full name of known words only counts, written as in the catalog, from 3 words
_PREFIX = 6  # the matcher scans for the first characters of the keys, then checks whole keys


@dataclass(frozen=True)
class Mention:
    """Products named in a reply, and the words that name them as the reply shows them."""

    ids: tuple[str, ...]
    text: str
    start: int  # in the reading's skeleton (Chinese) or compact view (English words)
    kind: str  # "name", "fragment", "brand"


@dataclass(frozen=True)
class _Key:
    ids: frozenset[str]
    kind: str  # "name" | "fragment"
    title_case: bool = False  # an English name of generic words only: must be written as a name
    written: frozenset[str] = frozenset()  # when set: the reply's letters must be one of these, case and all


def _letters(text: str) -> str:
    return "".join(re.findall(r"[A-Za-z0-9]+", normalize(text)))


def _without_spec(name: str) -> str:
    """A Chinese name without its trailing specification: 沐研清透水感防晒露spf50+pa++++ → 沐研清透水感防晒露."""
    stripped = _SPEC.sub("", name)
    return stripped if _CJK.search(stripped) else name


def _brand(names: list[str]) -> str | None:
    """The prefix that at least half of the names share, two characters or more."""
    if len(names) < 2:
        return None
    counts = Counter(n[:size] for n in names for size in range(2, min(len(n), 8) + 1))
    shared = [p for p, c in counts.items() if c >= _MIN_SHARE_BRAND * len(names)]
    return max(shared, key=len) if shared else None


def _english_brand(names: list[str]) -> str | None:
    firsts = [n.split()[0] for n in names if n.split()]
    if len(firsts) < 2:
        return None
    word, count = Counter(firsts).most_common(1)[0]
    return word if count >= _MIN_SHARE_BRAND * len(firsts) and len(word) > 1 else None


class NameIndex:
    """Every way the catalog's products can be named, and a matcher over a reply."""

    def __init__(self, products: list[Product]):
        self.vocabulary = NameWords(products)
        zh_names = [skeleton(p.name) for p in products]
        en_names = [normalize(p.name_en or "").lower() for p in products]
        self.brand = _brand(zh_names)
        self.brand_en = _english_brand([n for n in en_names if n])
        keys: dict[str, _Key] = {}
        common = product_words().common_word_frequency
        coined_names: dict[str, set[str]] = {}
        coined_en: dict[str, set[str]] = {}

        def add(key: str, pid: str, kind: str, title_case: bool = False, written: str = "") -> None:
            if len(key) < 2:
                return
            known = keys.get(key)
            forms: frozenset[str] = frozenset()  # empty: the key counts however it is written
            if written and not (known and not known.written):
                forms = frozenset({_letters(written)}) | (known.written if known else frozenset())
            keys[key] = _Key(frozenset({pid} | set(known.ids if known else ())), kind, title_case, forms)

        for product, zh, en in zip(products, zh_names, en_names, strict=True):
            for name in (product.name, product.name_en, *product.aliases):
                if name and not self._generic_only(name):
                    add(skeleton(name), product.id, "name")
                    add(_without_spec(skeleton(name)), product.id, "name")
                elif name and len(_LATIN_WORD.findall(normalize(name))) >= _MIN_WRITTEN_WORDS:
                    add(skeleton(name), product.id, "name", written=name)  # as the catalog writes it
            zh = _without_spec(zh)
            core = zh[len(self.brand) :] if self.brand and zh.startswith(self.brand) else zh
            pieces = [
                (p, "generic" if kind == "coined" and word_frequency(p) >= common else kind)
                for p, kind in self.vocabulary.cut(core)
            ]
            coined = [p for p, kind in pieces if kind == "coined" and _CJK.search(p)]
            if core != zh and (coined or len(pieces) >= 3):
                add(core, product.id, "name")
            for piece in coined:
                for part in re.findall(r"[\u3400-\u9fff\uf900-\ufaff]{2,}", piece):
                    if word_frequency(part) < common:
                        coined_names.setdefault(part, set()).add(product.id)
            if en:
                words = _LATIN_WORD.findall(en)
                if self.brand_en and words and words[0] == self.brand_en:
                    words = words[1:]
                novel = [w for w in words if self._coined_latin(w)]
                if words and len(words) < len(_LATIN_WORD.findall(en)) and (novel or len(words) >= 3):
                    add("".join(words), product.id, "name", title_case=not novel)
            for word in _LATIN_WORD.findall(normalize(product.name).lower() + " " + en):
                if self._coined_latin(word) and word != self.brand_en:
                    coined_en.setdefault(word, set()).add(product.id)
        limit = max(3, len(products) // 100)
        for piece, ids in coined_names.items():
            if len(ids) <= limit and piece not in keys and piece != self.brand:
                keys[piece] = _Key(frozenset(ids), "fragment")
        self.coined_en = {w: frozenset(ids) for w, ids in coined_en.items() if len(ids) <= limit}
        self.keys = keys
        self._starts = trie_pattern({k[:_PREFIX] for k in keys})  # where a key may start
        self._by_prefix: dict[str, list[str]] = {}  # first two characters → keys, longest first
        for key in sorted(keys, key=len, reverse=True):
            self._by_prefix.setdefault(key[:2], []).append(key)

    def _generic_only(self, name: str) -> bool:
        """Made only of known words: "Lip Mask", 「保湿面霜」."""
        pieces = self.vocabulary.cut(skeleton(name))
        if any((kind == "coined" and _CJK.search(p)) or kind == "counter" for p, kind in pieces):
            return False  # a coined word, or a nickname's shape: 白泥罐, 小绿瓶
        words = _LATIN_WORD.findall(normalize(name).lower())
        return all(w.isdigit() or skeleton(w) in self.vocabulary.kinds for w in words)

    def _coined_latin(self, word: str) -> bool:
        return len(word) >= 4 and word.isalpha() and word not in self.vocabulary.kinds

    # -- matching -----------------------------------------------------------------------
    def find(self, reading: Reading) -> list[Mention]:
        mentions = self._find_keys(reading)
        mentions += self._find_latin(reading)
        if self.brand or self.brand_en:
            mentions += self._find_brand(reading, {m.start for m in mentions})
        return mentions

    def _find_keys(self, reading: Reading) -> list[Mention]:
        text = reading.skeleton
        out: list[Mention] = []
        i = 0
        while self._starts is not None and (m := self._starts.search(text, i)):
            i = m.start()
            candidates = self._by_prefix.get(text[i : i + 2]) or ()
            found = next(
                (k for k in candidates if text.startswith(k, i) and self._accept(reading, k, i)), None
            )
            if found is None:
                i += 1
                continue
            meta = self.keys[found]
            end = i + len(found)
            if meta.kind == "fragment":
                end = self._category_after(text, end) or end
            out.append(Mention(tuple(sorted(meta.ids)), reading.in_skeleton(i, end).source, i, meta.kind))
            i = end
        return out

    def _accept(self, reading: Reading, key: str, i: int) -> bool:
        meta = self.keys[key]
        end = i + len(key)
        before, after = reading.around_skeleton(i, end)
        if _LATIN.match(key[0]) and before.isascii() and before.isalnum():
            return False  # "muyan" inside "xmuyan"
        if _LATIN.match(key[-1]) and after.isascii() and after.isalnum():
            return False
        if meta.written and _letters(reading.in_skeleton(i, end).source) not in meta.written:
            return False
        if meta.title_case:
            source = reading.in_skeleton(i, end).source
            if not all(w[0].isupper() for w in re.findall(r"[A-Za-z]+", source)):
                return False
        if self._splits_word(reading.skeleton, i, end):
            return False
        if meta.kind != "fragment" or len(key) >= 3:
            return True
        text = reading.skeleton
        if self.brand and self.brand in text[max(0, i - len(self.brand) - 2) : i]:
            return True
        return self._category_after(text, end) is not None

    def _splits_word(self, text: str, start: int, end: int) -> bool:
        """A generic word runs across an edge of the match: 「焕亮水」 in 「焕亮水润」, 「白盾」 in 「美白盾」."""
        longest = self.vocabulary.longest
        for i in range(max(0, start - longest + 1), end):
            if i == start:
                continue
            word = self.vocabulary.word_at(text, i) or ""
            across = i < start < i + len(word) or i < end < i + len(word)
            if across and len(word) > 1 and self.vocabulary.kinds[word] == "generic":
                return True
        return False

    def _category_after(self, text: str, i: int) -> int | None:
        """The end of a category or counter that follows position i, past generic words."""
        start = i
        while i < len(text) and i - start <= _MAX_GAP:
            word = self.vocabulary.word_at(text, i)
            kind = self.vocabulary.kinds.get(word or "")
            if kind in ("category", "counter"):
                return i + len(word or "")
            if kind == "generic":
                i += len(word or "")
            elif text[i] in _SKIP:
                i += 1
            else:
                return None
        return None

    def _find_latin(self, reading: Reading) -> list[Mention]:
        """English coined words followed by a category ("Ghostberry Moisturizer") or after the brand."""
        text, words = reading.compact, reading.words
        out: list[Mention] = []
        for n, (start, end) in enumerate(words):
            word = text[start:end]
            ids = self.coined_en.get(word)
            if not ids:
                continue
            after = [text[s:e] for s, e in words[n + 1 : n + 4]]
            last = end
            named = False
            for k, following in enumerate(after):
                kind = self.vocabulary.kinds.get(_NOT_ALNUM.sub("", following))
                if kind == "category":
                    named, last = True, words[n + 1 + k][1]
                    break
                if kind != "generic":
                    break
            before = text[words[n - 1][0] : words[n - 1][1]] if n else ""
            if named or (self.brand_en and before == self.brand_en):
                first = words[n - 1][0] if before == self.brand_en and not named else start
                source = reading.in_compact(first, last).source
                if all(w[0].isupper() for w in re.findall(r"[A-Za-z]{4,}", source)):  # written as a name
                    out.append(Mention(tuple(sorted(ids)), source, -1, "fragment"))
        return out

    def _find_brand(self, reading: Reading, taken: set[int]) -> list[Mention]:
        """The brand followed by a category: 「沐研的精华」, "MUYAN serum" (product unknown)."""
        out: list[Mention] = []
        text = reading.skeleton
        for brand in (b for b in (self.brand, self.brand_en) if b):
            key = skeleton(brand)
            i = text.find(key)
            while i >= 0:
                end = self._category_after(text, i + len(key))
                if end is not None and i not in taken:
                    out.append(Mention((), reading.in_skeleton(i, end).source, i, "brand"))
                i = text.find(key, i + len(key))
        return out


_RECENT: OrderedDict[tuple[int, ...], tuple[list[Product], NameIndex]] = OrderedDict()
_RECENT_LOCK = threading.Lock()


def name_index(products: list[Product]) -> NameIndex:
    """The index of a catalog, built once per catalog: the pipeline makes a guard per draft, over the
    same Product objects while the knowledge base is unchanged, so the index is found by their
    identities (the entry holds the objects, so no other object can take their ids) and, failing
    that, by their content."""
    key = tuple(map(id, products))
    with _RECENT_LOCK:
        hit = _RECENT.get(key)
        if hit is not None:
            _RECENT.move_to_end(key)
            return hit[1]
    index = _index_by_content(
        tuple((p.id, p.name, p.name_en or "", tuple(p.aliases), tuple(p.key_ingredients)) for p in products)
    )
    with _RECENT_LOCK:
        _RECENT[key] = (list(products), index)
        while len(_RECENT) > _CACHED_CATALOGS:
            _RECENT.popitem(last=False)
    return index


@lru_cache(maxsize=_CACHED_CATALOGS)
def _index_by_content(
    catalog: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, ...]], ...],
) -> NameIndex:
    products = [
        Product(
            id=pid,
            name=name,
            name_en=name_en or None,
            aliases=list(aliases),
            key_ingredients=list(ingredients),
            category="other",
            price=0,
            skin_types=[],
            concerns=[],
        )
        for pid, name, name_en, aliases, ingredients in catalog
    ]
    return NameIndex(products)
