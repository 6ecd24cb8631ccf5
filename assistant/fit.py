"""Whether a product fits a customer (SCRIPT.md rule 2), and which fitting products to suggest.

The same rules serve the offline engine (choosing), the guard (checking any engine) and the evals.
"""

from __future__ import annotations

from dataclasses import dataclass

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


def match_products(products: list[Product], slots: Slots, limit: int = 3) -> list[Match]:
    """Fitting products that serve the customer's concerns, at most one per category, best first."""
    scored: list[Match] = []
    for product in products:
        if not fits(product, slots):
            continue
        served = [c for c in slots.concerns if c in product.concerns]
        if slots.concerns and not served:
            continue
        score = 0.0
        for rank, concern in enumerate(slots.concerns):
            if concern in product.concerns:
                score += 3.0 / (rank + 1)
                prefs = CATEGORY_PREFERENCE.get(concern, ())
                if product.category in prefs:
                    score += 1.0 - prefs.index(product.category) * 0.2
        if slots.budget_max:
            score += 0.2 * (1 - product.price / slots.budget_max)  # a little credit for leaving room
        scored.append(Match(product, served, score))
    scored.sort(key=lambda m: (-m.score, m.product.price, m.product.id))
    chosen: list[Match] = []
    categories: set[str] = set()
    covered: set[str] = set()
    for match in scored:
        if match.product.category in categories:
            continue
        if chosen and not set(match.concerns) - covered and len(chosen) >= 2:
            continue  # a third product must add something
        chosen.append(match)
        categories.add(match.product.category)
        covered.update(match.concerns)
        if len(chosen) == limit:
            break
    return chosen
