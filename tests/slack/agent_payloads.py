"""Payloads of Slack's agent messaging experience, shaped as Slack sends them.

A DM to an app with ``agent_view`` (``message.im`` with rich_text blocks), the
Messages tab being opened (``app_home_opened`` with ``tab: messages``), and a click
on the native feedback buttons (``block_actions`` whose action is ``feedback_buttons``).
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode

from adapters.slack import buttons
from benchmarks.peers.signed_slack import SignedSlack, direct_message, iter_elements, new_ts
from benchmarks.peers.slack_web_api import TEAM_ID


def agent_dm(text: str, *, user: str = "U1", **extra: Any) -> dict[str, Any]:
    """A top-level ``message.im`` in the DM with an agent app."""
    event = direct_message(text, user=user, **extra)
    event.update(
        team=TEAM_ID,
        client_msg_id=str(uuid.uuid4()),
        blocks=[
            {
                "type": "rich_text",
                "block_id": "dm1",
                "elements": [
                    {"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}
                ],
            }
        ],
    )
    return event


def messages_tab_opened(user: str = "U1") -> dict[str, Any]:
    """``app_home_opened`` for the Messages tab (the DM with the app)."""
    return {
        "type": "app_home_opened",
        "user": user,
        "channel": "D0" + user,
        "tab": "messages",
        "event_ts": new_ts(),
    }


def feedback_element(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``feedback_buttons`` element of a message's blocks."""
    for element in iter_elements(blocks):
        if element.get("type") == "feedback_buttons":
            return element
    raise AssertionError(f"no feedback_buttons in {json.dumps(blocks)[:500]}")


def feedback_answer_id(blocks: list[dict[str, Any]]) -> str:
    """The answer id both native feedback buttons of a message vote on."""
    element = feedback_element(blocks)
    refs = set()
    for side in ("positive_button", "negative_button"):
        click = buttons.decode(element["action_id"], element[side]["value"])
        assert click is not None and click.action is not None, element
        refs.add(click.action.ref)
    (answer_id,) = refs
    assert answer_id, element
    return answer_id


async def click_feedback(
    slack: SignedSlack,
    element: dict[str, Any],
    positive: bool,
    *,
    user: str,
    channel: str,
    message_ts: str,
    thread_ts: str | None = None,
) -> int:
    """Click one of the native feedback buttons; the HTTP status of the request.

    Slack sends the element's ``action_id`` with the clicked button's value and text.
    """
    side = element["positive_button" if positive else "negative_button"]
    body = slack.click_body(
        element["action_id"],
        side["value"],
        user=user,
        channel=channel,
        message_ts=message_ts,
        thread_ts=thread_ts,
    )
    payload = json.loads(parse_qs(body)["payload"][0])
    payload["actions"] = [
        {
            "type": "feedback_buttons",
            "action_id": element["action_id"],
            "block_id": "fb1",
            "value": side["value"],
            "text": side["text"],
            "action_ts": str(time.time()),
        }
    ]
    response = await slack.post(
        urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded"
    )
    return response.status
