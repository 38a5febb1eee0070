"""Teams activities translated into the advisor's ``Inbound`` messages.

Who is who in a Teams activity:

- tenant: ``channelData.tenant.id``; ``conversation.tenantId`` as a fallback
  (CloudAdapter does not copy one into the other).
- user: ``from.aadObjectId``, the user's stable Entra ID; ``from.id`` (a
  per-bot ``29:...`` id) when it is missing, as in the Emulator.
- conversation: ``conversation.id``. In a channel, a reply chain's id is the
  channel id plus ``;messageid=<root>``: the channel is the ``conversation`` (its
  settings, such as follow-ups, hold for every thread in it) and the root is the
  ``thread``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection
from typing import Any

from botbuilder.core import TurnContext

from adapters.teams.cards import parse_action, parse_ask
from bot.messages import Inbound
from bot.user_text import clean_text

__all__ = ["NO_TENANT", "PLATFORM", "is_foreign_click", "message_text", "tenant_id", "to_inbound"]

log = logging.getLogger("scale_advisor.teams")

PLATFORM = "teams"
NO_TENANT = "local"  # the Emulator and other tenant-less callers (anonymous mode only)
_REPLY_CHAIN = re.compile(r";messageid=(\d+)")
_MENTION = re.compile(r"<at>([^<]*)</at>", re.IGNORECASE)


def tenant_id(activity: Any) -> str:
    """The Entra ID tenant an activity comes from, or "" when it names none."""
    channel_data = getattr(activity, "channel_data", None)
    if isinstance(channel_data, dict):
        tenant = channel_data.get("tenant")
        if isinstance(tenant, dict) and isinstance(tenant.get("id"), str) and tenant["id"]:
            return str(tenant["id"])
    conversation = getattr(activity, "conversation", None)
    # botbuilder's schema maps "tenantID", but Teams sends "tenantId", which msrest
    # then keeps among the unknown keys.
    extra = getattr(conversation, "additional_properties", None) or {}
    for fallback in (getattr(conversation, "tenant_id", None), extra.get("tenantId")):
        if isinstance(fallback, str) and fallback:
            return fallback
    return ""


def message_text(activity: Any) -> str:
    """The message text with the bot's @mention removed (channels and group chats)."""
    try:
        TurnContext.remove_recipient_mention(activity)
    except (AttributeError, KeyError, TypeError) as error:
        # A mention entity without "mentioned" or an activity without a recipient:
        # keep the text as it came rather than failing the turn.
        log.debug("teams: mention not removed: %s", error)
    text = activity.text if isinstance(activity.text, str) else ""
    bot_name = getattr(getattr(activity, "recipient", None), "name", None)

    def unwrap(mention: re.Match[str]) -> str:
        # A bot mention the SDK missed is dropped; other people's keep their names.
        name = mention.group(1).strip()
        return " " if bot_name and name == bot_name else name

    return " ".join(_MENTION.sub(unwrap, text).split())


def is_foreign_click(activity: Any) -> bool:
    """A card click whose data the advisor did not make (another app's card, a tampered one).

    Such a click is not meant for the advisor; the bot ignores it.
    """
    value = getattr(activity, "value", None)
    return value is not None and parse_action(value) is None and parse_ask(value) is None


def to_inbound(
    activity: Any, text: str | None = None, admins: Collection[str] = frozenset()
) -> Inbound:
    """The ``Inbound`` for an activity: typed text or a card button's data.

    A card click arrives as a message whose ``value`` holds the button's data (and
    usually no text); the bot drops clicks whose data this bot did not make
    (``is_foreign_click``) before it gets here.

    Args:
        activity: A message, or another activity from a user (``text`` then says
            what it stands for, e.g. "help" when the bot is installed).
        text: Use this text instead of the activity's.
        admins: The Entra ID object ids (``TEAMS_ADMIN_IDS``) who may change a
            channel's settings; Teams' bot API does not say who owns a team.

    Returns:
        The inbound message.

    """
    sender = activity.from_property
    conversation_id = str(getattr(activity.conversation, "id", "") or "")
    chain = _REPLY_CHAIN.search(conversation_id)
    action = parse_action(activity.value) if activity.value is not None else None
    asked = parse_ask(activity.value) if activity.value is not None else None
    if text is None:  # a "See also" click asks its question as if it were typed
        if asked:
            text = asked
        else:
            text = "" if action is not None else message_text(activity)
    aad_id = str(getattr(sender, "aad_object_id", None) or "")
    return Inbound(
        platform=PLATFORM,
        workspace=tenant_id(activity) or NO_TENANT,
        user=aad_id or str(getattr(sender, "id", "") or ""),
        conversation=conversation_id[: chain.start()] if chain else conversation_id,
        thread=chain.group(1) if chain else None,
        text=clean_text(text),
        action=action,
        # Only the Entra ID object id counts: the per-bot "29:" id is not what admins list.
        can_configure=bool(aad_id) and aad_id in admins,
    )
