"""What retrieval searches for: the customer's recent words plus what the analysis knows.

`build_query(conversation, slots)` makes the query of a draft: the last customer message, the
customer turns just before it when the last one leans on them ("那怎么办", "对的"), and the concerns
and skin types of the slots. `understand(query)` finds the concerns and skin types a text implies
(concern names from lexicons/{zh,en}.yaml, symptom words from lexicons/symptoms.yaml) and the
vocabulary to add for keyword search, so 熊猫眼 also finds 黑眼圈 and `dark circles`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from assistant.glossary import related_terms
from assistant.lexicon import contains, find, lexicons
from assistant.models import VOCAB_ZH, Conversation, Role, Slots
from assistant.symptoms import symptom_concerns

RECENT_CUSTOMER_TURNS = 3  # the last message and up to two before it
SHORT_MESSAGE = 12  # characters: a message this short leans on the turns before it
MAX_QUERY_CHARS = 300


@dataclass(frozen=True)
class SearchQuery:
    text: str
    concerns: tuple[str, ...] = ()  # known concern ids (slots)
    skin_types: tuple[str, ...] = ()  # known skin type ids (slots)


@dataclass
class Understood:
    """A query read through the lexicons: the tags it carries and the words it implies."""

    text: str
    concerns: list[str] = field(default_factory=list)
    skin_types: list[str] = field(default_factory=list)
    symptoms: dict[str, list[str]] = field(default_factory=dict)  # concern → the symptom words said
    extra_terms: list[str] = field(default_factory=list)
    logistics: list[str] = field(default_factory=list)  # shipping, returns, authenticity … words said

    @property
    def expanded(self) -> str:
        return f"{self.text} {' '.join(self.extra_terms)}" if self.extra_terms else self.text


def _vocabulary(group: str, ident: str) -> list[str]:
    zh, en = lexicons()
    return [ident, VOCAB_ZH.get(ident, ""), *getattr(zh, group)[ident][:3], *getattr(en, group)[ident][:2]]


def understand(query: str | SearchQuery) -> Understood:
    if isinstance(query, str):
        query = SearchQuery(query)
    text = query.text
    concerns = list(query.concerns)
    skin_types = list(query.skin_types)
    for lex in lexicons():
        for ident, phrases in lex.skin_types.items():
            if ident not in skin_types and contains(text, phrases, lex):
                skin_types.append(ident)
        for ident, phrases in lex.concerns.items():
            if ident not in concerns and contains(text, phrases, lex):
                concerns.append(ident)
    related = related_terms(text)  # the glossary: retinol → A醇, 浴室 → 保存
    said = f"{text} {' '.join(related)}"
    logistics = [  # negated or not: "是不是正品" asks about authenticity all the same
        match.phrase
        for lex in lexicons()
        for match in find(said, [*lex.intents.logistics, *lex.question_cues.logistics], lex)
    ]
    symptoms = symptom_concerns(text)
    concerns.extend(c for c in symptoms if c not in concerns)
    extra = [t for ident in skin_types for t in _vocabulary("skin_types", ident)]
    extra += [t for ident in concerns for t in _vocabulary("concerns", ident)]
    extra += related
    extra = [t for t in dict.fromkeys(extra) if t and t not in text]
    return Understood(text, concerns, skin_types, symptoms, extra, list(dict.fromkeys(logistics)))


def expand_query(query: str) -> str:
    """The query with the vocabulary it implies, in both languages (`dark circles` → 黑眼圈)."""
    return understand(query).expanded


def build_query(conversation: Conversation, slots: Slots) -> SearchQuery:
    """The retrieval query of a draft: the customer's recent words (the last message first) and the
    concerns and skin types known from the whole conversation."""
    said = [t.text.strip() for t in conversation.turns if t.role is Role.customer and t.text.strip()]
    recent = said[-RECENT_CUSTOMER_TURNS:]
    parts: list[str] = []
    for text in reversed(recent):  # newest first; older turns only while the newer ones are short
        parts.append(text)
        if len(text) > SHORT_MESSAGE:
            break
    text = " ".join(parts)[:MAX_QUERY_CHARS]
    if not text:
        text = " ".join(slots.concern_words)
    return SearchQuery(text, tuple(slots.concerns), tuple(slots.skin_types))
