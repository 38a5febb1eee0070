"""Teams activities as the channel sends them (personal chat, channel mention, card click)."""

from __future__ import annotations

import itertools
from typing import Any

APP_ID = "app-id"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "Scaling Advisor"
TENANT = "tenant-a"
CHANNEL = "19:general@thread.skype"

_ids = itertools.count(1_700_000_000_000)


def _base(
    service_url: str,
    conversation: dict[str, Any],
    *,
    user: str,
    tenant: str,
    channel_data: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "type": "message",
        "id": str(next(_ids)),
        "timestamp": "2026-05-01T10:00:00.000Z",
        "serviceUrl": service_url,
        "channelId": "msteams",
        "from": {"id": f"29:{user}", "name": "Ada Lovelace", "aadObjectId": f"aad-{user}"},
        "conversation": {**conversation, "tenantId": tenant},
        "recipient": {"id": BOT_ID, "name": BOT_NAME},
        "locale": "en-GB",
        "channelData": {"tenant": {"id": tenant}, **(channel_data or {})},
    }


def personal(
    text: str | None,
    service_url: str,
    *,
    user: str = "user-1",
    tenant: str = TENANT,
    value: dict[str, Any] | None = None,
    reply_to_id: str | None = None,
) -> dict[str, Any]:
    activity = _base(
        service_url,
        {"id": f"a:personal-{user}", "conversationType": "personal"},
        user=user,
        tenant=tenant,
    )
    if text is not None:
        activity["text"] = text
        activity["textFormat"] = "plain"
    if value is not None:
        activity["value"] = value
    if reply_to_id is not None:
        activity["replyToId"] = reply_to_id
    return activity


def card_click(
    data: dict[str, Any], reply_to_id: str, service_url: str, **kwargs: Any
) -> dict[str, Any]:
    """What Teams posts when an Action.Submit button is pressed: ``value``, no text."""
    return personal(None, service_url, value=data, reply_to_id=reply_to_id, **kwargs)


def channel_mention(
    question: str,
    service_url: str,
    *,
    user: str = "user-1",
    tenant: str = TENANT,
    root: str = "1700000000001",
) -> dict[str, Any]:
    mention = f"<at>{BOT_NAME}</at>"
    activity = _base(
        service_url,
        {
            "id": f"{CHANNEL};messageid={root}",
            "conversationType": "channel",
            "isGroup": True,
        },
        user=user,
        tenant=tenant,
        channel_data={
            "teamsChannelId": CHANNEL,
            "teamsTeamId": "19:team@thread.skype",
            "channel": {"id": CHANNEL},
            "team": {"id": "19:team@thread.skype"},
        },
    )
    activity["text"] = f"{mention} {question}"
    activity["entities"] = [
        {"type": "mention", "mentioned": {"id": BOT_ID, "name": BOT_NAME}, "text": mention},
        {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"},
    ]
    return activity


def installed(service_url: str, *, user: str = "user-1", tenant: str = TENANT) -> dict[str, Any]:
    activity = _base(
        service_url,
        {"id": f"a:personal-{user}", "conversationType": "personal"},
        user=user,
        tenant=tenant,
    )
    activity["type"] = "conversationUpdate"
    activity["membersAdded"] = [{"id": BOT_ID}]
    return activity
