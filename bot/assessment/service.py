"""Where the assessment's storage, engine, scoring, recommendations and chart meet.

Front ends (the router for Slack and Teams, the terminal) call this and render the
replies it returns; nothing here knows about any platform.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.assessment import engine
from bot.assessment.chart import radar_png
from bot.assessment.engine import AssessmentState, InvalidMove
from bot.assessment.recommend import recommend
from bot.assessment.scoring import Placement, place
from bot.assessment.survey import MODES, LibraryAction, Survey
from bot.messages import (
    Action,
    ActionKind,
    DimensionScore,
    NoticeReply,
    QuestionReply,
    Reply,
    ResultReply,
    parse_step_ref,
)
from bot.ports import AssessmentStore, StoredResult, UserKey

__all__ = ["AnswersError", "AssessmentService", "Clock"]

RADAR_MIN_AXES = 3  # a stored result with fewer dimensions than this draws no radar

Clock = Callable[[], datetime]

_NOTHING_ACTIVE = "There is no assessment in progress. Type /scale-check to start one."


class AnswersError(ValueError):
    """A set of answers given in one go does not fit the question bank."""


class AssessmentService:
    """The guided assessment for any front end: start, answer, resume, results."""

    def __init__(
        self,
        survey: Survey,
        actions: Sequence[LibraryAction],
        store: AssessmentStore,
        clock: Clock,
        new_id: Callable[[], str] | None = None,
    ) -> None:
        """Wire the assessment to its content, its store and a clock.

        Args:
            survey: The question bank.
            actions: The action library.
            store: Where progress and results are kept.
            clock: Returns the current time (timezone-aware is best).
            new_id: Makes assessment ids; random 12-hex-digit ids by default.

        """
        self.survey = survey
        self.actions = tuple(actions)
        self.store = store
        self.clock = clock
        self.new_id = new_id or (lambda: uuid.uuid4().hex[:12])

    # --- the dialog -------------------------------------------------------------------

    def start(self, user_key: UserKey, mode: str = "") -> list[Reply]:
        """Start a new run (replacing any run in progress) and ask its first question.

        ``mode`` is ``"quick"`` or ``"full"``; empty, the survey's default mode.
        """
        mode = mode or self.survey.default_mode
        try:
            state = engine.start(self.survey, mode, self.new_id(), self.clock())
        except InvalidMove as exc:
            return [NoticeReply(_sentence(str(exc)))]
        self.store.save_progress(user_key, state.to_dict())
        return [self._question(state)]

    def handle_action(self, user_key: UserKey, action: Action) -> list[Reply]:
        """Apply a button press (or its typed equivalent) and return what to show next.

        A press whose ``ref`` ("assessment_id:question_id") is not the question being
        asked now is rejected with a notice and changes nothing.
        """
        if action.kind == ActionKind.ASSESS_START:
            return self.start(user_key, action.value)
        state = self._load(user_key)
        if action.kind == ActionKind.ASSESS_RESTART and state is None:
            return self.start(user_key, action.value)
        if state is None:
            return [NoticeReply(_NOTHING_ACTIVE)]
        stale = self._stale(state, action.ref)
        if stale:
            return [NoticeReply(stale)]
        if action.kind == ActionKind.ASSESS_ANSWER:
            return _in_place(self._answer(user_key, state, action.value), action.ref)
        if action.kind == ActionKind.ASSESS_BACK:
            return _in_place(self._move(user_key, state, engine.back), action.ref)
        if action.kind == ActionKind.ASSESS_RESTART:
            restarted = self._move(user_key, state, lambda s: engine.restart(self.survey, s))
            return _in_place(restarted, action.ref)
        if action.kind == ActionKind.ASSESS_QUIT:
            if action.value == "discard":
                self.store.clear_progress(user_key)
                return [NoticeReply("Assessment discarded. Type /scale-check to start again.")]
            return [
                NoticeReply(
                    f"Paused at question {state.position + 1} of {len(state.question_ids)}. "
                    "Your answers are saved; type /scale-check to carry on."
                )
            ]
        return [NoticeReply(f"{action.kind.value} is not an assessment action.")]

    def resume(self, user_key: UserKey) -> QuestionReply | None:
        """The question the user's run in progress is waiting on, or None."""
        state = self._load(user_key)
        return self._question(state) if state is not None else None

    def has_active(self, user_key: UserKey) -> bool:
        """Whether the user has a run in progress."""
        return self._load(user_key) is not None

    # --- results ----------------------------------------------------------------------

    def latest_result(self, user_key: UserKey) -> ResultReply | None:
        """The user's most recent result (with changes against the one before it)."""
        history = self.store.history(user_key)
        if not history:
            return None
        latest = history[-1]
        answers = _known_answers(self.survey, latest.answers)
        if not answers:
            return None
        previous = _previous(history, latest.assessment_id)
        return self._result(latest.assessment_id, place(self.survey, answers), previous)

    def stored_chart(self, user_key: UserKey, assessment_id: str) -> bytes | None:
        """A completed run's radar chart, redrawn from the user's history (None if unknown).

        Only that user's history is searched, so nobody fetches another's chart by
        guessing an id. The result before it, if any, is drawn dashed, as when shown.
        """
        history = self.store.history(user_key)
        position = next(
            (i for i, r in enumerate(history) if r.assessment_id == assessment_id), None
        )
        if position is None:
            return None
        stored = history[position].dimensions
        scores = [
            DimensionScore(dimension_id=d.id, name=d.name, score=stored[d.id])
            for d in self.survey.dimensions
            if d.id in stored
        ]
        if len(scores) < RADAR_MIN_AXES:
            return None
        previous = dict(history[position - 1].dimensions) if position > 0 else None
        return radar_png(scores, previous or None)

    def result_for_answers(self, mode: str, answers: Mapping[str, int]) -> ResultReply:
        """Score a complete set of answers without storing anything.

        Args:
            mode: ``"quick"`` or ``"full"``; the answers must cover that mode's questions.
            answers: Question id -> option index (0 = least mature .. 4).

        Returns:
            The result, with a chart.

        Raises:
            AnswersError: Unknown mode, unknown or missing question ids, or indexes out
                of range; the message lists every problem.

        """
        if mode not in MODES:
            raise AnswersError(f"unknown mode {mode!r}: choose 'quick' or 'full'")
        expected = self.survey.question_ids("quick" if mode == "quick" else "full")
        problems: list[str] = []
        unknown = [q for q in answers if not self.survey.has_question(q)]
        if unknown:
            problems.append(f"unknown question ids: {', '.join(unknown)}")
        extra = [q for q in answers if self.survey.has_question(q) and q not in expected]
        if extra:
            problems.append(f"not asked in {mode} mode: {', '.join(extra)}")
        missing = [q for q in expected if q not in answers]
        if missing:
            problems.append(f"missing answers for: {', '.join(missing)}")
        for qid in expected:
            if qid in answers:
                index, count = answers[qid], len(self.survey.question(qid).options)
                if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < count:
                    problems.append(f"{qid}: option index {index!r} is outside 0..{count - 1}")
        if problems:
            raise AnswersError("; ".join(problems))
        return self._result(self.new_id(), place(self.survey, dict(answers)), None)

    # --- internals -----------------------------------------------------------------------

    def _load(self, user_key: UserKey) -> AssessmentState | None:
        data = self.store.load_progress(user_key)
        if data is None:
            return None
        try:
            state = AssessmentState.from_dict(data)
        except InvalidMove:
            self.store.clear_progress(user_key)
            return None
        if state.completed:
            self.store.clear_progress(user_key)
            return None
        if not engine.is_compatible(self.survey, state) or state.question_ids != (
            self.survey.question_ids(state.mode)
        ):
            state = engine.rebase(self.survey, state)
            self.store.save_progress(user_key, state.to_dict())
        return state

    def _stale(self, state: AssessmentState, ref: str) -> str:
        if not ref:
            return ""
        assessment_id, question_id = parse_step_ref(ref)
        current = state.question_ids[state.position]
        if assessment_id == state.assessment_id and question_id in ("", current):
            return ""
        return (
            "That button belongs to an earlier question, so it was ignored. You are on question "
            f"{state.position + 1} of {len(state.question_ids)}: "
            f"{self.survey.question(current).text}"
        )

    def _answer(self, user_key: UserKey, state: AssessmentState, value: str) -> list[Reply]:
        try:
            index = int(value.strip())
        except ValueError:
            return [NoticeReply(f"{value!r} is not an option number.")]
        try:
            new = engine.answer(self.survey, state, index)
        except InvalidMove as exc:
            return [NoticeReply(_sentence(str(exc)))]
        if not new.completed:
            self.store.save_progress(user_key, new.to_dict())
            return [self._question(new)]
        return [self._finish(user_key, new)]

    def _move(
        self,
        user_key: UserKey,
        state: AssessmentState,
        move: Callable[[AssessmentState], AssessmentState],
    ) -> list[Reply]:
        try:
            new = move(state)
        except InvalidMove as exc:
            return [NoticeReply(_sentence(str(exc)))]
        self.store.save_progress(user_key, new.to_dict())
        return [self._question(new)]

    def _finish(self, user_key: UserKey, state: AssessmentState) -> ResultReply:
        placement = place(self.survey, state.answers)
        previous = _previous(self.store.history(user_key), state.assessment_id)
        reply = self._result(state.assessment_id, placement, previous)
        details = _result_dict(state.answers, placement, reply)
        self.store.save_result(
            StoredResult.of(user_key, state.assessment_id, state.mode, self.clock(), details)
        )
        self.store.clear_progress(user_key)
        return reply

    def _question(self, state: AssessmentState) -> QuestionReply:
        question = engine.current_question(self.survey, state)
        if question is None:  # pragma: no cover - completed states are never stored
            raise InvalidMove("this assessment is already complete")
        return QuestionReply(
            assessment_id=state.assessment_id,
            question_id=question.id,
            dimension=self.survey.dimension(question.dimension).name,
            text=question.text,
            options=question.options,
            number=state.position + 1,
            total=len(state.question_ids),
            can_go_back=state.position > 0,
            mode=state.mode,
            selected=state.answers.get(question.id),
        )

    def _result(
        self, assessment_id: str, placement: Placement, previous: StoredResult | None
    ) -> ResultReply:
        before = dict(previous.dimensions) if previous is not None else {}
        scores = tuple(
            DimensionScore(
                dimension_id=d.id,
                name=d.name,
                score=placement.dimension_scores[d.id],
                change=(
                    round(placement.dimension_scores[d.id] - before[d.id], 1)
                    if d.id in before
                    else None
                ),
            )
            for d in self.survey.dimensions
            if d.id in placement.dimension_scores
        )
        return ResultReply(
            assessment_id=assessment_id,
            phase=placement.phase,
            phase_index=placement.phase_index,
            mlops_level=placement.mlops_level,
            operating_model=placement.operating_model,
            dimensions=scores,
            blockers=tuple(b.text for b in placement.blockers),
            recommendations=recommend(self.survey, self.actions, placement),
            chart_png=radar_png(scores, before or None),
            previous_completed_at=previous.completed_at if previous else None,
        )


def _in_place(replies: list[Reply], clicked_ref: str) -> list[Reply]:
    """The replies, the first marked to replace the clicked card when it goes on its run.

    Only a step of the same run replaces the card that was clicked: a click that
    starts another run, or a notice, leaves the card as it was.
    """
    first = replies[0] if replies else None
    clicked_run = parse_step_ref(clicked_ref)[0]
    if isinstance(first, QuestionReply | ResultReply) and first.assessment_id == clicked_run:
        return [replace(first, replaces_clicked=True), *replies[1:]]
    return replies


def _result_dict(
    answers: Mapping[str, int], placement: Placement, reply: ResultReply
) -> dict[str, Any]:
    return {
        "answers": dict(answers),
        "phase": placement.phase,
        "phase_index": placement.phase_index,
        "overall_level": placement.overall_level,
        "mlops_level": placement.mlops_level,
        "operating_model": placement.operating_model,
        "dimensions": dict(placement.dimension_scores),
        "blockers": list(reply.blockers),
        "recommendations": [r.action_id for r in reply.recommendations],
    }


def _previous(history: Sequence[StoredResult], assessment_id: str) -> StoredResult | None:
    earlier = [r for r in history if r.assessment_id != assessment_id]
    return earlier[-1] if earlier else None


def _known_answers(survey: Survey, stored: object) -> dict[str, int]:
    if not isinstance(stored, dict):
        return {}
    return {
        str(q): int(i)
        for q, i in stored.items()
        if survey.has_question(str(q))
        and isinstance(i, int)
        and 0 <= i < len(survey.question(str(q)).options)
    }


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[:1].upper() + text[1:]).rstrip(".") + "."
