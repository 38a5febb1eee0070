from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.cli.terminal import print_questions_json, run_answers_file, run_interactive
from adapters.storage.sqlite import SqliteStateStore
from bot.assessment.service import AssessmentService
from bot.assessment.survey import load_assessment

SURVEY, ACTIONS = load_assessment()
USER = ("cli", "local", "me")


@pytest.fixture
def store() -> Iterator[SqliteStateStore]:
    with SqliteStateStore(":memory:") as opened:
        yield opened


@pytest.fixture
def service(store: SqliteStateStore) -> AssessmentService:
    return AssessmentService(SURVEY, ACTIONS, store, lambda: datetime(2026, 3, 1, tzinfo=UTC))


def scripted(lines: Iterable[str]) -> tuple[list[str], Callable[[str], str]]:
    queue = list(lines)
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        if not queue:
            raise EOFError
        return queue.pop(0)

    return prompts, read


def test_print_questions_json(service: AssessmentService) -> None:
    out = io.StringIO()
    print_questions_json(SURVEY, out)
    data = json.loads(out.getvalue())
    assert len(data["questions"]) == 16
    assert data["modes"]["quick"] == list(SURVEY.question_ids("quick"))
    first = data["questions"][0]
    assert first["options"] == list(SURVEY.questions[0].options)
    assert {"id", "dimension", "text", "options"} <= set(first)
    assert [d["id"] for d in data["dimensions"]][0] == "strategy"


def test_run_answers_file_prints_one_json_object(
    service: AssessmentService, tmp_path: Path
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({q: 2 for q in SURVEY.question_ids("full")}))
    out, err = io.StringIO(), io.StringIO()
    code = run_answers_file(service, path, "full", out, chart_dir=tmp_path / "charts", err=err)
    assert code == 0, err.getvalue()
    data = json.loads(out.getvalue())
    assert set(data) == {
        "phase",
        "phase_index",
        "mlops_level",
        "operating_model",
        "dimensions",
        "blockers",
        "recommendations",
        "chart",
    }
    assert (data["phase"], data["phase_index"]) == ("Operationalise (production)", 1)
    assert data["dimensions"]["data"] == {"name": "Data", "score": 50.0}
    assert all(set(r) == {"title", "why", "dimension", "source"} for r in data["recommendations"])
    assert all(r["dimension"] in data["dimensions"] for r in data["recommendations"])
    chart = Path(data["chart"])
    assert chart.parent == tmp_path / "charts" and chart.read_bytes().startswith(b"\x89PNG")
    assert err.getvalue() == ""


def test_run_answers_file_accepts_yaml_and_quick_mode(
    service: AssessmentService, tmp_path: Path
) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("".join(f"{q}: 0\n" for q in SURVEY.question_ids("quick")))
    out = io.StringIO()
    assert run_answers_file(service, path, "quick", out, chart_dir=tmp_path) == 0
    data = json.loads(out.getvalue())
    assert data["mlops_level"] == "manual" and data["phase_index"] == 0
    assert data["blockers"] and "Strategy & value" in data["blockers"][0]


def test_run_answers_file_writes_to_the_data_dir_by_default(
    service: AssessmentService, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALE_ADVISOR_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({q: 4 for q in SURVEY.question_ids("quick")}))
    out = io.StringIO()
    assert run_answers_file(service, path, "quick", out) == 0
    assert Path(json.loads(out.getvalue())["chart"]).parent == tmp_path / "data"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"strategy_portfolio": 0}, "missing answers for: people_operating_model"),
        ({"strategy_portfolio": 5}, "strategy_portfolio: expected an option index 0-4, got 5"),
        ({"strategy_portfolio": -1}, "expected an option index 0-4, got -1"),
        ({"strategy_portfolio": "high"}, "expected an option index 0-4, got 'high'"),
        ({"strategy_portfolio": True}, "expected an option index 0-4, got True"),
        ([1, 2, 3], "expected an object mapping question id"),
    ],
)
def test_run_answers_file_errors_go_to_stderr_with_exit_2(
    service: AssessmentService, tmp_path: Path, content: object, message: str
) -> None:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps(content))
    out, err = io.StringIO(), io.StringIO()
    assert run_answers_file(service, path, "quick", out, chart_dir=tmp_path, err=err) == 2
    assert out.getvalue() == ""
    assert message in err.getvalue()


def test_run_answers_file_missing_file(service: AssessmentService, tmp_path: Path) -> None:
    err = io.StringIO()
    code = run_answers_file(service, tmp_path / "nope.json", "full", io.StringIO(), err=err)
    assert code == 2 and "nope.json" in err.getvalue()


def test_interactive_run_with_back_question_quit_and_resume(
    service: AssessmentService, tmp_path: Path
) -> None:
    asked: list[str] = []

    def answer_question(text: str) -> str:
        asked.append(text)
        return "Monitoring means tracking drift. [1]"

    out = io.StringIO()
    _, read = scripted(["2", "back", "4", "what is drift?", "9", "3", "quit"])
    code = run_interactive(service, USER, "quick", read, out, tmp_path, answer_question)
    assert code == 0
    text = out.getvalue()
    assert asked == ["what is drift?"]
    assert "Monitoring means tracking drift." in text
    assert "Choose a number from 1 to 5." in text
    assert " *2. " in text  # the earlier choice is marked after going back
    assert "Paused" in text
    resumed = service.resume(USER)
    assert resumed is not None and resumed.number == 3

    out = io.StringIO()
    _, read = scripted(["3"] * 5)
    assert run_interactive(service, USER, "quick", read, out, tmp_path, None) == 0
    text = out.getvalue()
    assert "Resuming your quick assessment" in text
    assert "Phase: " in text and "MLOps level: " in text and "Operating model: " in text
    assert "Recommended next actions:" in text and "Read: " in text
    charts = list(tmp_path.glob("scale-check-*.png"))
    assert len(charts) == 1 and f"Radar chart: {charts[0]}" in text
    assert not service.has_active(USER)


def test_interactive_retake_shows_changes(service: AssessmentService, tmp_path: Path) -> None:
    _, read = scripted(["1"] * 7)
    run_interactive(service, USER, "quick", read, io.StringIO(), tmp_path)
    out = io.StringIO()
    _, read = scripted(["2"] * 7)
    run_interactive(service, USER, "quick", read, out, tmp_path)
    assert "change since" in out.getvalue()
    assert "(+25)" in out.getvalue()


def test_interactive_restart_and_free_text_without_answerer(
    service: AssessmentService, tmp_path: Path
) -> None:
    out = io.StringIO()
    _, read = scripted(["2", "restart", "hello?"])
    assert run_interactive(service, USER, "full", read, out, tmp_path) == 0
    text = out.getvalue()
    assert "Type an option number" in text
    assert text.count("Question 1 of 16") >= 2
    resumed = service.resume(USER)
    assert resumed is not None and resumed.number == 1  # EOF paused it at question 1


def test_interactive_unknown_mode_exits_2(service: AssessmentService, tmp_path: Path) -> None:
    out = io.StringIO()
    _, read = scripted([])
    assert run_interactive(service, USER, "medium", read, out, tmp_path) == 2
    assert "unknown mode" in out.getvalue().lower()
