"""Teams' native feedback: thumbs up or down, with a comment, on an answer message.

When a user presses a feedback button on a message sent with
``channelData.feedbackLoop`` and submits the form, Teams sends an invoke::

    {"type": "invoke", "name": "message/submitAction", "replyToId": "<message id>",
     "value": {"actionName": "feedback",
               "actionValue": {"reaction": "like" | "dislike",
                               "feedback": "<JSON: {feedbackText: ...}>"}}}

It names the message, not the answer; so each answer message is linked to its
answer id when it is sent (``ReplyLinks``, in the state store, shared by replicas),
and the invoke's message id is looked up there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Any

from botbuilder.schema import InvokeResponse

from adapters.teams.inbound import to_inbound
from bot.messages import Action, ActionKind, Inbound
from bot.ports import AnswerLog

__all__ = [
    "SUBMIT_ACTION",
    "BadFeedback",
    "NativeFeedback",
    "NativeVote",
    "ReplyLinks",
    "message_key",
    "parse_vote",
]

log = logging.getLogger("scale_advisor.teams")

SUBMIT_ACTION = "message/submitAction"
_VOTES = {"like": "up", "dislike": "down"}


class BadFeedback(ValueError):
    """A ``message/submitAction`` value that is not a feedback submission."""


@dataclass(frozen=True)
class NativeVote:
    """A vote from Teams' feedback form: "up" or "down", and what the user wrote."""

    vote: str
    comment: str = ""


def parse_vote(value: object) -> NativeVote:
    """The vote in an invoke's ``value``.

    Raises:
        BadFeedback: The value is not a feedback submission (the reason says why; it
            never quotes the user's comment).

    """
    if not isinstance(value, Mapping):
        raise BadFeedback("the value is not an object")
    if value.get("actionName") != "feedback":
        raise BadFeedback("the action is not feedback")
    action = value.get("actionValue")
    if not isinstance(action, Mapping):
        raise BadFeedback("the action has no actionValue object")
    vote = _VOTES.get(str(action.get("reaction")))
    if vote is None:
        raise BadFeedback("the reaction is neither like nor dislike")
    return NativeVote(vote, _comment(action.get("feedback")))


def _comment(feedback: object) -> str:
    """The ``feedbackText`` of the form, which Teams sends as a JSON string."""
    if isinstance(feedback, str):
        try:
            feedback = json.loads(feedback)
        except ValueError:
            return ""  # a malformed form loses its comment, not its vote
    if isinstance(feedback, Mapping) and isinstance(feedback.get("feedbackText"), str):
        return str(feedback["feedbackText"])
    return ""


def message_key(conversation_id: str, activity_id: str) -> str:
    """The key a sent message is linked under.

    A channel reply chain's id is the channel id plus ``;messageid=<root>``; message
    ids are unique in the channel, so the chain part is left out, and the key holds
    however Teams names the conversation in the invoke.
    """
    return f"teams:{conversation_id.split(';', 1)[0]}:{activity_id}"


class ReplyLinks:
    """Which answer each sent Teams message carries."""

    def __init__(self, store: AnswerLog) -> None:
        """Keep the links in ``store``."""
        self._store = store

    async def link(self, conversation_id: str, activity_id: str, answer_id: str) -> None:
        """Remember that the message ``activity_id`` carries ``answer_id``.

        A failure is logged by type only and never costs the reply, which is out already;
        that message just cannot take a native vote.
        """
        if not activity_id or not answer_id:
            return
        key = message_key(conversation_id, activity_id)
        try:
            await asyncio.to_thread(self._store.link_reply, key, answer_id)
        except Exception as error:  # noqa: BLE001 - any failure of the store
            log.warning("state store: linking a Teams answer failed (%s)", type(error).__name__)

    async def answer_for(self, conversation_id: str, activity_id: str) -> str | None:
        """The answer id the message ``activity_id`` carries, or None."""
        key = message_key(conversation_id, activity_id)
        try:
            return await asyncio.to_thread(self._store.linked_answer, key)
        except Exception as error:  # noqa: BLE001 - any failure of the store
            kind = type(error).__name__
            log.warning("state store: reading a Teams answer link failed (%s)", kind)
            return None


class NativeFeedback:
    """Answers ``message/submitAction`` invokes, storing their votes through the router."""

    def __init__(self, links: ReplyLinks, handle: Callable[[Inbound], Awaitable[Any]]) -> None:
        """Find answers through ``links``; ``handle`` passes an ``Inbound`` to the router."""
        self._links = links
        self._handle = handle

    async def respond(self, activity: Any) -> InvokeResponse:
        """The invoke response to a feedback submission (a vote is stored on the way).

        Teams shows its own thanks, so nothing is sent back but the empty ``200 {}`` Teams
        requires; the router refuses a vote on someone else's answer. A value that is not
        a feedback submission gets ``400``.
        """
        try:
            vote = parse_vote(activity.value)
        except BadFeedback as bad:
            log.warning("teams: 400 for a feedback invoke: %s", bad)
            return _response(HTTPStatus.BAD_REQUEST, {"error": str(bad)})
        if not activity.reply_to_id:
            log.warning("teams: 400 for a feedback invoke: it names no message")
            return _response(HTTPStatus.BAD_REQUEST, {"error": "the invoke has no replyToId"})
        conversation = str(getattr(activity.conversation, "id", "") or "")
        answer_id = await self._links.answer_for(conversation, str(activity.reply_to_id))
        if answer_id is None:
            log.info("teams: feedback on a message that carries no known answer, not stored")
            return _response(HTTPStatus.OK, {})
        action = Action(ActionKind.FEEDBACK, vote.vote, answer_id, vote.comment)
        await self._handle(replace(to_inbound(activity, text=""), action=action))
        return _response(HTTPStatus.OK, {})


def _response(status: HTTPStatus, body: dict[str, Any]) -> InvokeResponse:
    return InvokeResponse(status=int(status), body=body)
