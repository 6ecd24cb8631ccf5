"""The routes: each one reads its body, calls one library function (assistant.services, the
review log, the knowledge base) and returns its result. No workflow lives here."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response
from fastapi.responses import JSONResponse

from assistant import services as workflows
from assistant.api.app import operator, services
from assistant.api.schemas import CustomerIn, DecisionIn, DraftIn, ErrorOut, MessagesIn, SearchIn
from assistant.api.sse import MEDIA_TYPE, stream, wants_stream
from assistant.drafting.base import TokenCallback
from assistant.health import health as check_health
from assistant.retrieval import Filters
from assistant.services import CustomerDraft, Services

ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (400, "the library refused the input"),
        (404, "no such customer or draft"),
        (409, "the draft was already decided"),
        (502, "the LLM failed"),
        (503, "the review log or the knowledge store is unreachable"),
    )
}
STREAMS: dict[int | str, dict[str, Any]] = {
    200: {"content": {MEDIA_TYPE: {"schema": {"type": "string"}}}, "description": "draft, or events"}
}
public = APIRouter(prefix="/v1", tags=["health"])
router = APIRouter(prefix="/v1", dependencies=[Depends(operator)], responses=ERRORS)
Svc = Annotated[Services, Depends(services)]
Operator = Annotated[str, Depends(operator)]
DraftId = Annotated[int, Path(ge=1, le=2**31 - 1, description="a draft id from POST /v1/drafts")]
CustomerId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]
Accept = Annotated[str | None, Header(description="text/event-stream for server-sent events")]


def _out(done: CustomerDraft) -> dict[str, Any]:
    return {"draft_id": done.draft_id, **done.draft.to_output()}


def _respond(run: Any, accept: str | None) -> Any:
    """JSON, or server-sent events when the client asks for text/event-stream."""
    if wants_stream(accept):
        return stream(lambda on_token: _out(run(on_token)))
    return _out(run(None))


@public.get("/health", summary="store, log and LLM reachability (no token needed)")
def health(svc: Svc) -> JSONResponse:
    report = check_health(svc)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@router.post(
    "/drafts", tags=["drafts"], responses=STREAMS, summary="draft the next reply (logged as pending)"
)
def create_draft(body: DraftIn, svc: Svc, who: Operator, accept: Accept = None) -> Any:
    if body.customer_id:
        svc.log.customer(body.customer_id)  # a 404 before a stream starts
    request = body.to_request(who, svc.settings.max_input_chars)

    def run(on_token: TokenCallback | None) -> CustomerDraft:
        return workflows.draft_for_customer(svc, request, on_token)

    return _respond(run, accept)


@router.post("/drafts/{draft_id}/regenerate", tags=["drafts"], responses=STREAMS, summary="another draft")
def regenerate(draft_id: DraftId, svc: Svc, who: Operator, accept: Accept = None) -> Any:
    svc.log.draft(draft_id)  # a 404 before a stream starts

    def run(on_token: TokenCallback | None) -> CustomerDraft:
        return workflows.regenerate_draft(svc, draft_id, who, on_token)

    return _respond(run, accept)


@router.get("/drafts/{draft_id}", tags=["drafts"], summary="a logged draft and its decision")
def get_draft(draft_id: DraftId, svc: Svc) -> dict[str, Any]:
    return svc.log.draft(draft_id)


@router.post("/drafts/{draft_id}/decision", tags=["drafts"], summary="approved, edited or rejected")
def decide(draft_id: DraftId, body: DecisionIn, svc: Svc, who: Operator) -> dict[str, Any]:
    return svc.log.decide(
        draft_id,
        body.decision,
        final_text=body.final_text,
        reason=body.reason,
        operator=who,
        variant=body.variant,
    )


@router.get("/customers", tags=["customers"])
def list_customers(svc: Svc) -> list[dict[str, Any]]:
    return [
        {k: c[k] for k in ("id", "name", "profile", "created", "updated", "drafts", "turns")}
        for c in svc.log.customers()
    ]


@router.post("/customers", tags=["customers"], status_code=201)
def create_customer(body: CustomerIn, svc: Svc, response: Response) -> dict[str, Any]:
    customer_id = svc.log.create_customer(body.name, body.profile)
    response.headers["Location"] = f"/v1/customers/{customer_id}"
    return workflows.customer_overview(svc, customer_id)


@router.get("/customers/{customer_id}", tags=["customers"], summary="profile, thread and stage")
def get_customer(customer_id: CustomerId, svc: Svc) -> dict[str, Any]:
    return workflows.customer_overview(svc, customer_id)


@router.post("/customers/{customer_id}/messages", tags=["customers"], summary="messages from the chat tool")
def add_messages(customer_id: CustomerId, body: MessagesIn, svc: Svc) -> dict[str, Any]:
    thread = workflows.add_messages(
        svc, customer_id, body.text, role=body.role, chat=body.chat, speaker=body.speaker
    )
    return {"customer_id": customer_id, "thread": [t.model_dump() for t in thread]}


@router.get("/followups", tags=["customers"], summary="customers to get back to")
def followups(
    svc: Svc,
    quiet_hours: Annotated[float, Query(ge=0, le=24 * 365, description="silence before a nudge")] = 24.0,
) -> list[dict[str, Any]]:
    return workflows.followups(svc, quiet_hours)


@router.post("/kb/search", tags=["knowledge"], summary="search the knowledge base")
def search(body: SearchIn, svc: Svc) -> list[dict[str, Any]]:
    hits = svc.kb.search(body.query, k=body.k, filters=Filters(kind=body.kind), mode=body.mode)
    return [hit.model_dump(mode="json") for hit in hits]
