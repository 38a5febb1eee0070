"""Slack retries and double deliveries never produce a second reply, nor none.

Slack re-sends an event (``X-Slack-Retry-Num``, same ``event_id``) when it did not
see an acknowledgement in time, a channel message that mentions the advisor
arrives twice (``app_mention`` and ``message``), and a slash command or click body
may be posted twice. Two layers settle this:

- ``ClaimingApp`` (bolt's app) claims each delivery in the state store's ledger
  (``adapters.ledger``; survives restarts, shared by every replica): the event id,
  or a command's or click's ``trigger_id``. A delivery already answered, or being
  answered by a live claim, is dropped; one whose claimant died is taken over. The
  listeners then claim the message (channel and ts) too, in the same claim, and
  the claim is marked done once the jobs they started have sent their replies;
- ``DropRepeatedEvents``, a bolt middleware, also stops an event id this process
  has already seen, in memory.

Either way the repeat itself is acknowledged with 200, so Slack stops retrying.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from adapters.ledger import EventLedger
from adapters.slack.gate import Gate

__all__ = [
    "REPLAYED",
    "ClaimingApp",
    "EVENT_PREFIX",
    "DropRepeatedEvents",
    "EventLedger",
    "RecentEvents",
    "delivery_key",
    "event_key",
]

log = logging.getLogger("scale_advisor.slack")

RECENT_EVENTS_KEPT = 10_000
EVENT_PREFIX = "slack-event:"
REPLAYED = "scale_advisor_replayed"
"""Request context key: a stored event replayed by recovery (this process may have seen it)."""


def event_key(event_id: str) -> str:
    """The ledger key of a Slack event id (empty when there is no id: nothing to claim)."""
    return f"{EVENT_PREFIX}{event_id}" if event_id else ""


def delivery_key(body: Mapping[str, Any]) -> str:
    """The ledger key of a request: its event id, else its ``trigger_id`` ("" for neither).

    Slash commands and clicks carry a ``trigger_id`` unique to the user's action, so
    the same body posted twice is one delivery.
    """
    event_id = body.get("event_id")
    if isinstance(event_id, str) and event_id:
        return event_key(event_id)
    trigger_id = body.get("trigger_id")
    if isinstance(trigger_id, str) and trigger_id:
        return f"slack-trigger:{trigger_id}"
    return ""


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
        """Run the listeners under a new claim, or answer 200 to a delivery claimed before."""
        key = delivery_key(req.body)
        if not key:
            return await super().async_dispatch(req)
        claim = await self._ledger.claim(key)
        if claim is None:
            return BoltResponse(status=200, body="")
        with claim.current():
            return await super().async_dispatch(req)
