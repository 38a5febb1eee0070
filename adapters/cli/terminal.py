"""The assessment in a terminal: the question bank as JSON, an answers file, or a dialog.

``adapters/cli/main.py`` calls these. Answers files and typed answers use option numbers
1-5 (1 = least mature), as shown on screen; the service works in option indexes
0-4 underneath.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TextIO

import yaml

from bot.assessment.service import AnswersError, AssessmentService
from bot.assessment.survey import Survey
from bot.messages import (
    Action,
    ActionKind,
    AnswerReply,
    NoticeReply,
    QuestionReply,
    Reply,
    ResultReply,
)
from bot.ports import UserKey
from bot.settings import Settings

__all__ = [
    "format_question",
    "format_result",
    "print_questions_json",
    "run_answers_file",
    "run_interactive",
    "write_chart",
]

_HELP = "Type an option number, 'back', 'restart' or 'quit', or ask me a question."
_QUIT = {"quit", "q", "exit", ":q"}


def print_questions_json(survey: Survey, out: TextIO) -> None:
    """Print the question bank as one JSON object (a template for answers files).

    Args:
        survey: The question bank.
        out: Where to print.

    """
    payload = {
        "answers_file": "a JSON or YAML object mapping question id to option index "
        "(0 = least mature .. 4 = most mature)",
        "modes": {
            "quick": list(survey.question_ids("quick")),
            "full": list(survey.question_ids("full")),
        },
        "dimensions": [
            {"id": d.id, "name": d.name, "description": d.description} for d in survey.dimensions
        ],
        "questions": [
            {
                "id": q.id,
                "dimension": q.dimension,
                "text": q.text,
                "quick": q.quick,
                "options": list(q.options),
            }
            for q in survey.questions
        ],
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")


def run_answers_file(
    service: AssessmentService,
    path: Path | str,
    mode: str,
    out: TextIO,
    *,
    chart_dir: Path | None = None,
    err: TextIO | None = None,
) -> int:
    """Score an answers file and print the result as exactly one JSON object.

    Args:
        service: The assessment service (nothing is stored).
        path: A JSON or YAML object mapping question id to option index (0 = least mature).
        mode: ``"quick"`` or ``"full"``; the file must answer that mode's questions.
        out: Where the JSON goes.
        chart_dir: Where the radar PNG is written; defaults to the data dir.
        err: Where errors go; defaults to stderr.

    Returns:
        0 on success, 2 when the file or its answers are invalid.

    """
    err = err or sys.stderr
    try:
        answers = read_answers(Path(path), service.survey)
        result = service.result_for_answers(mode, answers)
        chart = write_chart(result, chart_dir or _default_chart_dir())
    except (AnswersError, OSError, ValueError) as exc:
        err.write(f"error: {exc}\n")
        return 2
    dimension_of = {a.id: a.dimension for a in service.actions}
    payload = {
        "phase": result.phase,
        "phase_index": result.phase_index,
        "mlops_level": result.mlops_level,
        "operating_model": result.operating_model,
        "dimensions": {
            d.dimension_id: {"name": d.name, "score": d.score} for d in result.dimensions
        },
        "blockers": list(result.blockers),
        "recommendations": [
            {
                "title": r.title,
                "why": r.why,
                "dimension": dimension_of.get(r.action_id, r.dimension),
                "source": r.source,
            }
            for r in result.recommendations
        ],
        "chart": str(chart),
    }
    out.write(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    return 0


def run_interactive(
    service: AssessmentService,
    user_key: UserKey,
    mode: str,
    input_fn: Callable[[str], str],
    out: TextIO,
    chart_dir: Path,
    answer_question: Callable[[str], str] | None = None,
) -> int:
    """Run the assessment as a terminal dialog; a run in progress is resumed.

    Type 1-5 to answer, ``back``, ``restart`` or ``quit`` (progress is kept and the
    next run resumes). Anything else is a free-text question, answered through
    ``answer_question`` when given, after which the current question is shown again.

    Args:
        service: The assessment service.
        user_key: Whose progress and history to use.
        mode: ``"quick"`` or ``"full"`` for a new run; empty, the survey's default.
        input_fn: Reads one line, like ``input``.
        out: Where to print.
        chart_dir: Where the radar PNG is written.
        answer_question: Answers a free-text question, e.g. from the knowledge base.

    Returns:
        0 when finished or paused, 2 when the mode is unknown.

    """
    current = service.resume(user_key)
    if current is not None:
        out.write(f"Resuming your {current.mode} assessment where you left off.\n")
        replies: list[Reply] = [current]
    else:
        replies = service.start(user_key, mode)
    while True:
        question = _show(replies, out, chart_dir)
        if question is None:
            return 0 if _finished(replies) else 2
        try:
            typed = input_fn("> ").strip()
        except (EOFError, KeyboardInterrupt):
            typed = "quit"
        command = typed.lower()
        ref = question.ref
        if command in _QUIT:
            service.handle_action(user_key, Action(ActionKind.ASSESS_QUIT, ref=ref))
            out.write("Paused. Your answers are saved; run the assessment again to carry on.\n")
            return 0
        if command.isdigit():
            number = int(command)
            if not 1 <= number <= len(question.options):
                out.write(f"Choose a number from 1 to {len(question.options)}.\n")
                replies = [question]
                continue
            action = Action(ActionKind.ASSESS_ANSWER, value=str(number - 1), ref=ref)
            replies = service.handle_action(user_key, action)
        elif command == "back":
            replies = service.handle_action(user_key, Action(ActionKind.ASSESS_BACK, ref=ref))
        elif command == "restart":
            replies = service.handle_action(user_key, Action(ActionKind.ASSESS_RESTART, ref=ref))
        elif typed and answer_question is not None:
            out.write(answer_question(typed).rstrip() + "\n\n")
            replies = [question]
        else:
            out.write(_HELP + "\n")
            replies = [question]
        if not any(isinstance(r, QuestionReply | ResultReply) for r in replies):
            replies = [*replies, question]


def format_question(question: QuestionReply) -> str:
    """A question with numbered options, the earlier choice marked with ``*``."""
    lines = [
        f"Question {question.number} of {question.total} · {question.dimension}",
        question.text,
    ]
    for number, option in enumerate(question.options, start=1):
        mark = "*" if question.selected == number - 1 else " "
        lines.append(f" {mark}{number}. {option}")
    hint = (
        "1-5, 'back', 'restart' or 'quit'" if question.can_go_back else "1-5, 'restart' or 'quit'"
    )
    lines.append(f"Answer with {hint}.")
    return "\n".join(lines)


def format_result(result: ResultReply, chart: Path | None = None) -> str:
    """The result as plain text: placement, scores, blockers, recommendations, chart."""
    lines = [
        "Your /scale-check result",
        f"Phase: {result.phase}",
        f"MLOps level: {result.mlops_level}",
        f"Operating model: {result.operating_model}",
        "",
    ]
    if result.previous_completed_at:
        lines.append(f"Scores (change since {result.previous_completed_at[:10]}):")
    else:
        lines.append("Scores:")
    width = max(len(d.name) for d in result.dimensions)
    for d in result.dimensions:
        change = f"  ({d.change:+.0f})" if d.change is not None else ""
        lines.append(f"  {d.name:<{width}}  {d.score:5.1f}/100{change}")
    if result.blockers:
        lines += ["", "Blockers:"] + [f"  - {b}" for b in result.blockers]
    lines += ["", "Recommended next actions:"]
    for number, r in enumerate(result.recommendations, start=1):
        flag = " [blocker]" if r.blocker else ""
        lines += [
            f"  {number}. {r.title}{flag}",
            f"     Why: {r.why}",
            f"     Avoids: {r.mistake}",
            f"     Read: {r.source} ({r.source_path})",
            f"     Ask next: {r.ask}",
        ]
    if chart is not None:
        lines += ["", f"Radar chart: {chart}"]
    return "\n".join(lines)


def write_chart(result: ResultReply, chart_dir: Path) -> Path:
    """Write the result's radar chart as ``scale-check-<id>.png`` and return its path."""
    chart_dir.mkdir(parents=True, exist_ok=True)
    path = chart_dir / f"scale-check-{result.assessment_id}.png"
    path.write_bytes(result.chart_png)
    return path


def _show(replies: list[Reply], out: TextIO, chart_dir: Path) -> QuestionReply | None:
    question: QuestionReply | None = None
    for reply in replies:
        if isinstance(reply, NoticeReply):
            out.write(reply.text + "\n")
        elif isinstance(reply, AnswerReply):
            out.write(reply.text + "\n")
        elif isinstance(reply, QuestionReply):
            out.write("\n" + format_question(reply) + "\n")
            question = reply
        else:
            out.write("\n" + format_result(reply, write_chart(reply, chart_dir)) + "\n")
    return question


def _finished(replies: list[Reply]) -> bool:
    return any(isinstance(r, ResultReply) for r in replies)


def read_answers(path: Path, survey: Survey) -> dict[str, int]:
    """Read an answers file: a JSON or YAML object of question id -> option index."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ValueError(f"{path.name}: not valid JSON or YAML ({exc})") from exc
    if not isinstance(data, Mapping):
        raise ValueError(f"{path.name}: expected an object mapping question id to option index 0-4")
    answers: dict[str, int] = {}
    problems: list[str] = []
    for key, value in data.items():
        count = len(survey.question(str(key)).options) if survey.has_question(str(key)) else 5
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < count:
            problems.append(f"{key}: expected an option index 0-{count - 1}, got {value!r}")
        answers[str(key)] = value if isinstance(value, int) and not isinstance(value, bool) else -1
    if problems:
        raise ValueError(f"{path.name}: " + "; ".join(problems))
    return answers


def _default_chart_dir() -> Path:
    return Settings().data_dir
