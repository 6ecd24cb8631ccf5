"""What a deployment checks: can this instance reach its knowledge store, its review log and its
LLM? Each check reports ok/failed with a one-line detail and never raises; no secret is shown."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from assistant.services import Services

LLM_TIMEOUT = 3.0
LLM_CACHE_SECONDS = 15.0  # a load balancer polling health does not turn into calls to the provider
_llm_cache: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}


def _check(probe: Callable[[], str], secret: str = "") -> dict[str, Any]:
    started = time.perf_counter()
    try:
        detail, ok = probe(), True
    # a health check reports every failure instead of raising it: a chroma, driver or HTTP error is
    # as much "unreachable" as ours, and the caller wants the reason, not a 500
    except Exception as exc:
        detail, ok = f"{type(exc).__name__}: {(str(exc).splitlines() or [''])[0]}", False
        if secret:
            detail = detail.replace(secret, "***")
    return {"ok": ok, "detail": detail, "ms": round((time.perf_counter() - started) * 1000, 1)}


def _llm(services: Services) -> dict[str, Any]:
    settings = services.settings
    if not (settings.use_llm_engine or settings.use_llm_analyzer):
        return {"ok": True, "detail": "not configured: the offline engine drafts", "ms": 0.0}
    base = (settings.openai_base_url or "https://api.openai.com/v1").rstrip("/")
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    cached = _llm_cache.get((base, key))
    if cached and time.monotonic() - cached[0] < LLM_CACHE_SECONDS:
        return cached[1]

    def probe() -> str:
        answer = httpx.get(f"{base}/models", headers={"Authorization": f"Bearer {key}"}, timeout=LLM_TIMEOUT)
        answer.raise_for_status()
        return f"{base} answers (model {settings.model})"

    result = _check(probe, secret=key)
    _llm_cache[(base, key)] = (time.monotonic(), result)
    return result


def health(services: Services) -> dict[str, Any]:
    """{"status": "ok" | "degraded", "store": {ok, detail, ms}, "log": {…}, "llm": {…}}."""

    def store() -> str:
        return f"{services.settings.chroma_url or 'embedded store'}: {services.kb.store.count()} chunks"

    def log() -> str:
        services.log.ping()
        return services.log.describe()

    checks = {"store": _check(store), "log": _check(log), "llm": _llm(services)}
    return {"status": "ok" if all(c["ok"] for c in checks.values()) else "degraded", **checks}
