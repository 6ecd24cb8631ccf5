"""What the composer may take as known, and the customer's open question.

The analyzer is the real source (`Analysis.answered`, `Analysis.question`); these functions make the
composer robust when it is silent: a slot that has a value is known, an order number or a photo in the
customer's turns is known, and a question in the last customer turn is found by a few cue words.
"""

from __future__ import annotations

import re

from assistant.drafting.checker import reply_lexicon
from assistant.models import Analysis, Conversation, Question, Role
from assistant.text import normalize

# the order in which kinds win when a turn matches several (the most specific first)
_KIND_ORDER = ("logistics", "safety", "time", "price", "usage", "results", "product")


def order_number(conversation: Conversation) -> str | None:
    pattern = re.compile(reply_lexicon().order_number_pattern, re.I)
    for turn in reversed(conversation.turns):
        if turn.role is Role.customer:
            m = pattern.search(normalize(turn.text))
            if m:
                return next(g for g in m.groups() if g)
    return None


def photo_sent(conversation: Conversation) -> bool:
    markers = [m.lower() for m in reply_lexicon().photo_markers]
    text = normalize("\n".join(t.text for t in conversation.turns if t.role is Role.customer)).lower()
    return any(m in text for m in markers)


def known_fields(analysis: Analysis, conversation: Conversation) -> set[str]:
    """Fields the customer has given (never asked again): the analyzer's list, every filled slot, and an
    order number or photo seen in the customer's turns."""
    s = analysis.slots
    known = set(analysis.answered)
    filled = {
        "skin_type": bool(s.skin_types),
        "concerns": bool(s.concerns),
        "budget": s.budget_max is not None,
        "constraints": bool(s.constraints or s.constraints_checked or s.allergies),
        "texture": bool(s.expectations.texture),
        "timeframe": bool(s.expectations.timeframe),
        "routine": bool(s.routine),
        "age": s.age is not None,
        "order_number": bool(s.order_number) or order_number(conversation) is not None,
        "photo": s.photo_sent or photo_sent(conversation),
    }
    return known | {field for field, value in filled.items() if value}


def _question_sentences(text: str, zh: bool) -> list[str]:
    """The sentences of a customer turn that ask something."""
    lex = reply_lexicon()
    asking = []
    # WeChat writes a space where a sentence ends: 没拆封的东西可以退吗 买多了
    splitter = r"(?<=[。！？!?\n])|(?<=[\u4e00-\u9fff～~])\s+" if zh else r"(?<=[.!?\n])\s*"
    for sentence in re.split(splitter, text):
        s = sentence.strip().lower()
        if not s:
            continue
        marked = "?" in s or "？" in s
        particle = zh and re.search(r"(?:吗|呢|么|嘛|没)[。！～~…]*$", s)
        opener = not zh and re.match(rf"^(?:{'|'.join(lex.question_words_en)})\b", s)
        if marked or particle or opener:
            asking.append(s)
    return asking


def open_question(analysis: Analysis, conversation: Conversation) -> Question | None:
    """The analyzer's open question, or one found in the last customer turn by its cue words (a small
    fallback: only the turn's asking sentences count, and the most specific kind wins)."""
    given = analysis.question
    if given is not None and given.kind != "other":
        return given
    text = normalize(conversation.last_customer_text)
    if not text or analysis.intents.injection:
        return given
    zh = analysis.language == "zh"
    # the analyzer saw a question: the whole turn says what it is about; otherwise its asking sentences
    asking = text.lower() if given is not None else " ".join(_question_sentences(text, zh))
    lex = reply_lexicon()
    for kind in ("logistics",) if given is not None else _KIND_ORDER:
        # the analyzer's "other" is a store question when its words say so (寄过来要几天 → logistics)
        cues = lex.question_cues[kind]
        if asking and any(c.lower() in asking for c in (cues.zh if zh else cues.en)):
            return Question(kind=kind, text=given.text if given else conversation.last_customer_text.strip())  # type: ignore[arg-type]
    if given is not None:
        return given
    if analysis.intents.logistics:
        return Question(kind="logistics", text=conversation.last_customer_text.strip())
    if asking and not analysis.intents.discount and not analysis.intents.small_talk:
        return Question(kind="other", text=conversation.last_customer_text.strip())
    return None


def informal(conversation: Conversation) -> bool:
    """Whether the customer clearly sets the informal 你: an explicit remark, or 你 (not 你们/你家)
    at least twice and never 您."""
    text = "\n".join(t.text for t in conversation.turns if t.role is Role.customer)
    if any(m in text for m in reply_lexicon().informal_markers):
        return True
    if "您" in text:
        return False
    return len(re.findall(r"你(?![们家好])", text)) >= 2
