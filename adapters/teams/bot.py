"""The Teams bot: activities in, the router's replies out as messages. It only translates.

A message (typed, or an Adaptive Card button press) becomes an ``Inbound``; the
router answers; the replies go out through the ``Outbox``. The router runs
while the typing indicator shows; in a personal chat with a language model
configured, the answer streams instead (``streaming.AnswerStream``). If the router
is still busy when the reply budget runs out, the turn ends (so the HTTP request
is answered in time) and ``LateReplies`` sends the replies as a proactive message
when they are ready (a streamed answer keeps streaming meanwhile).

Who is answered: everything in a personal chat, and in channels and group chats
every message that @mentions the advisor and every click on its cards. A message
there without a mention (Teams delivers those to apps with the RSC permissions) is
answered only when ``bot.etiquette`` says it is the asker's follow-up; clicks on
cards the advisor did not make are ignored. Teams' native feedback arrives as a
``message/submitAction`` invoke and is stored through the router like a vote.

Each message (and install) is answered once, however often and to however many
replicas it is delivered: the turn runs under a claim on its activity and
conversation ids in the state store's ledger (``adapters.ledger``, the one Slack
uses), marked done once the replies are sent, late replies included.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Any

from botbuilder.core import ActivityHandler, TurnContext
from botbuilder.schema import ActivityTypes, InvokeResponse

from adapters.ledger import EventLedger, current_claim
from adapters.teams.feedback import SUBMIT_ACTION, NativeFeedback, ReplyLinks
from adapters.teams.inbound import is_foreign_click, to_inbound
from adapters.teams.invoke import CARD_ACTION, card_action_response
from adapters.teams.late_replies import LateReplies
from adapters.teams.mentions import is_personal, mentions_bot, mentions_others
from adapters.teams.outbound import Outbox
from adapters.teams.streaming import STREAM_INTERVAL, AnswerStream
from bot.door import AdvisorDoor
from bot.messages import ActionKind, Inbound, PartialCallback, Reply

__all__ = [
    "DEFAULT_REPLY_BUDGET",
    "REPLY_DEFERRED",
    "AdvisorTeamsBot",
    "default_answer_concurrency",
]

log = logging.getLogger("scale_advisor.teams")

DEFAULT_REPLY_BUDGET = 10.0
"""Seconds a turn may spend before its replies are finished proactively.

Azure Bot Service gives up on a request after 10 to 15 seconds; 10 leaves room
to send the replies and answer the request within that.
"""


def default_answer_concurrency() -> int:
    """How many router calls run at once: one per CPU, since answering is CPU-bound."""
    return max(1, os.cpu_count() or 1)


MAX_INFORMATIVE_CHARS = 1000  # Teams refuses informative stream updates longer than this

REPLY_DEFERRED = "scale_advisor.reply_deferred"
"""turn_state key set when the turn's replies will come as a proactive message."""

# The activities that get replies: each is claimed so that it gets them once. (An
# invoke is answered in its own response, which a dropped repeat would lack.)
_CLAIMED_TYPES = frozenset({ActivityTypes.message, ActivityTypes.conversation_update})


def activity_key(activity: Any) -> str:
    """The ledger key of an activity that gets replies ("" for others, or without ids).

    Activity ids are unique within a conversation, so the pair names one delivery.
    """
    activity_id = getattr(activity, "id", None)
    conversation_id = getattr(getattr(activity, "conversation", None), "id", None)
    if activity.type not in _CLAIMED_TYPES or not activity_id or not conversation_id:
        return ""
    return f"teams-activity:{conversation_id}:{activity_id}"


# Clicks on a question card: the card is replaced by what comes next.
_IN_PLACE = frozenset({ActionKind.ASSESS_ANSWER, ActionKind.ASSESS_BACK, ActionKind.ASSESS_RESTART})


class AdvisorTeamsBot(ActivityHandler):  # type: ignore[misc]
    """Translates Teams activities for the advisor's router and sends back its replies."""

    def __init__(
        self,
        door: AdvisorDoor,
        outbox: Outbox,
        late_replies: LateReplies,
        ledger: EventLedger,
        links: ReplyLinks,
        admins: frozenset[str],
        reply_budget: float = DEFAULT_REPLY_BUDGET,
        answer_concurrency: int | None = None,
        stream_interval: float = STREAM_INTERVAL,
    ) -> None:
        """Serve the advisor behind ``door`` through ``outbox``.

        Args:
            door: The advisor, as a channel sees it.
            outbox: Sends the replies.
            late_replies: Finishes replies slower than ``reply_budget`` seconds.
            ledger: Claims each activity once, here or on another replica.
            links: Which answer each sent reply carries, for Teams' native feedback.
            admins: AAD object ids allowed to change the advisor's settings.
            reply_budget: Seconds a turn may take.
            answer_concurrency: Router calls at once (default: one per CPU).
            stream_interval: Seconds at least between two streaming updates.

        """
        super().__init__()
        self._door = door
        self._outbox = outbox
        self._late_replies = late_replies
        self._reply_budget = reply_budget
        # The router's work runs in the default thread pool, and so do msrest's
        # blocking sends. Left unbounded, a burst of questions fills that pool and
        # every reply queues behind every answer; bounded, answers go out as they
        # are ready.
        self._answering = asyncio.Semaphore(answer_concurrency or default_answer_concurrency())
        self._ledger = ledger
        self._feedback = NativeFeedback(links, self._answer)
        self._admins = admins
        # Only a language model's answer comes in parts; without one there is nothing to stream.
        self._streams = door.streams
        self._stream_interval = stream_interval

    async def on_turn(self, turn_context: TurnContext) -> None:
        """Run the turn once per activity: a repeat, here or on another replica, is dropped."""
        key = activity_key(turn_context.activity)
        if not key:
            await super().on_turn(turn_context)
            return
        claim = await self._ledger.claim(key)
        if claim is None:
            return  # answered, or being answered: the repeat's request gets an empty 200
        with claim.current():
            await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        """A typed message, a command from the menu, or a card button press."""
        activity = turn_context.activity
        if is_foreign_click(activity):
            # Another app's card (or a tampered one): not meant for the advisor, and a
            # reply would land in public. Nothing the user sent is logged.
            log.debug("teams: a click on a card the advisor did not make was ignored")
            return
        inbound = to_inbound(activity, admins=self._admins)
        clicked = activity.value is not None
        addressed = clicked or is_personal(activity) or mentions_bot(activity)
        if not addressed and not await self._door.takes_up(
            inbound, mentions_others(activity)
        ):
            return  # people talking to each other: no reply at all
        clicked_card_id = (
            activity.reply_to_id
            if inbound.action is not None and inbound.action.kind in _IN_PLACE
            else None
        )
        stream = None
        if self._streams and is_personal(activity) and inbound.action is None:
            stream = AnswerStream(
                turn_context,
                self._working_status(activity),
                self._outbox.policy,
                self._stream_interval,
            )
        await self._respond(turn_context, inbound, clicked_card_id, stream)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Card actions and native feedback get a proper invoke response; others botbuilder's."""
        activity = turn_context.activity
        if activity.name == CARD_ACTION:
            response = card_action_response(activity.value)
            log.info("teams: card action invoke answered with %d", response.status)
            return response
        if activity.name == SUBMIT_ACTION:
            return await self._feedback.respond(activity)
        return await super().on_invoke_activity(turn_context)

    async def on_members_added_activity(
        self, members_added: list[Any], turn_context: TurnContext
    ) -> None:
        """Say what the advisor does when someone installs it for a personal chat."""
        activity = turn_context.activity
        bot_id = getattr(activity.recipient, "id", None)
        personal = getattr(activity.conversation, "conversation_type", None) == "personal"
        if personal and any(getattr(m, "id", None) == bot_id for m in members_added):
            await self._respond(turn_context, to_inbound(activity, text="help"), None)

    def _working_status(self, activity: Any) -> str:
        # Teams shows the informative update on its own, not after the bot's name as
        # Slack shows a status: "is reading the guidance…" needs its subject.
        name = str(getattr(getattr(activity, "recipient", None), "name", "") or "").strip()
        status = self._outbox.text.working_status
        return (f"{name} {status}" if name else status)[:MAX_INFORMATIVE_CHARS]

    async def _respond(
        self,
        turn_context: TurnContext,
        inbound: Inbound,
        clicked_card_id: str | None,
        stream: AnswerStream | None = None,
    ) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        on_partial = stream.show if stream is not None else None
        work: asyncio.Future[list[Reply]] = asyncio.ensure_future(self._answer(inbound, on_partial))
        if stream is not None:
            await stream.start()  # the informative update stands in for the typing indicator
        else:
            await self._outbox.send_typing(turn_context)
        remaining = self._reply_budget - (loop.time() - started)
        done, _ = await asyncio.wait({work}, timeout=max(0.0, remaining))
        if work in done:
            await self._outbox.deliver(turn_context, work.result(), clicked_card_id, stream)
            return
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        log.info(
            "teams: reply still running after %.1f s; it will follow as a proactive message",
            self._reply_budget,
        )
        late = self._late_replies.finish(work, reference, clicked_card_id, stream)
        claim = current_claim()
        if claim is not None:
            claim.adopt(late)  # done only once the late replies are sent
        turn_context.turn_state[REPLY_DEFERRED] = True

    async def _answer(
        self, inbound: Inbound, on_partial: PartialCallback | None = None
    ) -> list[Reply]:
        async with self._answering:
            return await self._door.handle(inbound, on_partial=on_partial)
