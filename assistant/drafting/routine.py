"""The agreed routine: the steps the operator's proposal named (洁面 → cleanser, 控油精华 → serum …,
phrases in prompts/offline/routine.yaml), or, when no proposal names steps, the steps of the approach
the offline engine proposes for the concerns. Returned as catalog categories, in order."""

from __future__ import annotations

from assistant.drafting.templates import RoutineLexicon
from assistant.fit import STEP_ORDER
from assistant.models import Conversation, Role
from assistant.text import normalize

MAX_STEPS = 4


def steps_named(text: str, lexicon: RoutineLexicon) -> list[str]:
    """The routine steps a text names, in the order it names them (the longest phrase wins an overlap)."""
    lowered = normalize(text).lower()
    spans: list[tuple[int, int, str]] = []
    for step in lexicon.steps:
        for phrase in step.phrases:
            start = lowered.find(phrase.lower())
            while start >= 0:
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


def agreed_routine(conversation: Conversation, concerns: list[str], lexicon: RoutineLexicon) -> list[str]:
    """The newest operator turn that proposes steps (not one that only asks), else the approach's steps."""
    for turn in reversed(conversation.turns):
        if turn.role is not Role.operator:
            continue
        steps = steps_named(turn.text, lexicon)
        only_asks = turn.text.rstrip().endswith(("？", "?")) and len(steps) < 2
        if steps and not only_asks:
            return steps[:MAX_STEPS]
    return approach_routine(concerns, lexicon)
