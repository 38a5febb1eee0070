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
_USER_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_GROUP_MENTION = re.compile(r"<!(?:here|channel|everyone|subteam\^)[^>]*>")


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


def mentions_others(text: str, bot_user_id: str | None) -> bool:
    """Whether the text mentions a person other than the advisor, a user group or the channel.

    Slack writes mentions as ``<@U…>`` (users), ``<!subteam^S…>`` (groups) and
    ``<!here>``, ``<!channel>``, ``<!everyone>``.
    """
    people = {match.group(1) for match in _USER_MENTION.finditer(text)}
    return bool(people - {bot_user_id}) or bool(_GROUP_MENTION.search(text))


def workspace_key(enterprise_id: str | None, team_id: str | None, org_wide: bool | None) -> str:
    """The workspace id threads, assessments, App Home and votes are kept under.

    An org-wide (Enterprise Grid) install serves every workspace of the organisation
    as one app: its events name no team at all, while its slash commands and clicks
    name the workspace they came from. Keyed on the organisation, all three agree,
    and a person's results follow them across the organisation's workspaces (their
    user id is the same in each). A workspace install is keyed on its team.
    """
    if org_wide and enterprise_id:
        return enterprise_id
    return team_id or enterprise_id or ""


def strip_mention(text: str, bot_user_id: str | None) -> str:
    """The text without the advisor's ``<@ID>`` (or ``<@ID|name>``) mentions."""
    if bot_user_id:
        text = re.sub(rf"<@{re.escape(bot_user_id)}(\|[^>]*)?>", " ", text)
    return _WHITESPACE.sub(" ", text).strip()


def has_files(event: Mapping[str, Any]) -> bool:
    """Whether a message carries files or images."""
    return bool(event.get("files")) or event.get("subtype") == "file_share"


def message_thread(event: Mapping[str, Any]) -> str | None:
    """The thread a message belongs to and is answered in: its thread, or the one it starts.

    That holds in DMs too: as in Slack's agent messaging experience, each top-level
    DM starts a conversation of its own, answered (and remembered) in its thread.
    """
    return text_field(event, "thread_ts") or text_field(event, "ts") or None


def message_inbound(team_id: str, event: Mapping[str, Any], bot_user_id: str | None) -> Inbound:
    """The inbound for a message event (a mention, a DM or a thread reply)."""
    return Inbound(
        platform=PLATFORM,
        workspace=team_id,
        user=text_field(event, "user"),
        conversation=text_field(event, "channel"),
        thread=message_thread(event),
        text=clean_text(strip_mention(text_field(event, "text"), bot_user_id)),
        # Each top-level message (in a channel or a DM) opens a thread of its own.
        starts_thread=text_field(event, "thread_ts") in ("", text_field(event, "ts")),
    )


def message_place(event: Mapping[str, Any]) -> Place:
    """Where to answer a message event."""
    return Place(text_field(event, "channel"), message_thread(event))


def command_inbound(workspace: str, command: Mapping[str, Any], action: Action) -> Inbound:
    """The inbound for a slash command that became an action."""
    return Inbound(
        platform=PLATFORM,
        workspace=workspace,
        user=text_field(command, "user_id"),
        conversation=text_field(command, "channel_id"),
        action=action,
    )


@dataclass(frozen=True)
class ClickOrigin:
    """Who clicked, in which workspace (its ``workspace_key``), and on which message."""

    workspace: str
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


def click_origin(workspace: str, body: Mapping[str, Any]) -> ClickOrigin:
    """Read who clicked where from a ``block_actions`` payload in ``workspace``."""
    user = _dict(body.get("user"))
    container = _dict(body.get("container"))
    channel = _dict(body.get("channel"))
    message = _dict(body.get("message"))
    return ClickOrigin(
        workspace=workspace,
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
        workspace=origin.workspace,
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
