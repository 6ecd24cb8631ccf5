"""Checks that need no LLM: each says whether a case's draft passed, and why not.

Besides the script checks, every variant goes through the reply checker (assistant/drafting/checker.py):
`reask`, `duplicated_phrase` and `composition` (openers, capitalisation, punctuation, questions per
topic, length); `answers_question`, `budget_total`, `variant_diversity` and `regenerate_differs`
(the runner drafts the case a second time with attempt=1) are defined below.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from assistant.drafting.answers import answer_cues, mentions, texture_cues
from assistant.drafting.checker import check_reply, opener_only, sentences
from assistant.drafting.known import known_fields, open_question
from assistant.evals.suite import Case
from assistant.fit import misfits, total_over_budget
from assistant.guard import Guard, text_length
from assistant.models import Act, Draft, Product, Severity, Stage

_QUESTION_END = re.compile(r"[？?][\s～~😊🙂]*$")
_HANDOVER = ("售后", "after-sales", "转给", "同事", "colleague", "team")
_FIRST_CLAUSE = re.compile(r"^[^，,。.!！?？～~;；:：—\n]*[，,。.!！?？～~;；:：—\n]?")
SIMILAR = 0.85  # two variants whose text after the first clause is this similar differ only in wording
COMPOSITION_RULES = (
    "openers",
    "capitalisation",
    "punctuation",
    "question_topics",
    "too_short",
    "template_leak",
)


@dataclass
class CheckResult:
    check: str
    passed: bool
    detail: str = ""


def run_checks(
    case: Case, draft: Draft, products: list[Product], regenerated: Draft | None = None
) -> list[CheckResult]:
    expect = case.expect
    guard = Guard(products)
    catalog = {p.id: p for p in products}
    results: list[CheckResult] = []

    def add(check: str, passed: bool, detail: str = "") -> None:
        results.append(CheckResult(check, passed, "" if passed else detail))

    reply = draft.reply
    add(
        "stage",
        draft.stage is expect.stage,
        f"expected {expect.stage.value}, got {draft.stage.value} ({draft.analysis.reason})",
    )
    if expect.asks_question is not None:
        asks = bool(_QUESTION_END.search(reply.strip()))
        add(
            "asks_question",
            asks == expect.asks_question,
            "the reply does not end with a question"
            if expect.asks_question
            else "the reply ends with a question",
        )
    recommended = list(dict.fromkeys([p.id for p in draft.products] + guard.mentioned(reply)))
    findings = guard.check(
        reply,
        stage=expect.stage,
        slots=draft.analysis.slots,
        product_ids=recommended,
        language=draft.analysis.language,
    )
    hard = [f for f in findings if f.severity is Severity.hard]

    def offending(rule: str) -> str:
        return "; ".join(f"«{f.text}» {f.message}" for f in hard if f.rule == rule)

    add("early_pitch", not offending("early_pitch"), offending("early_pitch"))
    add("banned_claims", not offending("banned_claim"), offending("banned_claim"))
    add(
        "grounded_facts",
        not offending("ungrounded_fact") and not offending("unknown_product"),
        offending("ungrounded_fact") or offending("unknown_product"),
    )
    unfit = [
        f"{pid}: {', '.join(misfits(catalog[pid], draft.analysis.slots))}"
        for pid in recommended
        if pid in catalog and misfits(catalog[pid], draft.analysis.slots)
    ]
    add("product_fit", not unfit, "; ".join(unfit))
    if expect.products_any_of or expect.products_none_of:
        problems = []
        if expect.products_any_of and not set(recommended) & set(expect.products_any_of):
            problems.append(f"none of {expect.products_any_of} recommended (got {recommended or 'none'})")
        banned = sorted(set(recommended) & set(expect.products_none_of))
        if banned:
            problems.append(f"recommended {banned}, which must not be")
        add("products_expected", not problems, "; ".join(problems))
    if expect.must_include or expect.must_not_include:
        missing = [s for s in expect.must_include if s not in reply]
        present = [s for s in expect.must_not_include if s in reply]
        add(
            "must_include",
            not missing and not present,
            "; ".join(
                [f"missing {missing}" if missing else "", f"contains {present}" if present else ""]
            ).strip("; "),
        )
    if expect.max_chars is not None:
        length = text_length(reply)
        add("length", length <= expect.max_chars, f"{length} characters, max {expect.max_chars}")
    if expect.stage is Stage.escalate:
        problems = []
        if recommended:
            problems.append(f"names products {recommended}")
        if offending("escalation_selling") or offending("unsupported_promise"):
            problems.append(offending("escalation_selling") or offending("unsupported_promise"))
        if not any(word in reply.lower() for word in _HANDOVER):
            problems.append("does not hand over to after-sales")
        add("escalation_handled", not problems, "; ".join(problems))
    _reply_checks(case, draft, products, recommended, catalog, add)
    if regenerated is not None:
        shared = sorted(set(draft.variants) & set(regenerated.variants))
        add(
            "regenerate_differs",
            bool(regenerated.variants) and not shared and regenerated.reply != draft.reply,
            f"Regenerate (attempt 1) repeats {len(shared)} variant(s): «{(shared or [regenerated.reply])[0][:60]}»",
        )
    return results


def _reply_checks(case, draft, products, recommended, catalog, add) -> None:  # type: ignore[no-untyped-def]
    """The reply checker on every variant, the answer to the customer's question, the budget total
    and the variants' diversity."""
    conversation = case.to_conversation()
    known = known_fields(draft.analysis, conversation)
    names = [n for p in products for n in p.names()]
    language = draft.analysis.language
    found = {
        i: check_reply(v, language=language, known=known, names=names, variant=i)
        for i, v in enumerate(draft.variants or [draft.reply])
    }

    def failing(rules: tuple[str, ...]) -> str:
        return "; ".join(
            f"variant {i}: «{f.text}» {f.message}" for i, fs in found.items() for f in fs if f.rule in rules
        )

    add("reask", not failing(("reask",)), failing(("reask",)))
    add("duplicated_phrase", not failing(("duplicated_phrase",)), failing(("duplicated_phrase",)))
    add("composition", not failing(COMPOSITION_RULES), failing(COMPOSITION_RULES))
    answered = answers_question(case, draft, conversation)
    if answered is not None:
        add("answers_question", answered[0], answered[1])
    prices = [catalog[pid].price for pid in recommended if pid in catalog]
    if prices and draft.analysis.slots.budget_max is not None:
        slots = draft.analysis.slots
        add(
            "budget_total",
            not total_over_budget(prices, slots),
            f"recommended {'max' if slots.budget_per_item else 'sum'} "
            f"¥{(max(prices) if slots.budget_per_item else sum(prices)):g} over the budget ¥{slots.budget_max:g}",
        )
    if len(draft.variants) >= 2:
        close = similar_variants(draft.variants)
        add(
            "variant_diversity",
            not close,
            "; ".join(f"variants {i} and {j} differ only in their first clause" for i, j in close),
        )


def answers_question(case: Case, draft: Draft, conversation) -> tuple[bool, str] | None:  # type: ignore[no-untyped-def]
    """With `expect.answer_facts`: every fact is in the reply (alternatives separated by |). Without:
    when the customer asked something (not at an escalation, unless it is logistics), the reply's first
    two sentences address it (a cue word of the question's kind, lexicons/reply_checks.yaml)."""
    reply = draft.reply
    facts = case.expect.answer_facts
    if facts:
        missing = [f for f in facts if not any(alt.strip() and alt.strip() in reply for alt in f.split("|"))]
        return not missing, f"the reply lacks {missing}"
    question = open_question(draft.analysis, conversation)
    if question is None or question.kind == "other":
        return None
    if draft.analysis.intents.injection or Act.injection in draft.analysis.acts:
        return None  # an instruction, not a question: the decline answers it
    if draft.stage is Stage.escalate:
        return None  # the care and the hand-over answer it (a case can still list answer_facts)
    said = [s.text for s in sentences(reply) if not opener_only(s.text, draft.analysis.language)]
    opening = " ".join(said[:2]).lower()
    if draft.stage is Stage.match_product and question.kind in ("product", "price"):
        opening = reply.lower()  # the recommendation (or the honest "nothing fits") is the answer
    kind = (
        "results" if mentions(question.text, tuple(texture_cues(draft.analysis.language))) else question.kind
    )
    cues = answer_cues(kind, draft.analysis.language)
    return any(c.lower() in opening for c in cues), (
        f"the customer asked ({question.kind}: «{question.text[:40]}») and the reply's opening does not answer it"
    )


def similar_variants(variants: list[str]) -> list[tuple[int, int]]:
    """Pairs of variants that read the same once their first clause is removed."""
    rests = [_FIRST_CLAUSE.sub("", v, count=1).strip() for v in variants]
    return [
        (i, j)
        for i in range(len(rests))
        for j in range(i + 1, len(rests))
        if SequenceMatcher(None, rests[i], rests[j]).ratio() >= SIMILAR
    ]
