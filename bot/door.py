"""The one door into the core: what a channel may ask of the advisor, and nothing more.

Slack, Teams and the console receive an ``AdvisorDoor``. It takes an ``Inbound`` and
gives back ``Reply`` objects that already say everything a channel needs to render
and send them (where they go, whether they replace the clicked message); it also
says whether an unaddressed thread message is for the advisor, what a visit opens
with, what a user's home shows, and a stored result's chart. The router, the
assessment and the knowledge base behind it stay out of the channels' reach.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Protocol

from bot.assessment.service import AssessmentService
from bot.chat_text import notices
from bot.etiquette import FollowUps, is_settings_command
from bot.messages import (
    Inbound,
    NoticeReply,
    PartialCallback,
    Reply,
    ResultReply,
)
from bot.ports import UserKey
from bot.router import Router

__all__ = ["AdvisorDoor", "Handler", "Welcome"]


class Handler(Protocol):
    """Handles one inbound message, click or command: its replies, in order."""

    def __call__(
        self, inbound: Inbound, on_partial: PartialCallback | None = None
    ) -> Awaitable[list[Reply]]:
        """The replies; ``on_partial`` sees a generated answer's text as it streams."""
        ...


@dataclass(frozen=True)
class Welcome:
    """What a visit opens with: help, a scale check waiting to go on, questions to try."""

    replies: tuple[Reply, ...]
    suggestions: tuple[str, ...]


class AdvisorDoor:
    """The advisor as a channel sees it: messages in, replies out, and three views."""

    def __init__(
        self,
        router: Router,
        assessment: AssessmentService,
        follow_ups: FollowUps,
        suggestions: tuple[str, ...],
    ) -> None:
        """Open the door onto the router, the assessment and the thread etiquette."""
        self._router = router
        # The router's own method, not a wrapper: a message's path gains no frame here.
        self.handle: Handler = router.handle
        """The replies to one inbound message, click or command, in order."""
        self._assessment = assessment
        self._follow_ups = follow_ups
        self._suggestions = tuple(s for s in suggestions if s.rstrip().endswith("?"))

    @property
    def streams(self) -> bool:
        """Whether answers are written while the user waits (an LLM is configured)."""
        return self._router.generates

    async def takes_up(self, inbound: Inbound, mentions_others: bool) -> bool:
        """Whether a thread message that does not mention the advisor is for it."""
        return await self._follow_ups.answers(inbound, mentions_others)

    @staticmethod
    def asks_to_configure(text: str) -> bool:
        """Whether a message is a settings command, which only admins may give.

        A channel asks the platform who may configure (``Inbound.can_configure``)
        only for these, rather than on every message.
        """
        return is_settings_command(text)

    async def welcome(self, user_key: UserKey) -> Welcome:
        """Help, the scale check the user left unfinished (if any), and questions to try."""
        replies: list[Reply] = [NoticeReply(notices().help)]
        waiting = await asyncio.to_thread(self._assessment.resume, user_key)
        if waiting is not None:
            replies += [NoticeReply(notices().resume), waiting]
        return Welcome(tuple(replies), self._suggestions)

    async def home(self, user_key: UserKey) -> ResultReply | None:
        """The user's latest scale-check result, for a home tab; None before the first."""
        return await asyncio.to_thread(self._assessment.latest_result, user_key)

    async def chart(self, user_key: UserKey, assessment_id: str) -> bytes | None:
        """A completed scale check's radar chart, redrawn from the user's own history.

        Only that user's history is searched, so nobody fetches another's chart by
        guessing an id. The result before it, if any, is drawn dashed, as when shown.
        """
        return await asyncio.to_thread(self._assessment.stored_chart, user_key, assessment_id)
