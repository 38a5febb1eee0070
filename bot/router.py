"""The one entry point every channel calls: an ``Inbound`` in, a list of ``Reply`` out.

The router decides between the assessment, feedback and the answerer; it keeps
conversation memory and records answers for feedback. Channels only translate
and render.

A state store that fails (a full disk, a database gone away) never costs a reply:
an answer already computed is delivered without being remembered, and a vote or an
assessment step that cannot be saved gets a notice saying so. Failures are logged
by error type only (their messages may quote what was being written); ``/readyz``
reports the store's health itself (``adapters.http.server``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from bot.answering.extractive import ExtractiveAnswerer
from bot.answering.follow_up import answer_in_context
from bot.answering.generated import GenerativeAnswerer
from bot.assessment.service import AssessmentService
from bot.chat_text import notices
from bot.etiquette import FollowUpsCommand, FollowUpsTexts, follow_ups_command
from bot.messages import (
    Action,
    ActionKind,
    AnswerReply,
    Inbound,
    NoticeReply,
    PartialCallback,
    Reply,
)
from bot.metrics import AdvisorMetrics
from bot.ports import Exchange, StateStore, Vote
from bot.small_talk import SmallTalk
from bot.user_text import clean_text, too_long

_SCALE_CHECK = re.compile(r"^/?scale[- ]?check(?:\s+(quick|full))?\s*$", re.IGNORECASE)
_HELP = re.compile(r"^/?(help|\?)\s*$", re.IGNORECASE)

log = logging.getLogger("scale_advisor.router")
T = TypeVar("T")

MAX_COMMENT_CHARS = 2000  # a vote's comment is kept up to this length


@dataclass(frozen=True)
class MemoryPolicy:
    """How much conversation the advisor remembers per thread."""

    turns: int = 6
    max_age_seconds: float = 3600.0


class Router:
    """Dispatches one inbound message to the assessment, feedback or the answerer."""

    def __init__(
        self,
        answerer: ExtractiveAnswerer,
        assessment: AssessmentService,
        store: StateStore,
        clock: Callable[[], datetime],
        memory: MemoryPolicy | None = None,
        generator: GenerativeAnswerer | None = None,
        metrics: AdvisorMetrics | None = None,
        small_talk: SmallTalk | None = None,
        follow_ups_texts: FollowUpsTexts | None = None,
    ) -> None:
        self._answerer = answerer
        self._small_talk = small_talk or SmallTalk.load()
        self._follow_ups_texts = follow_ups_texts or FollowUpsTexts.load()
        self._generator = generator
        self._assessment = assessment
        self._store = store
        self._clock = clock
        self._memory = memory or MemoryPolicy()
        self.metrics = metrics or AdvisorMetrics()

    @property
    def generates(self) -> bool:
        """Whether answers are written by a language model (so they can stream)."""
        return self._generator is not None

    async def handle(
        self, inbound: Inbound, on_partial: PartialCallback | None = None
    ) -> list[Reply]:
        """Everything the advisor says back to one message or button press.

        ``on_partial`` is called with a generated answer's text so far while it streams
        (only with an LLM configured); channels that can update a message use it.
        Every message is timed, counted and logged on the way (``bot.metrics``).
        """
        with self.metrics.observing(inbound) as handled:
            replies = await self._without_search(inbound)
            if replies is None:
                replies = await self._answer(inbound, on_partial)
            handled.replies = replies
        return handled.replies

    async def _without_search(self, inbound: Inbound) -> list[Reply] | None:
        """The replies to a click, a command or small talk; None for a question to answer."""
        if inbound.action is not None:
            return await asyncio.to_thread(self._act, inbound, inbound.action)
        text = inbound.text.strip()
        if too_long(text):  # read no further: not searched, not stored, not remembered
            return [NoticeReply(self._answerer.ui.too_long)]
        command = _SCALE_CHECK.match(text)
        if command:
            start = partial(self._assessment.start, inbound.user_key, command.group(1) or "")
            return await asyncio.to_thread(self._or_else, "starting an assessment", start, _step)
        if _HELP.match(text):
            return [NoticeReply(notices().help)]
        setting = follow_ups_command(text)
        if setting is not None:  # "follow-ups off": an admin's choice for this channel
            configure = partial(self._configure_follow_ups, inbound, setting)
            fallback = partial(NoticeReply, notices().setting_not_saved)
            doing = "changing a setting"
            return [await asyncio.to_thread(self._or_else, doing, configure, fallback)]
        small_talk = self._small_talk.kind(text)
        if small_talk is not None:  # "Hi there!", "thanks!": a friendly word, not "not covered"
            return [NoticeReply(self._small_talk.reply_to(small_talk))]
        return None

    async def _answer(self, inbound: Inbound, on_partial: PartialCallback | None) -> list[Reply]:
        """The answer, with the thread's earlier turns as context; remembered.

        Only a message that cannot stand alone is a follow-up (``bot.answering.follow_up``).
        A question asked mid-assessment is answered, then the assessment carries on.
        """
        question = inbound.text.strip()
        now = self._clock()
        recent = partial(
            self._store.recent_turns,
            inbound.thread_key,
            self._memory.turns,
            self._memory.max_age_seconds,
            now,
        )
        # Without the memory the question is still answered, as if it were the first.
        turns: list[tuple[str, str]] = (
            []  # a message that opens its thread has nothing before it to lean on
            if inbound.starts_thread
            else await asyncio.to_thread(self._or_else, "reading the conversation", recent, list)
        )
        reply, asked = await answer_in_context(
            self._answerer, self._generator, question, turns, on_partial
        )
        if question:
            remember = partial(self._remember, inbound, reply, asked, now)
            # The answer is delivered even when it cannot be kept (it then takes no vote).
            await asyncio.to_thread(self._or_else, "remembering an answer", remember, _none)
        replies: list[Reply] = [reply]
        resume = partial(self._assessment.resume, inbound.user_key)
        current = await asyncio.to_thread(self._or_else, "resuming an assessment", resume, _none)
        if current is not None:
            replies.append(NoticeReply("Back to your assessment:"))
            replies.append(current)
        return replies

    def _or_else(self, doing: str, call: Callable[[], T], fallback: Callable[[], T]) -> T:
        """``call()``, or ``fallback()`` when it fails: the store's trouble is not the user's.

        Only the error's type is logged: its message can quote the row being written.
        """
        try:
            return call()
        except Exception as error:  # noqa: BLE001 - any failure of the store behind ``call``
            log.warning("state store: %s failed (%s)", doing, type(error).__name__)
            return fallback()

    def _remember(self, inbound: Inbound, reply: AnswerReply, asked: str, now: datetime) -> None:
        # The user's turn keeps the topic a follow-up leaned on, so a chain keeps it; the
        # asker's next question in this thread is answered without a mention
        # (bot.etiquette); the answer is kept for their vote. One write does all three.
        exchange = Exchange(
            thread_key=inbound.thread_key,
            user_key=inbound.user_key,
            asked=asked,
            answer_id=reply.answer_id,
            question=reply.question,
            answer=reply.text,
            covered=reply.covered,
            at=now,
        )
        self._store.record_exchange(exchange)

    def _act(self, inbound: Inbound, action: Action) -> list[Reply]:
        if action.kind is ActionKind.FEEDBACK:
            vote = partial(self._feedback, inbound, action)
            return [
                self._or_else(
                    "recording a vote", vote, partial(NoticeReply, notices().vote_not_saved)
                )
            ]
        if action.kind is ActionKind.ASSESS_START:
            step = partial(self._assessment.start, inbound.user_key, action.value)
        else:
            step = partial(self._assessment.handle_action, inbound.user_key, action)
        return self._or_else(f"assessment step {action.kind.value}", step, _step)

    def _feedback(self, inbound: Inbound, action: Action) -> NoticeReply:
        vote = action.value if action.value in ("up", "down") else ""
        answered = self._store.get_answer(action.ref)
        if not vote or answered is None:
            return NoticeReply(notices().vote_unknown)
        if _asker(answered) != inbound.user_key:
            # Anyone who sees an answer (a shared channel, a guessed id) could press its
            # buttons; only the person it was given to says whether it helped.
            log.info("feedback: a vote on another user's answer was refused")
            return NoticeReply(notices().vote_not_yours)
        self._store.record_feedback(
            Vote(
                user_key=inbound.user_key,
                answer_id=action.ref,
                vote=vote,
                question=str(answered["question"]),
                answer=str(answered["answer"]),
                comment=clean_text(action.note)[:MAX_COMMENT_CHARS],
            )
        )
        self.metrics.count_feedback(vote)
        return NoticeReply(
            "Thanks, glad it helped."
            if vote == "up"
            else "Thanks for telling me. Try rephrasing, or ask about one part of the question."
        )

    def _configure_follow_ups(self, inbound: Inbound, command: FollowUpsCommand) -> NoticeReply:
        texts = self._follow_ups_texts
        if command is FollowUpsCommand.SHOW:
            enabled = self._store.follow_ups_enabled(inbound.conversation_key)
            return NoticeReply(texts.now_on if enabled else texts.now_off)
        if not inbound.can_configure:
            return NoticeReply(texts.not_allowed)
        enabled = command is FollowUpsCommand.ON
        self._store.set_follow_ups(inbound.conversation_key, enabled)
        log.info("settings: follow-ups turned %s in a channel", command.value)
        return NoticeReply(texts.now_on if enabled else texts.now_off)


def _asker(answered: dict[str, Any]) -> tuple[str, str, str]:
    """The (platform, workspace, user) an answer recorded by ``record_answer`` was given to."""
    return (str(answered["platform"]), str(answered["workspace"]), str(answered["user"]))


def _step() -> list[Reply]:
    return [NoticeReply(notices().step_not_saved)]


def _none() -> None:
    return None
