"""A generated answer shown while it streams: posted once, then updated in place.

Slack rate-limits ``chat.update`` (Tier 3, about 50 a minute), so the draft is
refreshed at most once per interval (a second by default); the final answer,
with its sources and buttons, replaces the draft when generation ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from adapters.slack.blocks import SlackMessage, text_sections
from adapters.slack.delivery import SlackDelivery
from adapters.slack.inbound import Place
from adapters.slack.mrkdwn import truncate

DRAFT_LIMIT = 2900  # a section's 3,000 characters, less room for the "writing" mark
WRITING = " \u2026"  # shown after the text while the model is still writing


class StreamingDraft:
    """Shows partial answers in one message; knows where that message is."""

    def __init__(
        self,
        delivery: SlackDelivery,
        place: Place,
        interval: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._delivery = delivery
        self._place = place
        self._interval = interval
        self._clock = clock
        self._shown_at = float("-inf")
        self.ts = ""  # the draft message's timestamp, once posted

    async def show(self, text: str) -> None:
        """Show the answer so far, unless it was shown less than an interval ago."""
        now = self._clock()
        if now - self._shown_at < self._interval or not text.strip():
            return
        self._shown_at = now
        partial = truncate(text, DRAFT_LIMIT) + WRITING
        message = SlackMessage(text=partial, blocks=[b.to_dict() for b in text_sections(partial)])
        if not self.ts:
            sent = await self._delivery.post(self._place, message)
            self.ts = sent.ts if sent.ok else ""
        else:
            await self._delivery.update(self._place.channel, self.ts, message)
