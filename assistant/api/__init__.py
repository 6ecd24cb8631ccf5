"""The HTTP API for chat-tool sidebars (FastAPI): the console's workflows over HTTP, under /v1,
with a bearer token per operator. `create_app(settings)` builds it; `assistant serve` runs it."""

from assistant.api.app import create_app

__all__ = ["create_app"]
