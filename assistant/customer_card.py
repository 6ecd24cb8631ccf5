"""What the console's customer card shows, read from the review log: each profile slot with where it
came from (set by the operator, or said in the chat, with the words: what `services.learned_state`
saved), tags, tier, last contact and the stage of every draft so far."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from assistant.models import Stage

if TYPE_CHECKING:
    from assistant.reviewlog import ReviewLog

# profile field → (the slot it fills, the evidence names the analyzers use for it)
CARD_SLOTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "skin_types": ("skin_types", ("skin_type", "skin_types")),
    "concerns": ("concerns", ("concern", "concerns")),
    "budget": ("budget_max", ("budget", "budget_max")),
    "constraints": ("constraints", ("constraint", "constraints")),
    "allergies": ("allergies", ("allergy", "allergies")),
    "age": ("age", ("age",)),
}


class SlotValue(BaseModel):
    field: str = Field(description="a profile field: skin_types, concerns, budget …")
    value: list[str] | float | int | str
    source: Literal["operator", "chat"]
    quote: str | None = Field(None, description="the customer's words, when the chat gave it")


class StageStep(BaseModel):
    draft_id: int
    at: float
    stage: Stage
    decision: str


class CustomerCard(BaseModel):
    id: str
    name: str
    tier: str | None = None
    tags: list[str] = Field(default_factory=list)
    slots: list[SlotValue] = Field(default_factory=list)
    last_contact: float | None = None
    turns: int = 0
    stages: list[StageStep] = Field(default_factory=list, description="oldest first")


def _known(value: Any) -> bool:
    return value not in (None, "", [], 0)


def customer_card(log: ReviewLog, customer_id: str) -> CustomerCard:
    """The card for one customer: the operator's values win; what the chat taught fills the rest."""
    customer = log.customer(customer_id)
    profile: dict[str, Any] = customer["profile"]
    learned: dict[str, Any] = customer.get("learned") or {}
    slots: dict[str, Any] = learned.get("slots") or {}
    sources: dict[str, str] = learned.get("sources") or {}
    drafts = log.drafts(customer_id=customer_id)  # newest first
    found: list[SlotValue] = []
    for field, (slot, names) in CARD_SLOTS.items():
        if _known(profile.get(field)):
            found.append(SlotValue(field=field, value=profile[field], source="operator"))
        elif _known(slots.get(slot)):
            quote = next((sources[n] for n in names if sources.get(n)), None)
            found.append(SlotValue(field=field, value=slots[slot], source="chat", quote=quote))
    return CustomerCard(
        id=customer_id,
        name=customer["name"],
        tier=profile.get("tier") or slots.get("tier"),
        tags=list(profile.get("tags") or slots.get("tags") or []),
        slots=found,
        last_contact=max([customer["updated"], *(d["created"] for d in drafts[:1])]),
        turns=len(log.thread(customer_id)),
        stages=[
            StageStep(draft_id=d["id"], at=d["created"], stage=Stage(d["stage"]), decision=d["decision"])
            for d in reversed(drafts)
        ],
    )
