"""Thread etiquette: which unmentioned messages in a thread the advisor answers.

A good colleague answers when addressed. A mention or a direct message always is;
in a thread, a later message without a mention is answered only when it comes from
someone the advisor answered there, reads as addressed to it (a question or a
request, ``knowledge/addressing.yaml``), mentions nobody else, and the channel's
admins have not turned follow-ups off. Everything else in a thread is people talking
to each other, and gets no reply at all (not even "not covered").

The adapters say whether a message mentions someone else (only they can read their
platform's mentions); the decision is made here, once, for every platform.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

import yaml

from bot.chat_text import UI_FILE, ui_section
from bot.messages import Inbound
from bot.ports import ConversationMemory
from knowledge import KNOWLEDGE_ROOT

__all__ = [
    "ADDRESSING_FILE",
    "FOLLOW_UP_WINDOW_SECONDS",
    "Addressing",
    "FollowUps",
    "FollowUpsCommand",
    "FollowUpsTexts",
    "follow_ups_command",
    "is_settings_command",
]

log = logging.getLogger("scale_advisor.etiquette")

ADDRESSING_FILE = KNOWLEDGE_ROOT / "addressing.yaml"
# A follow-up is answered while the advisor's answer to its writer in that thread is
# younger than this; after a week a thread has moved on, and a mention brings it back.
FOLLOW_UP_WINDOW_SECONDS = 7 * 24 * 3600.0
_WORDS = re.compile(r"[a-z]+(?:'[a-z]+)?")
_COMMAND = re.compile(r"^follow[- ]?ups?(?:\s*[:=]?\s*(on|off))?\s*[.!]?$", re.IGNORECASE)


@dataclass(frozen=True)
class Addressing:
    """The words that make a message read as a question or request to the advisor."""

    openers: frozenset[str]
    question_words: frozenset[str]
    request_verbs: frozenset[str]
    request_phrases: tuple[str, ...]
    people_words: frozenset[str]

    @classmethod
    def load(cls, path: Path = ADDRESSING_FILE) -> Addressing:
        """Read the vocabulary file."""
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}

        def words(name: str) -> frozenset[str]:
            return frozenset(str(word).lower() for word in data.get(name) or ())

        return cls(
            openers=words("openers"),
            question_words=words("question_words"),
            request_verbs=words("request_verbs"),
            request_phrases=tuple(
                " ".join(str(p).lower().split()) for p in data.get("request_phrases") or ()
            ),
            people_words=words("people_words"),
        )

    def reads_as_addressed(self, text: str) -> bool:
        """Whether ``text`` reads as a question or a request meant for the advisor."""
        words = _WORDS.findall(text.lower().replace("\u2019", "'"))
        if not words:
            return False
        start = 0
        while start < len(words) - 1 and words[start] in self.openers:
            start += 1
        opening = words[start:]
        # "Does anyone know...", "team, thoughts?", "ready, everyone?": asked of the people
        # in the thread. Further in, "the platform team" is only a topic.
        if any(word in self.people_words for word in (*opening[:2], words[-1])):
            return False
        if "?" in text:
            return True
        if opening[0] in self.question_words or opening[0] in self.request_verbs:
            return True
        joined = " ".join(words)
        rest = " ".join(opening)
        return any(
            joined.startswith(phrase) or rest.startswith(phrase) for phrase in self.request_phrases
        )


@dataclass(frozen=True)
class FollowUpsTexts:
    """What the advisor says about the follow-ups setting (``knowledge/ui.yaml``)."""

    now_on: str
    now_off: str
    not_allowed: str

    @classmethod
    def load(cls, path: Path = UI_FILE) -> FollowUpsTexts:
        """Read the ``follow_ups`` section of the UI text file."""
        data = ui_section("follow_ups", path)
        return cls(
            now_on=" ".join(str(data["now_on"]).split()),
            now_off=" ".join(str(data["now_off"]).split()),
            not_allowed=" ".join(str(data["not_allowed"]).split()),
        )


class FollowUpsCommand(Enum):
    """What a ``follow-ups`` command asks for."""

    ON = "on"
    OFF = "off"
    SHOW = "show"


def follow_ups_command(text: str) -> FollowUpsCommand | None:
    """The ``follow-ups on|off`` command in ``text`` (``follow-ups`` alone: show it)."""
    match = _COMMAND.match(text.strip())
    if match is None:
        return None
    choice = (match.group(1) or "show").lower()
    return FollowUpsCommand(choice)


def is_settings_command(text: str) -> bool:
    """Whether ``text`` changes a setting, so the adapter should look up admin rights."""
    return follow_ups_command(text) is not None


class FollowUps:
    """Decides whether an unmentioned message in a thread gets an answer."""

    def __init__(
        self,
        store: ConversationMemory,
        clock: Callable[[], datetime],
        addressing: Addressing | None = None,
        window_seconds: float = FOLLOW_UP_WINDOW_SECONDS,
    ) -> None:
        self._store = store
        self._clock = clock
        self._addressing = addressing or Addressing.load()
        self._window_seconds = window_seconds

    async def answers(self, inbound: Inbound, mentions_others: bool) -> bool:
        """Whether to answer ``inbound``, a message in a thread that does not mention the advisor.

        Args:
            inbound: The message, with its thread.
            mentions_others: Whether it mentions another person (or a group, or the channel).

        Returns:
            True only for the asker's question or request in a thread the advisor answered
            them in, with follow-ups on in the channel. When the state store cannot say,
            the message is left alone: a missed follow-up costs less than unwanted replies.

        """
        if mentions_others or not inbound.thread or inbound.action is not None:
            return False
        if not self._addressing.reads_as_addressed(inbound.text):
            return False
        try:
            return await asyncio.to_thread(self._answered_here_and_allowed, inbound)
        except Exception as error:  # noqa: BLE001 - any failure of the store
            log.warning("state store: checking a follow-up failed (%s)", type(error).__name__)
            return False

    def _answered_here_and_allowed(self, inbound: Inbound) -> bool:
        answered = self._store.answered_in_thread(
            inbound.thread_key, inbound.user, self._window_seconds, self._clock()
        )
        return answered and self._store.follow_ups_enabled(inbound.conversation_key)
