"""The drafting interface shared by the offline and the LLM engine."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from assistant.drafting.compose import Part
from assistant.fit import Match, RoutinePlan
from assistant.models import Analysis, Conversation, Hit, Product

TokenCallback = Callable[[str], None]


@dataclass
class DraftContext:
    """Everything an engine may use; engines never fetch anything themselves."""

    conversation: Conversation
    analysis: Analysis
    hits: list[Hit]  # articles and products relevant to the conversation
    faq: list[Hit]  # FAQ answers for logistics questions
    matches: list[Match]  # fitting products, best first (used only at match_product)
    products: list[Product]  # the whole catalog, for the guard and for naming
    variants: int = 3
    product_chunks: dict[str, str] = field(default_factory=dict)  # product id -> chunk id, for citations
    attempt: int = 0  # 0 for the first draft; Regenerate counts up, so every attempt reads differently
    routine: list[str] = field(default_factory=list)  # the agreed routine as catalog categories, in order
    plan: RoutinePlan | None = None  # products per routine step within the budget (match_product only)


@dataclass
class EngineResult:
    variants: list[str]
    product_ids: list[str]
    citation_ids: list[str]
    model: str | None = None
    notices: list[str] = field(default_factory=list)  # for the operator (e.g. no new wording left)
    parts: list[list[Part]] = field(default_factory=list)  # the offline composer's parts per variant
