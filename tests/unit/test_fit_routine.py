"""Routine-aware matching (SCRIPT.md rule 2 and step 5): one fitting product per agreed step, the sum
within the budget unless it is per item, the most important steps kept when the budget is short."""

from pathlib import Path

import pytest

from assistant.fit import fits, plan_routine, total_over_budget
from assistant.knowledge.catalog import read_catalog
from assistant.models import Slots

CATALOG = [
    p
    for p, _ in read_catalog(
        Path(__file__).resolve().parents[2] / "knowledge/products/catalog.csv", "catalog.csv"
    )
    if p
]
OILY_ACNE = {"skin_types": ["oily"], "concerns": ["oil-control", "acne"]}
ROUTINE = ["cleanser", "serum", "moisturizer"]


def test_issue_student_budget_200_keeps_the_sum_within_and_says_what_was_left_out():
    plan = plan_routine(CATALOG, Slots(**OILY_ACNE, budget_max=200), ROUTINE)
    assert plan.matches and plan.total <= 200
    assert [m.step for m in plan.matches] == [s for s in ROUTINE if s in {m.step for m in plan.matches}]
    assert {m.step for m in plan.matches} | {left.step for left in plan.left_out} == set(ROUTINE)
    assert [(left.step, left.reason) for left in plan.left_out] == [("moisturizer", "budget")]
    assert all(fits(m.product, Slots(**OILY_ACNE, budget_max=200)) for m in plan.matches)


def test_a_budget_that_covers_the_routine_gets_one_product_per_step_in_order():
    plan = plan_routine(CATALOG, Slots(**OILY_ACNE, budget_max=500), ROUTINE)
    assert [m.step for m in plan.matches] == ROUTINE and plan.total <= 500 and not plan.left_out
    assert [m.product.category for m in plan.matches] == ROUTINE


def test_a_per_item_budget_bounds_each_product_not_the_sum():
    slots = Slots(**OILY_ACNE, budget_max=130, budget_per_item=True)
    plan = plan_routine(CATALOG, slots, ROUTINE)
    assert len(plan.matches) == 3 and all(m.product.price <= 130 for m in plan.matches)
    assert plan.total > 130 and not total_over_budget([m.product.price for m in plan.matches], slots)
    assert total_over_budget([99, 129], Slots(budget_max=200))


def test_the_serum_step_can_be_filled_by_a_spot_treatment_when_that_is_what_fits():
    plan = plan_routine(CATALOG, Slots(**OILY_ACNE, budget_max=160), ["cleanser", "serum"])
    serum = next(m for m in plan.matches if m.step == "serum")
    assert serum.product.category == "spot-treatment" and plan.total <= 160


def test_nothing_fits_is_said_per_step_and_more_than_three_steps_are_cut_by_importance():
    none = plan_routine(CATALOG, Slots(**OILY_ACNE, budget_max=30), ROUTINE)
    assert none.matches == [] and {left.reason for left in none.left_out} == {"budget"}
    four = plan_routine(
        CATALOG, Slots(**OILY_ACNE, budget_max=1000), ["cleanser", "toner", "serum", "moisturizer"]
    )
    assert len(four.matches) == 3 and [left.reason for left in four.left_out] == ["limit"]


@pytest.mark.parametrize("routine", [[], None])
def test_without_a_routine_the_concerns_choose_the_steps(routine):
    plan = plan_routine(CATALOG, Slots(skin_types=["dry"], concerns=["hydration"], budget_max=300), routine)
    assert 1 <= len(plan.matches) <= 3 and plan.total <= 300
