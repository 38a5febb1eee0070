"""The ledger keys a Slack delivery is claimed under, read from its payload.

Every way a delivery arrives (the HTTP endpoint, Socket Mode, a replay from the
store) claims the same keys in the same order, so exactly one claimant wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EVENT_PREFIX = "slack-event:"
MESSAGE_PREFIX = "slack-message:"


def event_key(event_id: str) -> str:
    """The ledger key of a Slack event id (empty when there is no id: nothing to claim)."""
    return f"{EVENT_PREFIX}{event_id}" if event_id else ""


def delivery_keys(body: Mapping[str, Any]) -> tuple[str, ...]:
    """The keys a request is claimed under, in order; empty when it has none.

    An event is claimed by its id and, when it carries a message, by that message
    too: the same message delivered again under another event id (from another
    installation, say) is answered once. The message key names the event's type,
    because Slack sends a mention as both ``app_mention`` and ``message`` and the
    listeners answer one of the two (the other is filtered out, and must not take
    the message away from it). Slash commands and clicks carry a ``trigger_id``
    unique to the user's action, so the same body posted twice is one delivery.
    """
    event_id = _text(body.get("event_id"))
    if event_id:
        event = body.get("event")
        message = _message_key(body, event) if isinstance(event, Mapping) else ""
        return (event_key(event_id), message) if message else (event_key(event_id),)
    trigger_id = _text(body.get("trigger_id"))
    return (f"slack-trigger:{trigger_id}",) if trigger_id else ()


def _message_key(body: Mapping[str, Any], event: Mapping[str, Any]) -> str:
    channel, ts = _text(event.get("channel")), _text(event.get("ts"))
    kind = _text(event.get("type"))
    if not (channel and ts and kind):
        return ""
    organisation = _text(body.get("enterprise_id")) or _text(body.get("team_id"))
    return f"{MESSAGE_PREFIX}{organisation}:{kind}:{channel}:{ts}"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
