"""What the chat benchmarks send, and the clean state each run starts from."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

__all__ = ["QUESTIONS", "add_data_dir", "remove_state"]

QUESTIONS = (
    "How do we move a pilot into production?",
    "What does an ML platform need?",
    "How should we set up risk-tiered governance?",
    "Which operating model fits when AI starts to scale?",
    "How do we measure the value of AI?",
    "What is MLOps level 2?",
    "What is the best pizza in Naples?",
    "How do we get executive sponsorship for scaling AI?",
    "What does the EU AI Act mean for us?",
)
"""Questions asked in turn: on topic, and one off topic (the pizza)."""


def remove_state(state: Path) -> None:
    """Delete the SQLite state file ``state`` and its WAL files, so a run starts empty."""
    for suffix in ("", "-wal", "-shm"):
        state.with_name(state.name + suffix).unlink(missing_ok=True)


def add_data_dir(parser: argparse.ArgumentParser, benchmark: str) -> None:
    """Add ``--data-dir``: where a benchmark keeps the knowledge base and state.

    It is kept between runs, so the knowledge base is ingested on the first one only.
    """
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path(tempfile.gettempdir()) / f"scale-advisor-bench-{benchmark}",
        help="where the knowledge base and state live (kept between runs: ingested once)",
    )
