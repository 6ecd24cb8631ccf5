"""Composition, not concatenation: a reply is built from sentence-level parts, and these rules make the
parts read as one voice (SCRIPT.md "One voice", rule 5):

- at most one opener, and only at the start;
- a question about a known field is dropped; at most one question per topic, at most three, and the
  questions come last (stages 1, 2 and 4 end with one);
- a part that would repeat a phrase already said takes its short form, or is dropped when optional;
- each part is punctuated as a sentence (English: capitalised, full stop unless it asks);
- Chinese: at most two ～, and the length kept within the limits by short forms, then by dropping the
  optional parts (the highest `optional` first); a reply under the minimum takes a pad part;
- at most two emoji.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from assistant.drafting.checker import duplicated_phrases, phrase_grams
from assistant.models import Language

_EMOJI = re.compile("[\U0001f300-\U0001faff\u2600-\u27bf]")
_ZH_END = "。！？～…：:!?，"
_EN_END = ".!?:"
MAX_EMOJI = 2
MAX_TILDES = 2
MAX_QUESTIONS = 3


@dataclass(frozen=True)
class Part:
    """One sentence-level piece of a reply."""

    kind: str  # opener, decline, answer, empathy, fact, restate, approach, steps, question, intro, item,
    # total, left_out, note, care, handover, closing
    text: str
    topic: str = ""  # a question's field (or "confirm", "agree" …); an answer's question kind
    optional: int = 0  # 0: essential; otherwise dropped when too long, the highest first
    short: str = ""  # a shorter form, used when the reply is too long or the full form repeats a phrase
    citation: str = ""  # the chunk the part relies on
    line: bool = False  # on its own line (a product item)

    @property
    def question(self) -> bool:
        return self.kind == "question"


@dataclass
class Composition:
    text: str
    parts: list[Part]
    citations: list[str] = field(default_factory=list)


def length(text: str) -> int:
    return len(text.strip())


def _punctuate(part: Part, language: Language) -> str:
    text = part.text.strip()
    if not text or part.line:
        return text
    if language == "en":
        text = text[0].upper() + text[1:]
        return text if text[-1] in _EN_END else text + "."
    if text[-1] in _ZH_END:
        return text
    return text + ("～" if part.kind in ("empathy", "closing") else "。")


def render(parts: list[Part], language: Language) -> str:
    out = ""
    for n, part in enumerate(parts):
        text = _punctuate(part, language)
        if not text:
            continue
        if part.line or (n and parts[n - 1].line):
            out = out.rstrip() + "\n" + text
        elif out and language == "en":
            out += " " + text
        else:
            out += text
    return _limit_marks(out.strip(), language)


def _limit_marks(text: str, language: Language) -> str:
    emoji = 0

    def keep_emoji(m: re.Match[str]) -> str:
        nonlocal emoji
        emoji += 1
        return m.group(0) if emoji <= MAX_EMOJI else ""

    text = _EMOJI.sub(keep_emoji, text)
    if language == "zh" and text.count("～") > MAX_TILDES:
        # keep the first (the opener's) and the last (a warm ending); the others become full stops
        positions = [i for i, ch in enumerate(text) if ch == "～"]
        drop = set(positions[1:-1][: len(positions) - MAX_TILDES])
        text = "".join("。" if i in drop else ch for i, ch in enumerate(text)).replace("。。", "。")
    return text


def _select(parts: list[Part], known: set[str]) -> list[Part]:
    kept = [p for p in parts if p.text.strip()]
    if kept and kept[0].kind == "opener":
        kept = [kept[0], *[p for p in kept[1:] if p.kind != "opener"]]
    else:
        kept = [p for p in kept if p.kind != "opener"]
    topics: set[str] = set()
    questions: list[Part] = []
    rest: list[Part] = []
    for part in kept:
        if not part.question:
            rest.append(part)
            continue
        asked = set(part.topic.split("+")) if part.topic else set()
        if asked & known or asked & topics or len(questions) >= MAX_QUESTIONS:
            continue
        topics |= asked
        questions.append(part)
    return rest + questions


def _dedupe(parts: list[Part], language: Language, names: list[str]) -> list[Part]:
    """A part that repeats a phrase said elsewhere takes its short form or, when optional, is dropped.
    Essential parts without a short form are fixed: they claim their phrases first (two fixed parts
    that repeat each other are both kept, and the checker will report it)."""

    def grams(part: Part) -> set[str]:
        return phrase_grams(part.text, language, names, clean=True)

    fixed = [not p.optional and not p.short for p in parts]
    claimed: set[str] = set()
    for part, is_fixed in zip(parts, fixed, strict=True):
        if is_fixed:
            claimed |= grams(part)
    kept: list[Part] = []
    said: set[str] = set()
    for part, is_fixed in zip(parts, fixed, strict=True):
        if is_fixed:
            kept.append(part)
            continue
        for candidate in (part, replace(part, text=part.short, short="") if part.short else None):
            if candidate is None:
                continue
            found = grams(candidate)
            if not found & (said | claimed) and not duplicated_phrases(
                candidate.text, language, names, clean=True
            ):
                kept.append(candidate)
                said |= found
                break
        else:
            if not part.optional:
                kept.append(part)
                said |= grams(part)
    return kept


def compose(
    parts: Iterable[Part],
    language: Language,
    *,
    known: Iterable[str] = (),
    max_chars: int = 200,
    min_chars: int = 0,
    pads: Iterable[Part] = (),
    names: Iterable[str] = (),
) -> Composition:
    """One reply from its parts (see the module docstring for the rules)."""
    name_list = list(names)
    kept = _dedupe(_select(list(parts), set(known)), language, name_list)
    text = render(kept, language)
    # too long: short forms first (the longest part first), then drop optional parts
    while length(text) > max_chars:
        longest = max(
            (i for i, p in enumerate(kept) if p.short), key=lambda i: len(kept[i].text), default=None
        )
        if longest is not None:
            kept[longest] = replace(kept[longest], text=kept[longest].short, short="")
        else:
            droppable = [i for i, p in enumerate(kept) if p.optional]
            if not droppable:
                break
            del kept[max(droppable, key=lambda i: (kept[i].optional, i))]
        text = render(kept, language)
    for pad in pads:
        if length(text) >= min_chars:
            break
        last_question = next((i for i in range(len(kept) - 1, -1, -1) if kept[i].question), None)
        at = len(kept) if last_question is None else _first_trailing_question(kept)
        candidate = [*kept[:at], pad, *kept[at:]]
        candidate_text = render(candidate, language)
        if length(candidate_text) <= max_chars and not set(
            duplicated_phrases(candidate_text, language, name_list, clean=True)
        ) - set(duplicated_phrases(text, language, name_list, clean=True)):
            kept, text = candidate, candidate_text
    citations = list(dict.fromkeys(p.citation for p in kept if p.citation))
    return Composition(text, kept, citations)


def _first_trailing_question(parts: list[Part]) -> int:
    at = len(parts)
    while at > 0 and parts[at - 1].question:
        at -= 1
    return at
