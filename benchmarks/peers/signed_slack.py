"""Plays Slack's side: signed Events API, slash command and interactivity requests over HTTP.

Signatures are computed here the way Slack computes them (``v0=`` + HMAC-SHA256 of
``v0:{timestamp}:{body}`` with the signing secret), independently of slack_sdk.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import itertools
import json
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import aiohttp

from benchmarks.peers.slack_web_api import BOT_USER_ID, TEAM_ID

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

_ids = itertools.count(1)


def signature(secret: str, timestamp: str, body: str) -> str:
    digest = hmac.new(
        secret.encode(), f"v0:{timestamp}:{body}".encode(), hashlib.sha256
    ).hexdigest()
    return f"v0={digest}"


def new_ts() -> str:
    return f"{int(time.time())}.{next(_ids):06d}"


def new_trigger_id() -> str:
    """A fresh ``trigger_id``: Slack issues one per command or click (the ledger keys on it)."""
    return f"{next(_ids)}.1800000000.{next(_ids):06x}"


def new_event_id() -> str:
    return f"Ev{next(_ids):010d}"


def event_envelope(event: Mapping[str, Any], event_id: str) -> str:
    """An Events API request body carrying ``event``."""
    return json.dumps(
        {
            "token": "legacy",
            "team_id": TEAM_ID,
            "api_app_id": "A0SCALE",
            "event": dict(event),
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
        }
    )


@dataclass(frozen=True)
class Response:
    status: int
    text: str
    seconds: float


class SignedSlack:
    """Sends what Slack would send to ``POST /slack/events``."""

    def __init__(self, session: aiohttp.ClientSession, url: str, response_url: str = "") -> None:
        self.session = session
        self.url = url
        self.response_url = response_url

    async def post(
        self,
        body: str | bytes,
        content_type: str = JSON,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        headers: Mapping[str, str] | None = None,
        signed: bool = True,
    ) -> Response:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        all_headers = {"Content-Type": content_type, **(headers or {})}
        if signed:
            all_headers["X-Slack-Request-Timestamp"] = stamp
            all_headers["X-Slack-Signature"] = signature(secret, stamp, text)
        raw = body.encode() if isinstance(body, str) else body
        started = time.perf_counter()
        # A stream, not raw bytes: aiohttp warns that a large raw body blocks its loop.
        data = io.BytesIO(raw)
        async with self.session.post(self.url, data=data, headers=all_headers) as response:
            answer = await response.text()
        return Response(response.status, answer, time.perf_counter() - started)

    # --- Events API ------------------------------------------------------------------

    def envelope(self, event: Mapping[str, Any], event_id: str) -> str:
        return event_envelope(event, event_id)

    async def event(
        self,
        event: Mapping[str, Any],
        *,
        event_id: str | None = None,
        retry_num: int | None = None,
        **options: Any,
    ) -> Response:
        headers = dict(options.pop("headers", {}))
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = "http_timeout"
        body = self.envelope(event, event_id or new_event_id())
        return await self.post(body, JSON, headers=headers, **options)

    # --- slash commands and buttons ------------------------------------------------------

    def command_body(self, text: str, user: str, channel: str) -> str:
        return urlencode(
            {
                "token": "legacy",
                "team_id": TEAM_ID,
                "team_domain": "scale",
                "channel_id": channel,
                "channel_name": "general",
                "user_id": user,
                "user_name": "someone",
                "command": "/scale-check",
                "text": text,
                "api_app_id": "A0SCALE",
                "response_url": self.response_url,
                "trigger_id": new_trigger_id(),
            }
        )

    async def command(self, text: str = "", user: str = "U1", channel: str = "C1") -> Response:
        return await self.post(self.command_body(text, user, channel), FORM)

    def click_body(
        self,
        action_id: str,
        value: str,
        *,
        user: str,
        channel: str | None,
        message_ts: str | None = None,
        thread_ts: str | None = None,
    ) -> str:
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "team_id": TEAM_ID},
            "team": {"id": TEAM_ID, "domain": "scale"},
            "api_app_id": "A0SCALE",
            "token": "legacy",
            "trigger_id": new_trigger_id(),
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": str(time.time()),
                }
            ],
        }
        if channel is None:  # a button in the App Home tab
            payload["container"] = {"type": "view", "view_id": "V1"}
            payload["view"] = {"id": "V1", "type": "home"}
        else:
            message: dict[str, Any] = {"type": "message", "ts": message_ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            payload["container"] = {
                "type": "message",
                "message_ts": message_ts,
                "channel_id": channel,
                "is_ephemeral": False,
            }
            payload["channel"] = {"id": channel, "name": "general"}
            payload["message"] = message
            payload["response_url"] = self.response_url
        return urlencode({"payload": json.dumps(payload)})

    async def click(self, action_id: str, value: str, **where: Any) -> Response:
        return await self.post(self.click_body(action_id, value, **where), FORM)


# --- events ---------------------------------------------------------------------------------


def mention(
    text: str, *, user: str = "U1", channel: str = "C1", ts: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER_ID}> {text}",
        "ts": ts or new_ts(),
        "channel": channel,
        "event_ts": ts or new_ts(),
        **extra,
    }


def message(
    text: str,
    *,
    user: str = "U1",
    channel: str = "C1",
    channel_type: str = "channel",
    ts: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": "message",
        "user": user,
        "text": text,
        "ts": ts or new_ts(),
        "channel": channel,
        "channel_type": channel_type,
        "event_ts": ts or new_ts(),
        **extra,
    }


def direct_message(text: str, *, user: str = "U1", **extra: Any) -> dict[str, Any]:
    return message(text, user=user, channel="D0" + user, channel_type="im", **extra)


# --- reading blocks ----------------------------------------------------------------------------


def iter_elements(blocks: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for block in blocks:
        if isinstance(block.get("accessory"), dict):
            yield block["accessory"]
        yield from block.get("elements", [])


def button(blocks: list[dict[str, Any]], action_id: str) -> dict[str, Any]:
    for element in iter_elements(blocks):
        if element.get("action_id") == action_id:
            return element
    raise AssertionError(f"no button {action_id!r} in {json.dumps(blocks)[:500]}")


def block_text(blocks: list[dict[str, Any]]) -> str:
    """All the text of a message's blocks, joined (for assertions)."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block.get("text"), dict):
            parts.append(block["text"].get("text", ""))
        parts.extend(item.get("text", "") for item in block.get("fields", []))
        parts.extend(
            element.get("text", "")
            for element in block.get("elements", [])
            if isinstance(element, dict) and element.get("type") in ("mrkdwn", "plain_text")
        )
    return "\n".join(parts)
