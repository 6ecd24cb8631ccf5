"""The rule analyzer: slots from the whole conversation with the lexicons, offline and deterministic."""

from __future__ import annotations

import re

from assistant.analysis.budget import parse_budget
from assistant.analysis.language import detect_language
from assistant.lexicon import Lexicon, contains, find, lexicons, starts_with_any
from assistant.models import Analysis, Conversation, Evidence, Intents, Role, Slots
from assistant.stage import derive_stage

_AGE = re.compile(r"(?:我|今年)?\s*(\d{2})\s*岁|\bi(?:'m| am)\s+(\d{2})\b|(\d{2})\s*(?:years old|yo)\b", re.I)
_TIMEFRAME = re.compile(r"([一二两三四五六七八九十\d]+)\s*(?:个)?\s*(?:周|星期|月|天|weeks?|months?|days?)")
_SENTENCE = re.compile(r"[^。！？!?\n]+")
_CLAUSE = re.compile(r"[，。！？,!?；;\n]")


class RuleAnalyzer:
    """Reads the conversation turn by turn: facts from customer turns, acts from operator turns."""

    name = "rules"

    def __init__(self, usd_to_cny: float = 7.2):
        self.usd_to_cny = usd_to_cny
        self.zh, self.en = lexicons()

    def analyze(self, conversation: Conversation, base: Slots | None = None) -> Analysis:
        slots = base.model_copy(deep=True) if base else Slots()
        evidence: list[Evidence] = []
        acts: set[str] = set()
        for index, turn in enumerate(conversation.turns):
            if turn.role is Role.operator:
                acts = self.operator_acts(turn.text, slots)
                if "propose" in acts:
                    slots.solution_proposed = True
                    evidence.append(Evidence(slot="solution_proposed", text=turn.text[:60], turn=index))
                continue
            answered = self._read_customer(turn.text, slots, evidence, index)
            self._apply_reply(turn.text, acts, answered, slots, evidence, index)
            acts = set()
        last = conversation.last_customer_text
        stage, reason = derive_stage(slots)
        return Analysis(
            slots=slots,
            stage=stage,
            language=detect_language(last),
            intents=self.intents(last, slots),
            evidence=evidence,
            reason=reason,
            analyzer=self.name,
        )

    # -- operator turns -------------------------------------------------------------
    def _names_known(self, text: str, slots: Slots) -> bool:
        """Whether an operator's question repeats what we know (two things, or the one we know)."""
        named = 0
        for lex in (self.zh, self.en):
            named += sum(1 for s in slots.skin_types if contains(text, lex.skin_types.get(s, []), lex))
            named += sum(1 for c in slots.concerns if contains(text, lex.concerns.get(c, []), lex))
        return named >= min(2, len(slots.skin_types) + len(slots.concerns)) > 0

    def operator_acts(self, text: str, slots: Slots | None = None) -> set[str]:
        """What an operator's message did: restate (asks to confirm the need), propose, expect."""
        acts: set[str] = set()
        asks = "？" in text or "?" in text
        for lex in (self.zh, self.en):
            ops = lex.operator_acts
            if asks and contains(text, ops.expect, lex):
                acts.add("expect")
            if contains(text, ops.propose, lex):
                acts.add("propose")
            if any(cue.lower() in text.lower() for cue in ops.restate):
                acts.add("restate")
        if (
            not acts
            and asks
            and slots
            and not re.search(r"还是|或者|\bor\b", text)
            and self._names_known(text, slots)
        ):
            acts.add("restate")
        if "restate" in acts and "propose" in acts and "expect" not in acts:
            acts.discard("propose")  # "建议您…对吧？" restates a need more than it proposes
        return acts

    # -- customer turns -------------------------------------------------------------
    def _read_customer(self, text: str, slots: Slots, evidence: list[Evidence], index: int) -> bool:
        """Update slots from one customer message; True when it answered an expectation question."""
        answered = False
        for lex in (self.zh, self.en):
            for skin, phrases in lex.skin_types.items():
                for m in find(text, phrases, lex):
                    if m.negated:
                        if skin in slots.skin_types:
                            slots.skin_types = [s for s in slots.skin_types if s != skin]
                        continue
                    if skin not in slots.skin_types:
                        slots.skin_types = [*slots.skin_types, skin]
                        evidence.append(Evidence(slot="skin_type", text=m.phrase, turn=index))
            for concern, phrases in lex.concerns.items():
                hits = contains(text, phrases, lex)
                if hits and concern not in slots.concerns:
                    slots.concerns = [*slots.concerns, concern]
                    slots.concern_words = [*slots.concern_words, hits[0]]
                    evidence.append(Evidence(slot="concern", text=hits[0], turn=index))
            for constraint, phrases in lex.constraints.items():
                for m in find(text, phrases, lex):
                    answered = True
                    slots.constraints_checked = True
                    if m.negated:
                        slots.constraints = [c for c in slots.constraints if c != constraint]
                    elif constraint not in slots.constraints:
                        slots.constraints = [*slots.constraints, constraint]
                        evidence.append(Evidence(slot="constraint", text=m.phrase, turn=index))
            for allergen in re.findall(lex.allergy_pattern, text, flags=re.I):
                allergen = allergen.strip()
                if allergen and allergen not in slots.allergies:
                    slots.allergies = [*slots.allergies, allergen]
            for texture, phrases in lex.texture.items():
                if contains(text, phrases, lex):
                    slots.expectations = slots.expectations.model_copy(update={"texture": texture})
                    answered = True
            if contains(text, lex.expectation_markers, lex):
                slots.expectations = slots.expectations.model_copy(update={"results": text.strip()[:80]})
                answered = True
            routine = contains(text, lex.routine_markers, lex)
            if routine:
                start = text.find(routine[0])
                slots.routine = _SENTENCE.match(text[start:]).group(0)[:80]  # type: ignore[union-attr]
        budget = parse_budget(text, self.usd_to_cny)
        if budget:
            slots.budget_max = budget[0]
            evidence.append(Evidence(slot="budget", text=budget[1], turn=index))
            answered = True
        if "不限" in text or "不差钱" in text or re.search(r"\bno budget\b", text, re.I):
            slots.budget_max = None
            answered = True
        timeframe = _TIMEFRAME.search(text)
        if timeframe and answered:
            slots.expectations = slots.expectations.model_copy(update={"timeframe": timeframe.group(0)})
        age = _AGE.search(text)
        if age:
            value = next(int(g) for g in age.groups() if g)
            if 12 <= value <= 90:
                slots.age = value
        escalation = self.escalation(text)
        if escalation:
            slots.escalation = escalation
            evidence.append(Evidence(slot="escalation", text=escalation, turn=index))
        return answered

    def _apply_reply(
        self, text: str, acts: set[str], answered: bool, slots: Slots, evidence: list[Evidence], index: int
    ) -> None:
        """A customer's answer to the operator's previous act sets the script flags."""
        yes = any(starts_with_any(text, lex.affirm, lex) for lex in (self.zh, self.en))
        opening = _CLAUSE.split(text.strip(), maxsplit=1)[0]
        no = any(starts_with_any(text, lex.deny, lex) for lex in (self.zh, self.en)) or any(
            phrase in opening for phrase in self.zh.deny if len(phrase) >= 2
        )
        if no and answered and not any(phrase in opening for phrase in self.zh.deny):
            no = False  # "No more than $25" answers the budget question, it does not deny
        if no:
            yes = False
        if "restate" in acts and yes:
            slots.need_confirmed = True
            evidence.append(Evidence(slot="need_confirmed", text=text[:40], turn=index))
        if "restate" in acts and no:
            slots.need_confirmed = False
            self._correct(text, slots)
        if "propose" in acts and yes:
            slots.need_confirmed = True
            slots.solution_accepted = True
            evidence.append(Evidence(slot="solution_accepted", text=text[:40], turn=index))
        if "expect" in acts and (yes or answered) and slots.solution_proposed:
            slots.solution_accepted = True
            slots.need_confirmed = True
            slots.expectations_confirmed = True
            evidence.append(Evidence(slot="expectations_confirmed", text=text[:40], turn=index))
        elif "propose" in acts and yes and answered:
            slots.expectations_confirmed = True
            evidence.append(Evidence(slot="expectations_confirmed", text=text[:40], turn=index))

    def _correct(self, text: str, slots: Slots) -> None:
        """The customer corrected the restatement: what this message says replaces what was assumed."""
        skins, words = [], []
        for lex in (self.zh, self.en):
            skins += [s for s, phrases in lex.skin_types.items() if contains(text, phrases, lex)]
            words += [hit for phrases in lex.concerns.values() for hit in contains(text, phrases, lex)[:1]]
        if skins:
            slots.skin_types = list(dict.fromkeys(skins))
        if words:
            slots.concern_words = list(dict.fromkeys(words))

    # -- signals --------------------------------------------------------------------
    def escalation(self, text: str) -> str | None:
        """Why this message must go to after-sales (reaction, complaint, medical), or None."""
        for lex in (self.zh, self.en):
            esc = lex.escalation
            complaint = contains(text, esc.complaint, lex)
            if complaint:
                return f"complaint: {complaint[0]}"
            medical = contains(text, esc.medical, lex)
            if medical:
                return f"medical: {medical[0]}"
            for m in find(text, esc.reaction_strong, lex):
                if m.negated or self._tendency_before(text, m.start, lex):
                    continue
                return f"reaction: {m.phrase}"
            for sentence in _SENTENCE.findall(text):
                context = find(sentence, esc.usage_context, lex)
                if not context:
                    continue
                after = sentence[context[0].start :]
                weak = [m for m in find(after, esc.reaction_weak, lex) if not m.negated]
                if weak and not re.search(r"还是|一直|总是|still|always", after[: weak[0].start], re.I):
                    return f"reaction: {weak[0].phrase} ({context[0].phrase})"
        return None

    @staticmethod
    def _tendency_before(text: str, start: int, lex: Lexicon) -> bool:
        before = text[max(0, start - 12) : start].lower()
        return any(marker in before for marker in lex.tendency_markers)

    def intents(self, text: str, slots: Slots) -> Intents:
        found = {name: False for name in Intents.model_fields}
        has_facts = False
        for lex in (self.zh, self.en):
            for name in found:
                if contains(text, getattr(lex.intents, name), lex):
                    found[name] = True
            has_facts = has_facts or any(contains(text, p, lex) for p in lex.concerns.values())
        found["small_talk"] = found["small_talk"] and not has_facts and len(text) <= 30
        return Intents(**found)
