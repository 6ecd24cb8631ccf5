"""The dev suites stay well-formed: the issue-10 dev suite and its holdout (valid, big enough, apart, true to
the catalog), and dev set B (`evals/dev-b/`, written by another author; kept out of `eval run evals/` like the holdout): its proportions, its languages and
its product lists recomputed from each case's recorded slots."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from assistant.evals.suite import Suite, load_suite, suite_paths
from assistant.knowledge.catalog import read_catalog
from assistant.models import Role, Stage
from tests.conftest import ROOT

EVALS = ROOT / "evals"
DEV = sorted(EVALS.glob("dev-*.yaml"))
DEV_B = sorted((EVALS / "dev-b").glob("*.yaml"))
DEV_C = sorted((EVALS / "dev-c").glob("*.yaml"))  # a third author, 101 cases, kept out like dev B
DEV_D = sorted((EVALS / "dev-d").glob("*.yaml"))  # a fourth author, 95 cases
DEV_E = sorted((EVALS / "dev-e").glob("*.yaml"))  # a fifth author, 76 cases
HOLDOUT = sorted((EVALS / "holdout").glob("*.yaml"))
CATALOG = {
    product.id: product
    for product, _ in read_catalog(ROOT / "knowledge" / "products" / "catalog.csv", "catalog.csv")
    if product is not None
}


def load(paths: list[Path]) -> list[Suite]:
    return [load_suite(path) for path in paths]


def test_dev_and_holdout_sizes_and_the_holdout_stays_out_of_the_default_run():
    dev, holdout = load(DEV), load(HOLDOUT)
    n_dev, n_holdout = sum(len(s.cases) for s in dev), sum(len(s.cases) for s in holdout)
    assert n_dev + n_holdout >= 320 and n_holdout >= 80
    assert 0.2 <= n_holdout / (n_dev + n_holdout) <= 0.3
    assert not any("holdout" in str(p) for p in suite_paths([EVALS]))  # `eval run evals/` skips it
    dev_ids = {c.id for s in dev for c in s.cases}
    assert dev_ids.isdisjoint({c.id for s in holdout for c in s.cases})


@pytest.mark.parametrize("path", DEV + DEV_B + DEV_C + DEV_D + DEV_E + HOLDOUT, ids=lambda p: p.name)
def test_every_case_ends_on_the_customer_and_names_real_products(path):
    suite = load_suite(path)
    assert suite.thresholds.stage_accuracy == 0.95 and suite.thresholds.early_pitch == 0
    for case in suite.cases:
        turns = case.to_conversation().turns
        assert turns[-1].role is Role.customer, case.id
        named = set(case.expect.products_any_of) | set(case.expect.products_none_of)
        assert named <= set(CATALOG), (case.id, named - set(CATALOG))
        assert not set(case.expect.products_any_of) & set(case.expect.products_none_of), case.id
        if case.expect.products_any_of:
            assert case.expect.stage is Stage.match_product, case.id


def test_every_stage_is_covered_in_both_folders():
    for suites in (load(DEV), load(HOLDOUT)):
        stages = {c.expect.stage for s in suites for c in s.cases}
        assert stages == set(Stage)


# ---------------------------------------------------------------------------------------------- dev set B
CJK = re.compile(r"[\u4e00-\u9fff]")
NOT_A_FACE_SUNSCREEN = {"MY-SU-04"}  # the catalog: "不单独作为面部防晒"


def serves(product_id: str, concerns: list[str]) -> bool:
    """The catalog lists one of the concerns for the product."""
    return bool(set(CATALOG[product_id].concerns) & set(concerns))


def fits(product_id: str, fit: dict) -> bool:
    """SCRIPT.md rule 2 for one product: skin type, a concern served (the body spray is never a face
    sunscreen), price within the budget (a product alone is within a whole or a per-item budget alike), no
    caution against a constraint."""
    product = CATALOG[product_id]
    served = set(product.concerns) & set(fit["concerns"])
    if product_id in NOT_A_FACE_SUNSCREEN:
        served.discard("sun-protection")
    return (
        bool(served)
        and set(fit.get("skin", [])) <= set(product.skin_types)
        and (fit.get("budget") is None or product.price <= fit["budget"])
        and not set(fit.get("avoid", [])) & set(product.cautions)
    )


def expected_products(fit: dict) -> tuple[set[str], set[str]]:
    """(every product that fits on its own, every product that serves a concern but does not fit)."""
    fitting = {pid for pid in CATALOG if fits(pid, fit)}
    misfits = {pid for pid in CATALOG if serves(pid, fit["concerns"])} - fitting
    return fitting, misfits


def dev_b_cases() -> list:
    return [case for suite in load(DEV_B) for case in suite.cases]


def test_dev_b_size_stages_formats_and_languages():
    cases = dev_b_cases()
    assert len(cases) >= 180 and len(DEV_B) >= 3
    per_stage = {stage: sum(c.expect.stage is stage for c in cases) for stage in Stage}
    assert min(per_stage.values()) >= 0.12 * len(cases), per_stage  # roughly even
    chats = sum(bool(c.chat) for c in cases)
    assert 0.25 <= chats / len(cases) <= 0.35, chats
    english = sum("-en-" in c.id for c in cases)
    assert 0.30 <= english / len(cases) <= 0.40, english
    multi = sum(3 <= len(c.to_conversation().turns) <= 9 for c in cases)
    assert 0.80 <= multi / len(cases) <= 0.92, multi
    assert all(len(c.to_conversation().turns) <= 9 for c in cases)


def test_dev_b_case_ids_name_the_language_and_every_case_says_why():
    for case in dev_b_cases():
        lang = "en" if "-en-" in case.id else "zh" if "-zh-" in case.id else None
        assert lang, case.id
        # a customer may answer with 👍 only; WeChat writes a photo as [图片] in any language
        said = " ".join(t.text for t in case.to_conversation().turns).replace("[图片]", "")
        assert bool(CJK.search(said)) == (lang == "zh"), case.id
        assert case.kinds and (case.why or "").strip(), case.id


def test_dev_b_product_lists_follow_the_recorded_slots():
    checked = 0
    for case in dev_b_cases():
        fit = case.fit
        if case.expect.stage is not Stage.match_product:
            assert fit is None and not case.expect.products_any_of, case.id
            continue
        assert fit and fit["concerns"], case.id
        assert set(fit) <= {"skin", "concerns", "budget", "each", "avoid", "names_again"}, case.id
        fitting, misfits = expected_products(fit)
        expected_any = fitting if fit.get("names_again", True) else set()
        assert set(case.expect.products_any_of) == expected_any, (case.id, fitting)
        assert set(case.expect.products_none_of) == misfits, (case.id, misfits)
        checked += 1
    assert checked >= 30


def test_dev_b_was_written_apart_from_the_first_dev_set():
    """No customer message of dev set B (12+ characters besides spaces) appears word for word in the first dev
    set or its holdout (only the dev-b case id is reported, so the holdout's text is never shown)."""

    def squeeze(text: str) -> str:
        return re.sub(r"\s+", "", text)

    def said(suites: list[Suite]) -> set[str]:
        return {
            squeeze(t.text)
            for s in suites
            for c in s.cases
            for t in c.to_conversation().turns
            if t.role is Role.customer and len(squeeze(t.text)) >= 12
        }

    first = said(load(DEV)) | said(load(HOLDOUT))
    ids_b = {c.id for c in dev_b_cases()}
    assert ids_b.isdisjoint({c.id for s in load(DEV) + load(HOLDOUT) for c in s.cases})
    copied = [
        c.id
        for c in dev_b_cases()
        for t in c.to_conversation().turns
        if t.role is Role.customer and squeeze(t.text) in first
    ]
    assert not copied, copied
