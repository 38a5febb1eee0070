"""Platform-neutral messages: what a channel hands to the router and what it gets back.

Adapters (Slack, Teams, console, CLI) translate their own events into an
``Inbound`` and render each ``Reply`` in their own format. Nothing in here knows
about any platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum

PartialCallback = Callable[[str], Awaitable[None]]
"""Called with an answer so far while it is being written (generated answers only)."""


class ActionKind(StrEnum):
    """What a button press asks for."""

    ASSESS_START = "assess_start"  # value: "quick" or "full"
    ASSESS_ANSWER = "assess_answer"  # value: option index as a string ("0" = least mature)
    ASSESS_BACK = "assess_back"
    ASSESS_RESTART = "assess_restart"
    ASSESS_QUIT = "assess_quit"
    FEEDBACK = "feedback"  # value: "up" or "down"; ref: the answer id


def step_ref(assessment_id: str, question_id: str = "") -> str:
    """The reference an assessment button carries: the run and question it was shown with."""
    return f"{assessment_id}:{question_id}" if question_id else assessment_id


def parse_step_ref(ref: str) -> tuple[str, str]:
    """(assessment id, question id) from a ``step_ref``; the question id may be empty."""
    assessment_id, _, question_id = ref.partition(":")
    return assessment_id, question_id


@dataclass(frozen=True)
class Action:
    """A button press (or its typed equivalent)."""

    kind: ActionKind
    value: str = ""
    ref: str = ""  # what the action refers to, e.g. an answer id or an assessment id
    note: str = ""  # what the user wrote with it, e.g. a comment with a vote


@dataclass(frozen=True)
class Inbound:
    """One message or button press from a user, whatever the platform.

    ``workspace`` is the Slack team (or Enterprise Grid organisation) id, the Teams
    tenant id or ``"local"``; ``conversation`` the channel or chat; ``thread`` the
    thread the message belongs to, when the platform has threads. ``can_configure``
    says whether the sender may change the conversation's settings: the adapter
    knows who the platform's admins are, the router decides what they may change.
    ``starts_thread`` says the message opens its thread (a Slack post that is not a
    reply): nothing was said there before it, so there is no memory to read.
    """

    platform: str
    workspace: str
    user: str
    conversation: str = ""
    thread: str | None = None
    text: str = ""
    action: Action | None = None
    can_configure: bool = False
    starts_thread: bool = False

    @property
    def user_key(self) -> tuple[str, str, str]:
        """The key assessment progress and history are stored under."""
        return (self.platform, self.workspace, self.user)

    @property
    def thread_key(self) -> str:
        """The key conversation memory is stored under."""
        return "|".join((self.platform, self.workspace, self.conversation, self.thread or ""))

    @property
    def conversation_key(self) -> str:
        """The key a conversation's (channel's) settings are stored under."""
        return "|".join((self.platform, self.workspace, self.conversation))


@dataclass(frozen=True)
class Source:
    """A cited passage of the knowledge base."""

    number: int
    title: str
    section: str
    source: str  # the document's path relative to its root, e.g. "guidance/operating-models.md"
    score: float


@dataclass(frozen=True)
class Related:
    """A related section offered under an answer ("See also"), and how to ask for it."""

    title: str  # "Document title > Section"
    question: str  # what a "See also" button asks


@dataclass(frozen=True)
class AnswerReply:
    """An answer to a question, with numbered sources and related sections."""

    question: str
    text: str
    covered: bool
    sources: tuple[Source, ...] = ()
    mode: str = "extractive"
    answer_id: str = ""
    note: str = ""  # e.g. "the generator was unavailable"
    related: tuple[Related, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The answer as JSON-ready data (``ask --json``, the console): text, sources, links."""
        return {
            "question": self.question,
            "answer": self.text,
            "covered": self.covered,
            "sources": [asdict(source) for source in self.sources],
            "mode": self.mode,
            "see_also": [{"title": r.title, "question": r.question} for r in self.related],
        }


@dataclass(frozen=True)
class NoticeReply:
    """A short plain message (an error, a confirmation, a hint)."""

    text: str


@dataclass(frozen=True)
class QuestionReply:
    """One assessment question with its options, ordered least to most mature."""

    assessment_id: str
    question_id: str
    dimension: str
    text: str
    options: tuple[str, ...]
    number: int  # 1-based position in this run
    total: int
    can_go_back: bool
    mode: str  # "quick" or "full"
    selected: int | None = None  # the option chosen earlier, when coming back to a question
    replaces_clicked: bool = field(default=False, compare=False)  # next step of the clicked run

    @property
    def ref(self) -> str:
        """What this question's buttons carry, so a click is matched to it (``step_ref``)."""
        return step_ref(self.assessment_id, self.question_id)


@dataclass(frozen=True)
class Recommendation:
    """A recommended next action, with why and where to read more."""

    action_id: str
    title: str
    why: str
    mistake: str
    dimension: str
    source: str  # "document title > section"
    source_path: str
    ask: str  # a question the user can ask the advisor about it next
    blocker: bool = False


@dataclass(frozen=True)
class DimensionScore:
    """One dimension's score (0-100) and, on a retake, its change since last time."""

    dimension_id: str
    name: str
    score: float
    change: float | None = None


@dataclass(frozen=True)
class ResultReply:
    """A finished assessment: placement, blockers, recommendations and a chart."""

    assessment_id: str
    phase: str
    phase_index: int
    mlops_level: str
    operating_model: str
    dimensions: tuple[DimensionScore, ...]
    blockers: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    chart_png: bytes = field(default=b"", repr=False)
    previous_completed_at: str | None = None
    replaces_clicked: bool = field(default=False, compare=False)  # end of the clicked run


Reply = AnswerReply | NoticeReply | QuestionReply | ResultReply
