"""The advisor's status in a thread ("is reading the guidance…") while it prepares an answer.

``assistant.threads.setStatus`` shows it under the thread, in DMs and in channel
threads alike; Slack clears it when the advisor replies. The status is a nicety:
it is set beside the answer's work, never before it, and a workspace that does not
allow it (or a Slack that is slow to say so) costs the answer nothing. A failure is
logged by ``SlackDelivery`` with the method and Slack's error code.
"""

from __future__ import annotations

import asyncio

from adapters.slack.delivery import Sent, SlackDelivery
from adapters.slack.inbound import Place

# How long the first visible reply waits for the status call still in flight: a status
# landing after the reply would stay up, since the reply is what clears it.
SETTLE_SECONDS = 2.0


class ThreadStatus:
    """Shows, and if need be clears, the advisor's status in one thread."""

    def __init__(
        self,
        delivery: SlackDelivery,
        place: Place,
        status: str,
        settle_seconds: float = SETTLE_SECONDS,
    ) -> None:
        self._delivery = delivery
        self._place = place
        self._status = status
        self._settle_seconds = settle_seconds
        self._setting: asyncio.Task[Sent] | None = None

    def show(self) -> None:
        """Start setting the status; nothing waits for it."""
        thread = self._place.thread_ts
        if self._setting is not None or not thread or not self._status:
            return
        call = self._delivery.set_status(self._place.channel, thread, self._status)
        self._setting = asyncio.get_running_loop().create_task(call, name="slack-status")

    async def settle(self) -> None:
        """Wait, briefly, for the status call to land, so it never lands after a reply."""
        if self._setting is None or self._setting.done():
            return
        await asyncio.wait({self._setting}, timeout=self._settle_seconds)
        if not self._setting.done():
            self._setting.cancel()  # Slack is slow: the reply goes first, without the status
            await asyncio.gather(self._setting, return_exceptions=True)

    async def clear(self) -> None:
        """Clear a status that was set, for when no reply came to clear it."""
        await self.settle()
        setting = self._setting
        if setting is None:
            return
        # A call given up on may still have reached Slack: clear it all the same.
        if not setting.cancelled() and not setting.result().ok:
            return
        thread = self._place.thread_ts or ""
        await self._delivery.set_status(self._place.channel, thread, "")
