"""Answer first: what the reply says to the customer's open question, from the knowledge base.

Logistics from the FAQ; time, usage, results and safety from a sentence of the retrieved articles
(scored by the question's words and the kind's cue words), pregnancy and breastfeeding by the
constraint rules; price and "what should I buy" without any product or price before step 5 (the
budget and the routine's steps instead); the total and the products' usage at step 5. Every answer
that relies on a chunk cites it. A sentence is never used if the guard would reject it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assistant.drafting.checker import reply_lexicon
from assistant.guard.claims import find_claims
from assistant.guard.promotions import find_promises
from assistant.guard.reading import Reading
from assistant.models import Hit, Language, Question
from assistant.tokenize import tokenize

_ZH_SENTENCE = re.compile(r"[^。！？\n；]+[。！？；]?")
_EN_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]|$)")
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*|^\s*(?:[-*•]|\d+[.、)])\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PRICE = re.compile(r"[¥￥$]\s*\d|\d+\s*(?:元|块|rmb|yuan)", re.I)
_LIMITS = {"zh": (10, 60), "en": (30, 200)}
PREGNANCY = ("孕", "怀孕", "备孕", "pregnan", "expecting", "trying to conceive")
BREASTFEEDING = ("哺乳", "喂奶", "breastfeed", "nursing")


@dataclass
class Fact:
    text: str  # one sentence, without its final punctuation
    chunk: str
    score: float


@dataclass
class Answer:
    """Alternative phrasings of one answer (each variant picks one), and what it cites."""

    options: list[str]
    kind: str
    citation: str = ""
    facts: list[Fact] = field(default_factory=list)


def _clean(sentence: str) -> str:
    text = _MARKDOWN.sub("", sentence.strip())
    text = re.sub(r"\s+", " ", text).strip(" ：:;；，,")
    return text.rstrip("。.!！?？；;")


def _fragment(text: str) -> bool:
    """A list label, a list inside a sentence or a heading remnant: not a sentence to quote."""
    return bool(re.search(r"[：:]|\s-\s|^-|\d+\.\s", text))


def _banned(text: str) -> bool:
    return bool(find_claims(Reading.of(text)))


def sentences(hits: list[Hit], language: Language) -> list[tuple[str, Hit]]:
    """Candidate sentences of the article hits in the reply's language, short enough for WeChat."""
    return [
        (text, hit)
        for hit in hits
        if hit.chunk.kind == "article"
        for text in _quotable(hit.chunk.text, language)
    ]


@lru_cache(maxsize=4096)
def _quotable(chunk_text: str, language: Language) -> tuple[str, ...]:
    """The sentences of one chunk that may be quoted: whole, plain, no price, nothing the guard rejects."""
    low, high = _LIMITS[language]
    body = "\n".join(line for line in chunk_text.split("\n") if not line.lstrip().startswith("#"))
    pattern = _ZH_SENTENCE if language == "zh" else _EN_SENTENCE
    out = []
    for raw in pattern.findall(body):
        text = _clean(raw)
        if not (low <= len(text) <= high) or bool(_CJK.search(text)) != (language == "zh"):
            continue
        if _banned(text) or _PRICE.search(text) or "?" in text or "？" in text or _fragment(text):
            continue
        out.append(text)
    return tuple(out)


def rank_facts(
    hits: list[Hit],
    language: Language,
    *,
    words: list[str],
    cues: list[str] = (),  # type: ignore[assignment]
    concerns: list[str] = (),  # type: ignore[assignment]
    exclude: set[str] | None = None,
    need_cue: bool = False,
    on_topic: bool = False,
    avoid: tuple[str, ...] = (),
) -> list[Fact]:
    """Article sentences ranked by the question's words, the kind's cue words and the concerns.
    `need_cue`: only sentences with a cue word; `on_topic`: only chunks about one of the concerns."""
    tokens = {t for t in words if len(t) >= 2}
    facts: list[Fact] = []
    seen = exclude or set()
    for text, hit in sentences(hits, language):
        if text in seen:
            continue
        lowered = text.lower()
        cued = sum(1 for c in cues if c.lower() in lowered)
        if (need_cue and not cued) or (on_topic and concerns and not set(hit.chunk.concerns) & set(concerns)):
            continue
        if any(a.lower() in lowered for a in avoid):
            continue
        score = 2.0 * cued
        score += sum(1 for t in tokens if t.lower() in lowered)
        score += 1.0 * len(set(hit.chunk.concerns) & set(concerns))
        score += 0.5 * hit.score / (abs(hit.score) + 1.0)
        if score > 0:
            facts.append(Fact(text, hit.chunk.id, score))
            seen = {*seen, text}
    facts.sort(key=lambda f: -f.score)
    return facts


def question_words(question: Question) -> list[str]:
    return [t for t in tokenize(question.text) if not t.isdigit()]


def answer_cues(kind: str, language: Language) -> list[str]:
    cues = reply_lexicon().answer_cues.get(kind)
    return [] if cues is None else (cues.zh if language == "zh" else cues.en)


def texture_cues(language: Language) -> list[str]:
    cues = reply_lexicon().texture_cues
    return cues.zh if language == "zh" else cues.en


def mentions(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in words)


def faq_answer(text: str) -> str:
    """The answer of an FAQ chunk, cut to the first sentences that fit in a WeChat reply."""
    answer = re.split(r"答：|\nA: |\n\n", text, maxsplit=1)[-1].strip()
    answer = re.sub(r"^#+.*\n", "", answer).strip()
    parts = re.findall(r"[^。！？.!?]+[。！？.!?]?", answer)
    out = ""
    for sentence in parts:
        if len(out) + len(sentence) > 90 and out:
            break
        if _banned(sentence) or find_promises(Reading.of(sentence)):
            continue  # a perk the guard cannot tell from a promise (小样申领): the rest of the answer holds
        out += sentence
    return out.strip()


def faq_relevant(question: str, faq_text: str, language: Language) -> bool:
    """Whether an FAQ entry is about what the customer asked: its question shares a word (two Chinese
    characters, or an English word of four letters or more) with the customer's message."""
    asked = faq_text.strip().split("\n", 1)[0]
    if language == "zh":
        grams = {question[i : i + 2] for i in range(len(question) - 1)}
        return any(g in asked for g in grams if len(_CJK.findall(g)) == 2 and g not in _ZH_COMMON)
    words = {w.lower() for w in re.findall(r"[A-Za-z]{4,}", question)} - _EN_COMMON
    return any(w in asked.lower() for w in words)


_ZH_COMMON = {"可以", "你们", "我们", "什么", "怎么", "这个", "那个", "一下", "是不", "不是", "有没", "没有"}
_EN_COMMON = {
    "what",
    "when",
    "your",
    "with",
    "have",
    "this",
    "that",
    "from",
    "does",
    "will",
    "would",
    "could",
    "about",
}
