"""Whether a product fits a customer (SCRIPT.md rule 2), and which fitting products to suggest.

The same rules serve the offline engine (choosing), the guard (checking any engine) and the evals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from assistant.models import CONFLICTS, Product, Slots

# for each concern, the categories that address it best, best first
CATEGORY_PREFERENCE: dict[str, tuple[str, ...]] = {
    "acne": ("serum", "spot-treatment", "cleanser", "toner"),
    "oil-control": ("cleanser", "toner", "moisturizer", "serum"),
    "pores": ("toner", "mask", "cleanser", "serum"),
    "hydration": ("serum", "moisturizer", "toner", "mask"),
    "brightening": ("serum", "mask", "toner"),
    "spots": ("serum", "spot-treatment", "sunscreen"),
    "anti-aging": ("serum", "moisturizer", "eye-care"),
    "redness": ("serum", "moisturizer", "toner"),
    "barrier-repair": ("moisturizer", "serum", "toner"),
    "sun-protection": ("sunscreen",),
    "dark-circles": ("eye-care",),
}


def misfits(product: Product, slots: Slots) -> list[str]:
    """Every reason the product does not fit; empty when it fits."""
    reasons: list[str] = []
    missing_skin = [s for s in slots.skin_types if s not in product.skin_types]
    if missing_skin:
        reasons.append(f"not for {'/'.join(missing_skin)} skin")
    if slots.concerns and not set(slots.concerns) & set(product.concerns):
        reasons.append(f"serves none of {', '.join(slots.concerns)}")
    if slots.budget_max is not None and product.price > slots.budget_max + 1e-6:
        reasons.append(f"price {product.price:g} over budget {slots.budget_max:g}")
    for constraint in slots.constraints:
        clash = set(CONFLICTS.get(constraint, ())) & set(product.cautions)
        if clash:
            reasons.append(f"caution {', '.join(sorted(clash))} conflicts with {constraint}")
    ingredients = " ".join(product.key_ingredients).lower()
    for allergen in slots.allergies:
        if allergen and allergen.lower() in ingredients:
            reasons.append(f"contains {allergen}, which the customer is allergic to")
    return reasons


def fits(product: Product, slots: Slots) -> bool:
    return not misfits(product, slots)


@dataclass
class Match:
    product: Product
    concerns: list[str]  # the customer's concerns it serves
    score: float
    step: str = ""  # the routine step (catalog category) it fills


# a routine step can be filled by these categories too, in order (控油/祛痘 → a serum, else a spot treatment)
STEP_ALTERNATIVES: dict[str, tuple[str, ...]] = {"serum": ("spot-treatment",), "spot-treatment": ("serum",)}
STEP_ORDER = ("cleanser", "toner", "serum", "spot-treatment", "eye-care", "moisturizer", "sunscreen", "mask")
MAX_PRODUCTS = 3  # SCRIPT.md step 5: 1–3 products
_OPTIONS_PER_STEP = 4


@dataclass
class LeftOut:
    step: str  # catalog category
    reason: Literal[
        "budget", "none_fits", "limit"
    ]  # over what is left of the budget / nothing fits / 3 is enough


@dataclass
class RoutinePlan:
    """Products for the agreed routine: one per step where one fits, in routine order, the sum within
    the budget (each product within it when the budget is per item)."""

    matches: list[Match]
    routine: list[str]
    left_out: list[LeftOut] = field(default_factory=list)
    budget: float | None = None
    per_item: bool = False

    @property
    def total(self) -> float:
        return sum(m.product.price for m in self.matches)


def _score(product: Product, slots: Slots) -> float:
    score = 0.0
    for rank, concern in enumerate(slots.concerns):
        if concern in product.concerns:
            score += 3.0 / (rank + 1)
            prefs = CATEGORY_PREFERENCE.get(concern, ())
            if product.category in prefs:
                score += 1.0 - prefs.index(product.category) * 0.2
    if slots.budget_max:
        score += 0.2 * (1 - product.price / slots.budget_max)  # a little credit for leaving room
    return score


def _candidates(products: list[Product], slots: Slots) -> list[Match]:
    """Every fitting product that serves a concern, best first."""
    scored = []
    for product in products:
        served = [c for c in slots.concerns if c in product.concerns]
        if fits(product, slots) and (served or not slots.concerns):
            scored.append(Match(product, served, _score(product, slots), product.category))
    scored.sort(key=lambda m: (-m.score, m.product.price, m.product.id))
    return scored


def _importance(step: str, slots: Slots) -> int:
    """Lower is more important: the steps that best serve the first concerns come first."""
    ranks = [
        rank * 10 + CATEGORY_PREFERENCE[c].index(cat)
        for rank, c in enumerate(slots.concerns)
        for cat in (step, *STEP_ALTERNATIVES.get(step, ()))
        if cat in CATEGORY_PREFERENCE.get(c, ())
    ]
    return min(ranks) if ranks else 100 + (STEP_ORDER.index(step) if step in STEP_ORDER else 50)


def default_routine(slots: Slots) -> list[str]:
    """Without an agreed routine: the best categories for the concerns (at most three)."""
    steps: list[str] = []
    for concern in slots.concerns:
        for category in CATEGORY_PREFERENCE.get(concern, ())[:2]:
            if category not in steps:
                steps.append(category)
    return steps[:MAX_PRODUCTS]


def plan_routine(
    products: list[Product],
    slots: Slots,
    routine: list[str] | None = None,
    limit: int = MAX_PRODUCTS,
    *,
    named: bool = False,
) -> RoutinePlan:
    """One fitting product per routine step where one exists, best first, the sum within the budget
    (SCRIPT.md rule 2). When the whole routine does not fit, the most important steps that do are kept
    (`named`: the operator named the steps, and the first named matters most — 以防晒为主, salicylic
    first; otherwise the steps that best serve the first concerns) and the rest is reported in
    `left_out` with the reason. When no step of the routine can be filled, the products that serve the
    concerns best are suggested instead of nothing."""
    steps = list(dict.fromkeys(routine or default_routine(slots)))[:6]
    budget, per_item = slots.budget_max, slots.budget_per_item
    pool = _candidates(products, slots)
    unbounded = {
        m.product.category for m in _candidates(products, slots.model_copy(update={"budget_max": None}))
    }
    options: list[list[Match]] = []
    for step in steps:
        cats = (step, *STEP_ALTERNATIVES.get(step, ()))
        found = sorted(
            (m for m in pool if m.product.category in cats),
            key=lambda m: (cats.index(m.product.category), -m.score, m.product.price),
        )
        best = found[:_OPTIONS_PER_STEP]
        cheapest = min(found, key=lambda m: m.product.price) if found else None
        if cheapest is not None and cheapest not in best:
            best.append(cheapest)
        options.append([Match(m.product, m.concerns, m.score, step) for m in best])
    ranked = steps if named else sorted(steps, key=lambda s: _importance(s, slots))
    weights = {step: 2 ** (len(steps) - n) for n, step in enumerate(ranked)}
    chosen = _best_combination(steps, options, weights, None if per_item else budget, limit)
    if not chosen and routine:
        # nothing for the agreed steps fits (budget, constraints): the categories of the products that
        # serve the concerns best, rather than nothing (SCRIPT.md step 5: a fitting path first)
        serving = list(dict.fromkeys(m.product.category for m in pool))[:limit]
        fallback = plan_routine(products, slots, serving, limit) if serving else RoutinePlan([], [])
        if fallback.matches:
            left = [
                LeftOut(s, "budget" if s in unbounded else "none_fits")
                for s in steps
                if s not in fallback.routine
            ]
            return RoutinePlan(fallback.matches, fallback.routine, left + fallback.left_out, budget, per_item)
    picked = {m.step for m in chosen}
    spent = sum(m.product.price for m in chosen)
    left_out = []
    for step, opts in zip(steps, options, strict=True):
        if step in picked:
            continue
        if not opts:
            fits_but_price = unbounded & {step, *STEP_ALTERNATIVES.get(step, ())}
            left_out.append(LeftOut(step, "budget" if fits_but_price else "none_fits"))
        elif budget is not None and not per_item and min(m.product.price for m in opts) > budget - spent:
            left_out.append(LeftOut(step, "budget"))
        else:
            left_out.append(LeftOut(step, "limit"))
    return RoutinePlan(chosen, steps, left_out, budget, per_item)


def _best_combination(
    steps: list[str], options: list[list[Match]], weights: dict[str, int], budget: float | None, limit: int
) -> list[Match]:
    best: tuple[tuple[float, ...], list[Match]] = ((0, 0, 0, 0), [])

    def walk(i: int, chosen: list[Match], total: float) -> None:
        nonlocal best
        if i == len(steps):
            key = (
                len(chosen),
                sum(weights[m.step] for m in chosen),
                round(sum(m.score for m in chosen), 6),
                -total,
            )
            if key > best[0]:
                best = (key, list(chosen))
            return
        walk(i + 1, chosen, total)  # leave the step out
        if len(chosen) >= limit:
            return
        used = {m.product.id for m in chosen}
        for match in options[i]:
            price = match.product.price
            if match.product.id in used or (budget is not None and total + price > budget + 1e-6):
                continue
            chosen.append(match)
            walk(i + 1, chosen, total + price)
            chosen.pop()

    walk(0, [], 0.0)
    return best[1]


def match_products(
    products: list[Product], slots: Slots, limit: int = MAX_PRODUCTS, routine: list[str] | None = None
) -> list[Match]:
    """Fitting products for the routine (or the concerns), in routine order, the sum within the budget."""
    return plan_routine(products, slots, routine, limit).matches


def total_over_budget(prices: list[float], slots: Slots) -> bool:
    """Whether recommended prices break the budget: their sum, or one of them when it is per item."""
    if slots.budget_max is None or not prices:
        return False
    if slots.budget_per_item:
        return max(prices) > slots.budget_max + 1e-6
    return sum(prices) > slots.budget_max + 1e-6
