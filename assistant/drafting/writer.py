"""The offline composer's plans: the sentence-level parts of a reply for one style and one choice.

Every reply: at most one opener, declines (injection, discount), the answer to the customer's open
question, then the stage's job (SCRIPT.md's must/must-not). The three styles differ in approach:
`warm` adds a line of empathy and a warm close, `expert` one fact from the knowledge base (cited),
`brief` only what the step needs. The choice index `k` moves every phrase to another alternative,
so Regenerate reads differently throughout, not just in its first words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.drafting.answers import (
    BREASTFEEDING,
    PREGNANCY,
    Answer,
    answer_cues,
    answer_facts,
    best_faq,
    faq_answer,
    mentions,
    rank_facts,
    texture_cues,
)
from assistant.drafting.base import DraftContext
from assistant.drafting.checker import FieldCues, reply_lexicon
from assistant.drafting.compose import Part
from assistant.drafting.known import informal, known_fields, open_question, order_number
from assistant.drafting.routine import agreed_routine
from assistant.drafting.templates import PhraseBank, RoutineLexicon
from assistant.fit import Match, RoutinePlan, plan_routine
from assistant.models import CONFLICTS, Act, Role, Stage
from assistant.prompts import render

STYLES = ("warm", "expert", "brief")
STAGE_KEY = {
    Stage.ask: "ask",
    Stage.uncover_need: "need",
    Stage.propose: "propose",
    Stage.confirm_expectation: "expect",
    Stage.match_product: "match",
    Stage.escalate: "escalate",
}
_CLAUSE = re.compile(r"[^。；;!！，,]+")
# concerns that already say which way the skin goes: the skin-type question is not asked beside them
SKIN_IN_CONCERN = ("hydration", "oil-control")
USAGE_CHARS = (8, 26)  # a usage phrase: whole clauses, at least / at most this many characters


def usage_phrase(usage: str) -> str:
    """The first clauses of a catalog usage text: enough to say how (≥ 8 characters), short (≤ 26)."""
    out = ""
    for clause in _CLAUSE.findall(usage):
        if out and len(out) + len(clause) + 1 > USAGE_CHARS[1]:
            break
        out = f"{out}，{clause.strip()}" if out else clause.strip()
        if len(out) >= USAGE_CHARS[0]:
            break
    return out if len(out) <= USAGE_CHARS[1] else ""


def _lex_cues(cues: FieldCues, language: str) -> list[str]:
    return cues.zh if language == "zh" else cues.en


@dataclass
class Plan:
    parts: list[Part]
    pads: list[Part]  # added only when the reply is under the minimum length


class ReplyWriter:
    """Plans the parts of every variant of one draft; the facts and the answer are found once."""

    def __init__(self, ctx: DraftContext, bank: PhraseBank, routine_lexicon: RoutineLexicon):
        self.ctx = ctx
        self.t = bank
        a = ctx.analysis
        self.language = a.language
        self.stage = a.stage
        self.slots = a.slots
        self.known = known_fields(a, ctx.conversation)
        self.question = open_question(a, ctx.conversation)
        self.first = not any(t.role is Role.operator for t in ctx.conversation.turns)
        self.informal = self.language == "zh" and informal(ctx.conversation)
        self.routine = ctx.routine or agreed_routine(ctx.conversation, self.slots.concerns, routine_lexicon)
        self.plan: RoutinePlan | None = None
        if self.stage is Stage.match_product:
            self.plan = ctx.plan or plan_routine(ctx.products, self.slots, self.routine)
        self.names = [n for p in ctx.products for n in p.names()]
        self.answer = self._answer()
        if self.answer is not None and self.answer.options == self.t.answers.texture:
            self.known = self.known | {"texture"}  # answered in this reply
        used = {f.text for f in self.answer.facts} if self.answer else set()
        sent = "\n".join(t.text for t in ctx.conversation.turns if t.role is Role.operator)
        self.facts = rank_facts(
            ctx.hits,
            self.language,
            words=[*self.slots.concern_words, *(self.t.concern_labels[c] for c in self.slots.concerns)],
            cues=answer_cues("advice", self.language),
            concerns=self.slots.concerns,
            on_topic=True,
            avoid=tuple(_lex_cues(reply_lexicon().fact_avoid, self.language)),
            exclude=used,
        )
        self.facts = [f for f in self.facts if f.text not in sent][:4]

    # -- helpers ----------------------------------------------------------------------
    @staticmethod
    def pick(options: list[str], k: int, style: str, offset: int = 0) -> str:
        return options[(k + STYLES.index(style) + offset) % len(options)]

    def embed(self, frame: str, fact: str) -> str:
        """A knowledge sentence inside a frame; in English, lower-cased when the frame leads into it."""
        lead = not frame.startswith("{fact}")
        first = fact.split(" ", 1)[0]
        if (
            self.language == "en"
            and lead
            and first[:1].isupper()
            and (first[1:] == "" or first[1:].islower())
            and first != "I"
        ):
            fact = fact[0].lower() + fact[1:]
        return render(frame, fact=fact)

    def _join(self, items: list[str]) -> str:
        if self.language == "en" and len(items) > 1:
            return ", ".join(items[:-1]) + " and " + items[-1]
        return self.t.list_separator.join(items)

    def concerns_text(self, concerns: list[str] | None = None) -> str:
        ids = self.slots.concerns if concerns is None else concerns
        words: list[str] = []
        if self.language == "zh" and concerns is None:
            words = [
                w
                for w in dict.fromkeys(self.slots.concern_words)
                if len(w) >= 2 and w not in self.t.remedy_words
            ]
        if len(words) < min(len(ids), 3):
            words = [self.t.concern_labels[c] for c in ids]
        return self._join(list(dict.fromkeys(words))[:3])

    def skin_text(self) -> str:
        return self._join([self.t.skin_labels[s] for s in self.slots.skin_types])

    def context_text(self) -> str:
        if not self.slots.constraints:
            return ""
        labels = self._join([self.t.constraint_labels[c] for c in self.slots.constraints])
        return f"（{labels}）" if self.language == "zh" else f" ({labels})"

    def step_label(self, step: str, concerns: list[str] | None = None) -> str:
        """The step's name; a serum is named by the first concern it serves (the customer's by default)."""
        if step == "serum":
            for concern in concerns or self.slots.concerns:
                if concern in self.t.serum_labels:
                    return self.t.serum_labels[concern]
        return self.t.step_labels.get(step, step)

    def steps_text(self, steps: list[str]) -> str:
        return self.t.step_separator.join(self.step_label(s) for s in steps)

    def approach_text(self, first_only: bool = False) -> str:
        pregnant = bool({"pregnant", "breastfeeding"} & set(self.slots.constraints))
        texts = []
        for concern in self.slots.concerns[: 1 if first_only else 2]:
            if pregnant and concern in self.t.approaches_pregnancy:
                texts.append(self.t.approaches_pregnancy[concern])
            elif concern in self.t.approaches:
                texts.append(self.t.approaches[concern])
        if not texts:
            return self.t.approach_default
        return ("；" if self.language == "zh" else "; ").join(dict.fromkeys(texts))

    # -- the answer (found once per draft) ------------------------------------------
    def _answer(self) -> Answer | None:
        q = self.question
        a = self.t.answers
        if q is None or self.ctx.analysis.intents.injection or Act.injection in self.ctx.analysis.acts:
            return None  # the decline is the answer
        # an FAQ entry about the question answers it (a point for each word shared with the entry's
        # question, half a point for its answer): any such entry for a store question, 2 points otherwise
        # (a price or "what to buy" is answered by the budget and the routine, never by an FAQ on refunds)
        # at an escalation only an entry squarely about the question: a sample that caused a rash is
        # not a question about samples
        minimum = 0.5 if q.kind == "logistics" and self.stage is not Stage.escalate else 2.0
        hit = (
            best_faq(q.text, self.ctx.faq, self.language, minimum)
            if q.kind not in ("price", "product")
            else None
        )
        text = faq_answer(hit.chunk.text, q.text, self.language) if hit is not None else ""
        if hit is not None and text:
            return Answer([render(o, answer=text) for o in a.logistics], q.kind, hit.chunk.id)
        if q.kind == "logistics":
            if self.stage is Stage.escalate:
                return None  # the hand-over to after-sales answers it
            return Answer(a.logistics_unknown, q.kind)
        if self.stage is Stage.escalate:
            return None  # care, stop use, hand over: the escalation parts answer it
        if q.kind == "price":
            if self.stage is Stage.match_product and self.plan and self.plan.matches:
                return None  # the total is shown with the products
            return Answer(a.price_early_budget if "budget" in self.known else a.price_early, q.kind)
        if q.kind == "product":
            if self.stage is Stage.match_product:
                return None  # the products are the answer
            if self.stage in (Stage.propose, Stage.confirm_expectation) and self.routine:
                steps = self.steps_text(self.routine)
                return Answer([render(o, steps=steps) for o in a.product_steps], q.kind)
            return Answer(a.product_early, q.kind)
        said = f"{q.text}\n{self.ctx.conversation.last_customer_text}"  # "I'm pregnant. is that serum ok?"
        if q.kind == "safety" and mentions(said, BREASTFEEDING):
            return self._with_citation(Answer(a.breastfeeding, q.kind), ("哺乳", "breastfeed"))
        if q.kind == "safety" and mentions(said, PREGNANCY):
            return self._with_citation(Answer(a.pregnancy, q.kind), ("孕", "pregnan"))
        if mentions(q.text, tuple(texture_cues(self.language))):
            return Answer(a.texture, "results")
        kind = q.kind if q.kind in ("time", "usage", "results", "safety") else "other"
        facts = answer_facts(
            self.ctx.hits,
            self.language,
            q.text,
            cues=answer_cues(kind, self.language),
            concerns=self.slots.concerns,
            duration=kind == "time",
            outcomes=answer_cues("results", self.language),  # a time question asks when results show
        )
        facts = [f for f in facts if f.score >= 2.5][:2]
        frames = a.frames[kind]  # type: ignore[index]
        if facts:
            options = [self.embed(frames[n % len(frames)], facts[n % len(facts)].text) for n in range(3)]
            return Answer(options, q.kind, facts[0].chunk, facts)
        if kind == "other":
            return None
        return Answer(a.fallback[kind], q.kind)  # type: ignore[index]

    def _with_citation(self, answer: Answer, words: tuple[str, ...]) -> Answer:
        for hit in self.ctx.hits:
            if any(w in hit.chunk.text for w in words):
                answer.citation = hit.chunk.id
                break
        return answer

    # -- parts ------------------------------------------------------------------------
    def plan_for(self, style: str, k: int) -> Plan:
        parts: list[Part] = []
        opener = self._opener(style, k)
        if opener:
            parts.append(opener)
        parts += self._declines(style, k)
        if self.answer:
            text = self.pick(self.answer.options, k, style)
            short = min(self.answer.options, key=len)
            parts.append(
                Part(
                    "answer",
                    text,
                    topic=self.answer.kind,
                    citation=self.answer.citation,
                    short=short if short != text else "",
                )
            )
        job = {
            Stage.ask: self._ask,
            Stage.uncover_need: self._uncover,
            Stage.propose: self._propose,
            Stage.confirm_expectation: self._expect,
            Stage.match_product: self._match,
            Stage.escalate: self._escalate,
        }[self.stage]
        parts += job(style, k)
        key = STAGE_KEY[self.stage]
        if self.stage is Stage.match_product and not (self.plan and self.plan.matches):
            return Plan(parts, [])
        pads = [
            Part("fact", self.pick(self.t.reasons[key], k, style, 1), optional=3),  # type: ignore[index]
            Part("empathy", self.pick(self.t.empathy[key], k, style, 1), optional=2),  # type: ignore[index]
        ]
        return Plan(parts, pads)

    def _opener(self, style: str, k: int) -> Part | None:
        if self.stage is Stage.escalate:
            return None
        if self.first:
            if self.ctx.analysis.intents.small_talk and self.stage is Stage.ask and not self.answer:
                return Part("opener", self.pick(self.t.small_talk, k, style))
            return Part("opener", self.pick(self.t.greetings, k, style))
        if self.answer:
            return None  # answer first
        return Part("opener", self.pick(self.t.acks, k, style))

    def _declines(self, style: str, k: int) -> list[Part]:
        intents = self.ctx.analysis.intents
        out = []
        if intents.injection:
            out.append(Part("decline", self.pick(self.t.declines["injection"], k, style)))
        if intents.discount and self.stage is not Stage.escalate:
            out.append(Part("decline", self.pick(self.t.declines["discount"], k, style)))
        return out

    def _extras(self, style: str, k: int, *, fact: bool = True) -> list[Part]:
        """The style's own part: empathy (warm) or one fact from the knowledge base (expert)."""
        key = STAGE_KEY[self.stage]
        if style == "warm":
            return [Part("empathy", self.pick(self.t.empathy[key], k, style), optional=2)]  # type: ignore[index]
        if style == "expert":
            if fact and self.facts and self.stage is not Stage.confirm_expectation:
                chosen = self.facts[k % len(self.facts)]
                frame = self.pick(self.t.fact_frames, k, style)
                return [Part("fact", self.embed(frame, chosen.text), optional=3, citation=chosen.chunk)]
            return [Part("fact", self.pick(self.t.reasons[key], k, style), optional=3)]  # type: ignore[index]
        return []

    def _question(self, topic: str, k: int, style: str, offset: int = 0) -> Part:
        asks = "order_number+photo" if topic.startswith("order_and_") else topic
        return Part("question", self.pick(self.t.questions[topic], k, style, offset), topic=asks)

    # -- the five steps and escalation ---------------------------------------------------
    def _ask(self, style: str, k: int) -> list[Part]:
        second = "skin_type" if "skin_type" not in self.known else "routine"
        topics = {"warm": ["concerns", second], "expert": [second, "concerns"], "brief": ["concerns"]}[style]
        if self.answer and self.answer.kind == "logistics":
            topics = ["concerns"]
        unknown = [t for t in topics if t not in self.known] or ["routine"]
        return [*self._extras(style, k, fact=False), *(self._question(t, k, style) for t in unknown)]

    def _uncover(self, style: str, k: int) -> list[Part]:
        with_skin = bool(self.slots.skin_types)
        restate = render(
            self.pick(self.t.restate["with_skin" if with_skin else "no_skin"], k, style),
            skin=self.skin_text(),
            concerns=self.concerns_text(),
            context=self.context_text(),
        )
        joiner = "，" if self.language == "zh" else ", "
        parts = [*self._extras(style, k)]
        parts.append(
            Part("question", restate + joiner + self.pick(self.t.confirm, k, style), topic="confirm")
        )
        # "my skin is dry and flaky" read as a concern (dryness): asking "oily or dry?" next re-asks it
        implied = set(self.slots.concerns) & set(SKIN_IN_CONCERN)
        if not with_skin and not implied:
            parts.append(self._question("skin_type", k, style, 1))
        return parts

    def _propose(self, style: str, k: int) -> list[Part]:
        frame = self.pick(self.t.approach_frames, k, style)
        need = self.concerns_text()
        approach = Part(
            "approach",
            render(frame, need=need, approach=self.approach_text()),
            short=render(frame, need=need, approach=self.approach_text(first_only=True)),
        )
        parts = [*self._extras(style, k), approach]
        if self.routine and not (self.answer and self.answer.kind == "product"):  # the answer named them
            steps = self.steps_text(self.routine)
            parts.append(Part("steps", render(self.pick(self.t.steps_frames, k, style), steps=steps)))
        if style == "warm":
            parts.append(Part("closing", self.pick(self.t.closings["propose"], k, style), optional=1))
        return parts

    def _expect(self, style: str, k: int) -> list[Part]:
        parts = [*self._extras(style, k)]
        agreed = self.slots.solution_accepted or Act.affirm in self.ctx.analysis.acts
        if not agreed:
            parts.append(self._question("agree", k, style))
        wanted = [t for t in ("budget", "constraints", "texture", "timeframe") if t not in self.known]
        room = 3 - (0 if agreed else 1)
        parts += [self._question(t, k, style, n) for n, t in enumerate(wanted[:room])]
        if not any(p.question for p in parts):
            parts.append(self._question("more", k, style))
        return parts

    def _match(self, style: str, k: int) -> list[Part]:
        plan = self.plan
        if plan is None or not plan.matches:
            return self._no_match(style, k)
        parts: list[Part] = []
        if style == "warm":
            parts += self._extras(style, k)
        parts.append(Part("intro", self.pick(self.t.match_intros, k, style)))
        mentioned: list[str] = []
        with_usage = style != "brief" or (self.question is not None and self.question.kind == "usage")
        for n, match in enumerate(plan.matches, start=1):
            parts.append(self._item(match, n, k, style, mentioned, with_usage))
        totals = self.t.totals
        key = "no_budget" if plan.budget is None else ("per_item" if plan.per_item else "within_budget")
        parts.append(Part("total", render(self.pick(totals[key], k, style), total=f"{plan.total:g}")))  # type: ignore[index]
        by_reason: dict[str, list[str]] = {}
        for left in plan.left_out:
            by_reason.setdefault(left.reason, []).append(left.step)
        for reason, steps in by_reason.items():
            labels = self._join([self.step_label(s) for s in steps])
            phrase = self.pick(self.t.left_out[reason], k, style)  # type: ignore[index]
            parts.append(
                Part("left_out", render(phrase, steps=labels), optional=0 if reason != "limit" else 2)
            )
        if style == "expert":
            parts.append(Part("fact", self.pick(self.t.reasons["match"], k, style), optional=3))
        if style == "warm":
            parts.append(Part("closing", self.pick(self.t.closings["match"], k, style), optional=1))
        return parts

    def _item(self, match: Match, index: int, k: int, style: str, mentioned: list[str], usage: bool) -> Part:
        p = match.product
        new = [c for c in match.concerns if c not in mentioned]
        mentioned.extend(new)
        concerns = self.concerns_text(new or match.concerns[:1]) if match.concerns else ""
        why_frame = self.pick(self.t.why, k + index, style)
        why = render(why_frame, step=self.step_label(p.category, match.concerns), concerns=concerns)
        name = p.name_en if self.language == "en" and p.name_en else p.name
        base = render(self.t.item, index=index, name=name, price=f"{p.price:g}", why=why)
        how = usage_phrase(p.usage) if self.language == "zh" and p.usage else ""
        how = how or self.t.category_usage.get(p.category, "")
        if not usage or not how:
            return Part("item", base, line=True)
        return Part("item", base + render(self.t.item_usage, usage=how), short=base, line=True)

    def _no_match(self, style: str, k: int) -> list[Part]:
        t = self.t.no_match
        serving = [p for p in self.ctx.products if set(p.concerns) & set(self.slots.concerns)]
        budget = self.slots.budget_max
        clashes = [
            c
            for c in self.slots.constraints
            if any(set(CONFLICTS.get(c, ())) & set(p.cautions) for p in serving)
        ]
        if budget is not None and serving and all(p.price > budget for p in serving):
            reason = t.reasons["budget"]
        elif clashes:
            reason = render(
                t.reasons["constraint"],
                constraints=self._join([self.t.constraint_labels[c] for c in clashes]),
            )
        else:
            reason = t.reasons["none"]
        path = render(self.pick(t.paths, k, style), approach=self.approach_text(first_only=True))
        return [
            Part("note", render(self.pick(t.lines, k, style), reason=reason)),
            Part("question", path, topic="path"),
        ]

    def _escalate(self, style: str, k: int) -> list[Part]:
        kind = (self.slots.escalation or "reaction").split(":", 1)[0]
        e = self.t.escalate
        care = {"complaint": e.care_complaint, "medical": e.care_medical}.get(kind, e.care_reaction)
        parts = [*self._extras(style, k)] if style == "warm" else []
        parts.append(Part("care", self.pick(care, k, style)))
        if style == "expert":
            reason = {"complaint": "complaint", "medical": "medical"}.get(kind, "escalate")
            parts.append(Part("fact", self.pick(self.t.reasons[reason], k, style), optional=3))  # type: ignore[index]
        parts.append(Part("handover", self.pick(e.handover, k, style)))
        order = "order_number" in self.known
        photo = "photo" in self.known
        number = self.slots.order_number or order_number(self.ctx.conversation)
        if order and number:
            parts.append(Part("note", render(self.pick(e.known_order, k, style), order=number)))
        if photo:
            parts.append(Part("note", self.pick(e.known_photo, k, style)))
        if kind == "medical":
            parts.append(self._question("situation", k, style))
        elif not order and not photo:
            both = "order_and_item_photo" if kind == "complaint" else "order_and_photo"
            parts.append(self._question(both, k, style))
        elif not order:
            parts.append(self._question("order_number", k, style))
        elif not photo and kind == "reaction":
            parts.append(self._question("photo", k, style))
        else:
            parts.append(self._question("condition", k, style))
        return parts
