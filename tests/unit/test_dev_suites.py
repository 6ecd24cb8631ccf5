"""The issue-10 dev suite and its holdout stay well-formed: valid, big enough, apart, and true to the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.evals.suite import Suite, load_suite, suite_paths
from assistant.knowledge.catalog import read_catalog
from assistant.models import Role, Stage
from tests.conftest import ROOT

EVALS = ROOT / "evals"
DEV = sorted(EVALS.glob("dev-*.yaml"))
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


@pytest.mark.parametrize("path", DEV + HOLDOUT, ids=lambda p: p.name)
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
