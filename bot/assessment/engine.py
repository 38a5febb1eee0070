"""The assessment dialog as a pure state machine: (survey, state, choice) -> new state.

Nothing here stores, renders or reads the clock. Every function returns a new
``AssessmentState`` and leaves its input untouched; an invalid move raises
``InvalidMove`` with a message that can be shown to the user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from bot.assessment.survey import MODES, Mode, Question, Survey

__all__ = [
    "STATE_VERSION",
    "AssessmentState",
    "InvalidMove",
    "answer",
    "back",
    "check_compatible",
    "current_question",
    "is_compatible",
    "rebase",
    "restart",
    "start",
]

STATE_VERSION = 1


class InvalidMove(ValueError):
    """A move the assessment cannot make from its current state."""


@dataclass(frozen=True)
class AssessmentState:
    """Where one user is in one assessment run.

    ``answers`` maps question ids to option indexes (0 = least mature). ``position``
    is the index in ``question_ids`` of the question being asked; once ``completed``
    it equals ``len(question_ids)``.
    """

    assessment_id: str
    mode: Mode
    question_ids: tuple[str, ...]
    answers: Mapping[str, int] = field(default_factory=dict)
    position: int = 0
    started_at: datetime = field(default_factory=lambda: datetime.min)
    completed: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "answers", MappingProxyType(dict(self.answers)))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (see ``from_dict``)."""
        return {
            "version": STATE_VERSION,
            "assessment_id": self.assessment_id,
            "mode": self.mode,
            "question_ids": list(self.question_ids),
            "answers": dict(self.answers),
            "position": self.position,
            "started_at": self.started_at.isoformat(),
            "completed": self.completed,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AssessmentState:
        """Rebuild a state stored with ``to_dict``.

        Raises:
            InvalidMove: The stored data is malformed or from an unknown version.

        """
        try:
            if data.get("version") != STATE_VERSION:
                raise ValueError(f"unknown version {data.get('version')!r}")
            mode = _mode(str(data["mode"]))
            question_ids = tuple(str(q) for q in data["question_ids"])
            answers = {str(k): int(v) for k, v in dict(data["answers"]).items()}
            position = int(data["position"])
            completed = bool(data["completed"])
            started_at = datetime.fromisoformat(str(data["started_at"]))
            last = len(question_ids) if completed else len(question_ids) - 1
            if not 0 <= position <= last or not set(answers) <= set(question_ids):
                raise ValueError("position or answers do not match the questions")
            if completed and set(answers) != set(question_ids):
                raise ValueError("a completed assessment must answer every question")
            return cls(
                assessment_id=str(data["assessment_id"]),
                mode=mode,
                question_ids=question_ids,
                answers=answers,
                position=position,
                started_at=started_at,
                completed=completed,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidMove(f"the stored assessment could not be read ({exc})") from exc


def start(survey: Survey, mode: str, assessment_id: str, now: datetime) -> AssessmentState:
    """Begin a run at its first question.

    Args:
        survey: The question bank.
        mode: ``"quick"`` (one question per dimension) or ``"full"`` (every question).
        assessment_id: The id this run is stored and referred to under.
        now: When the run starts.

    Returns:
        A state positioned at the first question.

    Raises:
        InvalidMove: The mode is unknown.

    """
    checked = _mode(mode)
    return AssessmentState(
        assessment_id=assessment_id,
        mode=checked,
        question_ids=survey.question_ids(checked),
        started_at=now,
    )


def answer(survey: Survey, state: AssessmentState, option_index: int) -> AssessmentState:
    """Answer the current question and move to the next (completing after the last).

    Args:
        survey: The question bank.
        state: The current state.
        option_index: The chosen option, 0 (least mature) to 4 (most mature).

    Returns:
        The new state.

    Raises:
        InvalidMove: The run is complete, the index is out of range, or the state
            belongs to an older survey.

    """
    check_compatible(survey, state)
    if state.completed:
        raise InvalidMove("this assessment is already complete; start a new one to retake it")
    question = survey.question(state.question_ids[state.position])
    if not 0 <= option_index < len(question.options):
        raise InvalidMove(
            f"choose an option from 1 to {len(question.options)} (got option index {option_index})"
        )
    answers = {**state.answers, question.id: option_index}
    position = state.position + 1
    return replace(
        state,
        answers=answers,
        position=position,
        completed=position == len(state.question_ids),
    )


def back(state: AssessmentState) -> AssessmentState:
    """Go back to the previous question (its earlier answer stays selected).

    Raises:
        InvalidMove: The run is complete or already at its first question.

    """
    if state.completed:
        raise InvalidMove("this assessment is already complete")
    if state.position == 0:
        raise InvalidMove("you are already at the first question")
    return replace(state, position=state.position - 1)


def restart(survey: Survey, state: AssessmentState) -> AssessmentState:
    """Start the same run over: same id and mode, no answers, the current question set."""
    return replace(
        state,
        question_ids=survey.question_ids(state.mode),
        answers={},
        position=0,
        completed=False,
    )


def current_question(survey: Survey, state: AssessmentState) -> Question | None:
    """The question to show now, or None once the run is complete.

    Raises:
        InvalidMove: The state belongs to an older survey.

    """
    check_compatible(survey, state)
    if state.completed:
        return None
    return survey.question(state.question_ids[state.position])


def is_compatible(survey: Survey, state: AssessmentState) -> bool:
    """Whether every question of the run still exists with the same options."""
    return all(
        survey.has_question(qid)
        and (qid not in state.answers or state.answers[qid] < len(survey.question(qid).options))
        for qid in state.question_ids
    )


def check_compatible(survey: Survey, state: AssessmentState) -> None:
    """Raise ``InvalidMove`` when the state refers to questions the survey no longer has."""
    if not is_compatible(survey, state):
        missing = [q for q in state.question_ids if not survey.has_question(q)]
        detail = f" (no longer asked: {', '.join(missing)})" if missing else ""
        raise InvalidMove(
            "this assessment was started with an older set of questions"
            f"{detail}; restart it to continue"
        )


def rebase(survey: Survey, state: AssessmentState) -> AssessmentState:
    """Carry a state from an older survey over to the current one.

    Answers to questions that still exist are kept; the run continues at the first
    question without an answer (or at the last question if all are answered).
    """
    question_ids = survey.question_ids(state.mode)
    answers = {
        qid: index
        for qid, index in state.answers.items()
        if qid in question_ids and index < len(survey.question(qid).options)
    }
    unanswered = [i for i, qid in enumerate(question_ids) if qid not in answers]
    position = unanswered[0] if unanswered else len(question_ids) - 1
    return replace(
        state, question_ids=question_ids, answers=answers, position=position, completed=False
    )


def _mode(mode: str) -> Mode:
    for known in MODES:
        if mode == known:
            return known
    raise InvalidMove(f"unknown mode {mode!r}: choose 'quick' or 'full'")
