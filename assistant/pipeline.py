"""The data flow of one draft: transcript → analysis → retrieval → drafting → guard.

`DraftFlow` runs the steps; it receives the knowledge base and the LLM client as dependencies
(`assistant.services.build` wires them once per process) and hands nothing out.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

from assistant.analysis.profile import Profile
from assistant.analysis.rules import RuleAnalyzer
from assistant.drafting.base import DraftContext, EngineResult, TokenCallback
from assistant.drafting.checker import check_reply
from assistant.drafting.known import known_fields, open_question
from assistant.drafting.offline import OfflineEngine
from assistant.drafting.routine import approach_routine, proposed_routine
from assistant.drafting.templates import routine_lexicon
from assistant.errors import LLMError
from assistant.fit import plan_routine
from assistant.guard import Guard
from assistant.knowledge.base import KnowledgeBase
from assistant.models import (
    Analysis,
    Citation,
    Conversation,
    Draft,
    Finding,
    ProductPick,
    Reading,
    Severity,
    Slots,
    Stage,
)
from assistant.query import build_query
from assistant.retrieval import Filters
from assistant.settings import Settings
from assistant.stage import derive_stage
from assistant.transcript import parse_conversation
from assistant.usage import CallScope, call_scope

if TYPE_CHECKING:  # the LLM stack is imported only when an LLM is configured (start-up time)
    from assistant.llm import LLMClient

log = logging.getLogger(__name__)
MAX_LLM_CALLS = 2


class DraftFlow:
    def __init__(self, settings: Settings, kb: KnowledgeBase, llm: LLMClient | None = None):
        self.settings = settings
        self.kb = kb
        self._warm_lock = threading.Lock()
        self._warmed = False
        self.rules = RuleAnalyzer(settings.usd_to_cny, cache_dir=Path(settings.data_dir) / "models")
        self.offline = OfflineEngine(settings.prompts_dir)
        self.llm = llm

    # -- warm-up ----------------------------------------------------------------------
    def start_warm_up(self) -> None:
        """Once, in the background: load jieba's dictionary, the search index and the templates, so
        the first draft is as fast as the others. Offline only (no LLM call). The console calls it
        after its first page is on screen, so it does not delay start-up."""
        with self._warm_lock:
            if self._warmed:
                return
            self._warmed = True
        threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        self.offline.warm()  # the phrase banks and lexicons first: quick, and the first draft needs them
        conversation = parse_conversation("你好，我是油皮，最近长痘")
        self.offline.draft(self.context(conversation, self.analyze(conversation)))

    # -- analysis ---------------------------------------------------------------------
    def analyze(
        self,
        conversation: Conversation,
        profile: Profile | None = None,
        notices: list[str] | None = None,
        known: Slots | None = None,
    ) -> Analysis:
        """Read the conversation (starting from what is `known` about the customer), lay the
        operator's profile over the slots, and derive the stage: once, here."""
        profile = profile or Profile()
        seed = profile.apply(known or Slots())  # what is known shapes how the turns are read
        names = [n for p in self.kb.products() for n in p.names()]
        reading: Reading | None = None
        if self.llm is not None and self.settings.use_llm_analyzer:
            try:
                from assistant.analysis.llm_analyzer import LLMAnalyzer

                reading = LLMAnalyzer(self.llm, self.rules).analyze(conversation, seed)
            except LLMError as exc:
                if notices is not None:
                    notices.append(f"LLM analysis failed ({exc}); used the rule analyzer.")
        if reading is None:
            reading = self.rules.analyze(conversation, seed, names)
        slots = profile.apply(reading.slots)  # the operator's values win over what was read
        stage, reason = derive_stage(slots)
        overridden = profile.stage is not None and profile.stage is not stage
        if overridden:
            reason = f"set by the operator (derived: {stage.value}, {reason})"
            stage = profile.stage  # type: ignore[assignment]
        if notices is not None:
            notices.extend(reading.notices)
        return Analysis(
            **{**dict(reading), "slots": slots}, stage=stage, reason=reason, overridden=overridden
        )

    # -- drafting ---------------------------------------------------------------------
    def context(self, conversation: Conversation, analysis: Analysis, attempt: int = 0) -> DraftContext:
        slots = analysis.slots
        products = self.kb.products()
        query = build_query(conversation, slots)  # recent customer turns + the slots' concerns/skin types
        hits = (
            []
            if analysis.stage is Stage.escalate
            else self.kb.search(query, k=self.settings.top_k, filters=Filters(kind="article"))
        )
        faq = []
        question = open_question(analysis, conversation)
        if question is not None and analysis.stage is not Stage.escalate:
            # the customer's question searched on its own too: the answer comes first (drafting/answers.py)
            seen = {h.chunk.id for h in hits}
            hits += [
                h
                for h in self.kb.search(question.text, k=4, filters=Filters(kind="article"))
                if h.chunk.id not in seen
            ]
        if analysis.intents.logistics or question is not None:
            faq = [
                h
                for h in self.kb.search(conversation.last_customer_text, k=6, filters=Filters(kind="faq"))
                if (h.chunk.text.startswith("问") == (analysis.language == "zh"))
            ][:4]
        lexicon = routine_lexicon(self.settings.prompts_dir)
        named = proposed_routine(conversation, lexicon)  # the operator's steps, most important first
        routine = named or approach_routine(slots.concerns, lexicon)
        plan = (
            plan_routine(products, slots, routine, named=bool(named))
            if analysis.stage is Stage.match_product
            else None
        )
        matches = plan.matches if plan else []
        product_chunks = {}
        if matches:
            product_chunks = self.kb.product_chunk_ids([m.product.id for m in matches])
        return DraftContext(
            conversation,
            analysis,
            hits,
            faq,
            matches,
            products,
            self.settings.variants,
            product_chunks,
            attempt=attempt,
            routine=routine,
            plan=plan,
        )

    def draft(
        self,
        conversation: Conversation,
        profile: Profile | None = None,
        on_token: TokenCallback | None = None,
        engine: str | None = None,
        attempt: int = 0,
        known: Slots | None = None,
    ) -> Draft:
        """The draft reply. `attempt` counts Regenerate presses (0 = first draft), so each reads
        differently; `known` is what was read from the customer's thread before (saved state)."""
        with call_scope() as scope:  # counts this draft's LLM calls, whatever runs beside it
            return self._draft(conversation, profile, on_token, engine, scope, attempt, known)

    def _draft(
        self,
        conversation: Conversation,
        profile: Profile | None,
        on_token: TokenCallback | None,
        engine: str | None,
        scope: CallScope,
        attempt: int = 0,
        known: Slots | None = None,
    ) -> Draft:
        started = time.perf_counter()
        notices = list(conversation.notices)
        analysis = self.analyze(conversation, profile, notices, known)
        ctx = self.context(conversation, analysis, attempt)
        guard = Guard(ctx.products)
        wanted = engine or ("llm" if self.settings.use_llm_engine else "offline")
        result: EngineResult | None = None
        findings: list[list[Finding]] = []
        if wanted == "llm" and self.llm is not None:
            result, findings = self._llm_draft(ctx, guard, on_token, notices, scope)
        engine_name = "llm"
        if result is None:
            engine_name = "offline"
            result = self.offline.draft(ctx, on_token)
            findings = self.check_variants(guard, ctx, result)
            notices.extend(result.notices)
        hard = [any(x.severity is Severity.hard for x in f) for f in findings]
        kept = [i for i, is_hard in enumerate(hard) if not is_hard] or list(range(len(findings)))
        variants = [result.variants[i] for i in kept]
        final_findings = [
            f.model_copy(update={"variant": n}) for n, i in enumerate(kept) for f in findings[i]
        ]
        return Draft(
            stage=analysis.stage,
            reply=variants[0] if variants else "",
            variants=variants,
            products=self._picks(ctx, result, guard),
            citations=self._citations(result),
            findings=final_findings,
            analysis=analysis,
            engine=engine_name,
            model=result.model,
            notices=notices,
            latency_ms=(time.perf_counter() - started) * 1000,
            llm_calls=scope.calls,
        )

    def _llm_draft(
        self,
        ctx: DraftContext,
        guard: Guard,
        on_token: TokenCallback | None,
        notices: list[str],
        scope: CallScope,
    ) -> tuple[EngineResult | None, list[list[Finding]]]:
        assert self.llm is not None
        from assistant.drafting.llm_engine import LLMEngine

        engine = LLMEngine(self.llm)
        feedback: list[Finding] | None = None
        while scope.calls < MAX_LLM_CALLS:
            try:
                result = engine.draft(ctx, on_token, feedback)
            except LLMError as exc:
                notices.append(f"LLM draft failed: {exc}. Showing the offline draft instead.")
                return None, []
            findings = self.check_variants(guard, ctx, result)
            clean = [f for f in findings if not any(x.severity is Severity.hard for x in f)]
            if clean:
                dropped = len(findings) - len(clean)
                if dropped:
                    rules = sorted({x.rule for f in findings for x in f if x.severity is Severity.hard})
                    notices.append(f"{dropped} LLM variant(s) dropped for breaking: {', '.join(rules)}.")
                return result, findings
            feedback = [x for f in findings for x in f if x.severity is Severity.hard] or [
                Finding(rule="not_a_reply", severity=Severity.hard, message="the LLM returned no reply text")
            ]
            if scope.calls < MAX_LLM_CALLS:
                notices.append(f"The LLM draft broke a rule ({_broken(feedback)}); regenerating.")
        notices.append(
            f"The LLM draft still broke the rules ({_broken(feedback or [])}); showing the offline draft instead."
        )
        return None, []

    @staticmethod
    def check_variants(guard: Guard, ctx: DraftContext, result: EngineResult) -> list[list[Finding]]:
        """The guard and the reply checker (assistant/drafting/checker.py) on every variant."""
        a = ctx.analysis
        known = known_fields(a, ctx.conversation)
        names = [n for p in ctx.products for n in p.names()]
        findings = guard.check_variants(
            result.variants, stage=a.stage, slots=a.slots, product_ids=result.product_ids, language=a.language
        )
        for i, text in enumerate(result.variants):
            findings[i] += check_reply(text, language=a.language, known=known, names=names, variant=i)
        return findings

    def _picks(self, ctx: DraftContext, result: EngineResult, guard: Guard) -> list[ProductPick]:
        if ctx.analysis.stage is not Stage.match_product:
            return []
        reasons = {m.product.id: m.concerns for m in ctx.matches}
        picks = []
        for pid in result.product_ids:
            product = guard.products.get(pid)
            if product is None:
                continue
            served = reasons.get(pid) or [c for c in ctx.analysis.slots.concerns if c in product.concerns]
            picks.append(
                ProductPick(
                    id=pid, name=product.name, price=product.price, why=", ".join(served), usage=product.usage
                )
            )
        return picks

    def _citations(self, result: EngineResult) -> list[Citation]:
        out = []
        for cid in result.citation_ids:
            chunk = self.kb.chunk(cid)
            if chunk is not None:
                out.append(
                    Citation(
                        id=cid,
                        source=chunk.source,
                        title=chunk.heading or chunk.title,
                        snippet=chunk.text[:160],
                    )
                )
        return out


def _broken(findings: list[Finding]) -> str:
    """Each broken rule once, with the words that broke it: "early_pitch «小绿瓶», not_a_reply «A1»"."""
    first: dict[str, str] = {}
    for f in findings:
        first.setdefault(f.rule, f.text)
    return ", ".join(f"{rule} «{text[:40]}»" if text else rule for rule, text in sorted(first.items()))
