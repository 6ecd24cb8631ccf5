"""The offline analyzer: reads the conversation turn by turn, offline and deterministic.

Facts (skin type, concerns, budget, constraints, expectations …) come from the lexicons; what a
turn *does* comes from the dialogue acts (`dialogue.py`: a classifier trained on the labelled
corpus, with the lexicons as high-precision rules). The script flags move only on positive
evidence: a customer's yes *to what the operator just did* (restated the need, proposed an
approach, asked about expectations). When unsure, nothing moves: one more question costs little,
an early pitch costs the customer's trust (SCRIPT.md).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from assistant.analysis.budget import bare_amount, parse_budget
from assistant.analysis.dialogue import STRONG, ActReader, TurnActs
from assistant.analysis.homophones import sound_alike
from assistant.analysis.language import detect_language
from assistant.lexicon import Lexicon, Match, contains, find, lexicons, spelled_out
from assistant.models import (
    KNOWN_FIELDS,
    Act,
    Conversation,
    Evidence,
    Intents,
    OperatorAct,
    Reading,
    Role,
    Slots,
)
from assistant.text import normalize
from assistant.transcript import looks_like_chat

_AGE = re.compile(r"(?:我|今年)?\s*(\d{2})\s*岁|\bi(?:'m| am)\s+(\d{2})\b|(\d{2})\s*(?:years old|yo)\b", re.I)
_TIMEFRAME = re.compile(r"([一二两三四五六七八九十\d]+)\s*(?:个)?\s*(?:周|星期|月|天|weeks?|months?|days?)")
_SENTENCE = re.compile(r"[^。！？!?\n]+")
_CONTRAST = re.compile(
    r"其实|不过|但是|但|可是|还好|倒|不算|也不|不太|一半|\b(?:actually|but|though|not really|except|half|partly)\b",
    re.I,
)
_CLAUSE = re.compile(r"[，,。.!！;；\n]|\s{1,}(?=[\u4e00-\u9fff])")
_QUESTION_FORMS = re.compile(r"是不是|会不会|有没有|能不能|是否|\bis it\b|\bare they\b", re.I)
_STATES = (Act.state_budget, Act.state_texture, Act.state_timeframe, Act.state_constraint)


class RuleAnalyzer:
    """Facts from customer turns, acts from both sides, flags from the customer's answers."""

    name = "rules"

    def __init__(self, usd_to_cny: float = 7.2, cache_dir: Path | None = None):
        self.usd_to_cny = usd_to_cny
        self.zh, self.en = lexicons()
        self.acts = ActReader(cache_dir, usd_to_cny)

    def analyze(
        self, conversation: Conversation, base: Slots | None = None, product_names: list[str] | None = None
    ) -> Reading:
        """`base`: what is already known (the operator's profile, the customer's saved slots).
        `product_names`: the catalog's names, so an operator turn that names products counts as a
        recommendation."""
        slots = base.model_copy(deep=True) if base else Slots()
        evidence: list[Evidence] = []
        pending: set[OperatorAct] = set()  # what the operator did since the customer last wrote
        topics: set[str] = set()  # what the operator's step-4 question asked about
        restated = Slots()  # the skin and concerns the operator's last restatement named
        last_was_operator = False
        last: TurnActs | None = None
        operator_asked = False
        in_use = 0  # customer turns left in which a reaction word alone is a report (see escalation)
        for index, turn in enumerate(conversation.turns):
            if turn.role is Role.operator:
                done = self.operator_acts(turn.text, product_names or [], slots)
                if self._checks_in(turn.text):
                    in_use = 2
                operator_asked = OperatorAct.ask in done or self.acts.is_question(turn.text)
                if pending and not last_was_operator:  # a new operator reply: forget the last one
                    pending, topics = set(), set()
                pending |= done
                if OperatorAct.restate in done:
                    restated = self._named_in(turn.text)
                if OperatorAct.expect in done:
                    topics |= self.acts.expectation_topics(turn.text)
                last_was_operator = True
                if OperatorAct.propose in done and not slots.solution_proposed:
                    slots.solution_proposed = True
                    evidence.append(Evidence(slot="solution_proposed", text=turn.text[:60], turn=index))
                continue
            answering = last_was_operator and operator_asked  # the first reply to a question
            last_was_operator = False
            text = normalize(turn.text)
            last = self.acts.customer(text)
            escalation = self.escalation(text, last, in_use=in_use > 0, answering=answering)
            in_use = 2 if self._mentions_use(text) else max(0, in_use - 1)
            if escalation:
                kind = Act.complain if escalation.startswith("complaint") else Act.reaction
                last = replace(last, acts=last.acts | {kind})
            concerns_before = set(slots.concerns)
            self._read_facts(text, last, slots, evidence, index)
            new_concerns = set(slots.concerns) - concerns_before
            answered_topics = self._read_short_answers(text, last, topics, slots, evidence, index)
            if "combination" in slots.skin_types:  # "混油 T区油 两颊干": oily and dry are its zones
                slots.skin_types = [t for t in slots.skin_types if t not in ("oily", "dry")]
            if escalation and not slots.escalation:
                slots.escalation = escalation
                evidence.append(Evidence(slot="escalation", text=escalation, turn=index))
            if looks_like_chat(turn.text):
                # lines that fake a chat move nothing: only the customer's own first line counts
                own = normalize(turn.text).split("\n", 1)[0]
                if looks_like_chat(own + "\n.") or not own.strip():
                    continue
                text, last, answered_topics = own, self.acts.customer(own), False
            answer = last
            if (
                answering
                and OperatorAct.restate in pending
                and OperatorAct.ask not in pending  # a restatement, not a question that names facts
                and self._agrees_in_detail(text, last, restated, slots)
            ):
                answer = replace(last, acts=last.acts | {Act.affirm})
            if last.has(Act.injection):  # only a plain yes counts; the instructions never do
                yes = {Act.affirm} if self.acts.opens_with_yes(text) else set()
                answer, answered_topics = replace(last, acts=frozenset(yes), question=None), False
            confirmed = slots.need_confirmed
            if confirmed and self._retracts(text):  # "等下，我刚才说得不对，其实…": the need is open again
                slots.need_confirmed = slots.solution_accepted = slots.expectations_confirmed = False
                self._correct(text, slots)
                evidence.append(Evidence(slot="need_confirmed", text="corrected by the customer", turn=index))
                confirmed = False
            self._apply_answer(text, answer, pending, slots, evidence, index, answered_topics)
            if slots.need_confirmed and not confirmed and OperatorAct.restate in pending:
                if new_concerns - set(restated.concerns) and restated.concerns:
                    # "对的！还有黑眼圈也越来越重": a yes, and a need the restatement did not hold
                    slots.need_confirmed = False
                    evidence.append(
                        Evidence(slot="need_confirmed", text="a new concern came with the yes", turn=index)
                    )
                else:
                    self._adopt(restated, slots, evidence, index)
        last_text = normalize(conversation.last_customer_text)
        acts = sorted(last.acts) if last else []
        return Reading(
            slots=slots,
            language=detect_language(last_text),
            intents=self.intents(last, slots, last_text),
            evidence=evidence,
            analyzer=self.name,
            acts=acts,
            question=last.question if last else None,
            answered=self.answered(slots, evidence),
        )

    # -- operator turns -------------------------------------------------------------------
    def operator_acts(
        self, text: str, product_names: list[str], known: Slots | None = None
    ) -> set[OperatorAct]:
        """What an operator's message did: the model and cue words, plus what only the
        conversation knows: products named → recommend; the customer's own facts restated →
        restate; an approach described once the need is confirmed → propose."""
        acts = set(self.acts.operator(text))
        lowered = normalize(text).lower()
        approach = self.acts.approach_terms(text)
        if any(len(name) >= 3 and name.lower() in lowered for name in product_names):
            acts.add(OperatorAct.recommend)
            if not (known is not None and known.need_confirmed and len(approach) >= 2):
                return acts - {OperatorAct.propose}
            # an approach with a product named in it ("建议用壬二酸调理…我们家小白管就是"): proposed, and pitched
        if known is not None:
            if len(approach) < 2 and self._names_known(text, known):
                acts.add(OperatorAct.restate)
            if (
                known.need_confirmed
                and len(approach) >= 2
                and not acts & {OperatorAct.restate, OperatorAct.ask}
            ):
                acts.add(OperatorAct.propose)
        return acts

    def _names_known(self, text: str, slots: Slots) -> bool:
        """Whether an operator's message restates what the customer said: two known facts, or the
        one known concern, named back (not offered as alternatives: "还是"/"or")."""
        t = normalize(text)
        if re.search(r"还是|或者|\bor\b", t):
            return False
        named = 0
        for lex in (self.zh, self.en):
            named += sum(1 for s in slots.skin_types if contains(t, lex.skin_types.get(s, []), lex))
            named += sum(1 for c in slots.concerns if contains(t, lex.concerns.get(c, []), lex))
        return named >= min(2, len(slots.skin_types) + len(slots.concerns)) > 0

    def _named_in(self, text: str) -> Slots:
        """The skin types and concerns an operator's restatement names (what a yes to it confirms)."""
        named = Slots()
        t = normalize(text)
        for lex in (self.zh, self.en):
            self._skin_and_concerns(t, lex, named, [], -1, False)
            named.constraints += [
                c
                for c, phrases in lex.constraints.items()
                if contains(t, phrases, lex) and c not in named.constraints
            ]
        return named

    def _retracts(self, text: str) -> bool:
        """The customer takes back what they said ("我刚才说得不对", "wait, I was wrong")."""
        return any(contains(text, lex.retractions, lex) for lex in (self.zh, self.en))

    def _agrees_in_detail(self, text: str, acts: TurnActs, restated: Slots, slots: Slots) -> bool:
        """An answer to a restatement that only repeats what it named, in more detail ("就是两颊
        干到起皮 嘴角也是"): a yes without the word. Never with a doubt, a no, a question, a contrast
        ("其实…", "but…") or a concern the restatement did not name."""
        if acts.has(Act.affirm, Act.deny, Act.hesitate, Act.injection) or acts.asks:
            return False
        if _CONTRAST.search(text):
            return False
        for lex in (self.zh, self.en):  # "我不敏感": a restated fact denied
            for group, named in ((lex.skin_types, restated.skin_types), (lex.concerns, restated.concerns)):
                if any(m.negated for key in named for m in find(text, group.get(key, []), lex)):
                    return False
        said = self._named_in(text)
        known_skin = set(restated.skin_types) | set(slots.skin_types)
        return (
            bool(said.concerns)
            and set(said.concerns) <= set(restated.concerns)
            and set(said.skin_types) <= known_skin
        )

    @staticmethod
    def _adopt(restated: Slots, slots: Slots, evidence: list[Evidence], index: int) -> None:
        """A yes to a restatement makes what it named the customer's own ("熬夜黑眼圈…对吗？" "👍"):
        added to what the customer said, never replacing it."""
        for skin in restated.skin_types if not slots.skin_types else []:  # the customer's own word wins
            if skin not in slots.skin_types:
                slots.skin_types = [*slots.skin_types, skin]
                evidence.append(
                    Evidence(slot="skin_type", text=f"{skin} (confirmed restatement)", turn=index)
                )
        for concern, word in zip(restated.concerns, restated.concern_words, strict=False):
            if concern not in slots.concerns:
                slots.concerns = [*slots.concerns, concern]
                slots.concern_words = [*slots.concern_words, word]
                evidence.append(Evidence(slot="concern", text=f"{word} (confirmed restatement)", turn=index))
        for constraint in restated.constraints:
            if constraint not in slots.constraints:
                slots.constraints = [*slots.constraints, constraint]
                slots.constraints_checked = True
                evidence.append(
                    Evidence(slot="constraint", text=f"{constraint} (confirmed restatement)", turn=index)
                )

    # -- customer turns: facts --------------------------------------------------------------
    def _read_facts(
        self, text: str, acts: TurnActs, slots: Slots, evidence: list[Evidence], index: int
    ) -> None:
        """Skin type, concerns, budget, constraints, expectations, routine, age, order number, photo."""
        before = len(slots.concerns)
        for lex in (self.zh, self.en):
            self._skin_and_concerns(text, lex, slots, evidence, index, acts.has(Act.deny))
        if len(slots.concerns) == before:  # "好多避口 油皮": the skin type read, the concern typed by sound
            self._sound_alike_concerns(text, slots, evidence, index)
        for lex in (self.zh, self.en):
            for constraint, phrases in lex.constraints.items():
                for m in find(text, phrases, lex):
                    slots.constraints_checked = True
                    if m.negated:
                        slots.constraints = [c for c in slots.constraints if c != constraint]
                    elif constraint not in slots.constraints:
                        slots.constraints = [*slots.constraints, constraint]
                        evidence.append(Evidence(slot="constraint", text=m.phrase, turn=index))
            for constraint in self._rejected(text, lex):
                slots.constraints_checked = True
                if constraint not in slots.constraints:
                    slots.constraints = [*slots.constraints, constraint]
                    evidence.append(Evidence(slot="constraint", text=constraint, turn=index))
            for allergen in re.findall(lex.allergy_pattern, text, flags=re.I):
                allergen = allergen.strip()
                if allergen and allergen not in slots.allergies:
                    slots.allergies = [*slots.allergies, allergen]
                    slots.constraints_checked = True
            for texture, phrases in lex.texture.items():
                hit = contains(text, phrases, lex)
                if hit:
                    slots.expectations = slots.expectations.model_copy(update={"texture": texture})
                    evidence.append(Evidence(slot="texture", text=hit[0], turn=index))
            if contains(text, lex.expectation_markers, lex) and not acts.asks:
                slots.expectations = slots.expectations.model_copy(update={"results": text.strip()[:80]})
            routine = contains(text, lex.routine_markers, lex)
            if routine:
                start = text.find(routine[0])
                sentence = _SENTENCE.match(text[start:])
                slots.routine = (sentence.group(0) if sentence else text[start:])[:80]
                evidence.append(Evidence(slot="routine", text=routine[0], turn=index))
            if contains(text, lex.per_item, lex) and (acts.has(Act.state_budget) or slots.budget_max):
                slots.budget_per_item = True
            if contains(text, lex.no_budget, lex):
                slots.budget_max = None
                evidence.append(
                    Evidence(slot="budget", text=contains(text, lex.no_budget, lex)[0], turn=index)
                )
        budget = parse_budget(text, self.usd_to_cny)
        if budget and not acts.has(Act.ask_price):
            slots.budget_max = budget[0]
            evidence.append(Evidence(slot="budget", text=budget[1], turn=index))
        timeframe = _TIMEFRAME.search(text)
        if timeframe and not acts.asks and (acts.has(*_STATES) or acts.has(Act.affirm)):
            slots.expectations = slots.expectations.model_copy(update={"timeframe": timeframe.group(0)})
            evidence.append(Evidence(slot="timeframe", text=timeframe.group(0), turn=index))
        age = _AGE.search(text)
        if age:
            value = next(int(g) for g in age.groups() if g)
            if 12 <= value <= 90:
                slots.age = value
                evidence.append(Evidence(slot="age", text=age.group(0), turn=index))
        if acts.order_number:
            slots.order_number = acts.order_number
            evidence.append(Evidence(slot="order_number", text=acts.order_number, turn=index))
        if acts.photo:
            slots.photo_sent = True
            evidence.append(Evidence(slot="photo", text="photo", turn=index))

    @staticmethod
    def _rejected(text: str, lex: Lexicon) -> list[str]:
        """Constraints said around their parts: what is avoided and a rejection in one clause
        ("酒精不行", "别给我带酒精的 我用了会红", "he hates anything that smells"); not in a question."""
        found = []
        for clause in _CLAUSE.split(text):
            if not clause.strip() or clause.rstrip().endswith(("?", "吗")):
                continue
            if not find(clause, lex.rejections, lex):
                continue
            found += [c for c, words in lex.constraint_concepts.items() if find(clause, words, lex)]
        return found

    def _read_short_answers(
        self, text: str, acts: TurnActs, topics: set[str], slots: Slots, evidence: list[Evidence], index: int
    ) -> bool:
        """Answers that only make sense as answers: "两百" after "预算多少？", "没有" after "在备孕吗？".
        True when the message answered one of the operator's expectation questions this way."""
        if not topics or acts.asks:
            return False
        answered = False
        if "budget" in topics and not acts.has(Act.state_budget):
            amount = bare_amount(text, self.usd_to_cny)
            if amount is not None:
                slots.budget_max = amount[0]
                evidence.append(Evidence(slot="budget", text=amount[1], turn=index))
                answered = True
        lexes = (self.zh, self.en)
        clauses = [c.strip() for c in re.split(r"[，,。.!！~～\s]+", text) if c.strip()]
        if "constraints" in topics and any(c.lower() in lex.none_answers for c in clauses for lex in lexes):
            slots.constraints_checked = True
            evidence.append(Evidence(slot="constraints", text="none", turn=index))
            answered = True
        if any(contains(text, lex.any_answers, lex) for lex in lexes) and not slots.expectations.texture:
            slots.expectations = slots.expectations.model_copy(update={"texture": "any"})
            evidence.append(Evidence(slot="texture", text="any", turn=index))
            answered = True
        return answered

    def _sound_alike_concerns(self, text: str, slots: Slots, evidence: list[Evidence], index: int) -> None:
        """Typed with the right sound and the wrong character (闭扣 for 闭口): a fallback."""
        for group, target in ((self.zh.skin_types, "skin_types"), (self.zh.concerns, "concerns")):
            for ident, phrases in group.items():
                heard = sound_alike(text, phrases)
                if heard and ident not in getattr(slots, target):
                    setattr(slots, target, [*getattr(slots, target), ident])
                    if target == "concerns":
                        slots.concern_words = [*slots.concern_words, heard[0][0]]
                    evidence.append(
                        Evidence(
                            slot="skin_type" if target == "skin_types" else "concern",
                            text=heard[0][1],
                            turn=index,
                        )
                    )

    @staticmethod
    def _skin_and_concerns(
        text: str, lex: Lexicon, slots: Slots, evidence: list[Evidence], index: int, correcting: bool
    ) -> None:
        for skin, phrases in lex.skin_types.items():
            for m in find(text, phrases, lex):
                if m.negated:
                    slots.skin_types = [s for s in slots.skin_types if s != skin]
                elif skin not in slots.skin_types:
                    slots.skin_types = [*slots.skin_types, skin]
                    evidence.append(Evidence(slot="skin_type", text=m.phrase, turn=index))
        every = {concern: find(text, phrases, lex) for concern, phrases in lex.concerns.items()}
        spans = [(m.start, m.start + len(m.phrase), c) for c, ms in every.items() for m in ms]
        for concern, matches in every.items():
            # "痘印" is marks, not acne; "acne marks" is marks: a phrase inside another concern's longer one
            matches = [
                m
                for m in matches
                if not any(
                    c != concern and s <= m.start and m.start + len(m.phrase) <= e and e - s > len(m.phrase)
                    for s, e, c in spans
                )
            ]
            said = [m for m in matches if not m.negated and not RuleAnalyzer._resolved(text, m, lex)]
            if said and concern not in slots.concerns:
                slots.concerns = [*slots.concerns, concern]
                slots.concern_words = [*slots.concern_words, said[0].phrase]
                evidence.append(Evidence(slot="concern", text=said[0].phrase, turn=index))
            elif matches and not said and correcting and concern in slots.concerns:  # "不是，其实不怎么出油"
                slots.concerns = [c for c in slots.concerns if c != concern]

    @staticmethod
    def _resolved(text: str, match: Match, lex: Lexicon) -> bool:
        """The concern is said to be over in its own clause ("my actual pimples are mostly gone")."""
        after = text[match.start + len(match.phrase) : match.start + len(match.phrase) + 30]
        clause = re.split(r"[，、。！？；,.!?;\n]", after, maxsplit=1)[0]
        return bool(contains(clause, lex.resolved_markers, lex))

    # -- customer turns: the answer to what the operator did ------------------------------------
    def _apply_answer(
        self,
        text: str,
        acts: TurnActs,
        operator: set[OperatorAct],
        slots: Slots,
        evidence: list[Evidence],
        index: int,
        short_answers: bool = False,
    ) -> None:
        """The script flags move on the customer's answer to the operator's last act."""
        accepted_before = slots.solution_accepted
        yes = acts.has(Act.affirm) and not acts.has(Act.deny, Act.hesitate)
        states = acts.has(*_STATES) or short_answers
        unsure = acts.has(Act.hesitate) or acts.asks  # a question at step 4 confirms nothing yet

        def mark(flag: str) -> None:
            if not getattr(slots, flag):
                setattr(slots, flag, True)
                evidence.append(Evidence(slot=flag, text=text[:40], turn=index))

        if OperatorAct.restate in operator:
            if yes:
                mark("need_confirmed")
            elif acts.has(Act.deny):
                slots.need_confirmed = False
                self._correct(text, slots)
        if OperatorAct.propose in operator and slots.solution_proposed:
            if yes and not unsure:
                mark("need_confirmed")
                mark("solution_accepted")
                if states:
                    mark("expectations_confirmed")
            elif acts.has(Act.ask_product) and not unsure and not acts.has(Act.deny):
                mark("need_confirmed")
                mark("solution_accepted")
        if OperatorAct.expect in operator and slots.solution_proposed and not unsure:
            if states or (yes and self._expectations_known(slots)):
                mark("need_confirmed")
                mark("solution_accepted")
                mark("expectations_confirmed")
            elif yes:
                mark("need_confirmed")
                mark("solution_accepted")
        if (
            acts.has(Act.ask_product)
            and (accepted_before or yes)  # "行，那买哪些？" accepts and asks; "直接推荐" alone only accepts
            and not unsure
            and not acts.has(Act.deny)
            and not (operator & {OperatorAct.restate})
        ):
            mark("expectations_confirmed")  # "行，那具体要买哪些呀？" after agreeing: go ahead

    @staticmethod
    def _expectations_known(slots: Slots) -> bool:
        e = slots.expectations
        return bool(slots.budget_max or e.texture or e.timeframe or slots.constraints_checked)

    def _correct(self, text: str, slots: Slots) -> None:
        """The customer corrected the restatement: what this message names replaces what was assumed."""
        skins, concerns, words = [], [], []
        for lex in (self.zh, self.en):
            skins += [s for s, phrases in lex.skin_types.items() if contains(text, phrases, lex)]
            for concern, phrases in lex.concerns.items():
                hit = contains(text, phrases, lex)
                if hit:
                    concerns.append(concern)
                    words.append(hit[0])
        if skins:
            slots.skin_types = list(dict.fromkeys(skins))
        if concerns:
            slots.concerns = list(dict.fromkeys(concerns))
            slots.concern_words = list(dict.fromkeys(words))

    # -- signals ----------------------------------------------------------------------------
    def escalation(
        self, text: str, acts: TurnActs | None = None, in_use: bool = False, answering: bool = False
    ) -> str | None:
        """Why this message must go to after-sales (reaction, complaint, medical), or None.

        A reaction is a reaction *after using a product*: the words alone ("红肿的痘痘", "fragrance
        makes me break out in hives") describe skin, they do not report one. So a reaction word
        counts with a usage context in the message, or when the act classifier reads the message
        as a reaction report; a complaint phrase inside a question ("是不是正品?") is a question.
        `in_use`: the conversation just said a product is in use (the customer's previous message,
        "用了你们那个洁面", or the operator's check-in), so a reaction word alone is a report.
        A reaction that is general ("有些东西用了会不舒服", "some products sting") is a sensitivity,
        not an incident. `answering`: a short answer to the operator's question ("the red kind") is
        never a complaint on the classifier's word alone."""
        text = spelled_out(normalize(text))
        asked = _QUESTION_FORMS.sub(" ", text)
        margins = acts.margins if acts else {}
        reported = margins.get(Act.reaction, -1.0) > 0
        for lex in (self.zh, self.en):
            esc = lex.escalation
            complaint = contains(asked, esc.complaint, lex)
            if complaint:
                return f"complaint: {complaint[0]}"
            for pattern in esc.complaint_patterns:
                found = re.search(pattern, asked, re.I)
                if found:
                    return f"complaint: {found.group(0)}"
            medical = [m for m in find(text, esc.medical, lex) if not m.negated]
            medical = [m for m in medical if not self._tendency_before(text, m.start, lex)]
            if medical:
                return f"medical: {medical[0].phrase}"
            if contains(text, esc.generic_use, lex):
                continue  # "有些东西用了会不舒服": how the skin is, not what happened
            used = find(text, esc.usage_context, lex)
            for m in find(text, esc.reaction_strong, lex):
                if m.negated or self._tendency_before(text, m.start, lex):
                    continue
                if used or reported or in_use:
                    return f"reaction: {m.phrase}"
            for sentence in _SENTENCE.findall(text):
                context = find(sentence, esc.usage_context, lex)
                since = bool(find(sentence, esc.since_use, lex))  # "itchy bumps since I started using it"
                if not context and not in_use and not since:
                    continue
                after = sentence[context[0].start :] if context and not since else sentence
                weak = [m for m in find(after, esc.reaction_weak, lex) if not m.negated]
                if weak and not re.search(r"还是|总是|still|always", after[: weak[0].start], re.I):
                    return f"reaction: {weak[0].phrase} ({context[0].phrase if context else 'in use'})"
        short_answer = answering and len(text) <= 15
        if (
            acts is not None
            and margins.get(Act.complain, -1.0) >= STRONG
            and not acts.question
            and not short_answer
        ):
            return "complaint: (read from the message)"
        return None

    def _checks_in(self, text: str) -> bool:
        """An operator message asking how a product in use is going."""
        t = normalize(text)
        return any(contains(t, lex.escalation.checkin, lex) for lex in (self.zh, self.en))

    def _mentions_use(self, text: str) -> bool:
        """A customer message saying a product is in use ("用了你们那个洁面", "I started the cream")."""
        return any(
            find(text, lex.escalation.usage_context, lex)
            and not contains(text, lex.escalation.generic_use, lex)
            for lex in (self.zh, self.en)
        )

    @staticmethod
    def _tendency_before(text: str, start: int, lex: Lexicon) -> bool:
        before = text[max(0, start - (12 if lex.language == "zh" else 30)) : start].lower()
        return any(marker in before for marker in lex.tendency_markers)

    def intents(self, acts: TurnActs | None, slots: Slots, text: str) -> Intents:
        if acts is None:
            return Intents()
        has_facts = acts.has(Act.report_concern)
        return Intents(
            small_talk=acts.has(Act.small_talk) and not has_facts and len(text) <= 30,
            logistics=acts.has(Act.ask_logistics),
            wants_product=acts.has(Act.ask_product),
            injection=acts.has(Act.injection),
            discount=acts.has(Act.discount),
        )

    @staticmethod
    def answered(slots: Slots, evidence: list[Evidence]) -> list[str]:
        """What the customer has given (never asked again): from the slots and the evidence."""
        given = {e.slot for e in evidence}
        known = {
            "skin_type": bool(slots.skin_types),
            "concerns": bool(slots.concerns),
            "budget": slots.budget_max is not None or "budget" in given,
            "constraints": slots.constraints_checked or bool(slots.constraints),
            "texture": bool(slots.expectations.texture),
            "timeframe": bool(slots.expectations.timeframe),
            "routine": bool(slots.routine),
            "age": slots.age is not None,
            "order_number": bool(slots.order_number),
            "photo": slots.photo_sent,
        }
        return [f for f in KNOWN_FIELDS if known[f]]
