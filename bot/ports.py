"""The protocols the core needs from the world outside it, and the records they carry.

The core (``bot/``) decides; what it reads and writes goes through these ports, and
their implementations live outside it: the vector index over Chroma in
``adapters.index.chroma``, the state store over SQLite and PostgreSQL in
``adapters.storage``, chat models built by ``bot.answering.providers`` from LangChain.

The state store is split by job, so each part of the core asks for what it uses:
``ConversationMemory`` (thread turns, who was answered where, per-channel settings),
``AssessmentStore`` (scale-check progress and results), ``AnswerLog`` (answers given,
votes on them, the platform messages that carry them) and ``EventStore`` (acknowledged
events until they are answered). ``StateStore`` is all four, as one database holds them.

Store methods are synchronous; async callers wrap them in ``asyncio.to_thread``.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from langchain_core.messages import BaseMessage, BaseMessageChunk

UserKey = tuple[str, str, str]
"""(platform, workspace, user)."""


# --- the vector index -----------------------------------------------------------------


@dataclass(frozen=True)
class StoredSection:
    """A section (chunk) as the index holds it: its text, metadata and vector."""

    chunk_id: str
    text: str
    metadata: dict[str, str]
    vector: tuple[float, ...] = ()


@dataclass(frozen=True)
class StoredPhrasing:
    """One way users ask for a section (``parent``), or an out-of-scope question's kind."""

    phrasing_id: str
    parent: str
    text: str
    vector: tuple[float, ...] = ()


@dataclass(frozen=True)
class Neighbour:
    """A stored record near a query vector, with its cosine similarity to it."""

    record_id: str
    parent: str  # a phrasing's section id, or an out-of-scope question's kind
    text: str
    similarity: float


class VectorIndex(Protocol):
    """What retrieval reads from the vector index (``adapters.index.chroma.KnowledgeStore``)."""

    def sections(self) -> Iterable[StoredSection]:
        """Every section, with its vector."""
        ...

    def phrasings(self) -> Iterable[StoredPhrasing]:
        """Every user phrasing of a section, with its vector."""
        ...

    def out_of_scope(self) -> Iterable[StoredPhrasing]:
        """Every out-of-scope question (``parent``: its kind), with its vector."""
        ...

    def nearest_sections(self, vector: list[float], n: int) -> Iterable[Neighbour]:
        """The sections nearest to ``vector`` by their own text."""
        ...


class QueryEmbedder(Protocol):
    """The embedding model's query side (LangChain ``Embeddings``)."""

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query."""
        ...


# --- the chat model -------------------------------------------------------------------


class ChatModel(Protocol):
    """What the generated answerer asks of a chat model (a LangChain ``BaseChatModel``)."""

    async def ainvoke(self, input: Sequence[BaseMessage]) -> BaseMessage:  # noqa: A002
        """The whole reply to ``input``."""
        ...

    def astream(self, input: Sequence[BaseMessage]) -> AsyncIterator[BaseMessageChunk]:  # noqa: A002
        """The reply to ``input``, piece by piece."""
        ...


# --- the state store ------------------------------------------------------------------


@dataclass(frozen=True)
class StoredResult:
    """A completed scale check as the store keeps it, read back in one place."""

    user_key: UserKey
    assessment_id: str
    mode: str
    completed_at: str
    phase: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)
    dimensions: Mapping[str, float] = field(default_factory=dict)
    details: Mapping[str, Any] = field(default_factory=dict)  # everything stored, as stored

    @property
    def workspace(self) -> str:
        """The Slack team or Teams tenant the result belongs to."""
        return self.user_key[1]

    @classmethod
    def read(
        cls, user_key: UserKey, assessment_id: str, mode: str, completed_at: str, stored: str
    ) -> StoredResult:
        """The record from its stored JSON; fields that are missing or malformed are empty."""
        try:
            details = json.loads(stored)
        except ValueError:
            details = {}
        return cls.of(user_key, assessment_id, mode, completed_at, details)

    @classmethod
    def of(
        cls,
        user_key: UserKey,
        assessment_id: str,
        mode: str,
        completed_at: datetime | str,
        details: object,
    ) -> StoredResult:
        """The record of a result's ``details`` (what is stored); malformed fields are empty."""
        if not isinstance(details, dict):
            details = {}
        answers = details.get("answers")
        dimensions = details.get("dimensions")
        return cls(
            user_key=user_key,
            assessment_id=assessment_id,
            mode=mode,
            completed_at=(
                completed_at.isoformat() if isinstance(completed_at, datetime) else completed_at
            ),
            phase=str(details.get("phase", "")),
            answers=answers if isinstance(answers, dict) else {},
            dimensions={
                str(k): float(v)
                for k, v in (dimensions.items() if isinstance(dimensions, dict) else ())
                if isinstance(v, int | float) and not isinstance(v, bool)
            },
            details=details,
        )


@dataclass(frozen=True)
class Exchange:
    """One answered message, as the advisor keeps it: the turns and the answer given."""

    thread_key: str
    user_key: UserKey
    asked: str  # the user's turn: what the answer was to (a follow-up's topic included)
    answer_id: str
    question: str  # what the user wrote, for votes and reports
    answer: str
    covered: bool
    at: datetime | float


@dataclass(frozen=True)
class Vote:
    """A user's vote on an answer they were given, with the answer it is about."""

    user_key: UserKey
    answer_id: str
    vote: str  # "up" or "down"
    question: str
    answer: str
    comment: str = ""  # what they said about it, if anything


class ConversationMemory(Protocol):
    """What the advisor remembers of conversations: turns, who it answered, settings."""

    def record_exchange(self, exchange: Exchange) -> None:
        """Keep an answered message in one write, turns, thread mark and answer.

        Both turns, the asker's mark on the thread (``answered_in_thread``) and the
        answer (``AnswerLog.get_answer``), together.
        """
        ...

    def append_turn(self, thread_key: str, role: str, text: str, now: datetime | float) -> None:
        """Add one turn to a thread's memory."""
        ...

    def recent_turns(
        self, thread_key: str, limit: int, max_age_seconds: float, now: datetime | float
    ) -> list[tuple[str, str]]:
        """Up to ``limit`` (role, text) turns no older than ``max_age_seconds``, oldest first."""
        ...

    def note_answered(self, thread_key: str, user: str, now: datetime | float) -> None:
        """Remember that the advisor answered ``user`` in a thread, and when."""
        ...

    def answered_in_thread(
        self, thread_key: str, user: str, max_age_seconds: float, now: datetime | float
    ) -> bool:
        """Whether the advisor answered ``user`` in the thread within ``max_age_seconds``."""
        ...

    def set_follow_ups(self, conversation_key: str, enabled: bool) -> None:
        """Turn follow-ups without a mention on or off in one channel."""
        ...

    def follow_ups_enabled(self, conversation_key: str) -> bool:
        """Whether follow-ups without a mention are answered in a channel (default: yes)."""
        ...


class AssessmentStore(Protocol):
    """Scale checks in progress and completed ones."""

    def load_progress(self, user_key: UserKey) -> dict[str, Any] | None:
        """The stored in-progress assessment state, or None."""
        ...

    def save_progress(self, user_key: UserKey, state_dict: dict[str, Any]) -> None:
        """Store (replace) the in-progress assessment state."""
        ...

    def clear_progress(self, user_key: UserKey) -> None:
        """Forget the in-progress assessment state."""
        ...

    def save_result(self, result: StoredResult) -> None:
        """Add a completed assessment to its user's history (idempotent per id)."""
        ...

    def latest_result(self, user_key: UserKey) -> StoredResult | None:
        """The most recent completed result, or None."""
        ...

    def history(self, user_key: UserKey) -> list[StoredResult]:
        """All completed results of one user, oldest first."""
        ...

    def all_results(self) -> list[StoredResult]:
        """Every completed result of every user, oldest first (for reports)."""
        ...


class AnswerLog(Protocol):
    """Answers given, the votes on them, and the platform messages that carry them."""

    def record_answer(
        self, user_key: UserKey, answer_id: str, question: str, answer: str, covered: bool
    ) -> None:
        """Keep an answer that was given."""
        ...

    def get_answer(self, answer_id: str) -> dict[str, Any] | None:
        """An answer recorded earlier, or None."""
        ...

    def answers(self) -> list[dict[str, Any]]:
        """Every recorded answer, oldest first."""
        ...

    def record_feedback(self, vote: Vote) -> None:
        """Record a vote on an answer (a second vote by the same user replaces the first).

        A later vote without a comment keeps the comment given with an earlier one.
        """
        ...

    def feedback(self) -> list[dict[str, Any]]:
        """All recorded feedback, oldest first."""
        ...

    def link_reply(self, message_key: str, answer_id: str) -> None:
        """Remember which answer a posted message carries (the platform's message id)."""
        ...

    def linked_answer(self, message_key: str) -> str | None:
        """The answer id a posted message carries, or None."""
        ...


@dataclass(frozen=True)
class Lease:
    """A claim's holder and how long it holds: from ``now`` for ``seconds``."""

    owner: str
    seconds: float
    now: float

    @property
    def until(self) -> float:
        """When the claim lapses unless renewed (the clock of ``now``)."""
        return self.now + self.seconds


class EventStore(Protocol):
    """Acknowledged events kept until answered, claimed by one worker at a time."""

    def claim_event(self, event_id: str, lease: Lease) -> bool:
        """Claim an event under ``lease``; True if it was free, or its claim lapsed."""
        ...

    def claim_events(self, event_ids: Sequence[str], lease: Lease, body: str | None = None) -> int:
        """Claim events in order in one write, stopping at the first held; how many won.

        ``body``, an acknowledged event's payload, is kept with the first until it is
        answered (``pending_events`` returns it if its claimant dies).
        """
        ...

    def renew_events(self, event_ids: Sequence[str], lease: Lease) -> int:
        """Extend the lease's owner's claims; how many of ``event_ids`` it still holds."""
        ...

    def finish_events(self, event_ids: Sequence[str], owner: str, done: bool) -> None:
        """Mark ``owner``'s claims done, or (``done=False``) give them up for another try."""
        ...

    def pending_events(self, prefix: str, now: float, limit: int) -> list[tuple[str, str]]:
        """Stored events nobody answered or holds: (event id, body), oldest first."""
        ...


class StateStore(ConversationMemory, AssessmentStore, AnswerLog, EventStore, Protocol):
    """Everything the advisor persists, in one database."""

    def probe_write(self) -> None:
        """Commit a write that leaves nothing behind; raises when the store cannot write."""
        ...

    def close(self) -> None:
        """Release the store's connections."""
        ...
