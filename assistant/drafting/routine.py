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
    """The routine steps a text names, in the order it names them."""
    lowered = normalize(text).lower()
    found: list[tuple[int, str]] = []
    for step in lexicon.steps:
        positions = [lowered.find(p.lower()) for p in step.phrases if p.lower() in lowered]
        if positions:
            found.append((min(positions), step.categories[0]))
    return list(dict.fromkeys(category for _, category in sorted(found)))


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
