"""The optional LLM judge: one binary verdict per criterion (prompts/judge/*.yaml), reason first.

An answer that cannot be parsed is "unscored": never a pass, never a fail.
"""

from __future__ import annotations

from typing import Literal

from langchain_core.messages import HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from assistant.errors import LLMError
from assistant.llm import LLMClient
from assistant.models import Draft
from assistant.prompts import judge_prompts, render
from assistant.stage import STAGE_GOALS_ZH


class Verdict(BaseModel):
    """The judge's verdict on one criterion: the reason first, then pass or fail."""

    reason: str = Field(description="one or two sentences of reasoning, written before the verdict")
    verdict: Literal["pass", "fail"]


def judge(client: LLMClient, conversation: str, draft: Draft, context: str) -> dict[str, dict[str, str]]:
    """{criterion: {"verdict": pass|fail|unscored, "reason": …}} for every prompt in prompts/judge/."""
    out: dict[str, dict[str, str]] = {}
    for name, prompt in judge_prompts(client.settings.prompts_dir).items():
        messages = [
            SystemMessage(content=prompt.system),
            HumanMessage(
                content=render(
                    prompt.user,
                    stage=draft.stage.value,
                    stage_goal=STAGE_GOALS_ZH[draft.stage],
                    conversation=conversation,
                    reply=draft.reply,
                    context=context or "(none)",
                )
            ),
        ]
        try:
            verdict = client.structured(messages, Verdict, name=f"judge_{name}")
            out[name] = {"verdict": verdict.verdict, "reason": verdict.reason}
        except LLMError as exc:
            out[name] = {"verdict": "unscored", "reason": str(exc)}
    return out
