"""A real, offline, OpenAI-compatible HTTP server for tests.

It listens on 127.0.0.1 (a random free port) in a daemon thread and implements:

- POST /v1/chat/completions: streaming (SSE `data: {...}` chunks, then `data: [DONE]`) and not;
  content is streamed in small pieces, tool-call arguments too (`delta.tool_calls[0].function.arguments`);
  usage is sent in a last chunk when `stream_options.include_usage` is set;
- POST /v1/embeddings: deterministic unit vectors (float lists or base64, as asked);
- GET /v1/models.

Replies to chat requests come from a FIFO queue filled by the test:

    server.queue('{"variants": ["hi"]}')     # content (a tool call when the request has `tools`)
    server.queue(Error(500))  or  server.queue(500)          # an HTTP error with an OpenAI-style body
    server.queue(Delay(2.0))  or  server.queue(2.0)          # wait, then answer with the next reply / default
    server.queue(Delay(2.0, then='{"a": 1}'))                # wait, then answer with `then`

When the queue is empty the server answers with a sensible default (see `default_content`).
Every request is recorded in `server.requests` (method, path, headers, parsed JSON body).
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import struct
import sys
import threading
import time
import traceback
import uuid
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support import free_port  # noqa: F401  (re-exported for the tests)

CHUNK_CHARS = 5
EMBEDDING_DIM = 16

_ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("invalid_request_error", "invalid_api_key"),
    403: ("permission_error", "permission_denied"),
    404: ("invalid_request_error", "model_not_found"),
    429: ("requests", "rate_limit_exceeded"),
    500: ("server_error", "internal_error"),
    502: ("server_error", "bad_gateway"),
    503: ("server_error", "overloaded"),
}


@dataclass(frozen=True)
class Error:
    """Answer with this HTTP status and an OpenAI-style error body."""

    status: int
    message: str | None = None


@dataclass(frozen=True)
class Delay:
    """Wait `seconds` before answering (with `then`, or the next queued reply / the default)."""

    seconds: float
    then: Reply | None = None


Reply = str | Error | Delay | int | float


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None

    @property
    def messages(self) -> list[dict[str, Any]]:
        return list((self.body or {}).get("messages") or [])

    @property
    def text(self) -> str:
        """All message contents of the request, joined (to search prompts and feedback)."""
        parts = []
        for m in self.messages:
            content = m.get("content")
            if isinstance(content, list):
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            parts.append(str(content or ""))
        return "\n".join(parts)


def _normalize(reply: Reply) -> str | Error | Delay:
    if isinstance(reply, bool):
        raise TypeError("a reply cannot be a bool")
    if isinstance(reply, int):
        return Error(reply)
    if isinstance(reply, float):
        return Delay(reply)
    if isinstance(reply, str | Error | Delay):
        return reply
    raise TypeError(f"unsupported reply: {reply!r}")


def _example(schema: dict[str, Any], defs: dict[str, Any]) -> Any:
    """A minimal instance of a JSON schema (for default answers)."""
    if "$ref" in schema:
        return _example(defs.get(schema["$ref"].rsplit("/", 1)[-1], {}), defs)
    if "default" in schema:
        return schema["default"]
    for key in ("anyOf", "oneOf", "allOf"):
        if schema.get(key):
            return _example(schema[key][0], defs)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        props = schema.get("properties", {})
        return {name: _example(props[name], defs) for name in schema.get("required", []) if name in props}
    if kind == "array":
        return [
            _example(schema.get("items", {}), defs) for _ in range(max(1, int(schema.get("minItems", 1))))
        ]
    if kind == "string":
        return "ok"
    if kind in ("number", "integer"):
        return 0
    if kind == "boolean":
        return False
    return None


def default_content(body: dict[str, Any]) -> str:
    """What the server says when nothing is queued: JSON matching the requested schema, else "pong"."""
    tool_schema = _tool_function(body)
    schema = None
    if tool_schema is not None:
        schema = tool_schema.get("parameters")
    fmt = body.get("response_format") or {}
    if fmt.get("type") == "json_schema":
        schema = (fmt.get("json_schema") or {}).get("schema")
    if schema:
        return json.dumps(_example(schema, schema.get("$defs", {})), ensure_ascii=False)
    if fmt.get("type") == "json_object":
        return "{}"
    return "pong"


def _tool_function(body: dict[str, Any]) -> dict[str, Any] | None:
    tools = body.get("tools") or []
    if not tools:
        return None
    choice = body.get("tool_choice")
    wanted = choice.get("function", {}).get("name") if isinstance(choice, dict) else None
    for tool in tools:
        fn = tool.get("function") or {}
        if wanted is None or fn.get("name") == wanted:
            return fn
    return tools[0].get("function") or {}


def count_tokens(text: str) -> int:
    return max(1, math.ceil(len(text) / 4)) if text else 0


def _pieces(text: str, size: int = CHUNK_CHARS) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def embedding(text: str, dim: int = EMBEDDING_DIM) -> list[float]:
    """A deterministic unit vector for a text."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    while len(digest) < dim:
        digest += hashlib.sha256(digest).digest()
    raw = [(b - 127.5) / 127.5 for b in digest[:dim]]
    norm = math.sqrt(sum(x * x for x in raw)) or 1.0
    return [x / norm for x in raw]


class FakeOpenAI:
    """The server; use as a context manager or call start()/stop()."""

    def __init__(
        self,
        model: str = "gpt-4o-mini",
        chunk_chars: int = CHUNK_CHARS,
        latency: float = 0.0,
        default_reply: str | None = None,
    ):
        self.model = model
        self.latency = latency  # seconds added to every chat answer (benchmarks)
        self.default_reply = default_reply  # answer when the queue is empty, instead of a schema example
        self.chunk_chars = chunk_chars
        self.requests: list[Recorded] = []
        self.errors: list[str] = []  # tracebacks of the server's own failures (should stay empty)
        self._replies: deque[str | Error | Delay] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle ----------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.fake = self
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes up delayed answers
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the server is not running"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # -- scripting ----------------------------------------------------------------
    def queue(self, *replies: Reply) -> FakeOpenAI:
        with self._lock:
            self._replies.extend(_normalize(r) for r in replies)
        return self

    def _next(self) -> str | Error | Delay | None:
        with self._lock:
            return self._replies.popleft() if self._replies else None

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._replies)

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeOpenAI

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):  # a client hung up (timeouts, closed keep-alive)
            return
        self.fake.errors.append(traceback.format_exc())  # a bug in the fake itself: tests can assert on it
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # like real servers: no 40 ms delayed-ACK stalls on small writes
    fake: FakeOpenAI
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    # -- plumbing -----------------------------------------------------------------
    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        if not raw:
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return {"_raw": raw.decode("utf-8", "replace")}

    def _record(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(Recorded(self.command, self.path, headers, body))

    def _send_json(self, status: int, payload: Any, extra_headers: dict[str, str] | None = None) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", f"req_{uuid.uuid4().hex[:12]}")
        for k, v in (extra_headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def _send_error(self, error: Error) -> None:
        kind, code = _ERROR_TYPES.get(error.status, ("api_error", None))
        message = error.message
        if message is None:
            if error.status == 401:
                # like the real API, echo (part of) the key: the client must never repeat it
                auth = self.headers.get("Authorization", "")
                message = f"Incorrect API key provided: {auth.removeprefix('Bearer ')}."
            elif error.status == 429:
                message = "Rate limit reached for requests. Please try again in 1s."
            else:
                message = f"The server had an error while processing your request (HTTP {error.status})."
        extra = {"retry-after": "0"} if error.status == 429 else {}
        self._send_json(
            error.status, {"error": {"message": message, "type": kind, "param": None, "code": code}}, extra
        )

    def _sse_start(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()

    def _sse(self, payload: Any) -> None:
        data = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
        event = f"data: {data}\n\n".encode()
        self.wfile.write(f"{len(event):x}\r\n".encode() + event + b"\r\n")
        self.wfile.flush()

    def _sse_end(self) -> None:
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    # -- routes -------------------------------------------------------------------
    def do_GET(self) -> None:  # noqa: N802
        self._record(None)
        if self.path.rstrip("/") == "/v1/models":
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": self.fake.model, "object": "model", "created": 0, "owned_by": "fake-openai"},
                        {
                            "id": "text-embedding-3-small",
                            "object": "model",
                            "created": 0,
                            "owned_by": "fake-openai",
                        },
                    ],
                },
            )
            return
        self._send_error(Error(404, f"Unknown path {self.path}"))

    def do_POST(self) -> None:  # noqa: N802
        body = self._read_body()
        self._record(body)
        path = self.path.split("?", 1)[0].rstrip("/")
        try:
            if path == "/v1/chat/completions":
                self._chat(body or {})
            elif path == "/v1/embeddings":
                self._embeddings(body or {})
            else:
                self._send_error(Error(404, f"Unknown path {self.path}"))
        except (BrokenPipeError, ConnectionResetError):  # the client gave up (e.g. a timeout)
            self.close_connection = True

    def _embeddings(self, body: dict[str, Any]) -> None:
        inputs = body.get("input")
        texts = [inputs] if isinstance(inputs, str) else list(inputs or [])
        dim = int(body.get("dimensions") or EMBEDDING_DIM)
        data = []
        for i, text in enumerate(texts):
            vector = embedding(text if isinstance(text, str) else json.dumps(text), dim)
            if body.get("encoding_format") == "base64":
                value: Any = base64.b64encode(struct.pack(f"<{dim}f", *vector)).decode()
            else:
                value = vector
            data.append({"object": "embedding", "index": i, "embedding": value})
        tokens = sum(count_tokens(t if isinstance(t, str) else "x") for t in texts)
        self._send_json(
            200,
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "text-embedding-3-small"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            },
        )

    def _chat(self, body: dict[str, Any]) -> None:
        if self.fake.latency and self.fake._stopping.wait(self.fake.latency):
            self.close_connection = True
            return
        reply = self.fake._next()
        while isinstance(reply, Delay):
            if self.fake._stopping.wait(reply.seconds):
                self.close_connection = True
                return
            reply = _normalize(reply.then) if reply.then is not None else self.fake._next()
        if isinstance(reply, Error):
            self._send_error(reply)
            return
        if reply is None:
            reply = self.fake.default_reply
        content = default_content(body) if reply is None else reply
        prompt_tokens = sum(count_tokens(str(m.get("content") or "")) for m in body.get("messages") or [])
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": count_tokens(content),
            "total_tokens": prompt_tokens + count_tokens(content),
        }
        tool = _tool_function(body)
        completion_id = f"chatcmpl-{uuid.uuid4().hex[:16]}"
        created = int(time.time())
        model = body.get("model") or self.fake.model
        if body.get("stream"):
            self._stream(
                content,
                tool,
                usage,
                completion_id,
                created,
                model,
                include_usage=bool((body.get("stream_options") or {}).get("include_usage")),
            )
            return
        if tool is not None:
            message: dict[str, Any] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": f"call_{completion_id[-8:]}",
                        "type": "function",
                        "function": {"name": tool.get("name", "answer"), "arguments": content},
                    }
                ],
            }
            finish = "tool_calls"
        else:
            message = {"role": "assistant", "content": content}
            finish = "stop"
        self._send_json(
            200,
            {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "choices": [{"index": 0, "message": message, "finish_reason": finish, "logprobs": None}],
                "usage": usage,
                "system_fingerprint": "fp_fake",
            },
        )

    def _stream(
        self,
        content: str,
        tool: dict[str, Any] | None,
        usage: dict[str, int],
        completion_id: str,
        created: int,
        model: str,
        *,
        include_usage: bool,
    ) -> None:
        def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
            return {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}],
            }

        self._sse_start()
        if tool is not None:
            self._sse(
                chunk(
                    {
                        "role": "assistant",
                        "content": None,
                        "tool_calls": [
                            {
                                "index": 0,
                                "id": f"call_{completion_id[-8:]}",
                                "type": "function",
                                "function": {"name": tool.get("name", "answer"), "arguments": ""},
                            }
                        ],
                    }
                )
            )
            for piece in _pieces(content, self.fake.chunk_chars):
                self._sse(chunk({"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
            self._sse(chunk({}, "tool_calls"))
        else:
            self._sse(chunk({"role": "assistant", "content": ""}))
            for piece in _pieces(content, self.fake.chunk_chars):
                self._sse(chunk({"content": piece}))
            self._sse(chunk({}, "stop"))
        if include_usage:
            self._sse(
                {
                    "id": completion_id,
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_fake",
                    "choices": [],
                    "usage": usage,
                }
            )
        self._sse("[DONE]")
        self._sse_end()


def main() -> None:
    """Serve from a separate process (benchmarks): prints the base URL, then serves until killed."""
    import argparse

    parser = argparse.ArgumentParser(description="A fake OpenAI-compatible server on 127.0.0.1.")
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--reply", default=None, help="answer to every chat request")
    args = parser.parse_args()
    fake = FakeOpenAI(latency=args.latency, default_reply=args.reply).start()
    print(fake.base_url, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
