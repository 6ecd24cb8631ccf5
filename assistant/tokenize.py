"""Tokens for keyword search: jieba words for Chinese, lower-cased words for English."""

from __future__ import annotations

import logging
import re
from functools import cache, lru_cache

_WORD = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*|[\u4e00-\u9fff]+", re.IGNORECASE)
_STOP = frozenset(
    [
        "的",
        "了",
        "是",
        "在",
        "和",
        "与",
        "及",
        "或",
        "也",
        "就",
        "都",
        "而",
        "有",
        "我",
        "你",
        "您",
        "他",
        "她",
        "它",
        "们",
        "这",
        "那",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "哦",
        "嗯",
        "很",
        "还",
        "又",
        "被",
        "把",
        "给",
        "对",
        "让",
        "怎么",
        "怎么办",
        "什么",
        "能",
        "用",
        "要",
        "可以",
        "想",
        "请问",
        "一下",
        "有没有",
        "哪",
        "些",
        "个",
        "会",
        "多",
        "吧",
        "么",
        "啥",
        "如何",
        "应该",
        "需要",
        "是不是",
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "is",
        "are",
        "be",
        "it",
        "this",
        "that",
        "i",
        "you",
        "my",
        "your",
        "me",
        "at",
        "as",
        "by",
        "from",
        "do",
        "does",
        "what",
        "how",
        "can",
        "should",
    ]
)


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def word_frequency(word: str) -> int:
    """How often jieba's general dictionary (counts from a large everyday corpus) saw the word: 0 for a
    word it does not know, such as a brand's coined name (净颜) as opposed to an ordinary word (质地)."""
    return int(_jieba().dt.FREQ.get(word) or 0)


def is_word(text: str) -> bool:
    """Whether jieba's dictionary knows `text` as a word (出游, 宝石) rather than as a prefix."""
    return word_frequency(text) > 0


def tokenize(text: str) -> list[str]:
    """Search tokens: jieba's segmentation of Chinese runs, words of Latin text; no stop words."""
    return list(_tokenize(text))


@lru_cache(maxsize=8192)  # ingest tokenizes each chunk for BM25 and again for the embedder
def _tokenize(text: str) -> tuple[str, ...]:
    tokens: list[str] = []
    for run in _WORD.findall(text.lower()):
        if "\u4e00" <= run[0] <= "\u9fff":
            tokens.extend(w for w in _jieba().lcut_for_search(run) if w not in _STOP)
        elif run not in _STOP:
            tokens.append(run)
    return tuple(tokens)


def with_subwords(tokens: list[str]) -> list[str]:
    """The tokens and, for each Chinese word of three or more characters, its character bigrams: jieba
    glues a verb to a name (能发顺丰 → 发顺丰, 如需顺丰 → 需顺丰), and the bigram 顺丰 finds one from the other."""
    out = list(tokens)
    for token in tokens:
        if len(token) > 2 and "\u4e00" <= token[0] <= "\u9fff":
            out.extend(token[i : i + 2] for i in range(len(token) - 1))
    return out
