"""The Teams bot: activities in, the router's replies out as cards. It only translates.

A message (typed, or an Adaptive Card button press) becomes an ``Inbound``; the
router answers; the replies go out through the ``Outbox``. The router runs
while the typing indicator shows. If it is still busy when the reply budget
runs out, the turn ends (so the HTTP request is answered in time) and
``LateReplies`` sends the replies as a proactive message when they are ready.

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
from adapters.teams.inbound import to_inbound
from adapters.teams.invoke import CARD_ACTION, card_action_response
from adapters.teams.late_replies import LateReplies
from adapters.teams.outbound import Outbox
from bot.app import Advisor
from bot.messages import ActionKind, Inbound, Reply

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
        advisor: Advisor,
        outbox: Outbox,
        late_replies: LateReplies,
        reply_budget: float = DEFAULT_REPLY_BUDGET,
        answer_concurrency: int | None = None,
    ) -> None:
        """Serve ``advisor`` through ``outbox``.

        Args:
            advisor: Its router answers.
            outbox: Sends the replies.
            late_replies: Finishes replies slower than ``reply_budget`` seconds.
            reply_budget: Seconds a turn may take.
            answer_concurrency: Router calls at once (default: one per CPU).

        """
        super().__init__()
        self._advisor = advisor
        self._outbox = outbox
        self._late_replies = late_replies
        self._reply_budget = reply_budget
        # The router's work runs in the default thread pool, and so do msrest's
        # blocking sends. Left unbounded, a burst of questions fills that pool and
        # every reply queues behind every answer; bounded, answers go out as they
        # are ready.
        self._answering = asyncio.Semaphore(answer_concurrency or default_answer_concurrency())
        self._ledger = EventLedger(advisor.store, advisor.settings.event_lease_seconds)

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
        inbound = to_inbound(activity)
        clicked_card_id = (
            activity.reply_to_id
            if inbound.action is not None and inbound.action.kind in _IN_PLACE
            else None
        )
        await self._respond(turn_context, inbound, clicked_card_id)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse | None:
        """Card actions get a proper invoke response; other invokes go to botbuilder's."""
        activity = turn_context.activity
        if activity.name == CARD_ACTION:
            response = card_action_response(activity.value)
            log.info("teams: card action invoke answered with %d", response.status)
            return response
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

    async def _respond(
        self, turn_context: TurnContext, inbound: Inbound, clicked_card_id: str | None
    ) -> None:
        loop = asyncio.get_running_loop()
        started = loop.time()
        work: asyncio.Future[list[Reply]] = asyncio.ensure_future(self._answer(inbound))
        await self._outbox.send_typing(turn_context)
        remaining = self._reply_budget - (loop.time() - started)
        done, _ = await asyncio.wait({work}, timeout=max(0.0, remaining))
        if work in done:
            await self._outbox.deliver(turn_context, work.result(), clicked_card_id)
            return
        reference = TurnContext.get_conversation_reference(turn_context.activity)
        log.info(
            "teams: reply still running after %.1f s; it will follow as a proactive message",
            self._reply_budget,
        )
        late = self._late_replies.finish(work, reference, clicked_card_id)
        claim = current_claim()
        if claim is not None:
            claim.adopt(late)  # done only once the late replies are sent
        turn_context.turn_state[REPLY_DEFERRED] = True

    async def _answer(self, inbound: Inbound) -> list[Reply]:
        async with self._answering:
            return await self._advisor.router.handle(inbound)
