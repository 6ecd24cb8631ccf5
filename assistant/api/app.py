"""The FastAPI app: services built once at start (or handed in by a test), tokens loaded and checked
before the first request, CORS only for the configured origins, errors as JSON (errors.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from assistant.api import errors
from assistant.api.auth import Tokens, load_tokens
from assistant.api.schemas import ErrorOut
from assistant.services import Services, build
from assistant.settings import Settings

MAX_BODY_BYTES = 1_000_000
bearer = HTTPBearer(auto_error=False, description="a token from ASSISTANT_API_TOKENS (operator:token)")


def services(request: Request) -> Services:
    return request.app.state.services  # type: ignore[no-any-return]


def operator(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> str:
    """The operator the bearer token belongs to; 401 otherwise."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise errors.Unauthorized("send Authorization: Bearer <token>")
    tokens: Tokens = request.app.state.tokens
    name = tokens.operator_for(credentials.credentials)
    if name is None:
        raise errors.Unauthorized("the token is not valid")
    return name


def create_app(settings: Settings, built: Services | None = None) -> FastAPI:
    """The app; `built` lets a caller share services it already has (tests, one process with both)."""
    tokens = load_tokens(settings)  # a wrong token setting stops the start, with the variable named

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.services = built or build(settings)
        app.state.services.drafts.start_warm_up()
        yield
        if built is None:
            app.state.services.log.close()

    app = FastAPI(
        title="Private-chat conversion assistant",
        version="1",
        description="Draft replies for private-chat operators. Nothing is ever sent: the operator reviews, "
        "edits and sends every reply. Every route but /v1/health needs `Authorization: Bearer <token>`.",
        lifespan=lifespan,
        responses={
            401: {"model": ErrorOut, "description": "no valid token"},
            422: {"model": ErrorOut, "description": "invalid input (the field is named)"},
        },
    )
    app.state.tokens = tokens
    app.state.settings = settings
    origins = [o.strip() for o in settings.cors_origins.split(",") if o.strip()]
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
            allow_credentials=False,  # tokens travel in a header, never in cookies
            max_age=600,
        )

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length", "0")
        if not length.isdigit() or int(length) > MAX_BODY_BYTES:
            return JSONResponse(errors.error_body(f"the body is over {MAX_BODY_BYTES} bytes", "body"), 413)
        return await call_next(request)

    errors.install(app)
    from assistant.api import routes

    app.include_router(routes.public)
    app.include_router(routes.router)
    return app
