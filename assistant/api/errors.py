"""Every error as JSON `{"error": "…", "field": "…"}` with a 4xx for anything the caller can fix:
validation errors name the field, the library's InputError/ConfigError keep their message (and
field, when it knows it). A fault of ours is a 500 with an id to find the traceback in the server
log; the traceback itself never leaves the server."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from assistant.errors import (
    AssistantError,
    ConfigError,
    ConflictError,
    DatabaseError,
    InputError,
    LLMError,
    NotFoundError,
    StoreError,
)

log = logging.getLogger("assistant.api")
_SOURCES = ("body", "path", "query", "header")


class Unauthorized(Exception):
    """No token, or a token that is not configured."""


def error_body(
    message: str, field: str | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    return {"error": message, "field": field, "errors": errors or []}


def field_name(loc: tuple[Any, ...] | list[Any]) -> str:
    """('body', 'history', 'list[TurnIn]', 0, 'text') → 'history.0.text'; the request body itself is 'body'."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in _SOURCES and len(parts) > 1:
        parts = parts[1:]
    return ".".join(p for p in parts if "[" not in p) or "body"


def status_of(exc: AssistantError) -> int:
    if isinstance(exc, NotFoundError):
        return 404
    if isinstance(exc, ConflictError):
        return 409
    if isinstance(exc, InputError | ConfigError):
        return 400
    if isinstance(exc, LLMError):
        return 502
    if isinstance(exc, DatabaseError | StoreError):
        return 503
    return 500


def describe(exc: AssistantError) -> dict[str, Any]:
    return error_body(str(exc), getattr(exc, "field", None))


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "field": "body" if e["type"] == "json_invalid" else field_name(e["loc"]),
                "message": str(e["msg"]).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return JSONResponse(error_body(f"{first['field']}: {first['message']}", first["field"], errors), 422)

    @app.exception_handler(AssistantError)
    async def _library(_request: Request, exc: AssistantError) -> JSONResponse:
        status = status_of(exc)
        if status >= 500:
            log.warning("%s: %s", type(exc).__name__, exc)
        return JSONResponse(describe(exc), status)

    @app.exception_handler(Unauthorized)
    async def _unauthorized(_request: Request, exc: Unauthorized) -> JSONResponse:
        return JSONResponse(
            error_body(str(exc), "Authorization"),
            401,
            headers={"WWW-Authenticate": 'Bearer realm="assistant"'},
        )

    @app.exception_handler(HTTPException)
    async def _http(_request: Request, exc: HTTPException) -> JSONResponse:
        return JSONResponse(error_body(str(exc.detail)), exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def _fault(request: Request, exc: Exception) -> JSONResponse:
        incident = uuid.uuid4().hex[:12]
        log.error("incident %s on %s %s", incident, request.method, request.url.path, exc_info=exc)
        return JSONResponse(error_body(f"internal error (incident {incident}; see the server log)"), 500)
