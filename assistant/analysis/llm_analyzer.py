"""The LLM analyzer: slots as structured output parsed by pydantic; the stage still comes from
assistant.stage.derive_stage. Escalation signals found by the rules are never dropped."""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from assistant.analysis.rules import RuleAnalyzer
from assistant.llm import LLMClient
from assistant.models import CONCERNS, CONSTRAINTS, SKIN_TYPES, Conversation, Reading, Role, Slots
from assistant.prompts import analyze_prompt, render

# enums in the JSON schema, built from the one vocabulary in assistant.models
SkinType = Literal[SKIN_TYPES]  # type: ignore[valid-type]
Concern = Literal[CONCERNS]  # type: ignore[valid-type]
Constraint = Literal[CONSTRAINTS]  # type: ignore[valid-type]


class ExtractedSlots(BaseModel):
    """What the conversation shows about the customer."""

    skin_types: list[SkinType] = Field(default_factory=list)
    concerns: list[Concern] = Field(default_factory=list)
    budget_max: float | None = None
    constraints: list[Constraint] = Field(default_factory=list)
    allergies: list[str] = Field(default_factory=list)
    texture: Literal["light", "rich"] | None = None
    need_confirmed: bool = False
    solution_proposed: bool = False
    solution_accepted: bool = False
    expectations_confirmed: bool = False
    escalation: str | None = None


class LLMAnalyzer:
    name = "llm"

    def __init__(self, client: LLMClient, rules: RuleAnalyzer):
        self.client = client
        self.rules = rules

    def analyze(self, conversation: Conversation, base: Slots | None = None) -> Reading:
        """Raises LLMError when the call or the parse fails; the caller falls back to the rules."""
        by_rules = self.rules.analyze(conversation, base)
        prompt = analyze_prompt(self.client.settings.prompts_dir)
        transcript = "\n".join(
            f"{'customer' if t.role is Role.customer else 'operator'}: {t.text}" for t in conversation.turns
        )
        messages = [
            SystemMessage(
                content=render(
                    prompt.system,
                    skin_types=", ".join(SKIN_TYPES),
                    concerns=", ".join(CONCERNS),
                    constraints=", ".join(CONSTRAINTS),
                )
            ),
            HumanMessage(content=render(prompt.user, conversation=transcript)),
        ]
        found = self.client.structured(messages, ExtractedSlots, name="customer_slots")
        slots = by_rules.slots.model_copy(
            update={
                "skin_types": found.skin_types or by_rules.slots.skin_types,
                "concerns": list(found.concerns) or by_rules.slots.concerns,
                "budget_max": found.budget_max if found.budget_max is not None else by_rules.slots.budget_max,
                "constraints": list(found.constraints),
                "allergies": found.allergies or by_rules.slots.allergies,
                "expectations": by_rules.slots.expectations.model_copy(
                    update={"texture": found.texture or by_rules.slots.expectations.texture}
                ),
                "need_confirmed": found.need_confirmed,
                "solution_proposed": found.solution_proposed or by_rules.slots.solution_proposed,
                "solution_accepted": found.solution_accepted,
                "expectations_confirmed": found.expectations_confirmed,
                "escalation": by_rules.slots.escalation or found.escalation,
            }
        )
        if base is not None:  # what the operator set wins
            for flag in (
                "need_confirmed",
                "solution_proposed",
                "solution_accepted",
                "expectations_confirmed",
            ):
                if getattr(base, flag):
                    setattr(slots, flag, True)
        return by_rules.model_copy(update={"slots": slots, "analyzer": self.name})
