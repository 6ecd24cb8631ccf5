"""What one turn does: dialogue acts from the learned classifier (`acts.py`), with the lexicons as
high-precision rules on top (a clear "对对对" is a yes whatever the model says; "对了" never is).

Customer turns get `Act`s and, when they ask something, the open `Question`; operator turns get
`OperatorAct`s. Everything is read on normalised text (`assistant.text.normalize`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from assistant.analysis.acts import ActModel, customer_model, operator_model
from assistant.analysis.budget import parse_budget
from assistant.analysis.homophones import sound_alike
from assistant.lexicon import contains, find, lexicons, spelled_out, starts_with_any
from assistant.models import Act, OperatorAct, Question
from assistant.text import collapse_repeats, normalize

# a question kind for each question act, in the order the reply answers them
QUESTION_KINDS = {
    Act.ask_safety: "safety",
    Act.ask_time: "time",
    Act.ask_price: "price",
    Act.ask_results: "results",
    Act.ask_usage: "usage",
    Act.ask_logistics: "logistics",
    Act.ask_product: "product",
}
_KIND_ACT = {kind: act for act, kind in QUESTION_KINDS.items()}
# where an aside ends and the answer may start: a sentence end or a WeChat emoji code ("[捂脸]")
_AFTER_ASIDE = re.compile(r"[。！？!?\n]+|\]\s*")
# question words used as indefinites or intensifiers, not to ask
_INDEFINITE = re.compile(
    r"没有?(?:什么|啥|多少)|(?:什么|啥|怎么|哪儿?|谁)(?:都|也)|不怎么|多多少少|多少有点|[这那多要]么|不管(?:什么|怎么)"
)
_ZH_QUESTION_END = re.compile(r"(?:[?？]|[吗呢么嘛]|[吗呢么嘛][~～.。!！呀啊哈]*)\s*[\W_]*$")
_SENTENCES = re.compile(r"(?:[^。！？!?\n.]|\.(?!\s|$))+(?:[。！？!?]|\.(?=\s|$))?")
_ORDER_NUMBER = re.compile(r"(?<![A-Za-z0-9])(?=[A-Za-z0-9-]*\d)[A-Za-z0-9-]{8,30}(?![A-Za-z0-9])")
_LONG_DIGITS = re.compile(r"(?<!\d)\d{10,24}(?!\d)")
# "不是两颊，是额头" / "not my cheeks, it's my forehead": a correction wherever it stands
_CORRECTION = re.compile(
    r"不是[^，,。.!?！？]{1,12}[，, ]*(?:而)?是|\bnot (?:my |the )?\w+(?: \w+)?,? (?:it'?s|more|but)\b", re.I
)
# classifier margins above which an act counts without a rule agreeing (see bench/acts.py)
STRONG = 1.0


@dataclass(frozen=True)
class TurnActs:
    acts: frozenset[Act]
    question: Question | None = None
    margins: dict[str, float] = field(default_factory=dict, compare=False)
    order_number: str | None = None
    photo: bool = False

    def has(self, *acts: Act) -> bool:
        return any(a in self.acts for a in acts)

    @property
    def asks(self) -> bool:
        """An open question about the approach or the products (results, time, price, safety,
        usage, or one we cannot place): at step 4 it confirms nothing yet. "What should I buy",
        logistics and discount questions move nothing back: they are answered on the side."""
        if self.question is None:
            return False
        if self.question.kind == "other":
            return not self.has(Act.discount, Act.injection, Act.small_talk, Act.ask_logistics)
        return self.question.kind not in ("logistics", "product")


class ActReader:
    """Reads acts from single turns; the trained models load on first use (cached in `cache_dir`).
    A customer's thread is read again at every draft, so each turn's reading is memoised."""

    def __init__(self, cache_dir: Path | None = None, usd_to_cny: float = 7.2):
        self.cache_dir = cache_dir
        self.usd_to_cny = usd_to_cny
        self.zh, self.en = lexicons()
        self._customer: ActModel | None = None
        self._operator: ActModel | None = None
        self.customer = lru_cache(maxsize=4096)(self._read_customer)  # type: ignore[method-assign]
        self.operator = lru_cache(maxsize=4096)(self._read_operator)  # type: ignore[method-assign]

    def _customer_model(self) -> ActModel:
        if self._customer is None:
            self._customer = customer_model(self.cache_dir)
        return self._customer

    def _operator_model(self) -> ActModel:
        if self._operator is None:
            self._operator = operator_model(self.cache_dir)
        return self._operator

    # -- customer turns --------------------------------------------------------------------
    def opens_with_yes(self, text: str) -> bool:
        t = normalize(text)
        if any(
            t.lower().startswith(f.lower()) for lex in (self.zh, self.en) for f in lex.affirm_false_starts
        ):
            return False
        if any(starts_with_any(t, lex.affirm, lex) for lex in (self.zh, self.en)):
            return True
        # a short yes typed with the wrong character ("对得" for "对的")
        head = t[:4]
        return len(t) <= 8 and any(head.startswith(span) for _, span in sound_alike(head, self.zh.affirm))

    def opens_with_no(self, text: str) -> bool:
        t = normalize(text)
        return any(starts_with_any(t, lex.deny, lex) for lex in (self.zh, self.en))

    def is_question(self, text: str) -> bool:
        t = collapse_repeats(normalize(text))  # "没有没有" is not "有没有"
        t = _INDEFINITE.sub(" ", t)  # "没有什么过敏的", "涂什么都不管用", "这么干" ask nothing
        if t.rstrip().endswith("?") or _ZH_QUESTION_END.search(t):
            return True
        if any(w in t for w in self.zh.question_words if len(w) >= 2):
            return True
        lowered = t.lower()
        return any(re.match(rf"(?:^|.*[,.;!]\s*){re.escape(w)}\b", lowered) for w in self.en.question_words)

    def question_kinds(self, text: str) -> list[str]:
        """The kinds of question the cue words name, in answering order."""
        t = normalize(text)
        kinds = []
        for kind in ("safety", "time", "price", "results", "usage", "logistics", "product"):
            if any(contains(t, getattr(lex.question_cues, kind), lex) for lex in (self.zh, self.en)):
                kinds.append(kind)
        return kinds

    def _read_customer(self, text: str) -> TurnActs:
        t = spelled_out(normalize(text))
        margins = self._customer_model().margins(t)
        acts = {Act(a) for a, m in margins.items() if m > 0}
        lexes = (self.zh, self.en)
        yes, no = self.opens_with_yes(t), self.opens_with_no(t)
        if not yes and not no and not _CORRECTION.search(t):  # "不好意思昨天睡着了[捂脸] 对的，你说的没错"
            later = [s for s in _AFTER_ASIDE.split(t)[1:] if s.strip()]
            yes = any(self.opens_with_yes(s) for s in later) and not any(self.opens_with_no(s) for s in later)
        asking = self.is_question(t)
        if yes:
            acts.add(Act.affirm)
        elif Act.affirm in acts and (asking or no) and margins[Act.affirm] < STRONG:
            acts.discard(Act.affirm)  # a question or a no that only sounds agreeable
        if any(t.lower().startswith(f.lower()) for lex in lexes for f in lex.affirm_false_starts):
            acts.discard(Act.affirm)
        if no or _CORRECTION.search(t):
            acts.add(Act.deny)
            if not yes or _CORRECTION.search(t):
                acts.discard(Act.affirm)
        if any(contains(t, lex.hesitate, lex) for lex in lexes):
            acts.add(Act.hesitate)
        elif yes and margins.get(Act.hesitate, 0.0) < STRONG:
            acts.discard(Act.hesitate)  # "对 但我懒 步骤别太多": a yes with a wish, not a doubt
        # what is asked is read from the question itself, not from the statements around it
        # ("没有备孕。能打八折吗?" asks about a discount, not about pregnancy)
        acts -= {a for a in QUESTION_KINDS if a is not Act.ask_product}
        asked = self.question_text(t) if asking else ""
        if asked:
            asked_margins = self._customer_model().margins(asked)
            acts.update(a for a in QUESTION_KINDS if asked_margins[a] > 0)
            acts.update(_KIND_ACT[k] for k in self.question_kinds(asked))
            margins = {**margins, **{a: asked_margins[a] for a in QUESTION_KINDS}}
        if parse_budget(t, self.usd_to_cny) or any(contains(t, lex.no_budget, lex) for lex in lexes):
            acts.add(Act.state_budget)
        if any(contains(t, p, lex) for lex in lexes for p in lex.texture.values()):
            acts.add(Act.state_texture)
        if any(find(t, p, lex) for lex in lexes for p in lex.constraints.values()):
            acts.add(Act.state_constraint)
        if any(
            contains(t, p, lex)
            for lex in lexes
            for group in (lex.skin_types, lex.concerns)
            for p in group.values()
        ):
            acts.add(Act.report_concern)
        for name, act in (
            ("injection", Act.injection),
            ("discount", Act.discount),
            ("small_talk", Act.small_talk),
            ("wants_product", Act.ask_product),
        ):
            if any(contains(t, getattr(lex.intents, name), lex) for lex in lexes):
                acts.add(act)
        order = self._order_number(t)
        photo = any(p.lower() in t.lower() for lex in lexes for p in lex.photo)
        if order or photo:
            acts.add(Act.provide_info)
        question = self._question(t, acts, margins) if (asking or Act.ask_product in acts) else None
        return TurnActs(frozenset(acts), question, margins, order, photo)

    def _order_number(self, text: str) -> str | None:
        for lex in (self.zh, self.en):
            for cue in lex.order_cues:
                at = text.lower().find(cue.lower())
                if at >= 0:
                    found = _ORDER_NUMBER.search(text[at + len(cue) : at + len(cue) + 40])
                    if found:
                        return found.group(0)
        found = _LONG_DIGITS.search(text)
        return found.group(0) if found else None

    def question_text(self, text: str) -> str:
        """The sentences of a message that ask something (all of it when none stands out)."""
        sentences = [s.strip() for s in _SENTENCES.findall(text) if s.strip()]
        asking = [s for s in sentences if self.is_question(s)]
        return " ".join(asking) if asking else text

    def _question(self, text: str, acts: set[Act], margins: dict[str, float]) -> Question:
        asked = [a for a in QUESTION_KINDS if a in acts]
        # the question the model is surest of among those the cues or the model found
        best = max(asked, key=lambda a: margins.get(a, 0.0), default=None)
        quote = self.question_text(text)[:120]
        return Question(kind=QUESTION_KINDS[best] if best else "other", text=quote)  # type: ignore[arg-type]

    # -- operator turns --------------------------------------------------------------------
    def approach_terms(self, text: str) -> set[str]:
        """The approach vocabulary an operator message uses (routine steps, ingredient families, habits)."""
        t = normalize(text)
        return {term for lex in (self.zh, self.en) for term in contains(t, lex.approach_terms, lex)}

    def statement(self, text: str) -> str:
        """An operator message without its questions ("…。这样可以吗？预算多少？" → "…。")."""
        sentences = [s for s in _SENTENCES.findall(normalize(text)) if s.strip()]
        return "".join(s for s in sentences if not self.is_question(s))

    def expectation_topics(self, text: str) -> set[str]:
        """What an operator's step-4 question asks about: budget, texture, constraints, timeframe."""
        t = normalize(text)
        return {
            topic
            for lex in (self.zh, self.en)
            for topic, words in lex.expectation_topics.items()
            if contains(t, words, lex)
        }

    def _read_operator(self, text: str) -> frozenset[OperatorAct]:
        """What an operator's message did, from the model and the cue words (product names and the
        customer's known facts are the caller's business)."""
        t = normalize(text)
        margins = self._operator_model().margins(t)
        acts = {OperatorAct(a) for a, m in margins.items() if m > 0}
        asks = "?" in t
        statement = self.statement(t)
        for lex in (self.zh, self.en):
            cues = lex.operator_acts
            if asks and contains(t, cues.expect, lex):
                acts.add(OperatorAct.expect)
            if contains(statement, cues.propose, lex):
                acts.add(OperatorAct.propose)
            if any(cue.lower() in t.lower() for cue in cues.restate):
                acts.add(OperatorAct.restate)
        if OperatorAct.propose in acts and not (
            self.approach_terms(statement)
            or any(contains(statement, lex.operator_acts.propose, lex) for lex in (self.zh, self.en))
        ):
            acts.discard(OperatorAct.propose)  # questions alone propose nothing
        if (
            OperatorAct.restate in acts
            and OperatorAct.propose in acts
            and OperatorAct.expect not in acts
            and margins[OperatorAct.propose] < STRONG
        ):
            acts.discard(OperatorAct.propose)  # "建议您…对吧？" restates a need more than it proposes
        return frozenset(acts)
