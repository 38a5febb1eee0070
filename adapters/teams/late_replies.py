"""Replies that outlive their request, finished as proactive messages.

Teams gives a bot about 15 seconds to answer a request. When the router needs
longer, the bot returns from the turn and hands the unfinished work here, with
the conversation reference of the message it answers; once the work is done
the replies go out through ``adapter.continue_conversation`` on that
reference, in the same chat, channel thread or reply chain.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from botbuilder.core import TurnContext

from adapters.tasks import Tasks
from adapters.teams.outbound import Outbox
from adapters.teams.streaming import AnswerStream
from bot.messages import NoticeReply, Reply

__all__ = ["FAILED", "LateReplies"]

log = logging.getLogger("scale_advisor.teams")

FAILED = "Sorry, something went wrong while I was working on that. Please try again."


class LateReplies:
    """Finishes deferred replies on stored conversation references."""

    def __init__(self, adapter: Any, app_id: str, outbox: Outbox) -> None:
        """Send through ``adapter`` as bot ``app_id`` ("" when anonymous)."""
        self._adapter = adapter
        self._app_id = app_id
        self._outbox = outbox
        self._pending = Tasks()

    @property
    def pending(self) -> int:
        """How many deferred replies are still being worked on or sent."""
        return len(self._pending)

    def finish(
        self,
        work: asyncio.Future[list[Reply]],
        reference: Any,
        clicked_card_id: str | None,
        stream: AnswerStream | None = None,
    ) -> asyncio.Task[None]:
        """Send the replies ``work`` produces to ``reference`` once it is done; the sending task.

        Args:
            work: The router call that overran the turn.
            reference: ``TurnContext.get_conversation_reference`` of the message it answers.
            clicked_card_id: As for ``Outbox.deliver``.
            stream: The answer's stream, when it streams (it goes on streaming meanwhile).

        """
        task = asyncio.create_task(self._finish(work, reference, clicked_card_id, stream))
        self._pending.keep(task)
        return task

    async def drain(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for pending replies, then cancel the rest."""
        cancelled = await self._pending.drain(timeout)
        if cancelled:
            log.warning("teams: %d late replies cancelled at shutdown", cancelled)

    async def _finish(
        self,
        work: asyncio.Future[list[Reply]],
        reference: Any,
        clicked_card_id: str | None,
        stream: AnswerStream | None,
    ) -> None:
        try:
            replies: Sequence[Reply] = await work
        except Exception:
            log.exception("teams: a deferred reply failed")
            replies = [NoticeReply(FAILED)]

        async def send(context: TurnContext) -> None:
            # The continuation activity gets a fresh random id, and replies would
            # point at it; point them at the message they answer instead.
            if getattr(reference, "activity_id", None):
                context.activity.id = reference.activity_id
            await self._outbox.deliver(context, replies, clicked_card_id, stream)

        try:
            await self._adapter.continue_conversation(reference, send, self._app_id)
        except Exception as error:
            conversation = getattr(getattr(reference, "conversation", None), "id", "?")
            log.error(
                "teams: late reply to conversation %s not delivered: %s: %s",
                conversation,
                type(error).__name__,
                error,
            )
