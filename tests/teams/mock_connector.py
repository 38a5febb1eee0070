"""A Bot Connector on loopback: records what the bot sends, answers like Teams.

The activities under test carry ``serviceUrl`` = this server, so every reply,
typing indicator and card update the bot makes arrives here. It can be told
to refuse the next calls (429 with ``Retry-After``, 502...) to exercise retries.
msrest sends with ``requests`` in a worker thread, so this server can share
the test's event loop.
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


@dataclass
class Refusal:
    status: int
    retry_after: str | None = None
    only_type: str | None = None  # refuse only activities of this type ("message", "typing")


class MockConnector:
    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._refusals: list[Refusal] = []
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
        status = refusal.status if refusal else 200
        activity_id = "" if refusal else f"activity-{next(self._ids)}"
        self.calls.append(
            Call(
                request.method,
                request.path,
                body,
                dict(request.headers),
                status,
                activity_id,
                time.monotonic(),
            )
        )
        self._changed.set()
        if refusal is not None:
            headers = {"Retry-After": refusal.retry_after} if refusal.retry_after else {}
            return web.json_response(
                {"error": {"code": "Throttled", "message": "slow down"}},
                status=refusal.status,
                headers=headers,
            )
        return web.json_response({"id": activity_id})
