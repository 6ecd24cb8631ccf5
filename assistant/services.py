"""What a running app holds, built once by `build(settings)`: the knowledge base, the draft flow
and the review log, side by side; and the workflows the console, the CLI and the API share.

Nothing reaches through one service to get another: each receives what it needs here.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from assistant.analysis.profile import parse_profile
from assistant.drafting.base import TokenCallback
from assistant.knowledge.base import KnowledgeBase
from assistant.models import Conversation, Draft, Role, Slots, Stage, Turn
from assistant.pipeline import DraftFlow
from assistant.reviewlog import ReviewLog
from assistant.settings import Settings
from assistant.store import KnowledgeStore
from assistant.transcript import check_text, continue_thread, parse_conversation

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
    # the chat before `text` as a chat tool sent it (the API's `history`): it stands for the saved
    # thread in this draft and, with `text`, replaces the thread when the draft is decided
    history: tuple[Turn, ...] | None = None

    def to_record(self) -> dict[str, Any]:
        """What the review log keeps with the draft, so it can be made again by id."""
        record = asdict(self)
        record["stage"] = self.stage.value if self.stage else None
        record["history"] = None if self.history is None else [t.model_dump() for t in self.history]
        return record

    @classmethod
    def from_log(cls, row: dict[str, Any]) -> DraftRequest:
        """The request behind a logged draft (rebuilt from its inputs for drafts logged before requests were kept)."""
        record = json.loads(row["conversation_json"]).get("request") or {
            "text": row["input_text"],
            "customer_id": row["customer_id"],
            "profile": json.loads(row["profile_json"]) or None,
            "operator": row["operator"],
        }
        history = record.get("history")
        return cls(
            **record
            | {
                "stage": Stage(record["stage"]) if record.get("stage") else None,
                "history": None if history is None else tuple(Turn.model_validate(t) for t in history),
            }
        )


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
    if request.history is not None:
        thread = list(request.history)
    conversation, new_turns = continue_thread(
        thread,
        request.text,
        max_chars=services.settings.max_input_chars,
        replace=request.replace_thread,
        chat=request.chat,
        operator_names=services.settings.operator_names,
    )
    if request.history is not None and not request.replace_thread:
        new_turns = [*request.history, *new_turns]
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
    whole_chat = request.replace_thread or request.history is not None  # what was read before does not apply
    known = None if whole_chat else _learned_slots(learned)
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
        replace_thread=request.replace_thread or request.history is not None,
        request=request.to_record(),
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
    return _draft_again(services, previous.draft_id, previous.request, on_token)


def regenerate_draft(
    services: Services, draft_id: int, operator: str | None = None, on_token: TokenCallback | None = None
) -> CustomerDraft:
    """Regenerate a logged draft by its id (the API: the caller holds only the id)."""
    request = DraftRequest.from_log(services.log.draft(draft_id))
    return _draft_again(services, draft_id, replace(request, operator=operator or request.operator), on_token)


def _draft_again(
    services: Services, draft_id: int, request: DraftRequest, on_token: TokenCallback | None
) -> CustomerDraft:
    services.log.decide(draft_id, "regenerated", operator=request.operator)
    return draft_for_customer(services, replace(request, attempt=request.attempt + 1), on_token)


def customer_overview(services: Services, customer_id: str) -> dict[str, Any]:
    """A customer as a chat tool's sidebar shows it: profile, what was learned, thread and stage
    (the stage of the last draft, as read then)."""
    customer = services.log.customer(customer_id)
    recent = services.log.drafts(customer_id=customer_id)[:1]
    stage = customer["learned"].get("stage") or (recent[0]["stage"] if recent else None)
    return {
        **{k: customer[k] for k in ("id", "name", "profile", "learned", "created", "updated")},
        "stage": stage,
        "thread": [t.model_dump() for t in services.log.thread(customer_id)],
    }


def add_messages(
    services: Services,
    customer_id: str,
    text: str,
    *,
    role: Role = Role.customer,
    chat: bool = False,
    speaker: str | None = None,
) -> list[Turn]:
    """Messages that happened in the chat tool (the customer's, or a reply the operator typed
    there): they join the thread, so the next draft continues from them. `chat`: a pasted chat."""
    if chat:
        turns = parse_conversation(text, max_chars=services.settings.max_input_chars).turns
    else:
        turns = [Turn(role=role, text=check_text(text).strip(), speaker=speaker)]
    services.log.add_turns(customer_id, turns)
    return services.log.thread(customer_id)


def followups(
    services: Services, quiet_hours: float = 24.0, now: float | None = None
) -> list[dict[str, Any]]:
    """Customers to get back to, longest waiting first: `reply` when the customer wrote last,
    `quiet` when we wrote last and they have been silent for `quiet_hours` or more."""
    now = time.time() if now is None else now
    due = []
    for row in services.log.last_turns():
        waiting = (now - row["last_turn_at"]) / 3600
        reason = "reply" if row["role"] == Role.customer.value else "quiet"
        if reason == "quiet" and waiting < quiet_hours:
            continue
        due.append(
            {
                "customer_id": row["id"],
                "name": row["name"],
                "reason": reason,
                "stage": json.loads(row["learned_json"]).get("stage"),
                "last_turn": {"role": row["role"], "text": row["text"], "at": row["last_turn_at"]},
                "waiting_hours": round(waiting, 2),
                "pending_drafts": row["pending_drafts"],
            }
        )
    return sorted(due, key=lambda d: -d["waiting_hours"])
