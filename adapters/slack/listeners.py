"""The bolt listeners: acknowledge, translate to ``Inbound``, ask the router, send replies.

Each listener only acknowledges (bolt acknowledges events by itself) and hands the
rest to ``BackgroundWork``, so Slack hears back in milliseconds whatever the
router costs. What to answer is the router's business; this module decides only
where replies go: a mention's thread, the DM, the clicked message (updated in
place), or the clicking user alone.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.context.respond.async_respond import AsyncRespond

from adapters.slack import buttons
from adapters.slack.answering import ThreadAnswer, recipient_of
from adapters.slack.blocks import render
from adapters.slack.delivery import CANNOT_POST_HERE, Sent, SlackDelivery
from adapters.slack.home import COMMAND, home_view
from adapters.slack.inbound import (
    PLATFORM,
    ClickOrigin,
    Place,
    click_inbound,
    click_origin,
    command_inbound,
    has_files,
    is_direct_message,
    is_from_person,
    mentions,
    mentions_others,
    message_inbound,
    message_place,
    workspace_key,
)
from adapters.slack.work import BackgroundWork
from bot.chat_text import ChatText, chat_text, notices
from bot.door import AdvisorDoor
from bot.messages import (
    Action,
    ActionKind,
    NoticeReply,
    QuestionReply,
    Reply,
    ResultReply,
)

log = logging.getLogger("scale_advisor.slack")

MODES = ("quick", "full")


class SlackListeners:
    """Slack events, the slash command and button clicks, wired to the advisor."""

    def __init__(
        self,
        door: AdvisorDoor,
        delivery: SlackDelivery,
        work: BackgroundWork,
        texts: ChatText | None = None,
    ) -> None:
        self._door = door
        self._delivery = delivery
        self._work = work
        self._texts = texts or chat_text()

    def register(self, bolt: AsyncApp) -> None:
        """Register every listener on a bolt app."""
        bolt.event("app_mention")(self.on_app_mention)
        bolt.event("message")(self.on_message)
        bolt.event("app_home_opened")(self.on_app_home_opened)
        bolt.command(COMMAND)(self.on_scale_check)
        bolt.action(buttons.ACTION_ID_PATTERN)(self.on_button)

    # --- listeners: acknowledge and hand over ------------------------------------------

    async def on_app_mention(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """A mention in a channel: answer in the mention's thread."""
        if is_direct_message(event):
            return  # the DM's ``message`` event answers it
        self._work.spawn(self._converse(context, event, addressed=True), "app_mention")

    async def on_message(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """A DM, or a reply in a thread the advisor answered in."""
        if not is_from_person(event):
            return
        if is_direct_message(event):
            addressed = True
        elif mentions(str(event.get("text") or ""), context.bot_user_id):
            return  # the ``app_mention`` event answers it
        elif event.get("thread_ts"):
            addressed = False  # a follow-up, if the etiquette says so (bot.etiquette)
        else:
            return  # the advisor does not answer every post in a channel
        self._work.spawn(self._converse(context, event, addressed), "message")

    async def on_scale_check(
        self,
        ack: AsyncAck,
        command: dict[str, Any],
        respond: AsyncRespond,
        context: AsyncBoltContext,
    ) -> None:
        """``/scale-check [quick|full]``: start the assessment where it was typed."""
        mode = str(command.get("text") or "").strip().lower()  # empty: the survey's default
        if mode and mode not in MODES:
            usage = notices().scale_check_usage.format(command=COMMAND)
            await ack(text=usage)  # shown to the user alone
            return
        await ack()
        start = self._start(_workspace(context), command, mode, respond)
        self._work.spawn(start, "scale-check")

    async def on_button(
        self,
        ack: AsyncAck,
        body: dict[str, Any],
        action: dict[str, Any],
        context: AsyncBoltContext,
    ) -> None:
        """Any of the advisor's buttons."""
        await ack()
        self._work.spawn(self._click(_workspace(context), body, action), "button")

    async def on_app_home_opened(self, event: dict[str, Any], context: AsyncBoltContext) -> None:
        """App Home opened: the Home tab gets the user's latest result, Messages its prompts."""
        tab = event.get("tab", "home")
        if tab == "messages" and event.get("channel"):
            self._work.spawn(self._suggest_prompts(str(event["channel"])), "app_home_opened")
            return
        if tab != "home" or not event.get("user"):
            return
        home = self._publish_home(_workspace(context), str(event["user"]))
        self._work.spawn(home, "app_home_opened")

    # --- the work after the acknowledgement -------------------------------------------------

    async def _converse(
        self, context: AsyncBoltContext, event: Mapping[str, Any], addressed: bool
    ) -> None:
        """A message for the advisor (or perhaps for it, when not ``addressed``): answered."""
        if not is_from_person(event):
            return
        workspace = _workspace(context)
        inbound = message_inbound(workspace, event, context.bot_user_id)
        if not addressed:
            others = mentions_others(str(event.get("text") or ""), context.bot_user_id)
            if not await self._door.takes_up(inbound, others):
                return  # people talking to each other: no reply at all
        if self._door.asks_to_configure(inbound.text):
            inbound = replace(inbound, can_configure=await self._is_admin(inbound.user))
        place = message_place(event)
        if has_files(event):
            await self._send(place, [NoticeReply(notices().attachments)])
            if not inbound.text:
                return
        # Answered in the thread: a status meanwhile; with an LLM, the answer streams in.
        recipient = recipient_of(event, context.team_id)
        answer = ThreadAnswer(
            self._delivery, place, self._texts, recipient, is_direct_message(event)
        )
        answer.begin()
        try:
            replies = await self._door.handle(inbound, on_partial=answer.show)
            rest = await answer.finish(replies)
            if rest and (await self._send(place, rest)).ok:
                answer.delivered()
        finally:
            await answer.close()

    async def _start(
        self, workspace: str, command: Mapping[str, Any], mode: str, respond: AsyncRespond
    ) -> None:
        inbound = command_inbound(workspace, command, Action(ActionKind.ASSESS_START, mode))
        replies = await self._door.handle(inbound)
        sent = await self._send(Place(inbound.conversation), replies)
        if sent.error in CANNOT_POST_HERE:
            # Posting to the user's id opens the DM between the advisor and them.
            await self._send(Place(inbound.user), replies)
            await respond(text=notices().moved_to_dm, response_type="ephemeral")

    async def _click(
        self, workspace: str, body: Mapping[str, Any], action: Mapping[str, Any]
    ) -> None:
        click = buttons.decode(str(action.get("action_id", "")), str(action.get("value") or ""))
        if click is None:
            log.info("Slack: unknown button %r ignored", action.get("action_id"))
            return
        origin = click_origin(workspace, body)
        if click.action is None:  # "ask about this": a question asked by clicking
            replies = await self._door.handle(click_inbound(origin, text=click.ask))
            await self._send(origin.place, replies)
            return
        replies = await self._door.handle(click_inbound(origin, click.action))
        kind = click.action.kind
        if kind is ActionKind.FEEDBACK:
            await self._tell(origin, replies)
        elif kind is ActionKind.ASSESS_START:
            await self._send(origin.beside, replies)
        else:
            await self._step(origin, replies)

    async def _step(self, origin: ClickOrigin, replies: Sequence[Reply]) -> None:
        """An answer, back or restart: the clicked question becomes the next one (or the result)."""
        first = replies[0] if replies else None
        if not isinstance(first, QuestionReply | ResultReply):
            await self._tell(origin, replies)  # a stale click or an error: for the clicker only
            return
        if not origin.on_message or not first.replaces_clicked:
            await self._send(origin.beside, replies)  # never overwrite another run's card
            return
        await self._delivery.update(origin.channel, origin.message_ts, render(first))
        if isinstance(first, ResultReply) and first.chart_png:
            await self._delivery.upload_png(origin.beside, first.chart_png, notices().chart_comment)
        await self._send(origin.beside, replies[1:])

    async def _suggest_prompts(self, channel: str) -> None:
        texts = self._texts
        await self._delivery.suggest_prompts(
            channel, texts.suggested_prompts_title, texts.suggested_prompts
        )

    async def _publish_home(self, team_id: str, user_id: str) -> None:
        latest = await self._door.home((PLATFORM, team_id, user_id))
        await self._delivery.publish_home(user_id, home_view(latest))

    # --- sending ----------------------------------------------------------------------------

    async def _send(self, place: Place, replies: Sequence[Reply]) -> Sent:
        """Post each reply as its own message; stop at the first that cannot be posted."""
        first = Sent({})
        for index, reply in enumerate(replies):
            sent = await self._delivery.post(place, render(reply))
            if index == 0:
                first = sent
            if not sent.ok:
                return sent
            if isinstance(reply, ResultReply) and reply.chart_png:
                await self._delivery.upload_png(place, reply.chart_png, notices().chart_comment)
        return first

    async def _tell(self, origin: ClickOrigin, replies: Sequence[Reply]) -> None:
        """Show replies to the clicking user only."""
        for reply in replies:
            if origin.channel:
                place = Place(origin.channel, origin.thread_ts)
                await self._delivery.ephemeral(place, origin.user_id, render(reply))
            else:
                await self._delivery.post(Place(origin.user_id), render(reply))

    async def _is_admin(self, user_id: str) -> bool:
        """Whether Slack calls the user a workspace (or organisation) admin or owner."""
        sent = await self._delivery.user_info(user_id)
        profile = sent.data.get("user")
        if not sent.ok or not isinstance(profile, dict):
            return False  # unknown rights are no rights
        return any(profile.get(flag) is True for flag in _ADMIN_FLAGS)


# users.info flags that let someone change the advisor's settings in a channel.
_ADMIN_FLAGS = ("is_admin", "is_owner", "is_primary_owner")


def _workspace(context: AsyncBoltContext) -> str:
    """The workspace key of any request, from what bolt read off its payload."""
    return workspace_key(context.enterprise_id, context.team_id, context.is_enterprise_install)
