"""Teams activities as the channel sends them.

Shapes from Microsoft's docs and the Bot Framework test suites: personal, group-chat and
channel messages (channel ones with channelData team/channel/tenant and @mention
entities), card clicks, and the ``message/submitAction`` invoke of Teams' feedback form.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

APP_ID = "app-id"
BOT_ID = f"28:{APP_ID}"
BOT_NAME = "Scaling Advisor"
TENANT = "tenant-a"
CHANNEL = "19:general@thread.skype"
GROUP_CHAT = "19:meeting-prep@thread.v2"

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


def _mention(account_id: str, name: str) -> dict[str, Any]:
    mentioned = {"id": account_id, "name": name}
    return {"type": "mention", "mentioned": mentioned, "text": f"<at>{name}</at>"}


def _addressed(
    activity: dict[str, Any], text: str, mention_bot: bool, others: tuple[str, ...]
) -> dict[str, Any]:
    """Set the text with @mentions of the bot (first) and of ``others`` (people's names)."""
    mentions = [_mention(BOT_ID, BOT_NAME)] if mention_bot else []
    mentions += [_mention(f"29:{name.lower().replace(' ', '-')}", name) for name in others]
    activity["text"] = " ".join([*(m["text"] for m in mentions), text])
    activity["entities"] = [
        *mentions,
        {"type": "clientInfo", "locale": "en-GB", "country": "GB", "platform": "Web"},
    ]
    return activity


def channel_message(
    text: str,
    service_url: str,
    *,
    user: str = "user-1",
    tenant: str = TENANT,
    root: str = "1700000000001",
    mention_bot: bool = True,
    others: tuple[str, ...] = (),
) -> dict[str, Any]:
    """A message in a channel's reply chain ``root``; without the bot's mention, Teams
    sends it only to apps with the ChannelMessage.Read.Group permission."""
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
    return _addressed(activity, text, mention_bot, others)


def channel_mention(question: str, service_url: str, **kwargs: Any) -> dict[str, Any]:
    return channel_message(question, service_url, **kwargs)


def group_chat(
    text: str,
    service_url: str,
    *,
    user: str = "user-1",
    tenant: str = TENANT,
    mention_bot: bool = True,
) -> dict[str, Any]:
    """A group-chat message (no reply chains); unmentioned ones need ChatMessage.Read.Chat."""
    activity = _base(
        service_url,
        {"id": GROUP_CHAT, "conversationType": "groupChat", "isGroup": True},
        user=user,
        tenant=tenant,
    )
    return _addressed(activity, text, mention_bot, ())


def foreign_click(service_url: str, *, root: str = "1700000000001") -> dict[str, Any]:
    """A channel click on another app's Action.Submit: its data, no text, no mention."""
    activity = channel_message("", service_url, root=root, mention_bot=False)
    del activity["text"]
    activity["value"] = {"action": "approve", "requestId": "REQ-4711", "comment": "Ship it"}
    activity["replyToId"] = "1700000000555"
    return activity


def feedback_invoke(
    reply_to_id: str,
    service_url: str,
    *,
    reaction: str = "dislike",
    comment: str = "",
    user: str = "user-1",
    tenant: str = TENANT,
) -> dict[str, Any]:
    """What Teams sends when the feedback form under a bot message is submitted."""
    activity = personal(None, service_url, user=user, tenant=tenant, reply_to_id=reply_to_id)
    activity.update(
        type="invoke",
        name="message/submitAction",
        value={
            "actionName": "feedback",
            "actionValue": {
                "reaction": reaction,
                "feedback": json.dumps({"feedbackText": comment}),
            },
        },
    )
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
