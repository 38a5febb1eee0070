from __future__ import annotations

import copy
import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.assessment import engine
from bot.assessment.survey import (
    SurveyError,
    document_title,
    load_actions,
    load_assessment,
    load_survey,
)
from knowledge import ASSESSMENT_DIR, KNOWLEDGE_ROOT

QUESTIONS: dict[str, Any] = yaml.safe_load((ASSESSMENT_DIR / "questions.yaml").read_text())
ACTIONS: dict[str, Any] = yaml.safe_load((ASSESSMENT_DIR / "actions.yaml").read_text())
SURVEY, LIBRARY = load_assessment()


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def broken_questions(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(QUESTIONS)
    change(data)
    return write(tmp_path, "questions.yaml", data)


def broken_actions(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = copy.deepcopy(ACTIONS)
    change(data)
    return write(tmp_path, "actions.yaml", data)


# --- the real files ----------------------------------------------------------------------


def test_real_question_bank_loads() -> None:
    assert [d.id for d in SURVEY.dimensions] == [
        "strategy",
        "people",
        "data",
        "platform",
        "operations",
        "governance",
        "adoption",
    ]
    assert len(SURVEY.questions) == 16
    assert all(len(q.options) == 5 for q in SURVEY.questions)
    assert len(SURVEY.question_ids("quick")) == 7
    roles = {r for q in SURVEY.questions for r in q.roles}
    assert roles == {
        "gate_portfolio",
        "monitoring",
        "governance_inventory",
        "governance_controls",
        "mlops_training",
        "mlops_release",
        "operating_model",
    }


def test_real_action_library_loads_and_covers_both_kinds() -> None:
    assert len(LIBRARY) >= 20
    ids = {a.id for a in LIBRARY}
    organisational = {a.id for a in LIBRARY if a.kind == "organisational"}
    technical = {a.id for a in LIBRARY if a.kind == "technical"}
    assert {
        "secure_executive_sponsor",
        "upskill_people",
        "plan_change_management",
        "move_to_federated_model",
    } <= organisational
    assert {
        "build_shared_platform",
        "automate_training_pipeline",
        "monitor_models_in_production",
        "catalogue_and_check_data",
        "registry_and_ci_cd_release",
        "proportionate_controls",
    } <= technical
    assert organisational | technical == ids


def test_every_dimension_and_level_has_an_action() -> None:
    for dimension in SURVEY.dimensions:
        for level in range(1, 6):
            assert any(a.dimension == dimension.id and level in a.levels for a in LIBRARY), (
                f"no action for {dimension.id} at level {level}"
            )


def headings(document: Path) -> set[str]:
    text = document.read_text(encoding="utf-8")
    return {m.group(1).strip() for m in re.finditer(r"^## (.+)$", text, flags=re.MULTILINE)}


@pytest.mark.parametrize("action", LIBRARY, ids=lambda a: a.id)
def test_action_source_is_a_real_section_of_the_knowledge_base(action: Any) -> None:
    document = KNOWLEDGE_ROOT / action.source.document
    assert action.source.document.startswith("guidance/")
    assert document.is_file(), f"{action.id}: missing {action.source.document}"
    assert action.source.section in headings(document), (
        f"{action.id}: no '## {action.source.section}' in {action.source.document}"
    )
    assert action.source.title != document.name  # the title came from the front matter


def test_document_title_reads_front_matter_and_falls_back_to_the_name(tmp_path: Path) -> None:
    doc = tmp_path / "doc.md"
    doc.write_text("---\ntitle: Platform approach\nsummary: x\n---\n\n# Platform\n")
    assert document_title(doc) == "Platform approach"
    plain = tmp_path / "plain.md"
    plain.write_text("# Just a heading\n")
    assert document_title(plain) == "plain.md"
    assert document_title(tmp_path / "missing.md") == "missing.md"


def test_a_new_question_is_a_data_change_only(tmp_path: Path) -> None:
    def add(data: dict[str, Any]) -> None:
        data["questions"].append(
            {
                "id": "data_privacy",
                "dimension": "data",
                "text": "How is personal data protected?",
                "options": ["a", "b", "c", "d", "e"],
            }
        )

    survey = load_survey(broken_questions(tmp_path, add))
    state = engine.start(survey, "full", "x", datetime(2026, 1, 1, tzinfo=UTC))
    assert state.question_ids[-1] == "data_privacy"
    assert len(state.question_ids) == 17


# --- validation errors name the file and the field ---------------------------------------


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["questions"][3]["options"].pop(),
            "questions.yaml: questions[3].options: expected 5 options, got 4",
        ),
        (
            lambda d: d["questions"][5].update(id=d["questions"][4]["id"]),
            "questions.yaml: questions[5].id: duplicate id 'people_operating_model'",
        ),
        (
            lambda d: d["questions"][2].update(dimension="finance"),
            "questions.yaml: questions[2].dimension: unknown dimension 'finance'",
        ),
        (
            lambda d: d["questions"][0].update(quick=True),
            "questions.yaml: questions: dimension 'strategy' needs exactly one quick question, "
            "found strategy_direction, strategy_portfolio",
        ),
        (
            lambda d: d["questions"][6].pop("quick"),
            "questions.yaml: questions: dimension 'data' needs exactly one quick question, "
            "found none",
        ),
        (
            lambda d: d["questions"][1].update(roles=["gatekeeper"]),
            "questions.yaml: questions[1].roles: unknown role 'gatekeeper'",
        ),
        (
            lambda d: d["questions"][0].pop("text"),
            "questions.yaml: questions[0].text: expected a non-empty string, got nothing",
        ),
        (
            lambda d: d["questions"][0]["options"].__setitem__(2, ""),
            "questions.yaml: questions[0].options[2]: expected a non-empty string",
        ),
        (
            lambda d: d.update(questions=d["questions"][:13]),
            "questions.yaml: questions: expected at least 14 questions, got 13",
        ),
        (
            lambda d: d.update(
                questions=[q for q in d["questions"] if q["dimension"] not in ("data", "adoption")]
            ),
            "questions.yaml: questions: expected questions over at least 6 dimensions, got 5",
        ),
        (
            lambda d: d["dimensions"][1].update(id="strategy"),
            "questions.yaml: dimensions[1].id: duplicate id 'strategy'",
        ),
        (
            lambda d: d["dimensions"][0].update(group="finance"),
            "questions.yaml: dimensions[0].group: expected one of organisation, technology",
        ),
        (
            lambda d: d["dimensions"][0].update(weights=[1, 2]),
            "questions.yaml: dimensions[0].weights: expected a list of 3 numbers",
        ),
        (lambda d: d.pop("dimensions"), "questions.yaml: dimensions: expected a non-empty list"),
    ],
)
def test_question_errors_name_file_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    path = broken_questions(tmp_path, change)
    with pytest.raises(SurveyError) as caught:
        load_survey(path)
    assert str(caught.value).startswith(message)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["actions"][0].update(dimension="finance"),
            "actions.yaml: actions[0].dimension: unknown dimension 'finance'",
        ),
        (
            lambda d: d["actions"][1].update(levels=[2, 6]),
            "actions.yaml: actions[1].levels: level 6 is outside 1..5",
        ),
        (
            lambda d: d["actions"][1].update(levels=[0]),
            "actions.yaml: actions[1].levels: level 0 is outside 1..5",
        ),
        (
            lambda d: d["actions"][1].update(levels=["two"]),
            "actions.yaml: actions[1].levels[0]: expected an integer, got 'two'",
        ),
        (
            lambda d: d["actions"][2].update(levels=[]),
            "actions.yaml: actions[2].levels: expected at least one level",
        ),
        (
            lambda d: d["actions"][3].update(id=d["actions"][0]["id"]),
            "actions.yaml: actions[3].id: duplicate id 'graduate_pilot_to_production'",
        ),
        (
            lambda d: d["actions"][4].update(kind="cultural"),
            "actions.yaml: actions[4].kind: expected one of organisational, technical",
        ),
        (
            lambda d: d["actions"][0]["source"].pop("section"),
            "actions.yaml: actions[0].source.section: expected a non-empty string",
        ),
        (
            lambda d: d["actions"][0].pop("source"),
            "actions.yaml: actions[0].source: missing",
        ),
        (
            lambda d: d["actions"][0].update(targets=["no_such_question"]),
            "actions.yaml: actions[0].targets: unknown question 'no_such_question'",
        ),
        (
            lambda d: d["actions"][0].update(targets=["data_readiness"]),
            "actions.yaml: actions[0].targets: question 'data_readiness' is not in dimension",
        ),
        (
            lambda d: d["actions"][0].pop("ask"),
            "actions.yaml: actions[0].ask: expected a non-empty string, got nothing",
        ),
    ],
)
def test_action_errors_name_file_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    path = broken_actions(tmp_path, change)
    with pytest.raises(SurveyError) as caught:
        load_actions(SURVEY, path)
    assert str(caught.value).startswith(message)


def test_unreadable_and_non_yaml_files(tmp_path: Path) -> None:
    with pytest.raises(SurveyError, match=r"^questions\.yaml: cannot read the file"):
        load_survey(tmp_path / "questions.yaml")
    bad = tmp_path / "actions.yaml"
    bad.write_text("actions: [unclosed\n")
    with pytest.raises(SurveyError, match=r"^actions\.yaml: not valid YAML"):
        load_actions(SURVEY, bad)
    bad.write_text("- just\n- a list\n")
    with pytest.raises(SurveyError, match=r"^actions\.yaml: expected a mapping, got a list of 2"):
        load_actions(SURVEY, bad)


def test_load_assessment_reads_both_files_from_one_folder(tmp_path: Path) -> None:
    write(tmp_path, "questions.yaml", QUESTIONS)
    write(tmp_path, "actions.yaml", ACTIONS)
    survey, actions = load_assessment(tmp_path)
    assert survey == SURVEY
    assert actions == LIBRARY
