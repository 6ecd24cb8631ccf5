"""The reply checker: the properties of a reply that reads as one person wrote it (SCRIPT.md "One voice",
"Never ask for what is known", rule 5). It runs on every variant of every engine (the pipeline adds its
findings to the guard's) and in every eval suite.

- `duplicated_phrase` (hard): a phrase said twice (≥ 5 characters of Chinese, ≥ 3 English words with
  two content words); product names are masked first, so two products of one line do not count.
- `reask` (hard): a question asks for a field the customer already gave.
- `openers` (soft): more than one opener, or an opener after the first sentence.
- `question_topics` (soft): two questions about one topic, or more than three questions.
- `capitalisation` / `punctuation` (soft): English sentence starts, a capital after a comma,
  half-width punctuation inside Chinese, doubled punctuation, a space before a comma.
- `too_short` (soft): Chinese under 40 characters (the guard checks the upper bound and the emoji).
- `template_leak` (hard): a {placeholder} left in the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from assistant.lexicon import LEXICON_DIR
from assistant.models import KNOWN_FIELDS, Finding, Language, Severity
from assistant.prompts import FAST_LOADER
from assistant.text import normalize

MIN_CHARS = {"zh": 40, "en": 0}
MAX_QUESTIONS = 3
_ZH_PHRASE = 5  # characters
_EN_PHRASE = 3  # words
_SENTENCE = re.compile(r"[^。！？!?～~\n]+[。！？!?～~]*|[。！？!?～~]+")
_EN_SENTENCE = re.compile(r"(?:[^.!?\n]|\.(?=\S))+[.!?]*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_WORD = re.compile(r"[a-z0-9]+(?:['’-][a-z0-9]+)*", re.I)
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")
_ZH_ASCII_PUNCT = re.compile(
    r"(?<=[\u4e00-\u9fff])[,;:!?](?=[\u4e00-\u9fff])|(?<=[\u4e00-\u9fff])\.(?=[\u4e00-\u9fff])"
)
_ZH_DOUBLE = re.compile(r"[。，、；：][。，、；：！？]|[！？][。，、；：]|～[。，、；：]")
_EN_SPACE_BEFORE = re.compile(r"[A-Za-z] +[,.;:!?](?!\d)")
_EN_NO_SPACE_AFTER = re.compile(r"[a-z][,;](?=[A-Za-z])|[a-z]{2}[.!?](?=[A-Z][a-z])")
_EN_DOUBLE = re.compile(r"(?<!\.)[.,;:!?]\s*[,;:](?!\))|[,;:]\s*[.!?]|\.\s*\.(?!\.)")


class FieldCues(BaseModel):
    model_config = ConfigDict(extra="forbid")
    zh: list[str]
    en: list[str]


class ReplyLexicon(BaseModel):
    """lexicons/reply_checks.yaml."""

    model_config = ConfigDict(extra="forbid")
    ask_cues: dict[str, FieldCues]
    confirm_tags: FieldCues
    openers: FieldCues
    lowercase_words: list[str]
    question_cues: dict[str, FieldCues]
    question_marks: list[str]
    question_words_en: list[str]
    answer_cues: dict[str, FieldCues]
    texture_cues: FieldCues
    fact_avoid: FieldCues
    faq_common: FieldCues
    order_number_pattern: str
    photo_markers: list[str]
    informal_markers: list[str]

    def model_post_init(self, _context: object) -> None:
        unknown = set(self.ask_cues) - set(KNOWN_FIELDS)
        if unknown:
            raise ValueError(f"ask_cues: unknown fields {sorted(unknown)}; known: {', '.join(KNOWN_FIELDS)}")
        re.compile(self.order_number_pattern)


@cache
def reply_lexicon(path: Path = LEXICON_DIR / "reply_checks.yaml") -> ReplyLexicon:
    return ReplyLexicon.model_validate(yaml.load(path.read_text(encoding="utf-8"), Loader=FAST_LOADER))


@dataclass(frozen=True)
class Sentence:
    text: str
    question: bool


def sentences(text: str) -> list[Sentence]:
    """The reply's sentences; a sentence ending in ？/? (then ～ or an emoji) is a question."""
    out = []
    pattern = _SENTENCE if _CJK.search(text) else _EN_SENTENCE
    for match in pattern.finditer(text):
        raw = match.group(0).strip()
        if raw and re.search(r"[^\W_]", raw):
            out.append(Sentence(raw, bool(re.search(r"[？?]", raw[-3:]))))
    return out


def _cues(lex: FieldCues, language: Language) -> list[str]:
    return lex.zh if language == "zh" else lex.en


def question_topics(sentence: str, language: Language, *, clean: bool = False) -> set[str]:
    """The fields a question sentence asks for (from the ask cues); a confirmation asks for none."""
    lowered = (sentence if clean else normalize(sentence)).lower()
    lex = reply_lexicon()
    ending = re.sub(r"[\s?？～~!！。.]+$", "", lowered)
    if any(re.search(rf"(?:^|[，,\s]){re.escape(t)}$", ending) for t in _cues(lex.confirm_tags, language)):
        return set()
    return {
        field
        for field, cues in lex.ask_cues.items()
        if any(c.lower() in lowered for c in _cues(cues, language))
    }


@cache
def _names_pattern(names: frozenset[str]) -> tuple[re.Pattern[str] | None, tuple[str, ...]]:
    """One pattern for every product name (longest first), and their first two characters (lower-cased)
    to skip texts that name no product."""
    usable = sorted((n for n in names if len(n) >= 2), key=len, reverse=True)
    if not usable:
        return None, ()
    pattern = re.compile("|".join(re.escape(n) for n in usable), re.I)
    return pattern, tuple(sorted({n[:2].lower() for n in usable}))


def _mask(text: str, names: Iterable[str]) -> str:
    """Each product name becomes one opaque token, so two names of one line are not a repeated phrase."""
    pattern, prefixes = _names_pattern(names if isinstance(names, frozenset) else frozenset(names))
    if pattern is None:
        return text
    lowered = text.lower()
    if not any(p in lowered for p in prefixes):
        return text
    return pattern.sub(" \x00 ", text)


def _zh_grams(text: str) -> list[tuple[str, int, int]]:
    """(gram, segment, position) of every 5-character run with at least 4 Chinese characters."""
    out = []
    for si, segment in enumerate(s for s in re.split(r"[^\u3400-\u9fffA-Za-z0-9、]+", text) if s):
        for i in range(len(segment) - _ZH_PHRASE + 1):
            gram = segment[i : i + _ZH_PHRASE]
            if len(_CJK.findall(gram)) >= 4:
                out.append((gram, si, i))
    return out


def _en_grams(text: str) -> list[tuple[str, int, int]]:
    """(gram, segment, position) of every 3-word run with at least two content words."""
    stop = _stopwords()
    out = []
    for si, part in enumerate(re.split(r"[\x00\n]", text)):
        words = [w.lower() for w in _WORD.findall(part)]
        for i in range(len(words) - _EN_PHRASE + 1):
            gram = words[i : i + _EN_PHRASE]
            if sum(w not in stop and not w.isdigit() for w in gram) >= 2:
                out.append((" ".join(gram), si, i))
    return out


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(reply_lexicon().lowercase_words) | {
        "i",
        "me",
        "of",
        "in",
        "on",
        "at",
        "be",
        "as",
        "it's",
        "i'm",
    }


def phrase_grams(
    text: str, language: Language, names: Iterable[str] = (), *, clean: bool = False
) -> set[str]:
    """The phrases of a text that count for `duplicated_phrases` (product names masked)."""
    masked = _mask(text if clean else normalize(text), names)
    grams = _zh_grams(masked) if language == "zh" or _CJK.search(masked) else _en_grams(masked)
    return {g for g, _, _ in grams}


def duplicated_phrases(
    text: str, language: Language, names: Iterable[str] = (), *, clean: bool = False
) -> list[str]:
    """Phrases that occur twice, not overlapping (product names masked); `clean`: already normalised.
    Overlapping runs are merged, so "沐研水杨酸净" is reported once, not as two 5-character runs."""
    masked = _mask(text if clean else normalize(text), names)
    zh = language == "zh" or bool(_CJK.search(masked))
    grams = _zh_grams(masked) if zh else _en_grams(masked)
    width = _ZH_PHRASE if zh else _EN_PHRASE
    seen: dict[str, tuple[int, int]] = {}
    repeats: list[tuple[int, int, str]] = []
    for gram, si, i in grams:
        first = seen.setdefault(gram, (si, i))
        if first != (si, i) and (first[0] != si or i - first[1] >= width):
            repeats.append((si, i, gram))
    found: list[str] = []
    for n, (si, i, gram) in enumerate(repeats):
        if n and repeats[n - 1][0] == si and repeats[n - 1][1] == i - 1:
            tail = gram[-1] if zh else " " + gram.rsplit(" ", 1)[-1]
            found[-1] += tail
        else:
            found.append(gram)
    return list(dict.fromkeys(found))


def _opener_at(sentence: str, language: Language) -> str | None:
    lowered = sentence.lower()
    for opener in sorted(_cues(reply_lexicon().openers, language), key=len, reverse=True):
        if lowered.startswith(opener.lower()):
            rest = lowered[len(opener) :]
            if rest[:1] in ("", "～", "~", "，", ",", "！", "!", "—", "-", ":", "：", "。", "."):
                return sentence[: len(opener)]
            if (
                language == "zh"
                and rest[:1] in ("呀", "啦", "哈", "呢")
                and rest[1:2] in ("～", "，", "！", "~", "")
            ):
                return sentence[: len(opener) + 1]
    return None


def opener_only(sentence: str, language: Language) -> bool:
    """A sentence that is only a greeting or an acknowledgement ("您好呀～", "Got it!")."""
    opener = _opener_at(sentence, language)
    return opener is not None and len(re.findall(r"[^\W_]", sentence[len(opener) :])) < 3


def check_reply(
    text: str,
    *,
    language: Language,
    known: Iterable[str] = (),
    names: Iterable[str] = (),
    variant: int | None = None,
) -> list[Finding]:
    """Every composition finding for one reply (empty when it reads as one voice)."""
    findings: list[Finding] = []

    def add(rule: str, severity: Severity, offending: str, message: str) -> None:
        findings.append(
            Finding(rule=rule, severity=severity, text=offending, message=message, variant=variant)
        )

    names = frozenset(names)
    original, text = text, normalize(text)  # matching on the normalised text, punctuation on the original
    for phrase in duplicated_phrases(text, language, names, clean=True):
        add("duplicated_phrase", Severity.hard, phrase, "a phrase is said twice")
    leak = _PLACEHOLDER.search(text)
    if leak:
        add("template_leak", Severity.hard, leak.group(0), "a template placeholder was left in the reply")
    parts = sentences(_mask(text, names))
    known_set = set(known)
    per_topic: dict[str, int] = {}
    questions = [s for s in parts if s.question]
    for sentence in questions:
        for topic in question_topics(sentence.text, language, clean=True):
            per_topic[topic] = per_topic.get(topic, 0) + 1
            if topic in known_set:
                add(
                    "reask",
                    Severity.hard,
                    sentence.text,
                    f"asks for {topic}, which the customer already gave",
                )
    repeated = sorted(t for t, n in per_topic.items() if n > 1)
    if repeated:
        add("question_topics", Severity.soft, ", ".join(repeated), "two questions about the same topic")
    if len(questions) > MAX_QUESTIONS:
        add(
            "question_topics",
            Severity.soft,
            f"{len(questions)} questions",
            f"more than {MAX_QUESTIONS} questions",
        )
    openers = [(i, o) for i, s in enumerate(parts) if (o := _opener_at(s.text, language))]
    if len(openers) > 1 or (openers and openers[0][0] > 0):
        add(
            "openers",
            Severity.soft,
            " / ".join(o for _, o in openers),
            "one opener, at the start of the reply",
        )
    if language == "en":
        _english(original, add)
    else:
        _chinese(original, add)
    minimum = MIN_CHARS[language]
    if len(text.strip()) < minimum:
        add(
            "too_short",
            Severity.soft,
            f"{len(text.strip())} characters",
            f"shorter than {minimum} characters",
        )
    return findings


def _english(text: str, add) -> None:  # type: ignore[no-untyped-def]
    lower = set(reply_lexicon().lowercase_words)
    for line in text.split("\n"):
        stripped = re.sub(r"^\s*(?:\d+[.)]|[-•*])\s*", "", line)
        for m in re.finditer(r"(?:^|[.!?]\s+)([a-z][a-z']*)", stripped):
            if not re.search(r"\b(?:e\.g|i\.e|etc|vs)\.\s+$", stripped[: m.start(1)]):
                add("capitalisation", Severity.soft, m.group(1), "a sentence starts with a lower-case letter")
        for m in re.finditer(r"[,;:—–]\s+([A-Z][a-z']*)\b", stripped):
            if m.group(1).lower() in lower:
                add(
                    "capitalisation",
                    Severity.soft,
                    m.group(0),
                    "a capital letter in the middle of a sentence",
                )
    for pattern, message in (
        (_EN_SPACE_BEFORE, "a space before a punctuation mark"),
        (_EN_NO_SPACE_AFTER, "no space after a punctuation mark"),
        (_EN_DOUBLE, "doubled punctuation"),
    ):
        found = pattern.search(text)
        if found:
            add("punctuation", Severity.soft, found.group(0), message)


def _chinese(text: str, add) -> None:  # type: ignore[no-untyped-def]
    for pattern, message in (
        (_ZH_ASCII_PUNCT, "half-width punctuation between Chinese characters"),
        (_ZH_DOUBLE, "doubled punctuation"),
    ):
        m = pattern.search(text)
        if m:
            add("punctuation", Severity.soft, m.group(0), message)
