from __future__ import annotations

import copy
import json
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from bot.assessment import engine
from bot.assessment.engine import AssessmentState, InvalidMove
from bot.assessment.survey import Question, Survey, load_survey

NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def survey() -> Survey:
    return load_survey()


def started(survey: Survey, mode: str = "full") -> AssessmentState:
    return engine.start(survey, mode, "a1", NOW)


def answered(survey: Survey, state: AssessmentState, *indexes: int) -> AssessmentState:
    for index in indexes:
        state = engine.answer(survey, state, index)
    return state


def test_start_full_asks_every_question_in_order(survey: Survey) -> None:
    state = started(survey)
    assert state.question_ids == tuple(q.id for q in survey.questions)
    assert len(state.question_ids) == 16
    assert (state.position, state.completed, dict(state.answers)) == (0, False, {})
    assert state.started_at == NOW
    assert engine.current_question(survey, state) == survey.questions[0]


def test_start_quick_asks_one_question_per_dimension(survey: Survey) -> None:
    state = started(survey, "quick")
    dims = [survey.question(q).dimension for q in state.question_ids]
    assert dims == [d.id for d in survey.dimensions]
    assert all(survey.question(q).quick for q in state.question_ids)


def test_start_unknown_mode_raises(survey: Survey) -> None:
    with pytest.raises(InvalidMove, match="unknown mode 'medium'"):
        engine.start(survey, "medium", "a1", NOW)


def test_answer_records_choice_and_moves_on(survey: Survey) -> None:
    state = started(survey)
    after = engine.answer(survey, state, 3)
    assert after.answers == {survey.questions[0].id: 3}
    assert after.position == 1
    assert not after.completed
    assert engine.current_question(survey, after) == survey.questions[1]


def test_answering_the_last_question_completes(survey: Survey) -> None:
    state = answered(survey, started(survey, "quick"), *([2] * 6))
    assert not state.completed
    done = engine.answer(survey, state, 4)
    assert done.completed
    assert done.position == len(done.question_ids)
    assert set(done.answers) == set(done.question_ids)
    assert engine.current_question(survey, done) is None


@pytest.mark.parametrize("index", [-1, 5, 99])
def test_answer_out_of_range_raises_and_leaves_state(survey: Survey, index: int) -> None:
    state = answered(survey, started(survey), 1)
    snapshot = copy.deepcopy(state.to_dict())
    with pytest.raises(InvalidMove, match="choose an option from 1 to 5"):
        engine.answer(survey, state, index)
    assert state.to_dict() == snapshot


def test_answer_when_complete_raises(survey: Survey) -> None:
    done = answered(survey, started(survey, "quick"), *([0] * 7))
    snapshot = done.to_dict()
    with pytest.raises(InvalidMove, match="already complete"):
        engine.answer(survey, done, 1)
    assert done.to_dict() == snapshot


def test_back_moves_to_previous_and_keeps_answer(survey: Survey) -> None:
    state = answered(survey, started(survey), 4, 2)
    previous = engine.back(state)
    assert previous.position == 1
    assert previous.answers == state.answers
    again = engine.back(previous)
    assert again.position == 0
    assert engine.current_question(survey, again) == survey.questions[0]


def test_back_then_answer_overwrites_and_continues(survey: Survey) -> None:
    state = engine.back(answered(survey, started(survey), 4, 2))
    changed = engine.answer(survey, state, 0)
    assert changed.answers[survey.questions[1].id] == 0
    assert changed.answers[survey.questions[0].id] == 4
    assert changed.position == 2


def test_back_at_first_question_raises(survey: Survey) -> None:
    state = started(survey)
    with pytest.raises(InvalidMove, match="first question"):
        engine.back(state)
    assert state.position == 0


def test_back_when_complete_raises(survey: Survey) -> None:
    done = answered(survey, started(survey, "quick"), *([1] * 7))
    with pytest.raises(InvalidMove, match="already complete"):
        engine.back(done)
    assert done.completed


def test_restart_clears_answers_keeps_id_and_mode(survey: Survey) -> None:
    state = answered(survey, started(survey, "quick"), 1, 2, 3)
    fresh = engine.restart(survey, state)
    assert (fresh.assessment_id, fresh.mode, fresh.started_at) == ("a1", "quick", NOW)
    assert (fresh.position, dict(fresh.answers), fresh.completed) == (0, {}, False)
    assert len(state.answers) == 3  # the input is untouched


def test_restart_after_completion_starts_over(survey: Survey) -> None:
    done = answered(survey, started(survey, "quick"), *([4] * 7))
    fresh = engine.restart(survey, done)
    assert not fresh.completed
    assert engine.current_question(survey, fresh) == survey.question(fresh.question_ids[0])


def test_state_is_immutable(survey: Survey) -> None:
    state = answered(survey, started(survey), 2)
    with pytest.raises(AttributeError):
        state.position = 5  # type: ignore[misc]
    with pytest.raises(TypeError):
        state.answers["x"] = 1  # type: ignore[index]
    source = {"strategy_direction": 1}
    built = replace(state, answers=source)
    source["strategy_direction"] = 4
    assert built.answers["strategy_direction"] == 1


def test_to_dict_from_dict_roundtrip_through_json(survey: Survey) -> None:
    state = engine.back(answered(survey, started(survey), 4, 1, 3))
    text = json.dumps(state.to_dict())
    restored = AssessmentState.from_dict(json.loads(text))
    assert restored == state
    assert restored.started_at == NOW
    assert engine.current_question(survey, restored) == engine.current_question(survey, state)


@pytest.mark.parametrize(
    "change",
    [
        {"version": 99},
        {"mode": "medium"},
        {"position": 40},
        {"answers": {"not_a_question": 1}},
        {"started_at": "yesterday"},
        {"completed": True},
    ],
)
def test_from_dict_rejects_malformed_data(survey: Survey, change: dict[str, object]) -> None:
    data = {**answered(survey, started(survey), 1).to_dict(), **change}
    with pytest.raises(InvalidMove, match="could not be read"):
        AssessmentState.from_dict(data)


def test_from_dict_rejects_missing_key(survey: Survey) -> None:
    data = started(survey).to_dict()
    del data["question_ids"]
    with pytest.raises(InvalidMove, match="could not be read"):
        AssessmentState.from_dict(data)


def older_survey(survey: Survey) -> Survey:
    """The survey minus its second question, as if it had been removed since."""
    return Survey(survey.dimensions, tuple(q for i, q in enumerate(survey.questions) if i != 1))


def test_state_from_an_older_survey_is_rejected(survey: Survey) -> None:
    state = answered(survey, started(survey), 2)
    newer = older_survey(survey)
    assert not engine.is_compatible(newer, state)
    snapshot = state.to_dict()
    with pytest.raises(InvalidMove, match="older set of questions.*strategy_value"):
        engine.answer(newer, state, 1)
    with pytest.raises(InvalidMove, match="older set of questions"):
        engine.current_question(newer, state)
    assert state.to_dict() == snapshot


def test_state_with_fewer_options_is_rejected(survey: Survey) -> None:
    state = answered(survey, started(survey), 4)
    first = survey.questions[0]
    shrunk = Question(first.id, first.dimension, first.text, first.options[:4])
    newer = Survey(survey.dimensions, (shrunk, *survey.questions[1:]))
    with pytest.raises(InvalidMove, match="older set of questions"):
        engine.answer(newer, state, 1)


def test_rebase_keeps_answers_that_still_exist(survey: Survey) -> None:
    state = answered(survey, started(survey), 4, 3, 2)
    newer = older_survey(survey)
    moved = engine.rebase(newer, state)
    assert moved.question_ids == newer.question_ids("full")
    assert moved.answers == {survey.questions[0].id: 4, survey.questions[2].id: 2}
    assert engine.current_question(newer, moved) == survey.questions[3]
    assert engine.is_compatible(newer, moved)


def test_full_walkthrough_answers_every_question(survey: Survey) -> None:
    state = started(survey)
    for index, qid in enumerate(state.question_ids):
        question = engine.current_question(survey, state)
        assert question is not None and question.id == qid
        state = engine.answer(survey, state, index % 5)
    assert state.completed
    assert state.answers == {q: i % 5 for i, q in enumerate(state.question_ids)}
