"""What a thread shows while one message is answered: the status, the stream, the answer.

The listener asks the router and posts what it says; this keeps the rest in one
place: the status is shown as the work starts, the answer streams into its message
(natively, or as a draft), the streamed message is completed with the final answer,
and a status no reply cleared is cleared at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from adapters.slack.delivery import Recipient, SlackDelivery
from adapters.slack.inbound import Place, text_field
from adapters.slack.status import ThreadStatus
from adapters.slack.streaming import AnswerStream
from bot.chat_text import ChatText
from bot.messages import AnswerReply, Reply


class ThreadAnswer:
    """One message's answer, as its thread shows it."""

    def __init__(
        self,
        delivery: SlackDelivery,
        place: Place,
        texts: ChatText,
        recipient: Recipient | None,
        direct: bool,
    ) -> None:
        """Answer in ``place``'s thread; ``direct`` when that is the DM with the asker."""
        self._status = ThreadStatus(delivery, place, texts.working_status)
        self._stream = AnswerStream(delivery, place, recipient, direct)
        self._delivered = False

    def begin(self) -> None:
        """Show the status; the answer's work goes on beside it."""
        self._status.show()

    async def show(self, text: str) -> None:
        """Show the answer so far (the router's ``on_partial``)."""
        await self._status.settle()  # a status landing after the first text would stay up
        await self._stream.show(text)

    async def finish(self, replies: Sequence[Reply]) -> list[Reply]:
        """Complete a streamed answer in its message; the replies still to post."""
        await self._status.settle()
        first = replies[0] if replies else None
        if isinstance(first, AnswerReply) and await self._stream.finish(first):
            self._delivered = True
            return list(replies[1:])
        return list(replies)

    def delivered(self) -> None:
        """Say that a reply was posted in the thread (which clears the status)."""
        self._delivered = True

    async def close(self) -> None:
        """End what the answer left open: a stream, or a status no reply cleared."""
        await self._stream.close()
        if not self._delivered:
            await self._status.clear()


def recipient_of(event: Mapping[str, Any], team_id: str | None) -> Recipient | None:
    """Who a streamed answer to ``event`` is for: its author and their team.

    The author's team is the event's ``user_team`` (shared channels, org-wide
    installs) or ``team``, else the workspace's; None when either is unknown.
    """
    user = text_field(event, "user")
    team = text_field(event, "user_team") or text_field(event, "team") or team_id or ""
    return Recipient(user, team) if user and team else None
