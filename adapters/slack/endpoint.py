"""``POST /slack/events``: Slack's HTTP mode, acknowledged before any work.

Every request's body is checked first (a malformed one gets a 4xx and a log line,
never a 500). Events API events need nothing in their acknowledgement, so once
their signature holds they are stored in the ledger (durably: a crash after the
200 loses nothing), answered 200 and queued for bolt, which verifies them again
and runs its middleware and listeners. If the store cannot keep the event, Slack
gets a 503 and retries it. Slash commands and button clicks go through bolt
before the response, since their acknowledgement can carry a message; their
listeners call ``ack()`` first thing.

``StoredEvents`` replays what was stored and never answered (the process died,
here or on another replica) through the same bolt middleware and listeners: on
start, then once per lease.
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

from adapters.ledger import Claim, EventLedger
from adapters.slack.dedup import REPLAYED
from adapters.slack.keys import EVENT_PREFIX
from adapters.slack.payloads import EVENT_CALLBACK, Allowlist, Rejection, check_request

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
        self._queue: asyncio.Queue[tuple[bytes, Headers, Claim, contextvars.Context]] = (
            asyncio.Queue()
        )
        self._worker: asyncio.Task[None] | None = None

    def put(self, body: bytes, headers: Headers, claim: Claim) -> None:
        """Queue an acknowledged event for bolt, dispatched under its ledger ``claim``.

        bolt parses it later, off the acknowledgement's path.
        """
        if self._worker is None or self._worker.done():
            # A context of its own: the worker outlives the request that happened to start it.
            self._worker = asyncio.get_running_loop().create_task(
                self._run(), name="slack-events", context=contextvars.Context()
            )
        # The event is dispatched in its own request's context, so its logs (and the jobs
        # its listeners start) carry that request's id.
        self._queue.put_nowait((body, headers, claim, contextvars.copy_context()))

    async def close(self, timeout: float) -> None:
        """Dispatch what is queued (for up to ``timeout`` seconds), then stop."""
        if self._worker is None:
            return
        try:
            await asyncio.wait_for(self._queue.join(), timeout)
        except TimeoutError:
            log.warning("Slack: %d queued events left for the next start", self._queue.qsize())
            while not self._queue.empty():  # stored: recovery answers them, here or elsewhere
                self._queue.get_nowait()[2].settle_undispatched(done=False)
        self._worker.cancel()
        await asyncio.gather(self._worker, return_exceptions=True)

    async def _run(self) -> None:
        while True:
            body, headers, claim, context = await self._queue.get()
            try:
                dispatch = self._dispatch(body, headers, claim)
                await asyncio.get_running_loop().create_task(dispatch, context=context)
            finally:
                self._queue.task_done()
            await asyncio.sleep(0)  # let requests that arrived meanwhile be acknowledged

    async def _dispatch(self, body: bytes, headers: Headers, claim: Claim) -> None:
        try:
            request = AsyncBoltRequest(body=body.decode("utf-8"), headers=headers)
            with claim.current():  # the listeners' jobs keep it open until they have replied
                response = await self._bolt.async_dispatch(request)
            if response.status >= 400 and response.status != 404:
                log.warning("Slack: bolt answered an event with %d", response.status)
        except Exception:
            log.exception("Slack: dispatching an event failed")


class StoredEvents:
    """Replays stored events nobody answered: on start, then every ``interval`` seconds.

    Every replica runs it; the ledger's claim lets exactly one of them answer each.
    """

    def __init__(self, bolt: AsyncApp, ledger: EventLedger, interval: float) -> None:
        self._bolt = bolt
        self._ledger = ledger
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start replaying in the background (call from the running loop)."""
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="slack-stored-events", context=contextvars.Context()
        )

    async def stop(self) -> None:
        """Stop replaying."""
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def replay(self) -> int:
        """Dispatch every stored event owed an answer now; how many were replayed."""
        pending = await self._ledger.pending(EVENT_PREFIX)
        for key, body in pending:
            log.info("Slack: replaying stored event %s, not answered before", key)
            # Mode "socket_mode": the body was verified when it arrived and comes back
            # from our own store, without its headers; bolt checks no signature for it.
            request = AsyncBoltRequest(body=body, mode="socket_mode", context={REPLAYED: True})
            try:
                await self._bolt.async_dispatch(request)
            except Exception as error:
                log.error("Slack: replaying %s failed: %s", key, type(error).__name__)
        return len(pending)

    async def _run(self) -> None:
        while True:
            try:
                await self.replay()
            except Exception as error:  # the store is down: try again next round
                log.warning("Slack: looking for stored events failed: %s", type(error).__name__)
            await asyncio.sleep(self._interval)


class EventsEndpoint:
    """The aiohttp handler for ``POST /slack/events``."""

    def __init__(
        self,
        bolt: AsyncApp,
        signing_secret: str,
        events: EventQueue,
        allowlist: Allowlist | None = None,
        *,
        ledger: EventLedger,
    ) -> None:
        self._bolt = bolt
        self._verifier = SignatureVerifier(signing_secret)
        self._events = events
        self._allowlist = allowlist or Allowlist()
        self._ledger = ledger  # events are stored here before they are acknowledged

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
        refusal = self._allowlist.refusal(checked)
        if refusal is not None:  # signed, but for a workspace or app this advisor does not serve
            log.warning("Slack: refused a request (%d): %s", refusal.status, refusal.reason)
            return web.json_response({"ok": False, "error": refusal.reason}, status=refusal.status)
        if checked.kind == EVENT_CALLBACK:
            try:
                claim = await self._ledger.store(*checked.keys, body=body.decode("utf-8"))
            except Exception as error:
                log.error("Slack: could not store an event: %s", type(error).__name__)
                return web.json_response({"ok": False, "error": "try again"}, status=503)
            if claim is None:
                pass  # a retry of an event answered, or being answered: nothing more to do
            elif claim.duplicate:
                claim.settle_undispatched(done=True)  # its message is answered under another event
            else:
                self._events.put(body, dict(request.headers), claim)
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
