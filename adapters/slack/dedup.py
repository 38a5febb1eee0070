"""Slack retries and double deliveries never produce a second reply.

Slack re-sends an event (``X-Slack-Retry-Num``, same ``event_id``) when it did not
see an acknowledgement in time, and a channel message that mentions the advisor
arrives twice (``app_mention`` and ``message``). Two layers settle this:

- ``DropRepeatedEvents``, a bolt middleware, stops an event id this process has
  already seen before any listener runs. It only looks in memory: in Socket Mode it
  runs before the envelope is acknowledged, which must not wait for a disk write;
- every job then claims its event id (and a message its channel and ts) in the
  state store's ledger, ``remember_event``, which survives restarts and is shared
  by every replica. Only the first claim goes on to reply.

Either way the repeat itself is acknowledged with 200, so Slack stops retrying.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from slack_bolt.middleware.async_middleware import AsyncMiddleware
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.store import StateStore

log = logging.getLogger("scale_advisor.slack")

RECENT_EVENTS_KEPT = 10_000


def event_key(event_id: str) -> str:
    """The ledger key of a Slack event id (empty when there is no id: nothing to claim)."""
    return f"slack-event:{event_id}" if event_id else ""


class EventLedger:
    """``StateStore.remember_event`` from async code, on a thread of its own.

    Its own thread, rather than the default executor, so a claim never queues
    behind answers being composed there.
    """

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="slack-ledger")

    async def first_time(self, *keys: str) -> bool:
        """Claim the keys in order; True only if no replica recorded any of them before.

        The claim stops at the first key already recorded, in one trip to the ledger's
        thread. Recording the later keys anyway would let two claimants both lose:
        replica A records an event id and replica B, holding its retry, then finds the
        id taken but goes on to record the message key before A gets to it, so A finds
        that one taken, and nobody answers. Stopping at the first key taken, with every
        caller listing its keys in the same order (event id, then message), leaves
        exactly one winner, as lock ordering does.
        """
        loop = asyncio.get_running_loop()
        taken = await loop.run_in_executor(self._executor, self._record, keys)
        if taken:
            log.info("Slack: %s was already claimed, here or by another replica", taken)
        return not taken

    def _record(self, keys: tuple[str, ...]) -> str:
        """The first key some claim recorded before (nothing after it is recorded), or ""."""
        for key in keys:
            if key and not self._store.remember_event(key):
                return key
        return ""

    def close(self) -> None:
        """Stop the ledger's thread."""
        self._executor.shutdown(wait=True)


class RecentEvents:
    """The event ids this process saw lately (the newest 10,000), in memory."""

    def __init__(self, kept: int = RECENT_EVENTS_KEPT) -> None:
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._kept = kept

    def first_time(self, event_id: str) -> bool:
        """Record ``event_id``; True the first time this process sees it."""
        if event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > self._kept:
            self._seen.popitem(last=False)
        return True


class DropRepeatedEvents(AsyncMiddleware):
    """Answers 200 to an event this process has seen before, without running a listener.

    It runs after bolt's signature check, so forged requests are never recorded.
    """

    def __init__(self, recent: RecentEvents) -> None:
        self._recent = recent

    async def async_process(
        self,
        *,
        req: AsyncBoltRequest,
        resp: BoltResponse,
        next: Callable[[], Awaitable[BoltResponse]],  # bolt calls it with this name
    ) -> BoltResponse:
        """Pass a new event on; answer 200 to one seen before."""
        event_id = req.body.get("event_id")
        if isinstance(event_id, str) and event_id and not self._recent.first_time(event_id):
            retry = req.headers.get("x-slack-retry-num", ["0"])[0]
            reason = req.headers.get("x-slack-retry-reason", [""])[0]
            log.info("Slack: repeated event %s acknowledged (retry %s %s)", event_id, retry, reason)
            return BoltResponse(status=200, body="")
        return await next()
