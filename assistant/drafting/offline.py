"""The offline engine: deterministic replies from the templates in prompts/offline/, filled from
the slots and the retrieved knowledge. It is the default when no LLM is configured and the
fallback when the LLM fails, so it must be right at every stage without any model."""

from __future__ import annotations

import re
from pathlib import Path

from assistant.drafting.base import DraftContext, EngineResult, TokenCallback
from assistant.fit import Match
from assistant.models import CONFLICTS, Hit, Slots, Stage
from assistant.prompts import OfflineTemplates, offline_templates, render

_FIRST_CLAUSE = re.compile(r"^[^。；;!！]+")


class OfflineEngine:
    name = "offline"

    def __init__(self, prompts_dir: Path):
        self.prompts_dir = prompts_dir

    def draft(self, ctx: DraftContext, on_token: TokenCallback | None = None) -> EngineResult:
        t = offline_templates(self.prompts_dir, ctx.analysis.language)
        stage = ctx.analysis.stage
        product_ids: list[str] = []
        citations: list[str] = []
        variants: list[str] = []
        for i in range(ctx.variants):
            prefix = self._intent_prefix(t, ctx, stage, i, citations)
            body, used_products, used_chunks = self._stage_reply(t, ctx, stage, i, greet=not prefix)
            variants.append((prefix + body).strip())
            product_ids = product_ids or used_products
            citations.extend(c for c in used_chunks if c not in citations)
        variants = list(dict.fromkeys(variants))
        if on_token:
            on_token(variants[0])
        return EngineResult(variants=variants, product_ids=product_ids, citation_ids=citations)

    # -- pieces ----------------------------------------------------------------------
    def _stage_reply(
        self, t: OfflineTemplates, ctx: DraftContext, stage: Stage, i: int, greet: bool
    ) -> tuple[str, list[str], list[str]]:
        slots = ctx.analysis.slots
        greeting = t.greeting[i % len(t.greeting)] if greet and self._first_reply(ctx) else ""
        pick = lambda options: options[i % len(options)]  # noqa: E731
        if stage is Stage.escalate:
            kind = (slots.escalation or "reaction").split(":", 1)[0]
            options = {"complaint": t.stages.escalate_complaint, "medical": t.stages.escalate_medical}.get(
                kind, t.stages.escalate
            )
            return render(pick(options), greeting=greeting), [], []
        if stage is Stage.ask:
            questions = (
                t.questions["concern"] if ctx.analysis.intents.logistics else self._ask_questions(t, slots, i)
            )
            return render(pick(t.stages.ask), greeting=greeting, questions=questions), [], []
        concerns = self._concerns_text(t, slots)
        skin = self._skin_text(t, slots)
        if stage is Stage.uncover_need:
            context = self._context_text(t, slots)
            if not slots.skin_types:
                return (
                    render(
                        pick(t.stages.uncover_need_no_skin),
                        greeting=greeting,
                        concerns=concerns,
                        context=context,
                        skin_question=t.questions["skin_type"],
                    ),
                    [],
                    [],
                )
            return (
                render(
                    pick(t.stages.uncover_need),
                    greeting=greeting,
                    skin=skin,
                    concerns=concerns,
                    context=context,
                ),
                [],
                [],
            )
        approach = self._approach(t, slots)
        cited = self._article_citations(ctx.hits, slots)
        if stage is Stage.propose:
            return (
                render(pick(t.stages.propose), concerns=concerns, skin=skin or concerns, approach=approach),
                [],
                cited,
            )
        if stage is Stage.confirm_expectation:
            return (
                render(pick(t.stages.confirm_expectation), questions=self._expectation_questions(t, slots)),
                [],
                [],
            )
        if not ctx.matches:
            reason = self._no_match_reason(t, ctx, slots)
            return (
                render(pick(t.stages.no_match), reason=reason, concerns=concerns, approach=approach),
                [],
                cited,
            )
        items = "\n".join(self._product_line(t, m, slots, n) for n, m in enumerate(ctx.matches, start=1))
        ids = [m.product.id for m in ctx.matches]
        chunks = [ctx.product_chunks[pid] for pid in ids if pid in ctx.product_chunks]
        return render(pick(t.stages.match_product), items=items, concerns=concerns, skin=skin), ids, chunks

    def _intent_prefix(
        self, t: OfflineTemplates, ctx: DraftContext, stage: Stage, i: int, citations: list[str]
    ) -> str:
        """What the reply says before the script: a declined injection or discount, an FAQ answer, small talk."""
        intents = ctx.analysis.intents
        if stage is Stage.escalate:
            return ""
        prefix = ""
        if intents.injection:
            prefix += t.injection
        if intents.discount:
            prefix += t.discount
        if intents.logistics and ctx.faq:
            hit = ctx.faq[0]
            prefix += (
                render(t.logistics, answer=self._faq_answer(hit.chunk.text, ctx.analysis.language)) + "\n"
            )
            if hit.chunk.id not in citations:
                citations.append(hit.chunk.id)
        elif intents.wants_product and stage in (Stage.ask, Stage.uncover_need):
            prefix += t.compressed
        if intents.small_talk and stage is Stage.ask and not prefix:
            prefix += t.small_talk[i % len(t.small_talk)]
        return prefix

    @staticmethod
    def _first_reply(ctx: DraftContext) -> bool:
        return not any(turn.role.value == "operator" for turn in ctx.conversation.turns)

    @staticmethod
    def _join(t: OfflineTemplates, items: list[str]) -> str:
        return t.list_separator.join(items)

    def _ask_questions(self, t: OfflineTemplates, slots: Slots, i: int) -> str:
        q = {k: v + (" " if t.language == "en" else "") for k, v in t.questions.items()}
        if slots.skin_types:
            options = [q["concern"] + q["routine"], q["concern"], q["concern"] + q["since"]]
        else:
            options = [q["concern"] + q["skin_type"], q["concern"], q["skin_type"] + q["concern"]]
        return options[i % len(options)].strip()

    def _skin_text(self, t: OfflineTemplates, slots: Slots) -> str:
        return self._join(t, [t.skin_labels[s] for s in slots.skin_types])

    def _concerns_text(self, t: OfflineTemplates, slots: Slots) -> str:
        if t.language == "zh" and slots.concern_words:  # the customer's own words
            return self._join(t, list(dict.fromkeys(slots.concern_words))[:3])
        return self._join(t, [t.concern_labels[c] for c in slots.concerns[:3]])

    def _context_text(self, t: OfflineTemplates, slots: Slots) -> str:
        if not slots.constraints:
            return ""
        labels = self._join(t, [t.constraint_labels[c] for c in slots.constraints])
        return f"（{labels}）" if t.language == "zh" else f" ({labels})"

    def _approach(self, t: OfflineTemplates, slots: Slots) -> str:
        parts = [t.approaches[c] for c in slots.concerns[:2] if c in t.approaches]
        return ("；" if t.language == "zh" else "; ").join(parts) if parts else t.approach_default

    @staticmethod
    def _article_citations(hits: list[Hit], slots: Slots) -> list[str]:
        articles = [h for h in hits if h.chunk.kind == "article"]
        on_topic = [h for h in articles if set(h.chunk.concerns) & set(slots.concerns)]
        return [h.chunk.id for h in (on_topic or articles)[:2]]

    def _expectation_questions(self, t: OfflineTemplates, slots: Slots) -> str:
        q = t.expectation_questions
        asked = [] if slots.solution_accepted else [q["agree"]]
        if not slots.expectations.texture:
            asked.append(q["texture"])
        if slots.budget_max is None:
            asked.append(q["budget"])
        if not slots.constraints_checked and not slots.constraints:
            asked.append(q["pregnancy"])
        if len(asked) < 2 and not slots.expectations.timeframe:
            asked.append(q["timeframe"])
        return ("" if t.language == "zh" else " ").join(asked[:3])

    def _product_line(self, t: OfflineTemplates, match: Match, slots: Slots, index: int) -> str:
        p = match.product
        skins = [s for s in slots.skin_types if s in p.skin_types] or p.skin_types[:2]
        why = render(
            t.why,
            skin=self._join(t, [t.skin_labels[s] for s in skins]),
            concerns=self._join(t, [t.concern_labels[c] for c in match.concerns]),
        )
        usage = p.usage if t.language == "zh" and p.usage else t.category_usage.get(p.category, "")
        clause = _FIRST_CLAUSE.match(usage)
        usage = (clause.group(0) if clause else usage)[:40].rstrip("，,")
        name = p.name_en if t.language == "en" and p.name_en else p.name
        return render(
            t.product_line,
            index=index,
            name=name,
            price=f"{p.price:g}",
            size=p.size or "-",
            why=why,
            usage=usage,
        )

    def _no_match_reason(self, t: OfflineTemplates, ctx: DraftContext, slots: Slots) -> str:
        zh = t.language == "zh"
        serving = [p for p in ctx.products if set(p.concerns) & set(slots.concerns)]
        if slots.budget_max is not None and serving and all(p.price > slots.budget_max for p in serving):
            return "对应的产品都超出了这个预算" if zh else "the products for this are all above that budget"
        clashes = [
            c for c in slots.constraints if any(set(CONFLICTS.get(c, ())) & set(p.cautions) for p in serving)
        ]
        if clashes:
            labels = self._join(t, [t.constraint_labels[c] for c in clashes])
            return (
                f"适合的几款不满足{labels}的要求"
                if zh
                else f"the ones that would help don't meet the {labels} requirement"
            )
        return (
            "肤质和需求的组合暂时没有对应的产品"
            if zh
            else "we have nothing for this combination of skin type and concerns yet"
        )

    @staticmethod
    def _faq_answer(text: str, language: str) -> str:
        answer = re.split(r"答：|\nA: ", text, maxsplit=1)[-1].strip()
        sentences = re.findall(r"[^。！？.!?]+[。！？.!?]?", answer)
        out = ""
        for sentence in sentences:
            if len(out) + len(sentence) > 90 and out:
                break
            out += sentence
        return out.strip()
