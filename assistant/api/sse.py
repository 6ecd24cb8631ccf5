"""Server-sent events for a draft: `token` events while the engine writes the first variant, then
one `draft` event with the whole result (or one `error` event). The draft runs in a worker thread;
its tokens cross to the event loop through a queue."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi.responses import StreamingResponse

from assistant.api.errors import describe, error_body
from assistant.drafting.base import TokenCallback
from assistant.errors import AssistantError

log = logging.getLogger("assistant.api")
MEDIA_TYPE = "text/event-stream"


def wants_stream(accept: str | None) -> bool:
    return MEDIA_TYPE in (accept or "")


def event(name: str, data: Any) -> str:
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


async def _events(run: Callable[[TokenCallback], dict[str, Any]]) -> AsyncIterator[str]:
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def on_token(piece: str) -> None:
        loop.call_soon_threadsafe(queue.put_nowait, piece)

    job = loop.run_in_executor(None, run, on_token)
    job.add_done_callback(lambda _: queue.put_nowait(None))
    while (piece := await queue.get()) is not None:
        yield event("token", {"text": piece})
    try:
        yield event("draft", job.result())
    except AssistantError as exc:
        yield event("error", describe(exc))
    except Exception:  # a fault of ours: logged with its traceback, the client gets no details
        log.exception("draft stream failed")
        yield event("error", error_body("internal error; see the server log"))


def stream(run: Callable[[TokenCallback], dict[str, Any]]) -> StreamingResponse:
    return StreamingResponse(
        _events(run), media_type=MEDIA_TYPE, headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    )
