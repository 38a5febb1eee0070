"""The one entry point every channel calls: an ``Inbound`` in, a list of ``Reply`` out.

The router decides between the assessment, feedback and the answerer; it keeps
conversation memory and records answers for feedback. Channels only translate
and render.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from bot.answering.extractive import ExtractiveAnswerer
from bot.answering.follow_up import answer_in_context
from bot.answering.generated import GenerativeAnswerer, PartialCallback
from bot.assessment.service import AssessmentService
from bot.messages import (
    Action,
    ActionKind,
    AnswerReply,
    Inbound,
    NoticeReply,
    Reply,
)
from bot.metrics import AdvisorMetrics
from bot.store import StateStore

_SCALE_CHECK = re.compile(r"^/?scale[- ]?check(?:\s+(quick|full))?\s*$", re.IGNORECASE)
_HELP = re.compile(r"^/?(help|\?)\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class MemoryPolicy:
    """How much conversation the advisor remembers per thread."""

    turns: int = 6
    max_age_seconds: float = 3600.0


HELP_TEXT = (
    "Ask me how to move AI from pilot to production to enterprise scale, for example "
    "\u201cHow do we move a pilot into production?\u201d. Type `scale-check` (or "
    "`scale-check quick`) for a maturity assessment with recommendations."
)


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
    ) -> None:
        self._answerer = answerer
        self._generator = generator
        self._assessment = assessment
        self._store = store
        self._clock = clock
        self._memory = memory or MemoryPolicy()
        self.metrics = metrics or AdvisorMetrics()

    async def handle(
        self, inbound: Inbound, on_partial: PartialCallback | None = None
    ) -> list[Reply]:
        """Everything the advisor says back to one message or button press.

        ``on_partial`` is called with a generated answer's text so far while it streams
        (only with an LLM configured); channels that can update a message use it.
        Every message is timed, counted and logged on the way (``bot.metrics``).
        """
        return await self.metrics.observe(inbound, self._dispatch(inbound, on_partial))

    async def _dispatch(self, inbound: Inbound, on_partial: PartialCallback | None) -> list[Reply]:
        if inbound.action is not None:
            return await asyncio.to_thread(self._act, inbound, inbound.action)
        text = inbound.text.strip()
        command = _SCALE_CHECK.match(text)
        if command:
            mode = command.group(1) or "full"
            return await asyncio.to_thread(self._assessment.start, inbound.user_key, mode)
        if _HELP.match(text):
            return [NoticeReply(HELP_TEXT)]
        replies: list[Reply] = [await self.answer(inbound, on_partial)]
        current = await asyncio.to_thread(self._assessment.resume, inbound.user_key)
        if current is not None:  # a question asked mid-assessment: answer it, then carry on
            replies.append(NoticeReply("Back to your assessment:"))
            replies.append(current)
        return replies

    async def answer(
        self, inbound: Inbound, on_partial: PartialCallback | None = None
    ) -> AnswerReply:
        """Answer a question with the thread's earlier turns as context, and remember it.

        Only a message that cannot stand alone is a follow-up (``bot.answering.follow_up``).
        """
        question = inbound.text.strip()
        now = self._clock()
        turns = await asyncio.to_thread(
            self._store.recent_turns,
            inbound.thread_key,
            self._memory.turns,
            self._memory.max_age_seconds,
            now,
        )
        reply, asked = await answer_in_context(
            self._answerer, self._generator, question, turns, on_partial
        )
        if question:
            await asyncio.to_thread(self._remember, inbound, reply, asked, now)
        return reply

    def _remember(self, inbound: Inbound, reply: AnswerReply, asked: str, now: datetime) -> None:
        # The user's turn keeps the topic a follow-up leaned on, so a chain keeps it.
        self._store.append_turn(inbound.thread_key, "user", asked, now)
        self._store.append_turn(inbound.thread_key, "assistant", reply.text, now)
        self._store.record_answer(
            inbound.user_key, reply.answer_id, reply.question, reply.text, reply.covered
        )

    def _act(self, inbound: Inbound, action: Action) -> list[Reply]:
        if action.kind is ActionKind.FEEDBACK:
            return [self._feedback(inbound, action)]
        if action.kind is ActionKind.ASSESS_START:
            return self._assessment.start(inbound.user_key, action.value or "full")
        return self._assessment.handle_action(inbound.user_key, action)

    def _feedback(self, inbound: Inbound, action: Action) -> NoticeReply:
        vote = action.value if action.value in ("up", "down") else ""
        answered = self._store.get_answer(action.ref)
        if not vote or answered is None:
            return NoticeReply("I couldn't record that vote: the answer is no longer known.")
        self._store.record_feedback(
            inbound.user_key, action.ref, vote, str(answered["question"]), str(answered["answer"])
        )
        self.metrics.count_feedback(vote)
        return NoticeReply(
            "Thanks, glad it helped."
            if vote == "up"
            else "Thanks for telling me. Try rephrasing, or ask about one part of the question."
        )
