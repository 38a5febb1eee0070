"""A local OpenAI-compatible server (``/v1/chat/completions``) driven by each test.

Each test queues what the next requests get: a reply text (streamed as server-sent
events when the client asks for a stream, one JSON body otherwise), an HTTP error (whose
message may echo the prompt, as real providers' 400s do), a delay, an empty or malformed
reply, a stream that never ends. Every request body is recorded, and so is how many
chunks each stream wrote before it ended or the client hung up.

``running_in_thread`` serves it from its own thread and event loop, so a test can stream
megabytes without the fake's own work slowing the advisor's event loop.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web


@dataclass
class Scripted:
    """What one request gets."""

    text: str = ""
    status: int = 200
    delay: float = 0.0
    malformed: bool = False
    retry_after: str | None = None
    chunk_delay: float = 0.0  # seconds between streamed words
    chunk_chars: int = 0  # stream this many characters per chunk instead of one word
    endless: bool = False  # stream ``text`` over and over until the client hangs up
    echo_prompt: bool = False  # an error's message quotes the user's message, like a 400


@dataclass
class FakeOpenAI:
    """The server's script and what it received."""

    script: list[Scripted] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    streamed: list[int] = field(default_factory=list)  # chunks written, per stream
    hung_up: int = 0  # streams the client closed before their end
    default: Scripted = field(default_factory=lambda: Scripted("The knowledge base says so [1]."))
    port: int = 0
    _runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def queue(self, *replies: Scripted) -> None:
        self.script.extend(replies)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        body = await request.json()
        self.requests.append(body)
        step = self.script.pop(0) if self.script else self.default
        if step.delay:
            await asyncio.sleep(step.delay)
        if step.status != 200:
            headers = {"Retry-After": step.retry_after} if step.retry_after else {}
            message = "scripted failure"
            if step.echo_prompt:
                message = f"Invalid request for messages: {_user_text(body)!r}"
            return web.json_response(
                {"error": {"message": message, "type": "invalid_request_error"}},
                status=step.status,
                headers=headers,
            )
        if step.malformed:
            return web.Response(text="{not json", content_type="application/json")
        created = int(time.time())
        if body.get("stream"):
            return await self._stream(request, body, step, created)
        return web.json_response(
            {
                "id": "chatcmpl-test",
                "object": "chat.completion",
                "created": created,
                "model": body.get("model", "test"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": step.text},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }
        )

    async def _stream(
        self, request: web.Request, body: dict[str, Any], step: Scripted, created: int
    ) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        model = body.get("model", "test")
        written = 0
        self.streamed.append(0)
        index = len(self.streamed) - 1
        try:
            while True:
                for piece in _pieces(step.text, step.chunk_chars):
                    await response.write(_sse(_chunk(model, created, {"content": piece}, None)))
                    written += 1
                    self.streamed[index] = written
                    # Yield now and then even without a delay, as a real server's socket would.
                    await asyncio.sleep(step.chunk_delay)
                if not step.endless:
                    break
            done = _sse(_chunk(model, created, {}, "stop")) + b"data: [DONE]\n\n"
            await response.write(done)
            await response.write_eof()
        except (ConnectionResetError, ConnectionError):
            self.hung_up += 1
        return response


def _pieces(text: str, chunk_chars: int) -> list[str]:
    if chunk_chars:
        return [text[i : i + chunk_chars] for i in range(0, len(text), chunk_chars)]
    words = text.split(" ") if text else []
    return [word if index == 0 else f" {word}" for index, word in enumerate(words)]


def _chunk(model: str, created: int, delta: dict[str, str], finish: str | None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _sse(chunk: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(chunk)}\n\n".encode()


def _user_text(body: dict[str, Any]) -> str:
    """The last user message of a request, as a provider quoting it in an error would."""
    users = [m for m in body.get("messages", []) if m.get("role") == "user"]
    return str(users[-1].get("content", "")) if users else ""


@contextmanager
def running_in_thread(fake: FakeOpenAI) -> Iterator[FakeOpenAI]:
    """Serve ``fake`` from a thread with its own event loop, for the ``with`` block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="fake-openai", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(fake.start(), loop).result(timeout=10)
        yield fake
        asyncio.run_coroutine_threadsafe(fake.stop(), loop).result(timeout=10)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()


def unused_port() -> int:
    """A loopback port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def llm_settings(model: FakeOpenAI) -> dict[str, Any]:
    """Settings overrides that make the advisor generate its answers with ``model``."""
    return {"llm_provider": "openai", "llm_model": "test-model", "llm_base_url": model.base_url}
