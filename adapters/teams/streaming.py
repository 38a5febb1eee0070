"""A generated answer streamed into a personal chat with Teams' streaming protocol.

Teams streams only in one-on-one chats, as a sequence of activities posted to the
conversation (learn.microsoft.com, "Stream bot messages"):

1. an informative update: a ``typing`` activity whose text is a status ("… is reading
   the guidance…"), ``streamType: "informative"``, ``streamSequence: 1``; the id Teams
   gives it is the ``streamId`` of the rest;
2. streaming updates: ``typing`` activities with the whole answer so far (each must
   extend the last), ``streamType: "streaming"`` and the next ``streamSequence``;
3. the final message: the answer as a normal ``message`` with ``streamId`` and
   ``streamType: "final"`` and no sequence (``stream_final``); only it may carry
   attachments, citations, the AI label and feedback buttons.

The stream info goes both in an entity of type ``streaminfo`` and in ``channelData``,
as Microsoft's own SDKs send it. Each call waits for the last to be answered, and an
update goes out at most every ``STREAM_INTERVAL`` seconds: Teams throttles bots that
stream faster. An update that fails ends the updates; the final message still comes,
and ``Outbox.deliver`` sends it as a new message if the stream's final is refused.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Callable
from typing import Any

from botbuilder.core import TurnContext
from botbuilder.schema import Activity, ActivityTypes

from adapters.teams.entities import JsonEntity
from adapters.teams.retry import RetryPolicy, brief, with_retries

__all__ = ["STREAM_INTERVAL", "AnswerStream", "stream_final"]

log = logging.getLogger("scale_advisor.teams")

# Microsoft asks streaming bots to buffer 1.5 to 2 seconds of tokens between updates.
STREAM_INTERVAL = 1.5
STREAM_INFO = "streaminfo"


def _with_stream_info(activity: Any, info: dict[str, Any]) -> Any:
    activity.channel_data = {**(activity.channel_data or {}), **info}
    activity.entities = [*(activity.entities or []), JsonEntity({"type": STREAM_INFO, **info})]
    return activity


def stream_final(activity: Any, stream_id: str) -> Any:
    """A copy of the message ``activity`` that ends the stream ``stream_id``."""
    final = copy.copy(activity)  # the caller's activity stays a plain message for a fallback
    return _with_stream_info(final, {"streamId": stream_id, "streamType": "final"})


class AnswerStream:
    """One streamed reply: the informative update, then the answer so far."""

    def __init__(
        self,
        context: TurnContext,
        status: str,
        policy: RetryPolicy,
        interval: float = STREAM_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Stream into the chat of ``context``.

        Args:
            context: The turn of the message being answered; its connector stays usable
                after the turn, so a late answer keeps streaming.
            status: The informative update's text.
            policy: Retries for each call (throttling and transient faults).
            interval: Seconds at least between two updates.
            clock: Monotonic seconds (tests may pass a fake).

        """
        self._context = context
        self._status = status
        self._policy = policy
        self._interval = interval
        self._clock = clock
        self._sequence = 0
        self._shown = ""  # the answer text of the last update Teams accepted
        self._sent_at = float("-inf")
        self._sending: asyncio.Task[None] | None = None
        self._ended = False
        self.stream_id = ""

    async def start(self) -> None:
        """Send the informative update; its id names the stream (none if it fails)."""
        try:
            response = await self._send(self._update("informative", self._status))
        except Exception as error:
            self._ended = True
            log.info("teams: stream not started (%s); the answer will come whole", brief(error))
            return
        self._sent_at = self._clock()  # the first text waits its interval too
        self.stream_id = str(getattr(response, "id", None) or "")
        if not self.stream_id:
            self._ended = True
            log.info("teams: stream not started (no stream id); the answer will come whole")

    async def show(self, text: str) -> None:
        """Stream the answer so far (the router's ``on_partial``); never waits for Teams.

        Skipped while an update is on its way or came less than an interval ago, and
        when ``text`` does not extend what was shown (Teams would refuse it).
        """
        if self._ended or not self.stream_id or not text.strip():
            return
        if self._sending is not None and not self._sending.done():
            return
        if self._clock() - self._sent_at < self._interval:
            return
        if text == self._shown or not text.startswith(self._shown):
            return
        self._sent_at = self._clock()
        self._sending = asyncio.create_task(self._stream(text))

    async def close(self) -> str:
        """End the updates; the stream id the final message must carry ("" if none)."""
        self._ended = True
        if self._sending is not None:
            await self._sending  # the final must follow the last update, never overtake it
        return self.stream_id

    async def _stream(self, text: str) -> None:
        try:
            await self._send(self._update("streaming", text))
        except Exception as error:
            self._ended = True
            log.warning("teams: stream update refused (%s); no more updates", brief(error))
            return
        self._shown = text

    def _update(self, stream_type: str, text: str) -> Any:
        self._sequence += 1
        info: dict[str, Any] = {"streamType": stream_type, "streamSequence": self._sequence}
        if self.stream_id:
            info["streamId"] = self.stream_id
        return _with_stream_info(Activity(type=ActivityTypes.typing, text=text), info)

    async def _send(self, activity: Any) -> Any:
        what = f"stream update {self._sequence}"
        return await with_retries(lambda: self._context.send_activity(activity), self._policy, what)
