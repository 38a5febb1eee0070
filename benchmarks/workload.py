"""What the chat benchmarks send, and the clean state each run starts from."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ingest.splitter import Chunk

__all__ = ["QUESTIONS", "add_data_dir", "guidance_chunks", "ingest_batches", "remove_state"]

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


def guidance_chunks() -> list[Chunk]:
    """The built-in guidance's chunks, as an ingest cuts them."""
    from ingest.loaders import load_document
    from ingest.pipeline import collect_files
    from ingest.splitter import split_document
    from knowledge import GUIDANCE_DIR

    return [
        chunk
        for path, source in collect_files([GUIDANCE_DIR])
        for chunk in split_document(load_document(path, source))
    ]


def ingest_batches(chunks: list[Chunk]) -> list[list[str]]:
    """The texts a full ingest of ``chunks`` embeds, in its batches (out-of-scope last)."""
    from ingest.pipeline import EMBED_BATCH, load_out_of_scope

    batches = []
    for start in range(0, len(chunks), EMBED_BATCH):
        batch = chunks[start : start + EMBED_BATCH]
        batches.append([c.text for c in batch] + [q for c in batch for q in c.questions])
    batches.append([question for _, question in load_out_of_scope().values()])
    return batches
