"""Sending to Slack: the Web API calls the adapter makes, each failure logged, none raised.

A failed call (not in the channel, rate limited past the retries, Slack down, a
method the workspace does not allow) must not take the listener down with it: it is
logged with the method and Slack's error code, and the caller gets a result it can
act on. A message whose blocks Slack refuses (``invalid_blocks``) is sent once more
with its fallback blocks, when it has them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_chat_stream import AsyncChatStream
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.blocks import SlackMessage
from adapters.slack.inbound import Place
from bot.chat_text import SuggestedPrompt

log = logging.getLogger("scale_advisor.slack")

CHART_FILENAME = "scale-check-radar.png"
CHART_TITLE = "Scale check radar chart"
CHART_ALT_TEXT = "Radar chart of your scores on each dimension of the scale check"
# Errors that mean "you cannot post there", as opposed to "something broke".
CANNOT_POST_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})
INVALID_BLOCKS = "invalid_blocks"
MAX_SUGGESTED_PROMPTS = 4  # assistant.threads.setSuggestedPrompts takes up to four
# Markdown a native stream collects before it calls Slack: fewer calls (chat.appendStream
# is rate limited) against text appearing sooner.
STREAM_BUFFER = 128


@dataclass(frozen=True)
class Recipient:
    """Who a stream in a channel is for: the asker and their team (``chat.startStream``)."""

    user_id: str
    team_id: str


@dataclass(frozen=True)
class Sent:
    """What a Web API call came to: Slack's response data, or its error code."""

    data: dict[str, Any]
    error: str = ""

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return not self.error

    @property
    def ts(self) -> str:
        """The timestamp (id) of the message posted, when there is one."""
        return str(self.data.get("ts", ""))


class SlackDelivery:
    """The Web API calls for posting, updating, ephemeral notes, files and App Home."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(self, place: Place, message: SlackMessage) -> Sent:
        """Post a message in a channel (or DM) and thread."""

        def call(sent: SlackMessage) -> Awaitable[AsyncSlackResponse]:
            return self._client.chat_postMessage(
                channel=place.channel,
                thread_ts=place.thread_ts,
                text=sent.text,
                blocks=sent.blocks,
                unfurl_links=False,
                unfurl_media=False,
            )

        return await self._message("chat.postMessage", call, message)

    async def update(self, channel: str, ts: str, message: SlackMessage) -> Sent:
        """Replace a message the advisor posted earlier."""

        def call(sent: SlackMessage) -> Awaitable[AsyncSlackResponse]:
            return self._client.chat_update(
                channel=channel, ts=ts, text=sent.text, blocks=sent.blocks
            )

        return await self._message("chat.update", call, message)

    async def ephemeral(self, place: Place, user: str, message: SlackMessage) -> Sent:
        """Show a message to one user only."""

        def call(sent: SlackMessage) -> Awaitable[AsyncSlackResponse]:
            return self._client.chat_postEphemeral(
                channel=place.channel,
                user=user,
                thread_ts=place.thread_ts,
                text=sent.text,
                blocks=sent.blocks,
            )

        return await self._message("chat.postEphemeral", call, message)

    async def set_status(self, channel: str, thread_ts: str, status: str) -> Sent:
        """Show (or, with ``""``, clear) the advisor's status in a thread."""
        return await self._call(
            "assistant.threads.setStatus",
            self._client.assistant_threads_setStatus(
                channel_id=channel, thread_ts=thread_ts, status=status
            ),
        )

    async def suggest_prompts(
        self, channel: str, title: str, prompts: Sequence[SuggestedPrompt]
    ) -> Sent:
        """Offer prompts in the DM with the advisor (the agent messaging experience).

        No ``thread_ts``: for an app with ``agent_view`` Slack ignores a call that names
        one (it is for the older assistant threads).
        """
        return await self._call(
            "assistant.threads.setSuggestedPrompts",
            self._client.assistant_threads_setSuggestedPrompts(
                channel_id=channel,
                title=title,
                prompts=[
                    {"title": p.title, "message": p.message}
                    for p in prompts[:MAX_SUGGESTED_PROMPTS]
                ],
            ),
        )

    async def open_stream(self, place: Place, recipient: Recipient | None) -> AsyncChatStream:
        """A native stream into ``place``'s thread; nothing is sent until text is appended.

        ``recipient`` is required in channels and left out in DMs.
        """
        return await self._client.chat_stream(
            channel=place.channel,
            thread_ts=place.thread_ts or "",
            recipient_user_id=recipient.user_id if recipient else None,
            recipient_team_id=recipient.team_id if recipient else None,
            buffer_size=STREAM_BUFFER,
        )

    async def append_stream(
        self, stream: AsyncChatStream, markdown: str, flush: bool = False
    ) -> Sent:
        """Append Markdown to a stream; sent once enough is buffered, or now with ``flush``.

        The first call that sends starts the stream (``chat.startStream``).
        """
        # The helper sends at once when given chunks, even none.
        appending = stream.append(markdown_text=markdown, chunks=[] if flush else None)
        return await self._call(_stream_method(stream), appending)

    async def stop_stream(
        self, stream: AsyncChatStream, markdown: str, blocks: list[dict[str, Any]]
    ) -> Sent:
        """End a stream with its last Markdown, and ``blocks`` under the text."""
        if not stream.ts:
            # Never flushed (a short answer): start it with the text, so each call's failure
            # is logged under its own method.
            started = await self.append_stream(stream, markdown, flush=True)
            if not started.ok:
                return started
            markdown = ""
        return await self._call(
            "chat.stopStream", stream.stop(markdown_text=markdown or None, blocks=blocks or None)
        )

    async def upload_png(self, place: Place, png: bytes, comment: str = "") -> Sent:
        """Share a PNG image in a channel and thread (``files.uploadV2`` flow)."""
        return await self._call(
            "files.uploadV2",
            self._client.files_upload_v2(
                channel=place.channel,
                thread_ts=place.thread_ts,
                file=png,
                filename=CHART_FILENAME,
                title=CHART_TITLE,
                alt_txt=CHART_ALT_TEXT,
                initial_comment=comment or None,
            ),
        )

    async def publish_home(self, user: str, view: dict[str, Any]) -> Sent:
        """Publish a user's App Home tab."""
        return await self._call(
            "views.publish", self._client.views_publish(user_id=user, view=view)
        )

    async def user_info(self, user: str) -> Sent:
        """A user's profile (``users.info``): their name, and whether they are an admin."""
        return await self._call("users.info", self._client.users_info(user=user))

    def _message(
        self,
        method: str,
        call: Callable[[SlackMessage], Awaitable[AsyncSlackResponse]],
        message: SlackMessage,
    ) -> Awaitable[Sent]:
        """``call`` with ``message``, and with its fallback blocks should Slack refuse them.

        Not a coroutine itself: it hands ``_call`` over, so a post crosses one frame here.
        """
        fallback = None
        if message.fallback_blocks is not None:
            plain = replace(message, blocks=message.fallback_blocks, fallback_blocks=None)
            fallback = partial(call, plain)
        return self._call(method, call(message), fallback)

    async def _call(
        self,
        method: str,
        call: Awaitable[AsyncSlackResponse | None],
        fallback: Callable[[], Awaitable[AsyncSlackResponse]] | None = None,
    ) -> Sent:
        try:
            response = await call
            if response is None:  # a stream kept the text in its buffer: nothing was sent
                return Sent({})
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            # A non-JSON answer (an HTML error page, a 405) has no error code to read.
            error = str(data.get("error", "error")) if isinstance(data, dict) else "error"
            log.warning("Slack %s failed: %s", method, error)
            if error == INVALID_BLOCKS and fallback is not None:
                # Blocks this workspace's Slack does not know yet (native feedback buttons):
                # the same message with the classic ones.
                return await self._call(method, fallback())
            return Sent({}, error)
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            log.warning("Slack %s failed: %s", method, exc.__class__.__name__)
            return Sent({}, "unreachable")
        data = response.data if isinstance(response.data, dict) else {}
        return Sent(data)


def _stream_method(stream: AsyncChatStream) -> str:
    """The Web API method a stream's next flush calls."""
    return "chat.appendStream" if stream.ts else "chat.startStream"
