"""The ``scale-advisor`` command line: ingest, ask, questions, scale-check, serve."""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import sys
from collections.abc import Iterable, Sequence
from contextlib import closing
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from pydantic import ValidationError

from bot.answering.providers import ProviderError
from bot.errors import BackendUnavailableError, StateStoreUnusableError
from bot.messages import AnswerReply
from bot.settings import Settings, configure_offline

if TYPE_CHECKING:
    from adapters.knowledge_runtime import KnowledgeRuntime
    from bot.answering.generated import GenerativeAnswerer

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scale-advisor",
        description="Scaling Advisor: answers about scaling AI and the /scale-check assessment.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="embed the knowledge base (and your own files)")
    ingest.add_argument(
        "paths",
        nargs="*",
        type=Path,
        metavar="PATH",
        help="extra .md, .txt, .html or .pdf files or folders",
    )
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")

    ask = commands.add_parser("ask", help="answer a question from the knowledge base")
    ask.add_argument(
        "question", help='the question, or "-" to read one question per line from stdin'
    )
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    ask.add_argument(
        "--conversation",
        action="store_true",
        help='with "-": the lines are one conversation (a line that cannot stand alone '
        "is a follow-up of the one before); without it each line is answered on its own",
    )
    ask.add_argument(
        "--explain",
        action="store_true",
        help="print the candidate sections with their scores and why the question is "
        "covered or not (for curators)",
    )

    questions = commands.add_parser("questions", help="print the assessment's question bank")
    questions.add_argument("--json", action="store_true", help="print it as JSON (the default)")

    check = commands.add_parser("scale-check", help="run the /scale-check maturity assessment")
    mode = check.add_mutually_exclusive_group()
    mode.add_argument(
        "--quick",
        dest="mode",
        action="store_const",
        const="quick",
        help="one question per dimension",
    )
    mode.add_argument(
        "--full",
        dest="mode",
        action="store_const",
        const="full",
        help="every question (the default for a new interactive run)",
    )
    check.add_argument(
        "--answers",
        type=Path,
        metavar="FILE",
        help="score a JSON object of question id -> option index (0 = least mature)",
    )
    check.add_argument("--json", action="store_true", help="with --answers: print one JSON object")

    package = commands.add_parser("teams-package", help="write the Teams app package (zip)")
    package.add_argument("--app-id", required=True, help="the bot's Microsoft App ID (a GUID)")
    package.add_argument(
        "--output",
        type=Path,
        default=Path("scaling-advisor-teams.zip"),
        help="the zip to write (default: scaling-advisor-teams.zip)",
    )
    package.add_argument("--host", help="the public host name serving /api/messages")

    serve = commands.add_parser(
        "serve", help="run the web server (web console, Slack, Teams, health, metrics)"
    )
    serve.add_argument(
        "--host", help="interface to listen on (default: SCALE_ADVISOR_HOST or 127.0.0.1)"
    )
    serve.add_argument("--port", type=int, help="port (default: SCALE_ADVISOR_PORT or 3978)")

    report = commands.add_parser("report", help="usage report: questions, gaps, feedback, phases")
    report.add_argument("--workspace", help="only this Slack team id, Teams tenant id or 'local'")
    report.add_argument("--since", type=_day, metavar="DATE", help="first day, YYYY-MM-DD (UTC)")
    report.add_argument("--until", type=_day, metavar="DATE", help="last day, YYYY-MM-DD (UTC)")
    report.add_argument(
        "--output",
        type=Path,
        metavar="FILE.html",
        help="where to write the HTML report with charts (default: DATA_DIR/report.html)",
    )
    return parser


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _render_answer(reply: AnswerReply, out: TextIO) -> None:
    if reply.note:
        out.write(f"({reply.note})\n")
    out.write(reply.text + "\n")
    if reply.sources:
        out.write("\nSources:\n")
        for source in reply.sources:
            out.write(f"  [{source.number}] {source.title} > {source.section}  ({source.source})\n")
    if reply.related:
        out.write("\nSee also:\n")
        for related in reply.related:
            out.write(f"  - {related.title}  (ask: {related.question})\n")


def _cmd_ask(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from adapters.composition import open_generator
    from adapters.knowledge_runtime import open_knowledge

    runtime = open_knowledge(settings)
    generator = open_generator(settings, runtime)
    questions = (
        (line.strip() for line in sys.stdin) if args.question == "-" else iter([args.question])
    )
    asyncio.run(_ask_all(runtime, generator, questions, args, out))
    return EXIT_OK


async def _ask_all(
    runtime: KnowledgeRuntime,
    generator: GenerativeAnswerer | None,
    questions: Iterable[str],
    args: argparse.Namespace,
    out: TextIO,
) -> None:
    """Answer questions in turn: each on its own, or as one conversation (``--conversation``)."""
    from bot.answering.follow_up import answer_in_context

    turns: list[tuple[str, str]] = []
    for question in questions:
        if args.question == "-" and not question:
            continue
        if args.explain:
            _explain(runtime, question, turns if args.conversation else [], args.json, out)
            continue
        reply, asked = await answer_in_context(
            runtime.answerer, generator, question, turns if args.conversation else []
        )
        turns += [("user", asked), ("assistant", reply.text)]
        if args.json:
            out.write(json.dumps(reply.as_dict(), ensure_ascii=False) + "\n")
        else:
            _render_answer(reply, out)
            if args.question == "-":
                out.write("\n")
        out.flush()


def _explain(
    runtime: KnowledgeRuntime,
    question: str,
    turns: list[tuple[str, str]],
    as_json: bool,
    out: TextIO,
) -> None:
    """Print the candidates, their scores and the coverage decision for one question."""
    from bot.answering.follow_up import follow_up_topic

    answerer = runtime.answerer
    explanation = answerer.explain(
        question, follow_up_topic(question, turns, answerer.topic_words)
    )
    retrieval = explanation.retrieval
    candidates = [
        {
            "section": p.label,
            "title": p.heading_path,
            "score": round(p.score, 4),
            "similarity": round(p.similarity, 4),
            "term_share": round(p.lexical, 4),
        }
        for p in retrieval.candidates
    ]
    outside = retrieval.out_of_scope
    if as_json:
        document = {
            "question": question,
            "query": explanation.query,
            "covered": explanation.coverage.covered,
            "reason": explanation.coverage.reason,
            "candidates": candidates,
            "nearest_out_of_scope": {
                "kind": outside.kind,
                "question": outside.question,
                "similarity": round(outside.similarity, 4),
            },
        }
        out.write(json.dumps(document, ensure_ascii=False) + "\n")
        return
    out.write(f"question: {question}\n")
    if explanation.query != question:
        out.write(f"searched: {explanation.query}\n")
    out.write(f"{explanation.coverage.reason}\n\n")
    out.write(f"  {'score':>6} {'cosine':>6} {'words':>5}  section\n")
    for row in candidates:
        out.write(
            f"  {row['score']:6.3f} {row['similarity']:6.3f} {row['term_share']:5.0%}  "
            f"{row['section']}\n"
        )
    out.write(
        f"\n  nearest out-of-scope: {outside.similarity:.3f} ({outside.kind or 'none'}) "
        f"{outside.question}\n\n"
    )


def _cmd_ingest(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from adapters.knowledge_runtime import open_knowledge
    from ingest.pipeline import MissingPathError, collect_files

    try:
        collect_files(args.paths)  # reject missing paths before opening anything
    except MissingPathError as error:
        sys.stderr.write(f"scale-advisor ingest: {error}\n")
        return EXIT_USAGE
    runtime = open_knowledge(settings, auto_ingest=False)
    report = runtime.ingest(args.paths, progress_stream=sys.stderr)
    if args.json:
        out.write(json.dumps(report.as_dict()) + "\n")
    else:
        out.write(report.summary() + "\n")
        for path, reason in report.failures:
            out.write(f"failed: {path}: {reason}\n")
    return EXIT_FAILURES if report.failures else EXIT_OK


def _cmd_questions(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from adapters.cli.terminal import print_questions_json
    from bot.assessment.survey import load_survey

    print_questions_json(load_survey(), out)
    return EXIT_OK


def _answers_mode(path: Path, quick_ids: set[str]) -> str:
    """Quick mode when the file answers exactly the quick questions, else full."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return "full"  # the scorer reports the problem with the file
    return "quick" if isinstance(data, dict) and set(map(str, data)) == quick_ids else "full"


def _cmd_scale_check(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from datetime import UTC, datetime

    from adapters.cli.terminal import (
        format_result,
        run_answers_file,
        run_interactive,
        write_chart,
    )
    from adapters.storage import open_state_store
    from bot.assessment.service import AssessmentService
    from bot.assessment.survey import load_assessment

    survey, actions = load_assessment()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with closing(open_state_store(settings)) as store:
        service = AssessmentService(survey, actions, store, lambda: datetime.now(UTC))
        if args.answers is not None:
            mode = args.mode or _answers_mode(args.answers, set(survey.question_ids("quick")))
            if args.json:
                return run_answers_file(
                    service, args.answers, mode, out, chart_dir=settings.data_dir
                )
            from adapters.cli.terminal import read_answers
            from bot.assessment.service import AnswersError

            try:
                result = service.result_for_answers(mode, read_answers(args.answers, survey))
            except (AnswersError, OSError, ValueError) as error:
                sys.stderr.write(f"scale-advisor scale-check: {error}\n")
                return EXIT_USAGE
            out.write(format_result(result, write_chart(result, settings.data_dir)) + "\n")
            return EXIT_OK
        if args.json:
            sys.stderr.write("scale-advisor scale-check: --json needs --answers FILE\n")
            return EXIT_USAGE
        answerer = _LazyAnswerer(settings)
        return run_interactive(
            service,
            ("cli", "local", _local_user()),
            args.mode or "",  # empty: the survey's default mode
            input,
            out,
            settings.data_dir,
            answer_question=answerer.answer_text,
        )


def _local_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "local"


class _LazyAnswerer:
    """Loads the model only when someone asks a question mid-assessment."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._runtime: object | None = None

    def answer_text(self, question: str) -> str:
        from adapters.knowledge_runtime import KnowledgeRuntime, open_knowledge

        if self._runtime is None:
            self._runtime = open_knowledge(self._settings)
        assert isinstance(self._runtime, KnowledgeRuntime)
        buffer = io.StringIO()
        _render_answer(self._runtime.answerer.answer(question), buffer)
        return buffer.getvalue()


def _cmd_serve(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    import logging

    from aiohttp import web

    from adapters.composition import open_advisor
    from adapters.http.server import build_web_app
    from bot.logs import configure_logging

    if args.host:
        settings.host = args.host
    if args.port is not None:
        settings.port = args.port
    configure_logging(settings)
    server_log = logging.getLogger("scale_advisor.server")

    def listening(_: str) -> None:
        server_log.info("listening on http://%s:%d", settings.host, settings.port)
        server_log.info("console: http://%s:%d/", settings.host, settings.port)

    # Under the server every line is a log record, the first-use ingest's included.
    advisor = open_advisor(settings, notify=logging.getLogger("scale_advisor.knowledge").info)
    try:
        web.run_app(
            build_web_app(advisor),
            host=settings.host,
            port=settings.port,
            print=listening,
            access_log=None,  # the request-id middleware logs each request instead
        )
    except OSError as error:
        sys.stderr.write(
            f"scale-advisor serve: cannot listen on {settings.host}:{settings.port}: "
            f"{error.strerror or error}\n"
        )
        return EXIT_FAILURES
    finally:
        advisor.close()
    return EXIT_OK


def _cmd_report(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from adapters.storage import open_state_store
    from bot.assessment.survey import load_survey
    from bot.report import Period, format_text, report_from_store
    from bot.report_html import write_html

    if args.since and args.until and args.since > args.until:
        sys.stderr.write("scale-advisor report: --since is after --until\n")
        return EXIT_USAGE
    with closing(open_state_store(settings)) as store:
        report = report_from_store(
            store, load_survey(), args.workspace, Period(args.since, args.until)
        )
    out.write(format_text(report) + "\n")
    path = write_html(report, args.output or settings.data_dir / "report.html")
    out.write(f"\nHTML report with charts: {path}\n")
    return EXIT_OK


def _cmd_teams_package(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from adapters.teams.package import build_package

    try:
        written = build_package(args.app_id, args.output, args.host)
    except ValueError as error:
        sys.stderr.write(f"scale-advisor teams-package: {error}\n")
        return EXIT_USAGE
    except OSError as error:
        reason = error.strerror or error
        sys.stderr.write(f"scale-advisor teams-package: cannot write {args.output}: {reason}\n")
        return EXIT_FAILURES
    out.write(f"wrote {written}: upload it in Teams (Apps > Manage your apps > Upload an app)\n")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    configure_offline()
    args = _parser().parse_args(argv)
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        sys.stderr.write(f"scale-advisor: invalid settings: {problems}\n")
        return EXIT_USAGE
    if args.command in ("ask", "serve"):
        from bot.answering.providers import settings_problems

        llm_problems = settings_problems(settings)
        if llm_problems:
            sys.stderr.write("scale-advisor: LLM settings: " + "; ".join(llm_problems) + "\n")
            return EXIT_USAGE
    handlers = {
        "ask": _cmd_ask,
        "ingest": _cmd_ingest,
        "questions": _cmd_questions,
        "scale-check": _cmd_scale_check,
        "serve": _cmd_serve,
        "teams-package": _cmd_teams_package,
        "report": _cmd_report,
    }
    try:
        return handlers[args.command](settings, args, sys.stdout)
    except ProviderError as error:
        sys.stderr.write(f"scale-advisor: {error}\n")
        return EXIT_USAGE
    except BackendUnavailableError as error:  # a Chroma server or database that is not there
        sys.stderr.write(f"scale-advisor: {error}\n")
        return EXIT_FAILURES
    except StateStoreUnusableError as error:  # serve, scale-check, report: one line, no traceback
        sys.stderr.write(f"scale-advisor {args.command}: {error}\n")
        return EXIT_FAILURES
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
