"""The scale-advisor command line, run for real."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.cli.main import main

pytestmark = pytest.mark.integration


def _run(args: list[str], data_dir: Path, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SCALE_ADVISOR_DATA_DIR": str(data_dir), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli.main", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_ask_from_stdin_prints_one_json_object_per_line_and_ingests_first(tmp_path: Path) -> None:
    result = _run(
        ["ask", "-", "--json"],
        tmp_path / "data",
        "How do we move a pilot into production?\n\nWhat's a good lasagna recipe?\n",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 2
    first, second = (json.loads(line) for line in lines)
    assert set(first) == {"question", "answer", "covered", "sources", "mode", "see_also"}
    assert first["see_also"] and set(first["see_also"][0]) == {"title", "question"}
    assert first["covered"] is True and first["mode"] == "extractive"
    source_fields = {"number", "title", "section", "source", "score"}
    assert first["sources"] and set(first["sources"][0]) == source_fields
    assert all(s["source"].startswith("guidance/") for s in first["sources"])
    assert second["covered"] is False and second["sources"] == []
    assert "ingesting" in result.stderr  # the empty store was filled on first use
    assert "Traceback" not in result.stderr


def test_ask_from_stdin_answers_each_line_on_its_own_unless_asked_for_a_conversation(
    tmp_path: Path,
) -> None:
    lines = "What is the EU AI Act's high-risk category?\nand when does that apply?\n"
    alone = _run(["ask", "-", "--json"], tmp_path / "data", lines)
    talk = _run(["ask", "-", "--json", "--conversation"], tmp_path / "data", lines)
    assert alone.returncode == 0 and talk.returncode == 0, alone.stderr + talk.stderr
    _, second_alone = (json.loads(line) for line in alone.stdout.splitlines())
    _, second_talk = (json.loads(line) for line in talk.stdout.splitlines())
    assert any("EU AI Act" in s["title"] for s in second_talk["sources"])
    assert not any("EU AI Act" in s["title"] for s in second_alone["sources"])
    # The same line asked alone, as its own command, gets the same answer as in "ask -".
    single = _run(["ask", "--json", "and when does that apply?"], tmp_path / "data", "")
    assert json.loads(single.stdout)["answer"] == second_alone["answer"]


def test_ask_explain_shows_candidates_scores_and_the_reason(tmp_path: Path) -> None:
    covered = _run(
        ["ask", "--explain", "--json", "What does a feature store do?"], tmp_path / "data", ""
    )
    assert covered.returncode == 0, covered.stderr
    document = json.loads(covered.stdout)
    assert document["covered"] is True and document["reason"].startswith("covered:")
    best = document["candidates"][0]
    assert best["section"] == "platform-approach.md#Core components"
    assert {"score", "similarity", "term_share", "title"} <= set(best)
    text = _run(["ask", "--explain", "give me the kubectl command to scale to 10 replicas"],
                tmp_path / "data", "")
    assert "not covered:" in text.stdout and "nearest out-of-scope:" in text.stdout
    assert "commands" in text.stdout


def test_ask_prints_answer_and_numbered_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALE_ADVISOR_DATA_DIR", str(tmp_path / "data"))
    assert main(["ask", "What is risk-tiered governance?"]) == 0
    out = capsys.readouterr().out
    assert "[1]" in out and "Sources:" in out
    assert "Governance at scale" in out
    # The knowledge base is unchanged now: a second question does not ingest again.
    assert main(["ask", "What does a feature store do?"]) == 0
    assert "ingesting" not in capsys.readouterr().err


def test_ingest_reports_failures_with_exit_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALE_ADVISOR_DATA_DIR", str(tmp_path / "data"))
    own = tmp_path / "playbooks"
    own.mkdir()
    (own / "ours.md").write_text("# Our rollout playbook\n\nWe ship models every Tuesday.\n")
    (own / "empty.txt").write_text("")
    assert main(["ingest", str(own), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["failures"] == [
        {"path": str((own / "empty.txt").resolve()), "reason": "is empty"}
    ]
    assert report["files_read"] > 20 and report["chunks_added"] > 100
    assert main(["ingest", str(own / "ours.md")]) == 0
    assert "chunks added: 0" in capsys.readouterr().out


def test_missing_path_is_a_message_and_exit_2(tmp_path: Path) -> None:
    result = _run(["ingest", str(tmp_path / "nowhere")], tmp_path / "data")
    assert result.returncode == 2
    assert "no such file or folder" in result.stderr and "Traceback" not in result.stderr


def test_scale_check_answers_file_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SCALE_ADVISOR_DATA_DIR", str(tmp_path / "data"))
    assert main(["questions", "--json"]) == 0
    bank = json.loads(capsys.readouterr().out)
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({q["id"]: len(q["options"]) - 1 for q in bank["questions"]}))
    assert main(["scale-check", "--answers", str(answers), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert (result["phase_index"], result["mlops_level"]) == (2, "continuous")
    assert Path(result["chart"]).read_bytes().startswith(b"\x89PNG")
    answers.write_text(json.dumps({bank["questions"][0]["id"]: 9}))
    assert main(["scale-check", "--answers", str(answers), "--json"]) == 2
    assert "expected an option index" in capsys.readouterr().err


def test_teams_package_writes_the_app_zip(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import zipfile

    app_id = "12345678-1234-1234-1234-1234567890ab"
    output = tmp_path / "teams.zip"
    assert main(["teams-package", "--app-id", app_id, "--output", str(output)]) == 0
    with zipfile.ZipFile(output) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest["id"] == app_id and manifest["bots"][0]["botId"] == app_id
    assert main(["teams-package", "--app-id", "not-a-guid", "--output", str(output)]) == 2
    assert "not a Microsoft App ID" in capsys.readouterr().err
