"""``POST /slack/events``: Slack's HTTP mode, acknowledged before any work.

Every request's body is checked first (a malformed one gets a 4xx and a log line,
never a 500). Events API events need nothing in their acknowledgement, so once
their signature holds they are answered 200 at once and queued for bolt, which
verifies them again and runs its middleware and listeners. Slash commands and
button clicks go through bolt before the response, since their acknowledgement
can carry a message; their listeners call ``ack()`` first thing.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Sequence

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.payloads import EVENT_CALLBACK, Rejection, check_request

log = logging.getLogger("scale_advisor.slack")

Headers = dict[str, str | Sequence[str]]


class EventQueue:
    """Feeds acknowledged events to bolt one at a time, behind the acknowledgements.

    A single worker dispatches them in the order they came and yields to the event
    loop after each, so requests still arriving are acknowledged in between rather
    than after bolt has worked through the whole queue.
    """

    def __init__(self, bolt: AsyncApp) -> None:
        self._bolt = bolt
        self._queue: asyncio.Queue[tuple[bytes, Headers, contextvars.Context]] = asyncio.Queue()
        self._worker: asyncio.Task[None] | None = None

    def put(self, body: bytes, headers: Headers) -> None:
        """Queue an acknowledged event for bolt (parsed by bolt later, off the ack's path)."""
        if self._worker is None or self._worker.done():
            # A context of its own: the worker outlives the request that happened to start it.
            self._worker = asyncio.get_running_loop().create_task(
                self._run(), name="slack-events", context=contextvars.Context()
            )
        # The event is dispatched in its own request's context, so its logs (and the jobs
        # its listeners start) carry that request's id.
        self._queue.put_nowait((body, headers, contextvars.copy_context()))

    async def close(self, timeout: float) -> None:
        """Dispatch what is queued (for up to ``timeout`` seconds), then stop."""
        if self._worker is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.warning("Slack: %d queued events dropped at shutdown", self._queue.qsize())
        self._worker.cancel()
        await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            body, headers, context = await self._queue.get()
            try:
                dispatch = self._dispatch(body, headers)
                await asyncio.get_running_loop().create_task(dispatch, context=context)
            finally:
                self._queue.task_done()
            await asyncio.sleep(0)  # let requests that arrived meanwhile be acknowledged

    async def _dispatch(self, body: bytes, headers: Headers) -> None:
        try:
            request = AsyncBoltRequest(body=body.decode("utf-8"), headers=headers)
            response = await self._bolt.async_dispatch(request)
            if response.status >= 400 and response.status != 404:
                log.warning("Slack: bolt answered an event with %d", response.status)
        except Exception:
            log.exception("Slack: dispatching an event failed")


class EventsEndpoint:
    """The aiohttp handler for ``POST /slack/events``."""

    def __init__(self, bolt: AsyncApp, signing_secret: str, events: EventQueue) -> None:
        self._bolt = bolt
        self._verifier = SignatureVerifier(signing_secret)
        self._events = events

    async def __call__(self, request: web.Request) -> web.StreamResponse:
        """Check, acknowledge or dispatch one request from Slack."""
        body = await request.read()
        checked = check_request(request.content_type, body)
        if isinstance(checked, Rejection):
            log.warning("Slack: rejected a request (%d): %s", checked.status, checked.reason)
            return web.json_response({"ok": False, "error": checked.reason}, status=checked.status)
        if not self._signed(request, body):
            log.warning("Slack: rejected a request with a bad signature or an old timestamp")
            return web.json_response({"ok": False, "error": "invalid request"}, status=401)
        if checked.kind == EVENT_CALLBACK:
            self._events.put(body, dict(request.headers))
            return web.Response(status=200)
        response = await self._bolt.async_dispatch(await to_bolt_request(request))
        if response.status == 404:
            # Nothing here listens for it (bolt logged what it was); acknowledge anyway,
            # or Slack would show the user an error or retry.
            return web.Response(status=200)
        return await to_aiohttp_response(response)

    def _signed(self, request: web.Request, body: bytes) -> bool:
        try:
            return self._verifier.is_valid(
                body,
                request.headers.get("X-Slack-Request-Timestamp"),
                request.headers.get("X-Slack-Signature"),
            )
        except ValueError:  # a timestamp that is not a number
            return False
