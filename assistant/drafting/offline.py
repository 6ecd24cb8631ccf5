"""The offline engine: replies composed from the sentence-level parts in prompts/offline/, filled from
the slots and the retrieved knowledge. It is the default when no LLM is configured and the fallback
when the LLM fails, so it must be right at every stage without any model.

Variants differ in approach (warm, expert, brief: assistant/drafting/writer.py). Regenerate passes
`attempt` 1, 2 …: each attempt takes the next wording of every style that no earlier attempt showed,
until the alternatives run out; then the earliest ones come back with a notice.
"""

from __future__ import annotations

from pathlib import Path

from assistant.drafting.base import DraftContext, EngineResult, TokenCallback
from assistant.drafting.checker import reply_lexicon
from assistant.drafting.compose import Composition, compose
from assistant.drafting.templates import phrase_bank, routine_lexicon
from assistant.drafting.writer import STYLES, ReplyWriter
from assistant.guard.claims import claims
from assistant.models import Stage

MAX_CHARS = {("zh", False): 200, ("zh", True): 300, ("en", False): 400, ("en", True): 450}
MIN_CHARS = {"zh": 40, "en": 0}
CHOICES = 8  # wordings tried per style
EXHAUSTED = (
    "No new wording left for some variants of this draft: Regenerate shows fewer, or earlier ones again."
)


class OfflineEngine:
    name = "offline"

    def __init__(self, prompts_dir: Path):
        self.prompts_dir = prompts_dir

    def warm(self) -> None:
        """Load the phrase banks and the lexicons the composer and the checker use (the console's warm-up)."""
        for language in ("zh", "en"):
            phrase_bank(self.prompts_dir, language)
        routine_lexicon(self.prompts_dir)
        reply_lexicon()
        claims()

    def draft(self, ctx: DraftContext, on_token: TokenCallback | None = None) -> EngineResult:
        writer = ReplyWriter(
            ctx, phrase_bank(self.prompts_dir, ctx.analysis.language), routine_lexicon(self.prompts_dir)
        )
        chosen, exhausted = self.choose(writer, ctx.variants, max(0, ctx.attempt))
        variants = [c.text for c in chosen]
        if on_token and variants:
            on_token(variants[0])
        plan = writer.plan
        product_ids = [m.product.id for m in plan.matches] if plan else []
        citations = list(dict.fromkeys(c for comp in chosen for c in comp.citations))
        citations += [ctx.product_chunks[p] for p in product_ids if p in ctx.product_chunks]
        return EngineResult(
            variants=variants,
            product_ids=product_ids,
            citation_ids=list(dict.fromkeys(citations)),
            notices=[EXHAUSTED] if exhausted else [],
            parts=[c.parts for c in chosen],
        )

    def compose(self, writer: ReplyWriter, style: str, k: int) -> Composition:
        plan = writer.plan_for(style, k)
        language = writer.language
        composition = compose(
            plan.parts,
            language,
            known=writer.known,
            max_chars=MAX_CHARS[(language, writer.stage is Stage.match_product)],
            min_chars=MIN_CHARS[language],
            pads=plan.pads,
            names=writer.names,
        )
        if writer.informal:
            composition.text = composition.text.replace("您", "你")
        return composition

    def choose(self, writer: ReplyWriter, count: int, attempt: int) -> tuple[list[Composition], bool]:
        """The variants of this attempt: each style's (attempt+1)-th wording that no earlier attempt
        showed. A style that has run out is left out; when all have, the first wordings come back.
        Returns the variants and whether the options ran out."""
        styles = list(STYLES[: max(1, count)])
        wordings: dict[str, list[Composition]] = {s: [] for s in styles}
        seen: set[str] = set()
        for k in range(CHOICES):
            for style in styles:
                if len(wordings[style]) > attempt:
                    continue
                composition = self.compose(writer, style, k)
                if composition.text not in seen:
                    seen.add(composition.text)
                    wordings[style].append(composition)
            if all(len(w) > attempt for w in wordings.values()):
                break
        fresh = [w[attempt] for w in wordings.values() if len(w) > attempt]
        if fresh:
            return fresh, len(fresh) < len(styles)
        return [w[attempt % len(w)] for w in wordings.values() if w], True
