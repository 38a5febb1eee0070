"""A generated answer shown while it is written, then completed in the same message.

Natively first: Slack's ``chat.startStream`` / ``appendStream`` / ``stopStream``
(slack_sdk's ``chat_stream`` helper) show the text as the model writes it, and the
stop puts the sources, the AI note and the feedback buttons under it. Where the
workspace does not allow streaming (the first call fails: ``not_allowed``,
``missing_scope``, ``unknown_method`` and the like) nothing has been shown yet, so
the answer falls back to a ``StreamingDraft``: posted once, then updated in place.
Either way the answer ends up in one message, once; the caller posts it anew only
when neither could show it.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable

from slack_sdk.web.async_chat_stream import AsyncChatStream

from adapters.slack.blocks import SlackMessage, answer_footer, render, text_sections
from adapters.slack.delivery import Recipient, SlackDelivery
from adapters.slack.inbound import Place
from adapters.slack.mrkdwn import truncate
from bot.messages import AnswerReply

log = logging.getLogger("scale_advisor.slack")

DRAFT_LIMIT = 2900  # a section's 3,000 characters, less room for the "writing" mark
WRITING = " \u2026"  # shown after the text while the model is still writing
# Slack reads "<!here>", "<@U…>" and "<#C…>" as mentions in streamed Markdown too; a
# zero-width space after the "<" keeps a model's text from pinging anyone.
_MENTION_START = re.compile(r"<(?=[!@#])")
_DEFUSED = "<\u200b"


class StreamingDraft:
    """Shows partial answers in one message; knows where that message is.

    Slack rate-limits ``chat.update`` (Tier 3, about 50 a minute), so the draft is
    refreshed at most once per interval (a second by default).
    """

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


class AnswerStream:
    """One generated answer: streamed natively where allowed, else as a draft."""

    def __init__(
        self, delivery: SlackDelivery, place: Place, recipient: Recipient | None, direct: bool
    ) -> None:
        """Stream into ``place``'s thread.

        Args:
            delivery: The Web API calls.
            place: The channel and thread the answer goes to.
            recipient: The asker and their team; Slack needs them outside a DM.
            direct: Whether ``place`` is the DM with the asker.

        """
        self._delivery = delivery
        self._place = place
        self._recipient = None if direct else recipient
        self._native = bool(place.thread_ts) and (direct or recipient is not None)
        self._draft = StreamingDraft(delivery, place)
        self._stream: AsyncChatStream | None = None
        self._sent = ""  # the Markdown handed to the native stream so far
        self._stale = False  # what was streamed is no start of the answer any more
        self._stopped = False

    async def show(self, text: str) -> None:
        """Show the answer so far (the router's ``on_partial``)."""
        if not self._native:
            await self._draft.show(text)
            return
        if self._stream is None:
            self._stream = await self._delivery.open_stream(self._place, self._recipient)
        markdown = stream_markdown(text)
        if self._stale or not markdown.startswith(self._sent):
            # Streamed text cannot be taken back: the final answer replaces it instead.
            self._stale = True
            return
        if markdown == self._sent:
            return
        # The first text starts the stream at once (it shows, or the workspace says no);
        # later text goes in the helper's buffer-sized pieces.
        start = self._stream.ts is None
        sent = await self._delivery.append_stream(
            self._stream, markdown[len(self._sent) :], flush=start
        )
        if sent.ok:
            self._sent = markdown
        elif self._stream.ts:
            self._stale = True  # appending failed part-way: the final update completes it
        else:
            # The stream never started, so nothing is shown: the workspace gets the draft.
            log.info("Slack: no native streaming here (%s); answering with a draft", sent.error)
            self._native = False
            await self._draft.show(text)

    async def finish(self, reply: AnswerReply) -> bool:
        """Complete the message with the final answer; False when there is none to complete.

        Returns:
            Whether ``reply`` is shown in full; if not, the caller posts it.

        """
        if not self._native:
            if not self._draft.ts:
                return False
            return (
                await self._delivery.update(self._place.channel, self._draft.ts, render(reply))
            ).ok
        stream = self._stream
        if stream is None:
            return False  # nothing was streamed (no model, or it failed before writing)
        final = stream_markdown(reply.text)
        if not self._stale and final.startswith(self._sent):
            self._stopped = True
            rest = final[len(self._sent) :]
            if (await self._delivery.stop_stream(stream, rest, answer_footer(reply))).ok:
                return True
        else:
            await self.close()
        if not stream.ts:
            return False  # it never started: nothing on screen to complete
        # Shown but not as it should end (a refusal, a fallback answer, a failed stop).
        return (await self._delivery.update(self._place.channel, stream.ts, render(reply))).ok

    async def close(self) -> None:
        """End a native stream left open (the answer failed): Slack would show it writing."""
        stream = self._stream
        if stream is not None and stream.ts and not self._stopped:
            self._stopped = True
            await self._delivery.stop_stream(stream, "", [])


def stream_markdown(text: str) -> str:
    """An answer's text as streamed: Markdown, with nothing Slack would read as a mention."""
    return _MENTION_START.sub(_DEFUSED, text)
