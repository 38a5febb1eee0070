from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from adapters.storage.sqlite import SqliteStateStore
from bot.assessment.service import AnswersError, AssessmentService
from bot.assessment.survey import Survey, load_assessment
from bot.messages import (
    Action,
    ActionKind,
    NoticeReply,
    QuestionReply,
    Reply,
    ResultReply,
)

SURVEY, ACTIONS = load_assessment()
USER = ("slack", "T1", "U1")
PNG = b"\x89PNG\r\n\x1a\n"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


@pytest.fixture
def store() -> Iterator[SqliteStateStore]:
    with SqliteStateStore(":memory:") as opened:
        yield opened


@pytest.fixture
def service(store: SqliteStateStore) -> AssessmentService:
    ids = count(1)
    return AssessmentService(SURVEY, ACTIONS, store, Clock(), new_id=lambda: f"run{next(ids)}")


def only(replies: list[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


def question(replies: list[Reply]) -> QuestionReply:
    reply = only(replies)
    assert isinstance(reply, QuestionReply), reply
    return reply


def press(service: AssessmentService, q: QuestionReply, index: int) -> list[Reply]:
    ref = f"{q.assessment_id}:{q.question_id}"
    return service.handle_action(USER, Action(ActionKind.ASSESS_ANSWER, str(index), ref))


def complete(service: AssessmentService, mode: str, index: int) -> ResultReply:
    replies = service.start(USER, mode)
    while True:
        reply = only(replies)
        if isinstance(reply, ResultReply):
            return reply
        assert isinstance(reply, QuestionReply)
        replies = press(service, reply, index)


def test_start_asks_the_first_question(service: AssessmentService) -> None:
    q = question(service.start(USER, "quick"))
    assert (q.assessment_id, q.question_id, q.mode) == ("run1", "strategy_portfolio", "quick")
    assert (q.number, q.total, q.can_go_back, q.selected) == (1, 7, False, None)
    assert q.dimension == "Strategy & value"
    assert len(q.options) == 5
    assert service.has_active(USER)


def test_start_with_unknown_mode_is_a_notice(service: AssessmentService) -> None:
    reply = only(service.start(USER, "medium"))
    assert isinstance(reply, NoticeReply) and "unknown mode" in reply.text.lower()
    assert not service.has_active(USER)


def test_answer_back_and_selected(service: AssessmentService) -> None:
    first = question(service.start(USER, "full"))
    second = question(press(service, first, 3))
    assert (second.number, second.can_go_back) == (2, True)
    back = question(
        service.handle_action(
            USER,
            Action(ActionKind.ASSESS_BACK, ref=f"{second.assessment_id}:{second.question_id}"),
        )
    )
    assert back.question_id == first.question_id and back.selected == 3


def test_typed_answer_without_ref_applies_to_current_question(service: AssessmentService) -> None:
    service.start(USER, "quick")
    q = question(service.handle_action(USER, Action(ActionKind.ASSESS_ANSWER, "2")))
    assert q.number == 2


def test_stale_button_is_rejected_and_changes_nothing(
    service: AssessmentService, store: SqliteStateStore
) -> None:
    first = question(service.start(USER, "quick"))
    press(service, first, 1)
    before = store.load_progress(USER)
    stale = only(press(service, first, 4))  # the first question's button, clicked again
    assert isinstance(stale, NoticeReply) and "earlier question" in stale.text
    other_run = service.handle_action(
        USER, Action(ActionKind.ASSESS_ANSWER, "4", "old-run:people_operating_model")
    )
    assert isinstance(only(other_run), NoticeReply)
    assert store.load_progress(USER) == before


@pytest.mark.parametrize("value", ["7", "-1", "x", ""])
def test_invalid_answer_value_is_a_notice(
    service: AssessmentService, store: SqliteStateStore, value: str
) -> None:
    service.start(USER, "quick")
    before = store.load_progress(USER)
    assert isinstance(
        only(service.handle_action(USER, Action(ActionKind.ASSESS_ANSWER, value))), NoticeReply
    )
    assert store.load_progress(USER) == before


def test_back_at_first_question_is_a_notice(service: AssessmentService) -> None:
    service.start(USER, "quick")
    reply = only(service.handle_action(USER, Action(ActionKind.ASSESS_BACK)))
    assert isinstance(reply, NoticeReply) and "first question" in reply.text


def test_actions_without_a_run_in_progress(service: AssessmentService) -> None:
    for kind in (ActionKind.ASSESS_ANSWER, ActionKind.ASSESS_BACK, ActionKind.ASSESS_QUIT):
        reply = only(service.handle_action(USER, Action(kind, "1")))
        assert isinstance(reply, NoticeReply) and "no assessment in progress" in reply.text
    assert service.resume(USER) is None
    restarted = question(service.handle_action(USER, Action(ActionKind.ASSESS_RESTART, "full")))
    assert (restarted.mode, restarted.number) == ("full", 1)


def test_start_action_and_restart_action(service: AssessmentService) -> None:
    q = question(service.handle_action(USER, Action(ActionKind.ASSESS_START, "full")))
    q = question(press(service, q, 2))
    assert q.number == 2
    again = question(service.handle_action(USER, Action(ActionKind.ASSESS_RESTART)))
    assert (again.number, again.selected, again.assessment_id) == (1, None, q.assessment_id)


def test_quit_keeps_progress_and_resume_shows_current_question(
    service: AssessmentService,
) -> None:
    q = question(service.start(USER, "quick"))
    q = question(press(service, q, 2))
    paused = only(service.handle_action(USER, Action(ActionKind.ASSESS_QUIT)))
    assert isinstance(paused, NoticeReply) and "question 2 of 7" in paused.text
    resumed = service.resume(USER)
    assert resumed == q


def test_quit_discard_clears_progress(service: AssessmentService) -> None:
    service.start(USER, "quick")
    service.handle_action(USER, Action(ActionKind.ASSESS_QUIT, "discard"))
    assert not service.has_active(USER)


def test_finishing_saves_history_and_clears_progress(
    service: AssessmentService, store: SqliteStateStore
) -> None:
    result = complete(service, "quick", 2)
    assert result.phase == "Operationalise (production)"
    assert result.chart_png.startswith(PNG)
    assert all(d.change is None for d in result.dimensions)
    assert result.previous_completed_at is None
    assert 3 <= len(result.recommendations) <= 5
    assert not service.has_active(USER)
    (saved,) = store.history(USER)
    assert saved.assessment_id == result.assessment_id
    assert saved.answers == {q: 2 for q in SURVEY.question_ids("quick")}
    assert saved.details["phase_index"] == 1
    assert saved.details["recommendations"] == [r.action_id for r in result.recommendations]


def test_a_retake_shows_changes(service: AssessmentService, store: SqliteStateStore) -> None:
    first = complete(service, "quick", 1)
    second = complete(service, "quick", 3)
    assert second.assessment_id != first.assessment_id
    assert [d.change for d in second.dimensions] == [50.0] * 7
    assert second.previous_completed_at == store.history(USER)[0].completed_at
    latest = service.latest_result(USER)
    assert latest is not None
    assert [d.score for d in latest.dimensions] == [75.0] * 7
    assert [d.change for d in latest.dimensions] == [50.0] * 7


def test_latest_result_is_none_without_history(service: AssessmentService) -> None:
    assert service.latest_result(USER) is None


def test_answering_after_completion_is_a_notice(service: AssessmentService) -> None:
    complete(service, "quick", 0)
    reply = only(service.handle_action(USER, Action(ActionKind.ASSESS_ANSWER, "1")))
    assert isinstance(reply, NoticeReply)


def test_corrupt_progress_is_dropped(service: AssessmentService, store: SqliteStateStore) -> None:
    store.save_progress(USER, {"garbage": True})
    assert not service.has_active(USER)
    assert store.load_progress(USER) is None


def test_progress_from_an_older_survey_is_carried_over(store: SqliteStateStore) -> None:
    old = AssessmentService(SURVEY, ACTIONS, store, Clock(), new_id=lambda: "r")
    q = question(old.start(USER, "full"))
    q = question(press(old, q, 4))
    q = question(press(old, q, 3))
    newer = Survey(
        SURVEY.dimensions, tuple(x for x in SURVEY.questions if x.id != "strategy_value")
    )
    service = AssessmentService(newer, ACTIONS, store, Clock())
    resumed = service.resume(USER)
    assert resumed is not None
    assert resumed.question_id == "strategy_portfolio"
    assert (resumed.number, resumed.total) == (2, 15)


def test_result_for_answers_stores_nothing(
    service: AssessmentService, store: SqliteStateStore
) -> None:
    answers = {q: 4 for q in SURVEY.question_ids("full")}
    result = service.result_for_answers("full", answers)
    assert result.phase_index == 2 and result.mlops_level == "continuous"
    assert result.chart_png.startswith(PNG)
    assert store.all_results() == []


def test_result_for_answers_names_every_problem(service: AssessmentService) -> None:
    answers = {q: 2 for q in SURVEY.question_ids("full")}
    del answers["data_readiness"], answers["adoption_use"]
    answers["strategy_value"] = 5
    answers["bogus"] = 1
    with pytest.raises(AnswersError) as caught:
        service.result_for_answers("full", answers)
    message = str(caught.value)
    assert "unknown question ids: bogus" in message
    assert "missing answers for: data_readiness, adoption_use" in message
    assert "strategy_value: option index 5 is outside 0..4" in message


def test_result_for_answers_in_quick_mode(service: AssessmentService) -> None:
    quick = {q: 1 for q in SURVEY.question_ids("quick")}
    assert service.result_for_answers("quick", quick).phase_index == 0
    with pytest.raises(AnswersError, match="not asked in quick mode: strategy_value"):
        service.result_for_answers("quick", {**quick, "strategy_value": 1})
    with pytest.raises(AnswersError, match="unknown mode 'medium'"):
        service.result_for_answers("medium", quick)
