"""A Bot Connector on loopback: records what the bot sends, answers like Teams.

The activities under test carry ``serviceUrl`` = this server, so every reply,
typing indicator and card update the bot makes arrives here. It can be told
to refuse the next calls (429 with ``Retry-After``, 502...) to exercise retries.
msrest sends with ``requests`` in a worker thread, so this server can share
the test's event loop.

Streams follow Teams' rules ("Stream bot messages" on learn.microsoft.com): the
first update (no ``streamId``, ``streamSequence`` 1) gets 201 with the id that
names the stream; later updates must carry it, count up, and (when streaming)
extend the text shown so far, and get 202 ``{}``; the final message carries the
id, no sequence, and becomes the message of that id. Anything else is refused
as Teams refuses it (400, or 403 on a finished stream).
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

ADAPTIVE = "application/vnd.microsoft.card.adaptive"
MESSAGE_ENTITY = "https://schema.org/Message"


@dataclass
class Call:
    method: str
    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int
    activity_id: str = ""  # the id this server gave the activity (accepted POSTs)
    at: float = 0.0  # time.monotonic() when it arrived

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def cards(self) -> list[dict[str, Any]]:
        return [
            a["content"]
            for a in self.body.get("attachments") or []
            if a.get("contentType") == ADAPTIVE
        ]

    @property
    def card(self) -> dict[str, Any]:
        (card,) = self.cards
        return card

    @property
    def stream_info(self) -> dict[str, Any] | None:
        """The activity's ``streaminfo`` entity, when it is part of a stream."""
        return next(
            (e for e in self.body.get("entities") or [] if e.get("type") == "streaminfo"), None
        )

    @property
    def ai_entity(self) -> dict[str, Any] | None:
        """The ``https://schema.org/Message`` entity: AI label and citations."""
        found = [
            e for e in self.body.get("entities") or [] if e.get("type") == MESSAGE_ENTITY
        ]
        assert len(found) <= 1, "Teams refuses more than one root message entity"
        return found[0] if found else None


@dataclass
class Stream:
    sequence: int
    text: str = ""
    final: bool = False


@dataclass
class Refusal:
    status: int
    retry_after: str | None = None
    only_type: str | None = None  # refuse only activities of this type ("message", "typing")


class MockConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._refusals: list[Refusal] = []
        self.streams: dict[str, Stream] = {}
        self._ids = itertools.count(1)
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_route("POST", "/v3/conversations/{path:.*}", self._record)
        app.router.add_route("PUT", "/v3/conversations/{path:.*}", self._record)
        self._runner = web.AppRunner(app, access_log=None)
        self.url = ""

    async def start(self) -> MockConnector:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/"
        return self

    async def stop(self) -> None:
        await self._runner.cleanup()

    def refuse_next(
        self,
        status: int,
        retry_after: str | None = None,
        times: int = 1,
        only_type: str | None = None,
    ) -> None:
        self._refusals.extend(Refusal(status, retry_after, only_type) for _ in range(times))

    # --- what arrived ------------------------------------------------------------------

    @property
    def accepted(self) -> list[Call]:
        return [c for c in self.calls if c.status < 300]

    @property
    def messages(self) -> list[Call]:
        """Accepted new messages (POSTs of type message)."""
        return [c for c in self.accepted if c.method == "POST" and c.type == "message"]

    @property
    def typing(self) -> list[Call]:
        return [c for c in self.accepted if c.type == "typing"]

    @property
    def updates(self) -> list[Call]:
        return [c for c in self.accepted if c.method == "PUT"]

    @property
    def stream_calls(self) -> list[Call]:
        """Accepted activities that belong to a stream, in order."""
        return [c for c in self.accepted if c.stream_info is not None]

    def message(self, activity_id: str) -> Call:
        """The accepted message posted under ``activity_id``."""
        return next(c for c in self.messages if c.activity_id == activity_id)

    def clear(self) -> None:
        self.calls.clear()

    async def wait_for(
        self, condition: Callable[[MockConnector], bool], timeout: float = 15.0
    ) -> None:
        async with asyncio.timeout(timeout):
            while not condition(self):
                self._changed.clear()
                await self._changed.wait()

    # --- the server ---------------------------------------------------------------------

    async def _record(self, request: web.Request) -> web.Response:
        body = await request.json()
        refusal = next((r for r in self._refusals if r.only_type in (None, body.get("type"))), None)
        if refusal is not None:
            self._refusals.remove(refusal)
        call = Call(request.method, request.path, body, dict(request.headers), 0, "")
        call.at = time.monotonic()
        self.calls.append(call)
        self._changed.set()
        if refusal is not None:
            call.status = refusal.status
            headers = {"Retry-After": refusal.retry_after} if refusal.retry_after else {}
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}},
                status=refusal.status,
                headers=headers,
            )
        if call.stream_info is not None:
            return self._stream(call, call.stream_info)
        call.status, call.activity_id = 200, f"activity-{next(self._ids)}"
        return web.json_response({"id": call.activity_id})

    def _stream(self, call: Call, info: dict[str, Any]) -> web.Response:
        """Teams' streaming rules, checked; a call that breaks one is refused."""
        kind, stream_id, sequence = (
            info.get("streamType", "streaming"),
            info.get("streamId"),
            info.get("streamSequence"),
        )
        text = str(call.body.get("text") or "")
        problem = ""
        if kind == "final":
            stream = self.streams.get(str(stream_id))
            if call.type != "message" or stream is None or sequence is not None:
                problem = "a final message is a message naming its stream, without a sequence"
            elif stream.final:
                return self._refuse(call, 403, "Content stream is not allowed on a completed one")
            else:
                stream.final = True
                call.status, call.activity_id = 202, str(stream_id)
                return web.json_response({}, status=202)
        elif call.type != "typing" or kind not in ("informative", "streaming") or not text:
            problem = "updates are typing activities with text, informative or streaming"
        elif stream_id is None:
            if sequence != 1:
                problem = "a stream starts at sequence 1"
            else:
                call.status, call.activity_id = 201, f"activity-{next(self._ids)}"
                self.streams[call.activity_id] = Stream(1)
                return web.json_response({"id": call.activity_id}, status=201)
        else:
            stream = self.streams.get(str(stream_id))
            if stream is None or stream.final:
                return self._refuse(call, 403, "Content stream is not allowed")
            if not isinstance(sequence, int) or sequence <= stream.sequence:
                problem = "the sequence must count up"
            elif kind == "streaming" and not text.startswith(stream.text):
                problem = "each streaming update must extend the text streamed so far"
            else:
                stream.sequence = sequence
                stream.text = text if kind == "streaming" else stream.text
                call.status = 202
                return web.json_response({}, status=202)
        return self._refuse(call, 400, problem)

    def _refuse(self, call: Call, status: int, message: str) -> web.Response:
        call.status = status
        code = "BadRequest" if status == 400 else "ContentStreamNotAllowed"
        return web.json_response({"error": {"code": code, "message": message}}, status=status)
