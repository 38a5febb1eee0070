"""The ``scale-advisor`` command line: ingest, ask, questions, scale-check, serve."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from pydantic import ValidationError

from bot.messages import AnswerReply
from bot.settings import Settings, configure_offline

EXIT_OK, EXIT_FAILURES, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="scale-advisor",
        description="Scaling Advisor: answers about scaling AI and the /scale-check assessment.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ingest = commands.add_parser("ingest", help="embed the knowledge base (and your own files)")
    ingest.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                        help="extra .md, .txt, .html or .pdf files or folders")
    ingest.add_argument("--json", action="store_true", help="print the report as JSON")

    ask = commands.add_parser("ask", help="answer a question from the knowledge base")
    ask.add_argument("question", help='the question, or "-" to read one question per line from stdin')
    ask.add_argument("--json", action="store_true", help="print one JSON object per answer")
    return parser


def _render_answer(reply: AnswerReply, out: TextIO) -> None:
    out.write(reply.text + "\n")
    if reply.sources:
        out.write("\nSources:\n")
        for source in reply.sources:
            out.write(f"  [{source.number}] {source.title} > {source.section}  ({source.source})\n")


def answer_json(reply: AnswerReply) -> dict[str, object]:
    """The ``ask --json`` object for one answer."""
    return {
        "question": reply.question,
        "answer": reply.text,
        "covered": reply.covered,
        "sources": [
            {"title": s.title, "section": s.section, "source": s.source, "score": s.score}
            for s in reply.sources
        ],
        "mode": reply.mode,
    }


def _cmd_ask(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from bot.runtime import open_knowledge

    runtime = open_knowledge(settings)
    questions = (line.strip() for line in sys.stdin) if args.question == "-" else iter([args.question])
    for question in questions:
        if args.question == "-" and not question:
            continue
        reply = runtime.answerer.answer(question)
        if args.json:
            out.write(json.dumps(answer_json(reply), ensure_ascii=False) + "\n")
        else:
            _render_answer(reply, out)
            if args.question == "-":
                out.write("\n")
        out.flush()
    return EXIT_OK


def _cmd_ingest(settings: Settings, args: argparse.Namespace, out: TextIO) -> int:
    from bot.runtime import open_knowledge
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
    handlers = {"ask": _cmd_ask, "ingest": _cmd_ingest}
    try:
        return handlers[args.command](settings, args, sys.stdout)
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
