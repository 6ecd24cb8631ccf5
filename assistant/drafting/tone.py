"""Tone rewrite of a draft: warmer, shorter, more professional, more casual.

Offline, by rules on the composed parts (the offline engine's own parts, or parts read back from any
text: opener, sentences, questions, product lines), then composed again, so the rewrite keeps the
reply's properties (one opener, no repeated phrase, no question about a known field). With an LLM,
one call rewrites the text; the guard and the reply checker run on its answer, and a violation or a
failed call falls back to the rules. The console calls `rewrite` under the draft.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from assistant.drafting.checker import check_reply, opener_only, question_topics, sentences
from assistant.drafting.compose import Part, compose
from assistant.drafting.templates import PhraseBank, phrase_bank
from assistant.errors import LLMError
from assistant.guard import Guard
from assistant.models import Finding, Language, Product, Severity, Slots, Stage

if TYPE_CHECKING:
    from assistant.llm import LLMClient

Tone = Literal["warmer", "shorter", "professional", "casual"]
TONES: tuple[Tone, ...] = ("warmer", "shorter", "professional", "casual")
MAX_CHARS = {"zh": 200, "en": 450}
_ITEM = re.compile(r"^\s*\d+[.、)]")
_PAREN = re.compile(r"（[^（）]*）|\s?\([^()]*\)")
_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_CONTRACTIONS = {
    "I am": "I'm",
    "I would": "I'd",
    "I will": "I'll",
    "we will": "we'll",
    "you are": "you're",
    "do not": "don't",
    "does not": "doesn't",
    "it is": "it's",
    "that is": "that's",
    "cannot": "can't",
    "will not": "won't",
}


class Rewrite(BaseModel):
    text: str
    tone: Tone
    engine: Literal["rules", "llm"] = "rules"
    findings: list[Finding] = Field(default_factory=list)
    notices: list[str] = Field(default_factory=list)


def _soft_phrases(bank: PhraseBank) -> list[str]:
    """The phrases a draft can do without: empathy, reasons, closings (the parts a shorter tone drops)."""
    groups = [*bank.empathy.values(), *bank.reasons.values(), *bank.closings.values()]
    return [phrase for group in groups for phrase in group if len(phrase) >= 6]


def parts_from_text(text: str, language: Language, bank: PhraseBank | None = None) -> list[Part]:
    """A draft's text read back into parts: an opener, sentences, questions (with their topics), items;
    a sentence that is one of the bank's empathy, reason or closing phrases is optional."""
    soft = [s.lower() for s in _soft_phrases(bank)] if bank else []
    parts: list[Part] = []
    for line in text.strip().split("\n"):
        if _ITEM.match(line):
            parts.append(Part("item", line.strip(), line=True))
            continue
        for sentence in sentences(line):
            if not parts and opener_only(sentence.text, language):
                parts.append(Part("opener", sentence.text))
            elif sentence.question:
                topic = "+".join(sorted(question_topics(sentence.text, language)))
                parts.append(Part("question", sentence.text, topic=topic))
            else:
                lowered = sentence.text.lower()
                optional = 2 if any(phrase in lowered for phrase in soft) else 0
                parts.append(
                    Part("total" if "¥" in sentence.text else "body", sentence.text, optional=optional)
                )
    return parts


def _swap_opener(
    parts: list[Part], bank: PhraseBank, openers: list[str], acks: list[str], seed: int
) -> list[Part]:
    """The opener in the tone's words: a greeting stays a greeting, an acknowledgement an acknowledgement."""
    old = next((p for p in parts if p.kind == "opener"), None)
    if old is None:
        return parts
    greeting = any(old.text.startswith(g.rstrip("～!！ ")) for g in [*bank.greetings, *bank.small_talk])
    options = openers if greeting else acks
    return [Part("opener", options[seed % len(options)]), *[p for p in parts if p.kind != "opener"]]


def _before_questions(parts: list[Part], part: Part) -> list[Part]:
    at = len(parts)
    while at > 0 and parts[at - 1].question:
        at -= 1
    return [*parts[:at], part, *parts[at:]]


def _shorter(parts: list[Part]) -> list[Part]:
    """No opener, no optional part (empathy, reasons, closings), no aside in brackets, short forms,
    at most two questions (the last ones)."""
    kept: list[Part] = []
    for part in parts:
        if part.kind == "opener" or part.optional:
            continue
        text = part.short or part.text
        if part.kind not in ("item", "question"):
            text = _PAREN.sub("", text)
        kept.append(Part(part.kind, text, topic=part.topic, line=part.line, citation=part.citation))
    questions = [p for p in kept if p.question]
    extra = {id(p) for p in questions[:-2]}
    return [p for p in kept if id(p) not in extra]


def _warmer(parts: list[Part], bank: PhraseBank, seed: int) -> list[Part]:
    warm = bank.tones.warmer
    if not any(p.kind == "opener" for p in parts):
        parts = [Part("opener", warm.openers[seed % len(warm.openers)]), *parts]
    if any(p.question for p in parts):
        parts = _before_questions(parts, Part("empathy", warm.lines[seed % len(warm.lines)]))
    else:
        parts = [*parts, Part("closing", warm.closings[seed % len(warm.closings)])]
    if bank.language == "zh":
        parts = [
            Part(p.kind, p.text[:-1] + "～", topic=p.topic, line=p.line)
            if p.kind == "body" and p.text.endswith("。")
            else p
            for p in parts
        ]
    return parts


def _professional(parts: list[Part], bank: PhraseBank, seed: int) -> list[Part]:
    tone = bank.tones.professional
    parts = _swap_opener(parts, bank, tone.openers, tone.acks, seed)
    out = []
    for p in parts:
        text = _EMOJI.sub("", p.text)
        if bank.language == "zh":
            if bank.particles:
                particles = "|".join(map(re.escape, bank.particles))
                text = re.sub(rf"(?:{particles})+(?=[？?。！～，,]|$)", "", text)
            text = text.replace("～", "。").replace("。。", "。").replace("，。", "。")
            text = re.sub(r"你(?![们家])", "您", text)
        else:
            text = text.replace("!", ".")
            for short, long in ((v, k) for k, v in _CONTRACTIONS.items()):
                text = re.sub(rf"\b{re.escape(short)}\b", long, text)
                text = re.sub(rf"\b{re.escape(short.capitalize())}\b", long.capitalize(), text)
        out.append(Part(p.kind, text.strip(), topic=p.topic, line=p.line, short=p.short))
    return out


def _casual(parts: list[Part], bank: PhraseBank, seed: int) -> list[Part]:
    tone = bank.tones.casual
    parts = _swap_opener(parts, bank, tone.openers, tone.acks, seed)
    out = []
    for p in parts:
        text = p.text
        if bank.language == "zh":
            text = text.replace("您", "你")
            if p.kind == "body" and text.endswith("。"):
                text = text[:-1] + "～"
        else:
            for long, short in _CONTRACTIONS.items():
                text = re.sub(rf"\b{re.escape(long)}\b", short, text)
                text = re.sub(rf"\b{re.escape(long.capitalize())}\b", short.capitalize(), text)
        out.append(Part(p.kind, text, topic=p.topic, line=p.line, short=p.short))
    return out


def rewrite_parts(parts: list[Part], tone: Tone, bank: PhraseBank, seed: int = 0) -> list[Part]:
    """The rules of one tone applied to a reply's parts."""
    if tone == "shorter":
        return _shorter(parts)
    if tone == "warmer":
        return _warmer(parts, bank, seed)
    if tone == "professional":
        return _professional(parts, bank, seed)
    return _casual(parts, bank, seed)


def rewrite(
    draft: str | list[Part],
    tone: Tone,
    *,
    language: Language,
    prompts_dir: Path,
    known: list[str] | set[str] = (),  # type: ignore[assignment]
    products: list[Product] = (),  # type: ignore[assignment]
    stage: Stage | None = None,
    slots: Slots | None = None,
    llm: LLMClient | None = None,
    seed: int = 0,
) -> Rewrite:
    """The draft in another tone. `draft` is the text (as edited) or the offline engine's parts; with
    `stage` and `slots` the guard checks the result too. An LLM rewrites in one call when given."""
    if tone not in TONES:
        raise ValueError(f"unknown tone {tone!r}; use one of {', '.join(TONES)}")
    names = [n for p in products for n in p.names()]
    text = draft if isinstance(draft, str) else compose(draft, language).text
    notices: list[str] = []
    if llm is not None:
        from assistant.drafting.llm_engine import rewrite_with_llm

        try:
            candidate = rewrite_with_llm(llm, text, tone, language)
        except LLMError as exc:
            notices.append(f"LLM rewrite failed ({exc}); rewrote by rules.")
        else:
            findings = _check(candidate, language, known, names, products, stage, slots)
            if not any(f.severity is Severity.hard for f in findings):
                return Rewrite(text=candidate, tone=tone, engine="llm", findings=findings, notices=notices)
            rules = sorted({f.rule for f in findings if f.severity is Severity.hard})
            notices.append(f"The LLM rewrite broke a rule ({', '.join(rules)}); rewrote by rules.")
    bank = phrase_bank(prompts_dir, language)
    parts = parts_from_text(draft, language, bank) if isinstance(draft, str) else list(draft)
    composed = compose(
        rewrite_parts(parts, tone, bank, seed),
        language,
        known=known,
        max_chars=max(MAX_CHARS[language], len(text)),
        names=names,
    ).text
    findings = _check(composed, language, known, names, products, stage, slots)
    return Rewrite(text=composed, tone=tone, engine="rules", findings=findings, notices=notices)


def _check(
    text: str,
    language: Language,
    known: list[str] | set[str],
    names: list[str],
    products: list[Product],
    stage: Stage | None,
    slots: Slots | None,
) -> list[Finding]:
    findings = check_reply(text, language=language, known=known, names=names)
    if stage is not None and slots is not None:
        guard = Guard(list(products))
        findings += guard.check(
            text, stage=stage, slots=slots, product_ids=guard.mentioned(text), language=language
        )
    return findings
