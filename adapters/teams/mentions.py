"""Who a Teams message is addressed to: the advisor, other people, or nobody.

Teams sends a channel or group-chat message to the bot when it @mentions the bot,
and, once the app has the resource-specific permissions ``ChannelMessage.Read.Group``
and ``ChatMessage.Read.Chat``, every other message there too. Each @mention is an
entity ``{"type": "mention", "mentioned": {"id", "name"}, "text": "<at>…</at>"}``; a
mention of a tag, a channel or a team has the same shape, with that id.
"""

from __future__ import annotations

from typing import Any

from adapters.teams.entities import entity_fields

__all__ = ["is_personal", "mentioned_ids", "mentions_bot", "mentions_others"]


def is_personal(activity: Any) -> bool:
    """A one-on-one chat with the advisor (everything in it is addressed to it)."""
    conversation = getattr(activity, "conversation", None)
    return getattr(conversation, "conversation_type", None) == "personal"


def mentioned_ids(activity: Any) -> list[str]:
    """The ids of everyone (and every tag or channel) the message @mentions."""
    ids: list[str] = []
    for entity in getattr(activity, "entities", None) or []:
        fields = entity_fields(entity)
        if str(fields.get("type") or "").lower() != "mention":
            continue
        mentioned = fields.get("mentioned")
        if isinstance(mentioned, dict) and isinstance(mentioned.get("id"), str):
            ids.append(mentioned["id"])
    return ids


def _bot_id(activity: Any) -> str:
    return str(getattr(getattr(activity, "recipient", None), "id", "") or "")


def mentions_bot(activity: Any) -> bool:
    """Whether the message @mentions the advisor."""
    bot = _bot_id(activity)
    return bool(bot) and bot in mentioned_ids(activity)


def mentions_others(activity: Any) -> bool:
    """Whether the message @mentions anyone (or any tag or channel) but the advisor."""
    bot = _bot_id(activity)
    return any(mentioned != bot for mentioned in mentioned_ids(activity))
