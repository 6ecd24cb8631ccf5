"""The one function that derives the script stage from the slots (SCRIPT.md, "The five steps")."""

from __future__ import annotations

from assistant.models import Slots, Stage

STAGE_GOALS_ZH = {
    Stage.ask: "了解痛点：问 1–2 个简单的问题",
    Stage.uncover_need: "确认核心需求：复述并请客户确认",
    Stage.propose: "提出思路：不提产品，只讲方法",
    Stage.confirm_expectation: "确认期望：方案是否认可、期望与预算",
    Stage.match_product: "匹配产品：只推荐真正合适的",
    Stage.escalate: "转售后：停止销售，关心并交接",
}


def derive_stage(slots: Slots) -> tuple[Stage, str]:
    """Return the stage and why, from what is known. Escalation takes priority over the script."""
    if slots.escalation:
        return Stage.escalate, f"escalation signal: {slots.escalation}"
    if not slots.concerns:
        return Stage.ask, "no concern known yet"
    if not slots.need_confirmed:
        return Stage.uncover_need, "concern known, not yet confirmed by the customer"
    if not slots.solution_proposed:
        return Stage.propose, "need confirmed, no solution proposed yet"
    if not (slots.solution_accepted and slots.expectations_confirmed):
        return Stage.confirm_expectation, "solution proposed, agreement or expectations not yet confirmed"
    return Stage.match_product, "need, solution and expectations confirmed"
