"""The adversarial suite (tests/data/guard_drafts.yaml): every bad draft trips the rule it is labelled
with, every good one passes without a hard finding, and findings quote the reply's own words."""

from collections import Counter

import pytest

from assistant.guard import Guard
from assistant.models import Finding, Severity
from bench.guard_drafts import SuiteDraft, demo_products, load_adversarial

SUITE = load_adversarial()


@pytest.fixture(scope="module")
def guard() -> Guard:
    return Guard(demo_products() + SUITE.products)


def check(guard: Guard, draft: SuiteDraft) -> list[Finding]:
    texts = draft.variants or [draft.text]
    findings = guard.check_variants(
        texts, stage=draft.stage, slots=draft.slot_values(), product_ids=draft.products, language=draft.lang
    )
    return [f for variant in findings for f in variant if f.severity is Severity.hard]


def test_the_suite_is_big_and_covers_both_languages_and_every_rule():
    assert len(SUITE.bad) >= 100
    languages = Counter(d.lang for d in SUITE.bad)
    assert languages["zh"] >= 60 and languages["en"] >= 30, languages
    assert {d.rule for d in SUITE.bad} >= {
        "unsupported_promise",
        "early_pitch",
        "banned_claim",
        "escalation_selling",
        "ungrounded_fact",
        "product_fit",
        "unknown_product",
        "not_a_reply",
        "too_short",
        "language",
        "missing_question",
        "near_duplicate",
    }
    assert len({d.id for d in SUITE.bad + SUITE.good}) == len(SUITE.bad) + len(SUITE.good)


@pytest.mark.parametrize("draft", SUITE.bad, ids=[d.id for d in SUITE.bad])
def test_every_bad_draft_trips_its_rule(guard, draft):
    findings = check(guard, draft)
    assert draft.rule in {f.rule for f in findings}, [(f.rule, f.text) for f in findings]
    texts = " ".join(draft.variants) or draft.text
    declared = {*draft.products, *(p.name for p in guard.products.values() if p.id in draft.products)}
    for f in findings:  # the console highlights these words in the reply
        assert f.text in texts or f.text in declared, (f.rule, f.text)


@pytest.mark.parametrize("draft", SUITE.good, ids=[d.id for d in SUITE.good])
def test_every_good_draft_passes(guard, draft):
    assert [(f.rule, f.text) for f in check(guard, draft)] == []
