"""`assistant serve`: the HTTP API (uvicorn), for chat-tool sidebars and team deployments."""

from __future__ import annotations

import typer

from assistant.cli.app import app, friendly
from assistant.settings import load_settings


@app.command()
@friendly
def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind (0.0.0.0 to serve the network)."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to serve on."),
) -> None:
    """Serve the API under /v1 (docs at /docs). Needs ASSISTANT_API_TOKENS or ASSISTANT_API_TOKENS_FILE."""
    import uvicorn

    from assistant.api import create_app

    application = create_app(load_settings())  # wrong settings or tokens stop here, with the variable named
    # uvicorn's access log shows the method, path and status, never the Authorization header
    uvicorn.run(
        application, host=host, port=port, log_level="info", proxy_headers=True, timeout_graceful_shutdown=10
    )
