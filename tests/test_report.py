"""The usage report: its figures from seeded rows, its text, and the HTML file from the CLI."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.cli.main import main
from adapters.storage.sqlite import SqliteStateStore
from bot.ports import StoredResult, Vote
from bot.report import Period, build_report, format_text, normalise_question
from bot.report_html import render_html

NAMES = {"strategy": "Strategy & value", "data": "Data", "platform": "Platform & MLOps"}
PHASE_1, PHASE_2, PHASE_3 = (
    "Prove value (pilot)",
    "Operationalise (production)",
    "Scale (enterprise)",
)


def answer(question: str, covered: bool, when: str, workspace: str = "T1") -> dict[str, Any]:
    return {
        "platform": "slack",
        "workspace": workspace,
        "user": "U1",
        "question": question,
        "covered": covered,
        "created_at": when,
    }


def vote(value: str, when: str, workspace: str = "T1") -> dict[str, Any]:
    return {"platform": "slack", "workspace": workspace, "vote": value, "created_at": when}


def result(
    user: str, phase: str, scores: dict[str, float], when: str, workspace: str = "T1"
) -> StoredResult:
    stored = json.dumps({"phase": phase, "dimensions": scores})
    return StoredResult.read(("slack", workspace, user), f"a-{user}-{when}", "full", when, stored)


ANSWERS = [
    answer("How do we move a pilot into production?", True, "2025-03-01T09:00:00Z"),
    answer("What does GPU capacity cost?", False, "2025-03-01T10:00:00Z"),
    answer("what does gpu capacity   cost", False, "2025-03-02T10:00:00Z"),
    answer("What does GPU capacity cost ?!", False, "2025-03-03T10:00:00Z"),
    answer("Who won the cup final?", False, "2025-03-03T11:00:00Z"),
    answer("What is MLOps level 2?", True, "2025-03-03T12:00:00Z"),
    answer("What does GPU capacity cost?", False, "2025-04-10T10:00:00Z"),  # next month
    answer("Where is the canteen?", False, "2025-03-02T08:00:00Z", workspace="T2"),
    answer("What is a model registry?", True, datetime(2025, 3, 2, 9, tzinfo=UTC).isoformat()),
]
FEEDBACK = [
    vote("up", "2025-03-01T09:01:00Z"),
    vote("up", "2025-03-03T12:01:00Z"),
    vote("down", "2025-03-01T10:01:00Z"),
    vote("down", "2025-03-02T08:01:00Z", workspace="T2"),
]
RESULTS = [
    # U1 took it twice: only the latest counts for the portfolio view.
    result("U1", PHASE_1, {"strategy": 25, "data": 0, "platform": 50}, "2025-03-01T12:00:00+00:00"),
    result(
        "U1", PHASE_2, {"strategy": 75, "data": 50, "platform": 50}, "2025-03-05T12:00:00+00:00"
    ),
    result("U2", PHASE_1, {"strategy": 50, "data": 25, "platform": 0}, "2025-03-06T12:00:00+00:00"),
    result("U3", PHASE_3, {"strategy": 100, "data": 75, "platform": 75}, "2025-03-07T12:00:00"),
    result(
        "U9", PHASE_3, {"strategy": 100, "data": 100, "platform": 100}, "2025-03-07T12:00:00Z", "T2"
    ),
]
MARCH = Period(date(2025, 3, 1), date(2025, 3, 31))


def test_questions_are_normalised_for_counting() -> None:
    assert (
        normalise_question("  What does GPU\tcapacity   cost ?! ") == "what does gpu capacity cost"
    )
    assert normalise_question("“Quoted”?") == "“quoted”"


def test_figures_for_one_workspace_and_month() -> None:
    report = build_report(ANSWERS, FEEDBACK, RESULTS, NAMES, workspace="T1", period=MARCH)
    assert (report.questions, report.not_covered) == (7, 4)
    assert report.not_covered_share == pytest.approx(4 / 7)
    assert report.top_uncovered == (
        ("what does gpu capacity cost", 3),
        ("who won the cup final", 1),
    )
    assert (report.feedback_up, report.feedback_down) == (2, 1)
    assert report.helpful_share == pytest.approx(2 / 3)
    assert (report.assessments, report.teams) == (4, 3)
    assert report.phases == ((PHASE_1, 1), (PHASE_2, 1), (PHASE_3, 1))
    # Latest per team: U1 (75, 50, 50), U2 (50, 25, 0), U3 (100, 75, 75).
    by_name = {d.name: (d.mean_score, d.weakest_in) for d in report.dimensions}
    assert by_name == {
        "Data": (50.0, 2),  # weakest for U1 (tied with platform) and U3 (tied with platform)
        "Platform & MLOps": (41.7, 3),
        "Strategy & value": (75.0, 0),
    }
    assert [d.name for d in report.dimensions] == ["Platform & MLOps", "Data", "Strategy & value"]
    [row] = report.per_workspace
    assert (row.workspace, row.questions, row.not_covered, row.assessments) == ("T1", 7, 4, 4)
    assert [day.isoformat() for day, _, _ in report.daily] == [
        "2025-03-01",
        "2025-03-02",
        "2025-03-03",
    ]
    assert report.daily[2][1:] == (1, 2)


def test_all_workspaces_and_all_time() -> None:
    report = build_report(ANSWERS, FEEDBACK, RESULTS, NAMES)
    assert (report.questions, report.not_covered) == (9, 6)
    assert report.top_uncovered[0] == ("what does gpu capacity cost", 4)
    assert [r.workspace for r in report.per_workspace] == ["T1", "T2"]
    assert report.teams == 4 and report.phases[2] == (PHASE_3, 2)


def test_an_empty_period_reports_zeros_not_errors() -> None:
    report = build_report(ANSWERS, FEEDBACK, RESULTS, NAMES, period=Period(date(2030, 1, 1)))
    assert (report.questions, report.assessments, report.teams) == (0, 0, 0)
    assert report.not_covered_share is None and report.helpful_share is None
    text = format_text(report)
    assert "Questions asked        0" in text and "n/a" in text
    assert "No questions in this period." in render_html(report)


def test_text_report() -> None:
    text = format_text(build_report(ANSWERS, FEEDBACK, RESULTS, NAMES, "T1", MARCH))
    assert "Workspace: T1 | Period: 2025-03-01 to 2025-03-31 (UTC)" in text
    assert "Not covered            4 (57.1%)" in text
    assert "Feedback               2 up, 1 down (66.7% helpful)" in text
    assert "Assessments completed  4 by 3 teams" in text
    assert re.search(r"\n\s+3\s+what does gpu capacity cost\n", text)
    assert re.search(r"Platform & MLOps\s+41\.7 \| 3", text)
    assert re.search(r"Operationalise \(production\)\s+1", text)


def test_html_report_is_self_contained_and_escapes_questions() -> None:
    rows = [*ANSWERS, answer("<script>alert('gap')</script>", False, "2025-03-04T10:00:00Z")]
    html = render_html(build_report(rows, FEEDBACK, RESULTS, NAMES, "T1", MARCH))
    assert "<script" not in html and "&lt;script&gt;" in html
    assert not re.search(r"(src|href)=\"?https?:", html)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert len(images) == 3  # questions per day, phases, dimensions
    assert all(base64.b64decode(image).startswith(b"\x89PNG\r\n\x1a\n") for image in images)


def seed_store(data_dir: Path) -> None:
    now = datetime.now(UTC)
    with SqliteStateStore(data_dir / "state.sqlite3") as store:
        store.record_answer(("slack", "T1", "U1"), "a1", "How do we scale?", "...", True)
        store.record_answer(("slack", "T1", "U1"), "a2", "What is the GPU price?", "...", False)
        store.record_answer(
            ("teams", "tenant-9", "U7"), "a3", "What is the GPU price", "...", False
        )
        store.record_feedback(Vote(("slack", "T1", "U1"), "a1", "up", "How do we scale?", "..."))
        details = {
            "phase": PHASE_2,
            "dimensions": {"strategy": 50.0, "data": 25.0, "platform": 75.0},
        }
        store.save_result(StoredResult.of(("slack", "T1", "U1"), "run1", "quick", now, details))


def test_report_command_prints_figures_and_writes_the_html_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    data_dir = tmp_path / "data"
    seed_store(data_dir)
    monkeypatch.setenv("SCALE_ADVISOR_DATA_DIR", str(data_dir))
    output = tmp_path / "out" / "usage.html"
    today = datetime.now(UTC).date().isoformat()
    assert main(["report", "--since", today, "--until", today, "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert "Questions asked        3" in printed
    assert "Not covered            2 (66.7%)" in printed
    assert re.search(r"\n\s+2\s+what is the gpu price\n", printed)
    assert f"HTML report with charts: {output}" in printed
    html = output.read_text(encoding="utf-8")
    assert "what is the gpu price" in html and "tenant-9" in html

    assert main(["report", "--workspace", "tenant-9"]) == 0
    printed = capsys.readouterr().out
    assert "Questions asked        1" in printed and "Assessments completed  0" in printed
    assert (data_dir / "report.html").is_file()  # the default place


def test_report_command_rejects_bad_dates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SCALE_ADVISOR_DATA_DIR", str(tmp_path))
    with pytest.raises(SystemExit) as exit_info:
        main(["report", "--since", "2025-13-01"])
    assert exit_info.value.code == 2
    assert "is not a date" in capsys.readouterr().err
    assert main(["report", "--since", "2025-03-02", "--until", "2025-03-01"]) == 2
    assert "--since is after --until" in capsys.readouterr().err


# --- knowledge gaps -------------------------------------------------------------------------


def test_alike_questions_are_grouped_and_the_most_asked_come_first() -> None:
    from bot.gaps import group_questions

    groups = group_questions(
        [
            "How do I scale my kubectl deployment to 10 replicas?",
            "kubectl command to scale deployment to 10 replicas",
            "how do i scale my kubectl deployment to 10 replicas",
            "What's our parental leave policy?",
        ]
    )
    assert groups == [
        (
            ("How do I scale my kubectl deployment to 10 replicas?", 2),
            ("kubectl command to scale deployment to 10 replicas", 1),
        ),
        (("What's our parental leave policy?", 1),),
    ]


def test_gaps_are_kept_apart_by_workspace_and_kind_and_follow_the_period() -> None:
    downvoted = [
        {**vote("down", "2025-03-01T10:01:00Z"), "question": "What does GPU capacity cost?"},
    ]
    report = build_report(ANSWERS, FEEDBACK + downvoted, [], NAMES, period=MARCH)
    groups = [(g.workspace, g.kind, g.questions) for g in report.gaps]
    assert groups == [  # the same question three ways counts once, three times
        ("T1", "not covered", (("What does GPU capacity cost?", 3),)),
        ("T1", "not covered", (("Who won the cup final?", 1),)),
        ("T1", "voted down", (("What does GPU capacity cost?", 1),)),
        ("T2", "not covered", (("Where is the canteen?", 1),)),  # in its own workspace
    ]
    assert all("2025-04" not in q for g in report.gaps for q, _ in g.questions)
    text = format_text(report)
    assert "Knowledge gaps" in text and "3x  not covered" in text
    assert "Knowledge gaps: alike questions" in render_html(report)
