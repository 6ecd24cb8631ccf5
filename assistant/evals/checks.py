"""Checks that need no LLM: each says whether a case's draft passed, and why not."""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.evals.suite import Case
from assistant.fit import misfits
from assistant.guard import Guard, text_length
from assistant.models import Draft, Product, Severity, Stage

_QUESTION_END = re.compile(r"[？?][\s～~😊🙂]*$")
_HANDOVER = ("售后", "after-sales", "转给", "同事", "colleague", "team")


@dataclass
class CheckResult:
    check: str
    passed: bool
    detail: str = ""


def run_checks(case: Case, draft: Draft, products: list[Product]) -> list[CheckResult]:
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
    return results
