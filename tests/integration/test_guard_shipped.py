"""The guard on what we ship: every variant the offline engine writes for every eval case, and the
operator example replies in SCRIPT.md, pass without a hard finding; no shared catalog (Sephora,
Taobao) turns the early-stage drafts into product mentions."""

import itertools
from pathlib import Path

import pytest

from assistant.guard import Guard
from assistant.guard.reading import Reading
from assistant.guard.sanity import near_duplicates
from assistant.knowledge.catalog import read_catalog
from assistant.models import Severity, Stage
from bench.guard_drafts import GoodDraft, demo_products, load_adversarial, offline_drafts, script_examples
from tests.conftest import shared_data


@pytest.fixture(scope="module")
def shipped() -> list[GoodDraft]:
    drafts = list(offline_drafts())
    assert len(drafts) >= 100 and sum(len(d.variants) for d in drafts) >= 250
    return drafts


def test_every_offline_variant_passes_the_guard(shipped):
    guard = Guard(demo_products())
    failures = []
    for draft in shipped:
        for i, text in enumerate(draft.variants):
            findings = guard.check(
                text,
                stage=draft.stage,
                slots=draft.slots,
                product_ids=draft.products,
                language=draft.language,
            )
            failures += [(draft.source, i, f.rule, f.text) for f in findings if f.severity is Severity.hard]
    assert failures == []


def test_the_only_repeated_offline_variants_differ_in_the_greeting_alone(shipped):
    """The offline engine writes three escalation variants from two templates; the third repeats the
    first with another greeting. The guard flags it (and the pipeline drops it): nothing else."""
    greetings = ("您好呀～", "亲，您好～", "哈喽～", "Hi there! ", "Hello! ", "Hi! ")

    def body(text: str) -> str:
        return next((text[len(g) :] for g in greetings if text.startswith(g)), text)

    flagged = 0
    for draft in shipped:
        for later, earlier, _ in near_duplicates([Reading.of(v) for v in draft.variants]):
            flagged += 1
            assert draft.stage is Stage.escalate, draft.source
            assert body(draft.variants[later]) == body(draft.variants[earlier]), draft.source
    assert flagged <= sum(d.stage is Stage.escalate for d in shipped)


def test_script_examples_pass_the_guard():
    examples = script_examples()
    if not examples:
        pytest.skip("../shared/SCRIPT.md is not available")
    guard = Guard(demo_products())
    assert len(examples) == 4
    for example in examples:
        findings = guard.check_variants(
            example.variants, stage=example.stage, slots=example.slots, product_ids=[], language="zh"
        )
        assert [(f.rule, f.text) for v in findings for f in v if f.severity is Severity.hard] == []


@pytest.mark.shared
@pytest.mark.parametrize(
    ("catalog", "mapping"),
    [
        ("sephora_skincare_445.csv", {"skin_types": "skin_type", "concerns": "skincare_concerns"}),
        ("sephora_cosmetics_1472.csv", {"name": "Name", "price": "Price", "category": "Label"}),
        ("taobao_beauty_titles_3497.csv", {"name": "title", "price": "price_cny"}),
    ],
)
def test_shared_catalogs_name_no_product_in_good_drafts(shipped, catalog, mapping):
    path: Path = shared_data(f"products/{catalog}")
    products = [p for p, _ in read_catalog(path, catalog, mapping) if p is not None]
    guard = Guard(products)
    good = [v for d in shipped if d.stage is not Stage.match_product for v in d.variants]
    good += [d.text for d in load_adversarial().good if d.stage is not Stage.match_product]
    named = {text: guard.names.find(Reading.of(text)) for text in good}
    assert {t[:40]: [m.text for m in ms] for t, ms in named.items() if ms} == {}
    # and the catalog's own names are still found: a full name in a reply is a mention
    sample = [p for p in itertools.islice(products, 0, len(products), max(1, len(products) // 25))]
    found = [p.id for p in sample if p.id in guard.mentioned(f"可以试试{p.name}，您觉得呢？")]
    assert len(found) >= 0.9 * len(sample)
