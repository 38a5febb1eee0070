"""A run survives the process: answer half, exit, resume in a new process, finish."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.storage.sqlite import SqliteStateStore
from bot.assessment.survey import load_survey

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
USER = ("slack", "T1", "U1")

# Drives the real service against a SQLite file. argv: db path, mode, how many
# questions to answer (or "all"), an offset for the option chosen, and "crash" to
# leave with os._exit (no clean shutdown) instead of returning normally.
DRIVER = """
import json, os, sys
from datetime import datetime, timezone
from bot.assessment.service import AssessmentService
from bot.assessment.survey import load_assessment
from bot.messages import Action, ActionKind, QuestionReply, ResultReply
from adapters.storage.sqlite import SqliteStateStore

db, mode, how_many, offset, ending = sys.argv[1:6]
survey, actions = load_assessment()
store = SqliteStateStore(db)
service = AssessmentService(survey, actions, store, lambda: datetime.now(timezone.utc))
user = ("slack", "T1", "U1")
resumed = service.resume(user)
reply = resumed if resumed is not None else service.start(user, mode)[0]
report = {"resumed_at": resumed.number if resumed is not None else None, "answered": {}}
limit = len(survey.questions) if how_many == "all" else int(how_many)
for _ in range(limit):
    if not isinstance(reply, QuestionReply):
        break
    choice = (reply.number + int(offset)) % 5
    report["answered"][reply.question_id] = choice
    ref = reply.assessment_id + ":" + reply.question_id
    (reply,) = service.handle_action(user, Action(ActionKind.ASSESS_ANSWER, str(choice), ref))
if isinstance(reply, ResultReply):
    report["result"] = {
        "assessment_id": reply.assessment_id,
        "phase": reply.phase,
        "changes": {d.dimension_id: d.change for d in reply.dimensions},
        "previous_completed_at": reply.previous_completed_at,
    }
else:
    report["next"] = reply.number
print(json.dumps(report), flush=True)
if ending == "crash":
    os._exit(0)
store.close()
"""


def drive(db: Path, mode: str, how_many: str, offset: int = 0, ending: str = "exit") -> Any:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", DRIVER, str(db), mode, how_many, str(offset), ending],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_progress_survives_a_restart_and_nothing_is_lost(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    survey = load_survey()
    total = len(survey.question_ids("full"))

    first = drive(db, "full", str(total // 2), ending="crash")
    assert first["resumed_at"] is None
    assert len(first["answered"]) == total // 2
    assert first["next"] == total // 2 + 1

    second = drive(db, "full", "all")
    assert second["resumed_at"] == total // 2 + 1
    assert "result" in second
    assert set(first["answered"]).isdisjoint(second["answered"])

    with SqliteStateStore(db) as store:
        assert store.load_progress(USER) is None
        (saved,) = store.history(USER)
    assert saved.assessment_id == second["result"]["assessment_id"]
    assert saved.mode == "full"
    assert saved.answers == {**first["answered"], **second["answered"]}
    assert set(saved.answers) == set(survey.question_ids("full"))
    assert saved.phase == second["result"]["phase"]
    assert all(change is None for change in second["result"]["changes"].values())


def test_a_retake_in_a_new_process_shows_changes(tmp_path: Path) -> None:
    db = tmp_path / "state.sqlite3"
    first = drive(db, "quick", "all", offset=0)
    retake = drive(db, "quick", "all", offset=1)
    changes = retake["result"]["changes"]
    assert all(change is not None for change in changes.values())
    assert any(change != 0 for change in changes.values())
    with SqliteStateStore(db) as store:
        history = store.history(USER)
    assert [h.assessment_id for h in history] == [
        first["result"]["assessment_id"],
        retake["result"]["assessment_id"],
    ]
    assert retake["result"]["previous_completed_at"] == history[0].completed_at
    before, after = history[0].dimensions, history[1].dimensions
    assert changes == {d: round(after[d] - before[d], 1) for d in after}
