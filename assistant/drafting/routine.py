"""The agreed routine: the steps the operator's proposal named (洁面 → cleanser, 控油精华 → serum …,
phrases in prompts/offline/routine.yaml), or, when no proposal names steps, the steps of the approach
the offline engine proposes for the concerns. Returned as catalog categories, in order."""

from __future__ import annotations

import re

from assistant.drafting.templates import RoutineLexicon
from assistant.fit import STEP_ORDER
from assistant.models import Conversation, Role
from assistant.text import normalize

MAX_STEPS = 4
_CLAUSE_END = re.compile(r"[，。；！？,.;!?\n]")


def _negated(text: str, start: int, end: int, lexicon: RoutineLexicon) -> bool:
    """Whether its clause says not to use what the text names at start:end: a negation before it
    (暂停酸类, skip acids) or a stop after it (鼻贴先停); 「补水别落下」 is not one."""
    begin = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    stop = _CLAUSE_END.search(text, end)
    before, after = text[begin:start], text[end : stop.start() if stop else len(text)]
    return any(n in before for n in lexicon.negations) or any(n in after for n in lexicon.stops_after)


def steps_named(text: str, lexicon: RoutineLexicon) -> list[str]:
    """The routine steps a text names, in the order it names them (the longest phrase wins an overlap)."""
    lowered = normalize(text).lower()
    spans: list[tuple[int, int, str]] = []
    for step in lexicon.steps:
        for phrase in step.phrases:
            start = lowered.find(phrase.lower())
            while start >= 0:
                if not _negated(lowered, start, start + len(phrase), lexicon):
                    spans.append((start, start + len(phrase), step.categories[0]))
                start = lowered.find(phrase.lower(), start + 1)
    taken: list[tuple[int, int, str]] = []
    for span in sorted(spans, key=lambda s: (s[0] - s[1], s[0])):  # longest first
        if all(span[1] <= t[0] or span[0] >= t[1] for t in taken):
            taken.append(span)
    return list(dict.fromkeys(category for _, _, category in sorted(taken)))


def approach_routine(concerns: list[str], lexicon: RoutineLexicon) -> list[str]:
    """The steps of the approach for the first two concerns, in the order of a day."""
    steps = {c for concern in concerns[:2] for c in lexicon.approach_steps.get(concern, [])}
    return [c for c in STEP_ORDER if c in steps][:MAX_STEPS]


def proposed_routine(conversation: Conversation, lexicon: RoutineLexicon) -> list[str]:
    """The steps of the newest operator turn that proposes steps (not one that only asks), in the order
    it names them; empty when no operator turn does."""
    for turn in reversed(conversation.turns):
        if turn.role is not Role.operator:
            continue
        steps = steps_named(turn.text, lexicon)
        only_asks = turn.text.rstrip().endswith(("？", "?")) and len(steps) < 2
        if steps and not only_asks:
            return steps[:MAX_STEPS]
    return []


def agreed_routine(conversation: Conversation, concerns: list[str], lexicon: RoutineLexicon) -> list[str]:
    """The operator's proposed steps, else the steps of the approach the offline engine proposes."""
    return proposed_routine(conversation, lexicon) or approach_routine(concerns, lexicon)
