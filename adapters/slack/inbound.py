"""Slack payloads translated to ``bot.messages.Inbound``, and where to answer them.

Pure functions over the dicts Slack sends (Events API events, slash commands,
``block_actions``), so the listeners stay thin and this stays testable.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.messages import Action, Inbound
from bot.user_text import clean_text

PLATFORM = "slack"
# Message subtypes that are a person writing; edits, joins, deletions and bot posts
# are not, and are never answered.
_PEOPLE_SUBTYPES = frozenset({"", "file_share", "thread_broadcast"})
_WHITESPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Place:
    """Where a reply goes: a channel, and the thread in it (None: the channel itself)."""

    channel: str
    thread_ts: str | None = None


def is_from_person(event: Mapping[str, Any]) -> bool:
    """Whether a message event was written by a person (not a bot, not an edit or join)."""
    if event.get("bot_id") or event.get("bot_profile"):
        return False
    subtype = str(event.get("subtype") or "")
    return subtype in _PEOPLE_SUBTYPES and bool(event.get("user"))


def is_direct_message(event: Mapping[str, Any]) -> bool:
    """Whether a message event happened in a DM with the advisor."""
    return event.get("channel_type") == "im" or str(event.get("channel", "")).startswith("D")


def mentions(text: str, bot_user_id: str | None) -> bool:
    """Whether the text mentions the advisor."""
    return bool(bot_user_id) and f"<@{bot_user_id}" in text


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The text without the advisor's ``<@ID>`` (or ``<@ID|name>``) mentions."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return _WHITESPACE.sub(" ", text).strip()


def has_files(event: Mapping[str, Any]) -> bool:
    """Whether a message carries files or images."""
    return bool(event.get("files")) or event.get("subtype") == "file_share"


def message_key(team_id: str, event: Mapping[str, Any]) -> str:
    """One id per message, whichever event (``app_mention`` or ``message``) delivers it."""
    return f"slack-message:{team_id}:{text_field(event, 'channel')}:{text_field(event, 'ts')}"


def message_thread(event: Mapping[str, Any]) -> str | None:
    """The thread a message belongs to and is answered in.

    In a channel that is the message's thread, or the thread it starts. A DM is one
    running conversation: a top-level DM is answered in the DM itself (thread None),
    so its memory spans the DM; a DM in a thread stays in that thread.
    """
    thread_ts = text_field(event, "thread_ts")
    if thread_ts:
        return thread_ts
    if is_direct_message(event):
        return None
    return text_field(event, "ts") or None


def message_inbound(team_id: str, event: Mapping[str, Any], bot_user_id: str | None) -> Inbound:
    """The inbound for a message event (a mention, a DM or a thread reply)."""
    return Inbound(
        platform=PLATFORM,
        workspace=team_id,
        user=text_field(event, "user"),
        conversation=text_field(event, "channel"),
        thread=message_thread(event),
        text=clean_text(strip_mention(text_field(event, "text"), bot_user_id)),
    )


def message_place(event: Mapping[str, Any]) -> Place:
    """Where to answer a message event."""
    return Place(text_field(event, "channel"), message_thread(event))


def command_inbound(command: Mapping[str, Any], action: Action) -> Inbound:
    """The inbound for a slash command that became an action."""
    return Inbound(
        platform=PLATFORM,
        workspace=text_field(command, "team_id"),
        user=text_field(command, "user_id"),
        conversation=text_field(command, "channel_id"),
        action=action,
    )


@dataclass(frozen=True)
class ClickOrigin:
    """Who clicked, in which workspace, and on which message (if on a message)."""

    team_id: str
    user_id: str
    channel: str  # empty when the button was in a view (App Home)
    message_ts: str
    thread_ts: str | None

    @property
    def on_message(self) -> bool:
        """Whether the button sat on a message (which can be updated in place)."""
        return bool(self.channel and self.message_ts)

    @property
    def place(self) -> Place:
        """Where new messages about the click go: the message's thread, or the user's DM."""
        if not self.channel:
            return Place(self.user_id)  # posting to a user id opens the DM with them
        return Place(self.channel, self.thread_ts or self.message_ts or None)

    @property
    def beside(self) -> Place:
        """Next to the clicked message: the same channel, and the same thread if any."""
        return Place(self.channel, self.thread_ts) if self.channel else Place(self.user_id)


def click_origin(body: Mapping[str, Any]) -> ClickOrigin:
    """Read who clicked where from a ``block_actions`` payload."""
    user = _dict(body.get("user"))
    team = _dict(body.get("team"))
    container = _dict(body.get("container"))
    channel = _dict(body.get("channel"))
    message = _dict(body.get("message"))
    return ClickOrigin(
        team_id=str(team.get("id") or user.get("team_id") or ""),
        user_id=str(user.get("id", "")),
        channel=str(channel.get("id") or container.get("channel_id") or ""),
        message_ts=str(container.get("message_ts") or message.get("ts") or ""),
        thread_ts=str(message.get("thread_ts") or container.get("thread_ts") or "") or None,
    )


def click_inbound(origin: ClickOrigin, action: Action | None = None, text: str = "") -> Inbound:
    """The inbound for a button press: an action, or a question asked by clicking."""
    place = origin.place
    return Inbound(
        platform=PLATFORM,
        workspace=origin.team_id,
        user=origin.user_id,
        conversation=place.channel,
        thread=place.thread_ts,
        text=clean_text(text),
        action=action,
    )


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def text_field(payload: Mapping[str, Any], name: str) -> str:
    """A string field of a payload ("" when it is missing or not a string, never "None")."""
    value = payload.get(name)
    return value if isinstance(value, str) else ""
