"""Sending replies to Teams: cards out, cards updated in place, every call retried.

All outbound traffic of the Teams channel goes through one ``Outbox`` so that
every send and update gets the same retry policy (see ``retry.py``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from adapters.teams.cards import ADAPTIVE_CARD_CONTENT_TYPE, render
from adapters.teams.retry import RetryPolicy, with_retries
from bot.messages import QuestionReply, Reply, ResultReply

__all__ = ["Outbox", "card_activity"]

log = logging.getLogger("scale_advisor.teams")

# Replies that take the place of the card whose button was pressed: the next
# question replaces the last one, the result replaces the final question.
_REPLACES_CLICKED_CARD = (QuestionReply, ResultReply)


def card_activity(card: Mapping[str, Any]) -> Any:
    """A message activity carrying one Adaptive Card."""
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=dict(card))],
    )


class Outbox:
    """Sends, and updates, activities in a turn with retries on throttling and faults."""

    def __init__(self, policy: RetryPolicy | None = None) -> None:
        """Use ``policy`` for every outbound call (the default: 4 attempts, 0.5 s doubling)."""
        self.policy = policy or RetryPolicy()

    async def send(self, context: TurnContext, activity: Any, what: str) -> Any:
        """Send one activity in the turn; returns the connector's ResourceResponse."""
        return await with_retries(lambda: context.send_activity(activity), self.policy, what)

    async def send_typing(self, context: TurnContext) -> None:
        """Show the typing indicator; a failure is logged, never raised (it is only a hint)."""
        try:
            await self.send(context, Activity(type=ActivityTypes.typing), "typing indicator")
        except Exception as error:
            log.warning("teams: typing indicator not sent: %s", _brief(error))

    async def deliver(
        self, context: TurnContext, replies: Sequence[Reply], clicked_card_id: str | None = None
    ) -> None:
        """Send the replies as cards, in order.

        Args:
            context: The turn (an inbound one, or a proactive continuation).
            replies: What the router returned.
            clicked_card_id: The id of the card whose button led here, when a click
                on an assessment card did; a first reply that continues the
                assessment then updates that card in place instead of adding one.

        """
        for index, reply in enumerate(replies):
            # The result card re-encodes the chart: keep that off the event loop.
            card = (
                await asyncio.to_thread(render, reply)
                if isinstance(reply, ResultReply)
                else render(reply)
            )
            if index == 0 and clicked_card_id and isinstance(reply, _REPLACES_CLICKED_CARD):
                if await self._replace(context, clicked_card_id, card):
                    continue
            await self.send(context, card_activity(card), type(reply).__name__)

    async def _replace(
        self, context: TurnContext, activity_id: str, card: Mapping[str, Any]
    ) -> bool:
        activity = card_activity(card)
        activity.id = activity_id
        try:
            await with_retries(
                lambda: context.update_activity(activity), self.policy, "card update"
            )
        except Exception as error:
            # Some clients and scopes refuse updates; a new card still moves things on.
            log.info(
                "teams: card %s not updated in place (%s); sending a new one",
                activity_id,
                _brief(error),
            )
            return False
        return True


def _brief(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]
