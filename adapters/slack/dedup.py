"""Slack retries and double deliveries never produce a second reply, nor none.

Slack re-sends an event (``X-Slack-Retry-Num``, same ``event_id``) when it did not
see an acknowledgement in time, a channel message that mentions the advisor
arrives twice (``app_mention`` and ``message``), and a slash command or click body
may be posted twice. Two layers settle this:

- Each delivery is claimed in the state store's ledger (``adapters.ledger``;
  survives restarts, shared by every replica) under its keys (``adapters.slack.keys``:
  the event id and the message it carries, or a command's or click's ``trigger_id``),
  in one write: by the endpoint as it stores an event, by ``ClaimingApp`` (bolt's
  app) for everything else. A delivery already answered, or being answered by a
  live claim, is dropped; one whose claimant died is taken over. The claim is
  marked done once the jobs its listeners started have sent their replies;
- ``DropRepeatedEvents``, a bolt middleware, also stops an event id this process
  has already seen, in memory.

Either way the repeat itself is acknowledged with 200, so Slack stops retrying.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.ledger import EventLedger, current_claim
from adapters.slack.gate import Gate
from adapters.slack.keys import EVENT_PREFIX, delivery_keys, event_key

__all__ = [
    "REPLAYED",
    "ClaimingApp",
    "EVENT_PREFIX",
    "DropRepeatedEvents",
    "EventLedger",
    "RecentEvents",
    "event_key",
]

log = logging.getLogger("scale_advisor.slack")

RECENT_EVENTS_KEPT = 10_000
REPLAYED = "scale_advisor_replayed"
"""Request context key: a stored event replayed by recovery (this process may have seen it)."""


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


class DropRepeatedEvents(Gate):
    """Answers 200 to an event this process has seen before, without running a listener.

    It runs after bolt's signature check, so forged requests are never recorded.
    """

    def __init__(self, recent: RecentEvents) -> None:
        self._recent = recent

    def stop(self, req: AsyncBoltRequest) -> BoltResponse | None:
        """Pass a new event on (None); answer 200 to one seen before."""
        event_id = req.body.get("event_id")
        if req.context.get(REPLAYED):
            return None  # the ledger decides whether a replay is still owed
        if isinstance(event_id, str) and event_id and not self._recent.first_time(event_id):
            retry = req.headers.get("x-slack-retry-num", ["0"])[0]
            reason = req.headers.get("x-slack-retry-reason", [""])[0]
            log.info("Slack: repeated event %s acknowledged (retry %s %s)", event_id, retry, reason)
            return BoltResponse(status=200, body="")
        return None


class ClaimingApp(AsyncApp):
    """bolt's app, dispatching each delivery inside its claim in the ledger.

    The claim spans the whole dispatch, not a middleware: bolt calls its middleware
    one after another and runs the listeners after the last one has returned, so a
    claim made current inside a middleware would be gone by then. Every dispatch
    here comes after the signature was checked (HTTP mode), over the authenticated
    Socket Mode connection, or from the advisor's own store (replays), so forged
    requests never claim anything.
    """

    def __init__(self, *, ledger: EventLedger, **options: Any) -> None:
        """Build bolt's ``AsyncApp(**options)``, claiming its deliveries in ``ledger``."""
        super().__init__(**options)
        self._ledger = ledger

    async def async_dispatch(self, req: AsyncBoltRequest) -> BoltResponse:
        """Run the listeners under the delivery's claim; answer 200 to a repeat.

        An event the endpoint stored arrives claimed already (the claim is current);
        anything else (Socket Mode, a replay, a command or a click) is claimed here.
        """
        keys = delivery_keys(req.body)
        held = current_claim()
        if not keys or (held is not None and keys[0] in held.keys):
            return await super().async_dispatch(req)
        claim = await self._ledger.claim(*keys)
        if claim is None:
            return BoltResponse(status=200, body="")
        with claim.current():
            if claim.duplicate:  # its message is answered under another event
                return BoltResponse(status=200, body="")
            return await super().async_dispatch(req)
