"""A Slack Web API stand-in that can hold ``chat.postMessage``: the reply is on its way, not sent.

While held, a post waits in the server; a test kills the advisor meanwhile. Released,
a post whose client is gone (the process died) is discarded, as Slack would never
have answered it; otherwise it is recorded and answered like any other call.
"""

from __future__ import annotations

import asyncio
import threading
import time

from aiohttp import web

from tests.scaleout.slack_web_api import RecordingSlackWebApi

HELD_METHOD = "chat.postMessage"


class HoldingSlackWebApi(RecordingSlackWebApi):
    """``RecordingSlackWebApi`` whose posts can be held, and lost with their sender."""

    def __init__(self) -> None:
        super().__init__()
        self._holding = threading.Event()
        self._count_lock = threading.Lock()
        self.held = 0  # posts that arrived while holding
        self.discarded = 0  # held posts whose sender died before they were released

    def hold(self) -> None:
        """Hold every ``chat.postMessage`` from now on."""
        self._holding.set()

    def release(self) -> None:
        """Let held and later posts through."""
        self._holding.clear()

    def wait_held(self, count: int, timeout: float) -> None:
        """Wait until ``count`` posts are held; fail if they do not come."""
        deadline = time.monotonic() + timeout
        while self.held < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} held posts not seen in {timeout} s ({self.held})")
            time.sleep(0.05)

    def wait_discarded(self, count: int, timeout: float) -> None:
        """Wait until ``count`` held posts were discarded after their sender died."""
        deadline = time.monotonic() + timeout
        while self.discarded < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{count} discarded posts not seen ({self.discarded})")
            time.sleep(0.05)

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["method"] == HELD_METHOD and self._holding.is_set():
            with self._count_lock:
                self.held += 1
            while self._holding.is_set():
                await asyncio.sleep(0.05)
            if request.transport is None or request.transport.is_closing():
                with self._count_lock:
                    self.discarded += 1
                return web.Response(status=503)
        return await super()._api(request)
