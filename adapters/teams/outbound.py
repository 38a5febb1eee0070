"""Sending replies to Teams: answers and cards out, cards updated in place, every call retried.

All outbound traffic of the Teams channel goes through one ``Outbox`` so that
every send and update gets the same retry policy (see ``retry.py``). Answers go
out as cited text messages (``answers.py``), other replies as cards; an answer
message is linked to its answer id once it is sent, for Teams' native feedback.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes, Attachment

from adapters.teams.answers import answer_activity
from adapters.teams.cards import ADAPTIVE_CARD_CONTENT_TYPE, render
from adapters.teams.feedback import ReplyLinks
from adapters.teams.retry import RetryPolicy, brief, http_status, with_retries
from adapters.teams.streaming import AnswerStream, stream_final
from bot.chat_text import ChatText
from bot.messages import AnswerReply, QuestionReply, Reply, ResultReply

__all__ = ["Outbox", "card_activity"]

log = logging.getLogger("scale_advisor.teams")

def card_activity(card: Mapping[str, Any]) -> Any:
    """A message activity carrying one Adaptive Card."""
    return Activity(
        type=ActivityTypes.message,
        attachments=[Attachment(content_type=ADAPTIVE_CARD_CONTENT_TYPE, content=dict(card))],
    )


class Outbox:
    """Sends, and updates, activities in a turn with retries on throttling and faults."""

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        text: ChatText | None = None,
        links: ReplyLinks | None = None,
    ) -> None:
        """Send with ``policy`` for every outbound call.

        Args:
            policy: Retries (the default: 4 attempts, 0.5 s doubling).
            text: The chat texts answers carry (read from ``knowledge/`` by default).
            links: Where sent answers are linked to their ids (None: not linked, so
                their native votes cannot be matched).

        """
        self.policy = policy or RetryPolicy()
        self.text = text or ChatText.load()
        self._links = links

    async def send(self, context: TurnContext, activity: Any, what: str) -> Any:
        """Send one activity in the turn; returns the connector's ResourceResponse."""
        return await with_retries(lambda: context.send_activity(activity), self.policy, what)

    async def send_typing(self, context: TurnContext) -> None:
        """Show the typing indicator; a failure is logged, never raised (it is only a hint)."""
        try:
            await self.send(context, Activity(type=ActivityTypes.typing), "typing indicator")
        except Exception as error:
            log.warning("teams: typing indicator not sent: %s", brief(error))

    async def deliver(
        self,
        context: TurnContext,
        replies: Sequence[Reply],
        clicked_card_id: str | None = None,
        stream: AnswerStream | None = None,
    ) -> None:
        """Send the replies, in order.

        Args:
            context: The turn (an inbound one, or a proactive continuation).
            replies: What the router returned.
            clicked_card_id: The id of the card whose button led here, when a click
                on an assessment card did; a first reply that continues the
                assessment then updates that card in place instead of adding one.
            stream: The stream the first reply ends, when it was streamed.

        """
        stream_id = await stream.close() if stream is not None else ""
        for index, reply in enumerate(replies):
            activity = await self._activity(reply)
            if index == 0 and clicked_card_id and _replaces_clicked(reply):
                if await self._replace(context, clicked_card_id, activity):
                    continue
            if index == 0 and stream_id:
                sent_id = await self._end_stream(context, reply, activity, stream_id)
            else:
                response = await self.send(context, activity, type(reply).__name__)
                sent_id = str(getattr(response, "id", None) or "")
            if isinstance(reply, AnswerReply) and reply.covered and self._links is not None:
                conversation = str(getattr(context.activity.conversation, "id", "") or "")
                await self._links.link(conversation, sent_id, reply.answer_id)

    async def _activity(self, reply: Reply) -> Any:
        if isinstance(reply, AnswerReply):
            return answer_activity(reply, self.text)
        # The result card re-encodes the chart: keep that off the event loop.
        if isinstance(reply, ResultReply):
            return card_activity(await asyncio.to_thread(render, reply))
        return card_activity(render(reply))

    async def _end_stream(
        self, context: TurnContext, reply: Reply, activity: Any, stream_id: str
    ) -> str:
        """Send ``activity`` as the stream's final message; the id of the message shown."""
        try:
            await self.send(context, stream_final(activity, stream_id), "final stream message")
        except Exception as error:
            if http_status(error) is None:
                raise  # it may have been posted: better a lost stream than an answer twice
            # Refused (the stream ran past Teams' two minutes, streaming is not allowed
            # here...): the answer is not lost, it comes as a message of its own.
            log.warning("teams: stream end refused (%s); sending the answer anew", brief(error))
            response = await self.send(context, activity, type(reply).__name__)
            return str(getattr(response, "id", None) or "")
        return stream_id  # the streamed message keeps the stream's id

    async def _replace(self, context: TurnContext, activity_id: str, activity: Any) -> bool:
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
                brief(error),
            )
            activity.id = None
            return False
        return True


def _replaces_clicked(reply: Reply) -> bool:
    """Whether the core marked this reply to replace the card whose button was clicked.

    The next question replaces the last one, the result the final question.
    """
    return isinstance(reply, QuestionReply | ResultReply) and reply.replaces_clicked
