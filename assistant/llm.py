"""The one place that talks to the LLM provider: langchain-openai's ChatOpenAI against any
OpenAI-compatible endpoint, structured output in the configured method, token streaming, and
every failure turned into an LLMError that says what happened (never the API key)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import httpx
import openai
import yaml
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.utils.json import parse_partial_json
from langchain_openai import ChatOpenAI
from pydantic import BaseModel, ValidationError

from assistant.errors import LLMError
from assistant.settings import Settings, StructuredMethod
from assistant.usage import CallScope, call_scope, current_scope  # noqa: F401  (re-exported)

T = TypeVar("T", bound=BaseModel)


class ResponseCache:
    """LLM answers on disk, keyed by model, messages, schema, parameters and repeat index (evals)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def key(self, *parts: Any) -> str:
        return hashlib.sha256(
            json.dumps(parts, ensure_ascii=False, sort_keys=True, default=str).encode()
        ).hexdigest()

    def get(self, key: str) -> str | None:
        path = self.folder / key[:2] / f"{key}.json"
        return json.loads(path.read_text(encoding="utf-8"))["raw"] if path.exists() else None

    def put(self, key: str, raw: str) -> None:
        path = self.folder / key[:2] / f"{key}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(json.dumps({"raw": raw}, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)


PartialCallback = Callable[[dict[str, Any]], None]


@cache
def _json_mode_instruction(prompts_dir: Path) -> str:
    return str(yaml.safe_load((prompts_dir / "llm" / "output.yaml").read_text(encoding="utf-8"))["json_mode"])


def describe_failure(exc: BaseException, base_url: str | None) -> LLMError:
    where = base_url or "the OpenAI API"
    if isinstance(exc, openai.APITimeoutError | httpx.TimeoutException):
        return LLMError(f"the LLM at {where} did not answer in time", kind="timeout")
    if isinstance(exc, openai.APIConnectionError | httpx.ConnectError):
        return LLMError(
            f"cannot connect to the LLM at {where}; is it running and is OPENAI_BASE_URL right?",
            kind="connection",
        )
    if isinstance(exc, openai.AuthenticationError):
        return LLMError(
            f"the LLM at {where} refused the API key (HTTP 401); check OPENAI_API_KEY", kind="auth"
        )
    if isinstance(exc, openai.RateLimitError):
        return LLMError(
            f"the LLM at {where} is rate-limiting us (HTTP 429); try again shortly", kind="rate_limit"
        )
    if isinstance(exc, openai.APIStatusError):
        return LLMError(f"the LLM at {where} answered HTTP {exc.status_code}", kind="http")
    return LLMError(f"the LLM call failed: {type(exc).__name__}", kind="error")


class LLMClient:
    """Wraps ChatOpenAI; counts calls so a draft can keep within its budget."""

    def __init__(
        self, settings: Settings, chat: ChatOpenAI | None = None, cache: ResponseCache | None = None
    ):
        settings.require_llm()
        self.cache = cache
        self.settings = settings
        self.model = settings.model
        self.method = settings.structured_method
        self.calls = 0
        self.usage: dict[str, int] = {"input_tokens": 0, "output_tokens": 0}
        self.chat = chat or ChatOpenAI(
            model=settings.model,
            api_key=settings.openai_api_key,
            base_url=settings.openai_base_url,
            timeout=settings.llm_timeout,
            max_retries=settings.llm_max_retries,
            temperature=settings.temperature,
            stream_usage=True,
        )

    def _bound(self, schema: type[BaseModel], name: str) -> Any:
        json_schema = schema.model_json_schema()
        if self.method is StructuredMethod.function_calling:
            tool = {
                "type": "function",
                "function": {"name": name, "description": schema.__doc__ or name, "parameters": json_schema},
            }
            return self.chat.bind(tools=[tool], tool_choice={"type": "function", "function": {"name": name}})
        if self.method is StructuredMethod.json_schema:
            return self.chat.bind(
                response_format={
                    "type": "json_schema",
                    "json_schema": {"name": name, "schema": json_schema, "strict": False},
                }
            )
        return self.chat.bind(response_format={"type": "json_object"})

    def _messages(self, messages: list[BaseMessage], schema: type[BaseModel]) -> list[BaseMessage]:
        if self.method is not StructuredMethod.json_mode:
            return messages
        instruction = _json_mode_instruction(self.settings.prompts_dir).format(
            schema=json.dumps(schema.model_json_schema(), ensure_ascii=False)
        )
        first, *rest = messages
        return [SystemMessage(content=f"{first.content}\n\n{instruction}"), *rest]

    def structured(
        self,
        messages: list[BaseMessage],
        schema: type[T],
        *,
        name: str = "answer",
        on_partial: PartialCallback | None = None,
    ) -> T:
        """One call; the answer parsed into `schema`. Streams partial objects to `on_partial`."""
        self.calls += 1
        current = current_scope()
        scopes = list(current.chain()) if current else []
        for scope in scopes:
            scope.calls += 1
        prepared = self._messages(messages, schema)
        key = None
        if self.cache is not None:
            key = self.cache.key(
                self.model,
                self.method.value,
                self.settings.temperature,
                name,
                schema.model_json_schema(),
                [(m.type, m.content) for m in prepared],
                scopes[0].repeat if scopes else 0,
            )
            cached = self.cache.get(key)
            if cached is not None:
                for scope in scopes:
                    scope.cache_hits += 1
                return self._parse(cached, schema)
        raw = self._call(self._bound(schema, name), prepared, on_partial, scopes)
        parsed = self._parse(raw, schema)
        if self.cache is not None and key is not None:
            self.cache.put(key, raw)
        return parsed

    def _call(
        self,
        runnable: Any,
        messages: list[BaseMessage],
        on_partial: PartialCallback | None,
        scopes: list[CallScope],
    ) -> str:
        """Stream when someone watches the tokens; otherwise one plain request (much less CPU per call)."""
        message: AIMessage | AIMessageChunk | None = None
        try:
            if on_partial is None:
                message = runnable.invoke(messages)
            else:
                for chunk in runnable.stream(messages):
                    message = chunk if message is None else message + chunk
                    try:  # not (yet) JSON, e.g. prose: the final parse below reports it
                        partial = parse_partial_json(self._raw(message)) if self._raw(message) else None
                    except ValueError:
                        partial = None
                    if isinstance(partial, dict):
                        on_partial(partial)
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise describe_failure(exc, self.settings.openai_base_url) from None
        if message is None:
            raise LLMError("the LLM returned an empty answer", kind="parse")
        self._count_usage(message, scopes)
        return self._raw(message)

    @staticmethod
    def _parse(raw: str, schema: type[T]) -> T:
        try:
            return schema.model_validate_json(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            raise LLMError(
                f"the LLM's answer does not match the expected format ({first['msg']} at {'.'.join(map(str, first['loc'])) or 'top level'})",
                kind="parse",
                raw=raw[:500],
            ) from None

    def _raw(self, message: AIMessage | AIMessageChunk) -> str:
        if self.method is StructuredMethod.function_calling:
            if isinstance(message, AIMessageChunk):
                return "".join(c.get("args") or "" for c in message.tool_call_chunks or [])
            if message.tool_calls:
                return json.dumps(message.tool_calls[0]["args"], ensure_ascii=False)
            return "".join(str(c.get("args") or "") for c in message.invalid_tool_calls or [])
        content = message.content
        if isinstance(content, list):
            content = "".join(
                part.get("text", "") if isinstance(part, dict) else str(part) for part in content
            )
        text = str(content).strip()
        if text.startswith("```"):  # some servers wrap JSON in a code fence
            text = text.strip("`").removeprefix("json").strip()
        return text

    def _count_usage(self, message: AIMessage | AIMessageChunk, scopes: list[CallScope]) -> None:
        usage: dict[str, Any] = dict(message.usage_metadata or {})
        for key in ("input_tokens", "output_tokens"):
            tokens = int(usage.get(key) or 0)
            self.usage[key] += tokens
            for scope in scopes:
                scope.usage[key] += tokens

    def ping(self) -> str:
        """A tiny call for the Settings page's "test connection"."""
        try:
            answer = self.chat.invoke("Reply with the word: pong")
        except (openai.OpenAIError, httpx.HTTPError) as exc:
            raise describe_failure(exc, self.settings.openai_base_url) from None
        return str(answer.content)[:50]
