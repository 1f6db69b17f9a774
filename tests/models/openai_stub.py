"""A local OpenAI-compatible chat server for tests: `POST /v1/chat/completions` (non-streaming),
answered by the offline engine's role handlers, with tool calls in OpenAI's format and a `usage`
field. It listens on 127.0.0.1 only, on a free port, and stops when its `with` block ends.

    with OpenAIStub() as stub:
        os.environ["OPENAI_API_BASE"] = stub.base_url
        ...
"""

from __future__ import annotations

import asyncio
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

from google.adk.models.llm_request import LlmRequest
from google.genai import types

from machine_learning_engineering.models.offline.engine import OfflineEngine

CHARS_PER_TOKEN = 4
ROLE_MARKER = "[mle-star role:"


@dataclass
class StubCall:
    """One chat completion as the stub saw it."""

    model: str
    role: Optional[str]            # from the prompt's `[mle-star role: X]` header
    tools: list[str]               # function tools on offer
    tool_results: dict[str, Any]   # results of earlier tool calls in the conversation, by tool name
    answer: str = ""               # "text" or "call:<tool>"
    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class OpenAIStub:
    """The server; `calls` holds every completion it served, in order, and `errors` what it refused."""

    engine: OfflineEngine = field(default_factory=OfflineEngine)
    calls: list[StubCall] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _server: Optional[ThreadingHTTPServer] = None
    _thread: Optional[threading.Thread] = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _engine_lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> "OpenAIStub":
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                if self.path.rstrip("/") not in ("/v1/chat/completions", "/chat/completions"):
                    return self._send(404, {"error": {"message": f"no route {self.path}"}})
                try:
                    body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                    self._send(200, stub.complete(body))
                except Exception as exc:  # noqa: BLE001 - the client gets the error; the test sees `errors`
                    with stub._lock:
                        stub.errors.append(f"{type(exc).__name__}: {exc}")
                    self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})

            def _send(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="openai-stub", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def complete(self, body: dict) -> dict:
        """One chat completion: the request body in OpenAI's format, the response likewise."""
        if body.get("stream"):
            raise ValueError("this stub serves non-streaming completions only")
        tools = [t["function"]["name"] for t in body.get("tools") or [] if t.get("type") == "function"]
        system, contents, tool_results = _to_genai(body["messages"])
        request = LlmRequest(model=body["model"], contents=contents,
                             config=types.GenerateContentConfig(system_instruction=system))

        async def ask() -> types.Part:
            return [r async for r in self.engine.generate_content_async(request)][-1].content.parts[0]

        # One answer at a time: the engine parses code, and CPython 3.11's AST parser is not safe in two
        # threads at once (concurrent candidates send requests together).
        with self._engine_lock:
            part = asyncio.run(ask())
        everything = "\n".join([system] + [p.text for c in contents for p in c.parts or [] if p.text])
        call = StubCall(model=body["model"], role=_role(everything), tools=tools, tool_results=tool_results)
        prompt_chars = len(json.dumps(body["messages"]))
        if part.function_call is not None:
            name, args = part.function_call.name, dict(part.function_call.args or {})
            if name not in tools:
                raise ValueError(f"the engine called {name!r}, which the request does not offer ({tools})")
            with self._lock:
                call_id = f"call_{len(self.calls) + 1}"
            message = {"role": "assistant", "content": None, "tool_calls": [
                {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}
            call.answer, finish, answer_chars = f"call:{name}", "tool_calls", len(json.dumps(args))
        else:
            message = {"role": "assistant", "content": part.text}
            call.answer, finish, answer_chars = "text", "stop", len(part.text or "")
        call.prompt_tokens = 1 + prompt_chars // CHARS_PER_TOKEN
        call.completion_tokens = 1 + answer_chars // CHARS_PER_TOKEN
        with self._lock:
            self.calls.append(call)
            number = len(self.calls)
        return {"id": f"chatcmpl-stub-{number}", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "message": message, "finish_reason": finish}],
                "usage": {"prompt_tokens": call.prompt_tokens, "completion_tokens": call.completion_tokens,
                          "total_tokens": call.prompt_tokens + call.completion_tokens}}


def _to_genai(messages: list[dict]) -> tuple[str, list[types.Content], dict[str, Any]]:
    """OpenAI chat messages as the system text and the google-genai contents the engine reads."""
    system: list[str] = []
    contents: list[types.Content] = []
    results: dict[str, Any] = {}
    tool_names: dict[str, str] = {}
    for message in messages:
        role, text = message["role"], _text(message.get("content"))
        if role in ("system", "developer"):
            system.append(text)
        elif role == "user":
            contents.append(types.Content(role="user", parts=[types.Part(text=text)]))
        elif role == "assistant":
            parts = [types.Part(text=text)] if text else []
            for tool_call in message.get("tool_calls") or []:
                function = tool_call["function"]
                tool_names[tool_call["id"]] = function["name"]
                parts.append(types.Part(function_call=types.FunctionCall(
                    name=function["name"], args=json.loads(function.get("arguments") or "{}"))))
            contents.append(types.Content(role="model", parts=parts))
        elif role == "tool":
            name = tool_names.get(message.get("tool_call_id", ""), message.get("name", ""))
            try:
                response = json.loads(text)
            except json.JSONDecodeError:
                response = text
            results[name] = response
            contents.append(types.Content(role="user", parts=[types.Part(function_response=types.FunctionResponse(
                name=name, response=response if isinstance(response, dict) else {"result": response}))]))
        else:
            raise ValueError(f"unknown message role {role!r}")
    return "\n".join(system), contents, results


def _text(content: Any) -> str:
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    return "\n".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")


def _role(text: str) -> Optional[str]:
    if ROLE_MARKER not in text:
        return None
    return text.split(ROLE_MARKER, 1)[1].split("]", 1)[0].strip()
