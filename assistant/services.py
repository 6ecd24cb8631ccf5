"""What a running app holds, built once by `build(settings)`: the knowledge base, the draft flow
and the review log, side by side; and the workflows the console, the CLI and the API share.

Nothing reaches through one service to get another: each receives what it needs here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from assistant.analysis.profile import parse_profile
from assistant.drafting.base import TokenCallback
from assistant.knowledge.base import KnowledgeBase
from assistant.models import Conversation, Draft, Slots, Stage, Turn
from assistant.pipeline import DraftFlow
from assistant.reviewlog import ReviewLog
from assistant.settings import Settings
from assistant.store import KnowledgeStore
from assistant.transcript import continue_thread

if TYPE_CHECKING:
    from assistant.llm import LLMClient


@dataclass
class Services:
    settings: Settings
    kb: KnowledgeBase
    drafts: DraftFlow
    log: ReviewLog


def build(
    settings: Settings,
    *,
    llm: LLMClient | None = None,
    store: KnowledgeStore | None = None,
    demo: bool = True,
) -> Services:
    """Open the store (ingesting the demo knowledge on first use unless `demo=False`), the LLM
    client when one is configured, the draft flow and the review log."""
    kb = KnowledgeBase.open(settings, store)
    if demo:
        kb.ensure_demo()
    if llm is None and (settings.use_llm_engine or settings.use_llm_analyzer):
        from assistant.llm import LLMClient  # the LLM stack loads only when it is configured

        llm = LLMClient(settings)
    return Services(settings, kb, DraftFlow(settings, kb, llm), ReviewLog.open(settings))


@dataclass(frozen=True)
class DraftRequest:
    """What the operator asked for: enough to draft again (Regenerate) with the same inputs."""

    text: str
    customer_id: str | None = None
    chat: bool = False  # the text is a pasted chat (parsed into turns), not one customer message
    replace_thread: bool = False  # the pasted chat is the whole conversation: it replaces the thread
    profile: dict[str, Any] | None = None  # the profile as the operator set it (None: the saved one)
    stage: Stage | None = None  # the operator's stage override
    operator: str | None = None
    engine: str | None = None
    attempt: int = 0


@dataclass
class CustomerDraft:
    request: DraftRequest
    draft: Draft
    draft_id: int
    conversation: Conversation
    new_turns: list[Turn]


def draft_for_customer(
    services: Services, request: DraftRequest, on_token: TokenCallback | None = None
) -> CustomerDraft:
    """Draft the next reply for a customer's thread (or a one-off message) and log it as pending.

    The customer's saved thread comes first, then what was pasted; the operator's profile (saved
    with the customer) shapes the analysis."""
    log = services.log
    thread = log.thread(request.customer_id) if request.customer_id else []
    conversation, new_turns = continue_thread(
        thread,
        request.text,
        max_chars=services.settings.max_input_chars,
        replace=request.replace_thread,
        chat=request.chat,
        operator_names=services.settings.operator_names,
    )
    customer = log.customer(request.customer_id) if request.customer_id else {}
    saved = customer.get("profile", {})
    learned = customer.get("learned", {})
    fields = saved
    if request.profile is not None:  # the profile as the operator sees it now: saved with the customer
        fields = {k: v for k, v in request.profile.items() if v not in (None, "", [])}
        if request.customer_id and fields != saved:
            log.save_profile(request.customer_id, fields)
    profile = parse_profile(fields)
    if request.stage is not None:
        profile = profile.model_copy(update={"stage": request.stage})
    known = None if request.replace_thread else _learned_slots(learned)
    draft = services.drafts.draft(
        conversation, profile, on_token=on_token, engine=request.engine, attempt=request.attempt, known=known
    )
    if request.customer_id:  # the next message continues from what this one taught us
        log.save_learned(request.customer_id, learned_state(draft))
    draft_id = log.log_draft(
        draft,
        conversation=conversation,
        new_turns=new_turns,
        input_text=request.text,
        customer_id=request.customer_id,
        operator=request.operator,
        profile=fields,
        replace_thread=request.replace_thread,
    )
    return CustomerDraft(request, draft, draft_id, conversation, new_turns)


def learned_state(draft: Draft) -> dict[str, Any]:
    """What a customer's profile card shows and the next draft starts from: the slots read from
    the thread, what the customer has answered, and where each value came from."""
    a = draft.analysis
    sources: dict[str, str] = {}
    for e in a.evidence:
        sources.setdefault(e.slot, e.text)
    return {
        "slots": a.slots.model_dump(mode="json"),
        "answered": a.answered,
        "sources": sources,
        "stage": a.stage.value,
    }


def _learned_slots(learned: dict[str, Any]) -> Slots | None:
    try:
        return Slots.model_validate(learned["slots"]) if learned.get("slots") else None
    except ValidationError:  # saved by an older version: read the thread afresh
        return None


def regenerate(
    services: Services, previous: CustomerDraft, on_token: TokenCallback | None = None
) -> CustomerDraft:
    """Record the shown draft as regenerated and draft again from the same inputs, as a new attempt."""
    services.log.decide(previous.draft_id, "regenerated", operator=previous.request.operator)
    request = replace(previous.request, attempt=previous.request.attempt + 1)
    return draft_for_customer(services, request, on_token)
