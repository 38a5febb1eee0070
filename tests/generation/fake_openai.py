"""A local OpenAI-compatible server (``/v1/chat/completions``) driven by each test.

Each test queues what the next requests get: a reply text (streamed as server-sent
events when the client asks for a stream, one JSON body otherwise), an HTTP error, a
delay, an empty or malformed reply. Every request body is recorded.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
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


@dataclass
class FakeOpenAI:
    """The server's script and what it received."""

    script: list[Scripted] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
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
            return web.json_response(
                {"error": {"message": "scripted failure", "type": "server_error"}},
                status=step.status,
                headers=headers,
            )
        if step.malformed:
            return web.Response(text="{not json", content_type="application/json")
        created = int(time.time())
        if body.get("stream"):
            response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
            await response.prepare(request)
            words = step.text.split(" ") if step.text else []
            for index, word in enumerate(words):
                piece = word if index == 0 else f" {word}"
                chunk = {
                    "id": "chatcmpl-test",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": body.get("model", "test"),
                    "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}],
                }
                await response.write(f"data: {json.dumps(chunk)}\n\n".encode())
                if step.chunk_delay:
                    await asyncio.sleep(step.chunk_delay)
            done = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": created,
                "model": body.get("model", "test"),
                "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
            }
            await response.write(f"data: {json.dumps(done)}\n\ndata: [DONE]\n\n".encode())
            await response.write_eof()
            return response
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


def unused_port() -> int:
    """A loopback port nothing listens on (for connection-refused tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
