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

from assistant.drafting.checker import duplicated_phrases, reply_lexicon
from assistant.guard.claims import find_claims
from assistant.guard.promotions import find_promises
from assistant.guard.reading import Reading
from assistant.models import Hit, Language
from assistant.tokenize import tokenize

_ZH_SENTENCE = re.compile(r"[^。！？\n；]+[。！？；]?")
_EN_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]|$)")
# "X是：" before what it is (「护肤的基本顺序是：清洁 → …」): the colon goes, the sentence stays
_DEFINITION = re.compile(r"^([^：:]{2,16}是)[：:]\s*")
_MARKDOWN = re.compile(r"\*\*|__|`|^#+\s*|^\s*(?:[-*•]|\d+[.、)])\s*")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_PRICE = re.compile(r"[¥￥$]\s*\d|\d+\s*(?:元|块|rmb|yuan)", re.I)
_LIMITS = {"zh": (10, 60), "en": (30, 200)}
_MIXED = re.compile(r"[\u4e00-\u9fff][a-z][a-z0-9]*(?![a-z0-9])|(?<![a-z0-9])[a-z][a-z0-9]*[\u4e00-\u9fff]")
_DURATION = re.compile(
    r"\d+\s*[–~-]\s*\d+\s*(?:天|周|个月|年|days?|weeks?|months?)|[一二两三四五六]到[两二三四五六七八]个?[^，。]{0,6}?(?:周|月|周期)"
    r"|(?:a|one|two|three|four|six)\s+to\s+(?:two|three|four|six|eight|twelve)\s+(?:weeks|months)"
    r"|(?:a|one|two|three|four|six)\s+(?:or\s+two\s+)?(?:weeks|months)\s+(?:before|of)"
)
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
        text = _clean(_DEFINITION.sub(r"\1", raw.strip()))
        if language == "en" and ": " in text and len(text.split(": ", 1)[0]) >= low:
            text = text.split(": ", 1)[0]  # "… sunscreen throughout: it protects …": the clause before it
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
    """Article sentences ranked by the words, the cue words and the concerns (the expert variant's fact).
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


def answer_facts(
    hits: list[Hit],
    language: Language,
    question: str,
    *,
    cues: list[str],
    concerns: list[str],
    duration: bool = False,
    outcomes: list[str] = (),  # type: ignore[assignment]
) -> list[Fact]:
    """Article sentences that answer the question, best first. A sentence is about the question when it,
    or the heading of its section (维C和烟酰胺真的“相克”吗), shares the question's distinctive words
    (`_words`); for a time question, a span of time (4–8周) beside an outcome word also counts, most in
    the article about the customer's first concern. Then the section's lead, the kind's cue words, the concerns and the search score."""
    words = _words(question, language)
    facts: list[Fact] = []
    seen: set[str] = set()
    lead: dict[str, int] = {}  # how many sentences of each chunk came before
    for text, hit in sentences(hits, language):
        position = lead[hit.chunk.id] = lead.get(hit.chunk.id, -1) + 1
        if text in seen:
            continue
        lowered = text.lower()
        here = len(words & _words(lowered, language))
        heading = len(words & _words(hit.chunk.heading, language))
        on_concern = len(set(hit.chunk.concerns) & set(concerns))
        # how long until *their* concern improves: the article about their first concern knows
        theirs = duration and bool(concerns) and concerns[0] in hit.chunk.concerns
        span = duration and bool(_DURATION.search(lowered))
        # a span alone answers "how long until it works" only beside an outcome (变化, judging it): not
        # "observe 2–4 weeks before adding the next active"
        outcome = span and any(w.lower() in lowered for w in outcomes)
        if not (here or heading or outcome):
            continue
        score = 1.5 * here + 1.5 * heading + 0.5 * on_concern + (2.0 if theirs else 0.0)
        if heading:  # the lead of a section answers its heading's question
            score += max(0, 2 - position)
        score += 1.0 * min(2, sum(1 for c in cues if c.lower() in lowered))
        score += 2.0 if span else 0.0  # a time question is answered by a span of time
        score += 0.5 * hit.score / (abs(hit.score) + 1.0)
        facts.append(Fact(text, hit.chunk.id, score))
        seen.add(text)
    facts.sort(key=lambda f: -f.score)
    return facts


def answer_cues(kind: str, language: Language) -> list[str]:
    cues = reply_lexicon().answer_cues.get(kind)
    return [] if cues is None else (cues.zh if language == "zh" else cues.en)


def texture_cues(language: Language) -> list[str]:
    cues = reply_lexicon().texture_cues
    return cues.zh if language == "zh" else cues.en


def mentions(text: str, words: tuple[str, ...]) -> bool:
    lowered = text.lower()
    return any(w in lowered for w in words)


_FAQ_SENTENCE = {
    "zh": re.compile(r"[^。！？；]+[。！？；]?"),
    "en": re.compile(r"(?:[^.!?]|[.](?=\d))+[.!?]?"),  # 1.2 is a number, not two sentences
}
_FAQ_CHARS = {"zh": 90, "en": 220}


def _faq_parts(text: str) -> tuple[str, str]:
    """(the FAQ entry's question, its answer)."""
    body = text.strip()
    if "答：" in body or "\nA: " in body:
        asked, answer = re.split(r"答：|\nA: ", body, maxsplit=1)
    else:
        asked, _, answer = body.partition("\n\n")
    asked = re.sub(r"^(?:#+\s*|问：|Q:\s*)", "", asked.strip())
    answer = re.sub(r"^#+.*\n", "", answer.strip()).strip()
    return asked, answer


def _words(text: str, language: Language) -> set[str]:
    """The distinctive words of a text: Chinese words of two characters or more (维C, A醇 whole), English
    words of four letters or more, without the everyday words of lexicons/reply_checks.yaml (faq_common)."""
    common = reply_lexicon().faq_common
    lowered = text.lower()
    if language == "zh":
        out = {t for t in tokenize(lowered) if len(t) >= 2 and not t.isdigit()}
        out |= set(_MIXED.findall(lowered))  # 维c, a醇 (the tokenizer splits the letter off)
        return out - set(common.zh)
    return {w for w in re.findall(r"[a-z]{4,}", lowered)} - set(common.en)


def faq_score(question: str, faq_text: str, language: Language) -> float:
    """How much an FAQ entry is about the customer's question: the distinctive words they share with the
    entry's question (1 each) and with its answer (0.5 each)."""
    asked, answer = _faq_parts(faq_text)
    words = _words(question, language)
    return len(words & _words(asked, language)) + 0.5 * len(words & _words(answer, language))


def faq_relevant(question: str, faq_text: str, language: Language) -> bool:
    """Whether an FAQ entry may be about what the customer asked: it shares a distinctive word with the
    customer's message."""
    asked, answer = _faq_parts(faq_text)
    words = _words(question, language)
    return bool(words & _words(asked, language) or words & _words(answer, language))


def best_faq(question: str, hits: list[Hit], language: Language, minimum: float) -> Hit | None:
    """The FAQ hit most about the question (its own question must share a word), if it scores `minimum`."""
    scored = [
        (faq_score(question, h.chunk.text, language), -n, h)
        for n, h in enumerate(hits)
        if faq_relevant(question, h.chunk.text, language)
    ]
    if not scored:
        return None
    score, _, hit = max(scored, key=lambda x: (x[0], x[1]))
    return hit if score >= minimum else None


def faq_answer(text: str, question: str = "", language: Language = "zh") -> str:
    """The answer of an FAQ chunk cut to fit a WeChat reply: its first sentence and the sentences that
    share most words with the question, in their order. A sentence the guard would read as a claim or
    a promise (小样申领) is left out; the rest of the answer holds."""
    _, answer = _faq_parts(text)
    lang: Language = "zh" if _CJK.search(answer) else "en"
    parts = [p.strip() for p in _FAQ_SENTENCE[lang].findall(answer) if p.strip()]
    parts = [p for p in parts if not (_banned(p) or find_promises(Reading.of(p)))]
    if not parts:
        return ""
    words = _words(question, language) if question else set()
    overlap = [len(words & _words(p, lang)) for p in parts]
    # the sentences about the question first (the first sentence when none is), then the answer's order
    order = (
        sorted(range(len(parts)), key=lambda i: (-overlap[i], i)) if any(overlap[1:]) else range(len(parts))
    )
    chosen: list[int] = []
    size = 0
    for i in order:
        if chosen and size + len(parts[i]) > _FAQ_CHARS[lang]:
            continue
        if chosen and not overlap[i] and size > _FAQ_CHARS[lang] // 2:
            continue  # enough said; an unrelated sentence would only make the reply longer
        joined = "".join(parts[j] for j in sorted([*chosen, i]))
        if chosen and duplicated_phrases(joined, lang):
            continue  # parallel sentences (累计消费满500元… 累计消费满1000元…) would read as a template
        chosen.append(i)
        size += len(parts[i])
    text = "".join(parts[i] if lang == "zh" else parts[i] + " " for i in sorted(chosen)).strip()
    return re.sub(r"[；;]$", "。" if lang == "zh" else ".", text)
