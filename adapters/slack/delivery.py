"""Sending to Slack: the Web API calls the adapter makes, each failure logged, none raised.

A failed call (not in the channel, rate limited past the retries, Slack down)
must not take the listener down with it: it is logged with the method and
Slack's error code, and the caller gets a result it can act on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from adapters.slack.blocks import SlackMessage
from adapters.slack.inbound import Place

log = logging.getLogger("scale_advisor.slack")

CHART_FILENAME = "scale-check-radar.png"
CHART_TITLE = "Scale check radar chart"
CHART_ALT_TEXT = "Radar chart of your scores on each dimension of the scale check"
# Errors that mean "you cannot post there", as opposed to "something broke".
CANNOT_POST_HERE = frozenset({"not_in_channel", "channel_not_found", "is_archived"})


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
        return await self._call(
            "chat.postMessage",
            self._client.chat_postMessage(
                channel=place.channel,
                thread_ts=place.thread_ts,
                text=message.text,
                blocks=message.blocks,
                unfurl_links=False,
                unfurl_media=False,
            ),
        )

    async def update(self, channel: str, ts: str, message: SlackMessage) -> Sent:
        """Replace a message the advisor posted earlier."""
        return await self._call(
            "chat.update",
            self._client.chat_update(
                channel=channel, ts=ts, text=message.text, blocks=message.blocks
            ),
        )

    async def ephemeral(self, place: Place, user: str, message: SlackMessage) -> Sent:
        """Show a message to one user only."""
        return await self._call(
            "chat.postEphemeral",
            self._client.chat_postEphemeral(
                channel=place.channel,
                user=user,
                thread_ts=place.thread_ts,
                text=message.text,
                blocks=message.blocks,
            ),
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

    async def _call(self, method: str, call: Awaitable[AsyncSlackResponse]) -> Sent:
        try:
            response = await call
        except SlackApiError as exc:
            data = exc.response.data if exc.response is not None else None
            # A non-JSON answer (an HTML error page, a 405) has no error code to read.
            error = str(data.get("error", "error")) if isinstance(data, dict) else "error"
            log.warning("Slack %s failed: %s", method, error)
            return Sent({}, error)
        except (TimeoutError, SlackClientError, aiohttp.ClientError) as exc:
            log.warning("Slack %s failed: %s", method, exc.__class__.__name__)
            return Sent({}, "unreachable")
        data = response.data if isinstance(response.data, dict) else {}
        return Sent(data)
