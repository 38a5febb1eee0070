"""A recording stand-in for Slack's Web API, for replicas running as separate processes.

Both replicas' ``SLACK_API_URL`` point here; every call is recorded with its
parameters, so a test can count the ``chat.postMessage`` calls all replicas made
together. (The Slack adapter's own, richer mock lives in ``tests/slack``.)
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.scaleout.loopback_app import serving
from tests.scaleout.servers import LOOPBACK, free_port

TEAM_ID = "T0SCALE"
BOT_USER_ID = "U0ADVISOR"
BOT_ID = "B0ADVISOR"


@dataclass(frozen=True)
class WebApiCall:
    """One Web API request: the method and its parameters (form or JSON)."""

    method: str
    params: dict[str, Any]


class RecordingSlackWebApi:
    """Answers like Slack (``ok: true``) and records every call, from any process."""

    def __init__(self) -> None:
        self.port = free_port()
        self._calls: list[WebApiCall] = []
        self._lock = threading.Lock()
        self._ts = itertools.count(1)

    @property
    def base_url(self) -> str:
        """The ``SLACK_API_URL`` to give the replicas."""
        return f"http://{LOOPBACK}:{self.port}/api/"

    def calls(self, method: str) -> list[WebApiCall]:
        """The calls of one method so far, in order."""
        with self._lock:
            return [call for call in self._calls if call.method == method]

    def wait_for(self, method: str, count: int, timeout: float) -> list[WebApiCall]:
        """Wait until ``method`` was called ``count`` times; fail with what came instead."""
        deadline = time.monotonic() + timeout
        while len(self.calls(method)) < count:
            if time.monotonic() > deadline:
                with self._lock:
                    seen = [call.method for call in self._calls]
                raise AssertionError(f"{count} x {method} not seen in {timeout} s; calls: {seen}")
            time.sleep(0.1)
        return self.calls(method)

    @contextmanager
    def running(self) -> Iterator[RecordingSlackWebApi]:
        """Serve on a thread of its own until the block ends."""
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        with serving(app, self.port):
            yield self

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.content_type == "application/json":
            params: dict[str, Any] = await request.json()
        else:
            params = {k: v for k, v in (await request.post()).items() if isinstance(v, str)}
        with self._lock:
            self._calls.append(WebApiCall(method, params))
        return web.json_response(self._answer(method, params))

    def _answer(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method == "auth.test":
            return {
                "ok": True,
                "team_id": TEAM_ID,
                "team": "Scale",
                "user_id": BOT_USER_ID,
                "user": "advisor",
                "bot_id": BOT_ID,
                "url": "https://scale.slack.com/",
                "is_enterprise_install": False,
            }
        if method in ("chat.postMessage", "chat.update"):
            ts = f"{1_800_000_000 + next(self._ts)}.000100"
            return {"ok": True, "channel": params.get("channel"), "ts": ts, "message": {"ts": ts}}
        return {"ok": True}
