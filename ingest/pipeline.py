"""load -> split -> embed -> upsert, incrementally.

A chunk's id is a hash of its file and content, so a second run over unchanged
files finds every id already stored and embeds nothing. Chunks of changed files
that are no longer produced, and chunks of files deleted from disk, are removed.
A file that fails to load keeps whatever it had in the store: bad input never
costs data.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from adapters.index.chroma import KnowledgeStore
from ingest.loaders import SUPPORTED_SUFFIXES, LoadError, load_document
from ingest.splitter import Chunk, split_document
from knowledge import GUIDANCE_DIR, OUT_OF_SCOPE_FILE

EMBED_BATCH = 64
STATE_FILE = "ingest-state.json"


class MissingPathError(Exception):
    """A path given on the command line does not exist."""


@dataclass
class IngestReport:
    """What one ingest run did."""

    files_read: int = 0
    chunks_added: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    reembedded: int = 0  # records embedded again: the store was built by another embedder
    failures: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        """One line for people."""
        return (
            f"files read: {self.files_read}, chunks added: {self.chunks_added}, "
            f"removed: {self.chunks_removed}, unchanged: {self.chunks_unchanged}, "
            + (f"re-embedded: {self.reembedded}, " if self.reembedded else "")
            + f"failures: {len(self.failures)}, seconds: {self.seconds:.2f}"
        )

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data."""
        return {
            "files_read": self.files_read,
            "chunks_added": self.chunks_added,
            "chunks_removed": self.chunks_removed,
            "chunks_unchanged": self.chunks_unchanged,
            "reembedded": self.reembedded,
            "failures": [{"path": p, "reason": r} for p, r in self.failures],
            "seconds": round(self.seconds, 3),
        }


def collect_files(paths: Sequence[Path]) -> list[tuple[Path, str]]:
    """Expand folders into supported files, each with the name users will see.

    Raises ``MissingPathError`` before anything is read if a path does not exist.
    """
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise MissingPathError("no such file or folder: " + ", ".join(missing))
    files: list[tuple[Path, str]] = []
    for path in paths:
        if path.is_dir():
            files.extend(
                (file.resolve(), f"{path.name}/{file.relative_to(path).as_posix()}")
                for file in sorted(path.rglob("*"))
                if file.is_file() and file.suffix.lower() in SUPPORTED_SUFFIXES
            )
        else:
            files.append((path.resolve(), path.name))
    unique: dict[Path, str] = {}
    for file, source in files:
        unique.setdefault(file, source)
    return list(unique.items())


def knowledge_fingerprint(folder: Path = GUIDANCE_DIR) -> str:
    """A hash of the built-in guidance and out-of-scope bank, to tell when they changed."""
    digest = hashlib.sha256()
    for file in sorted(folder.rglob("*.md")):
        digest.update(file.relative_to(folder).as_posix().encode())
        digest.update(file.read_bytes())
    if OUT_OF_SCOPE_FILE.exists():
        digest.update(OUT_OF_SCOPE_FILE.read_bytes())
    return digest.hexdigest()


def read_state(data_dir: Path) -> dict[str, Any]:
    """The ingest state saved by the last run (empty if none or unreadable)."""
    try:
        loaded = json.loads((data_dir / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _write_state(data_dir: Path, state: dict[str, Any]) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    temporary = data_dir / f"{STATE_FILE}.tmp"
    temporary.write_text(json.dumps(state, indent=2), encoding="utf-8")
    temporary.replace(data_dir / STATE_FILE)


class _Progress:
    """A one-line progress bar on a terminal; silent otherwise."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total = max(total, 1)
        self.stream = stream
        self.enabled = stream.isatty()

    def update(self, done: int, label: str) -> None:
        if not self.enabled:
            return
        width = 30
        filled = int(width * done / self.total)
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r[{bar}] {done}/{self.total} {label[:40]:<40}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _add(store: KnowledgeStore, batch: list[Chunk]) -> None:
    """Embed and store a batch of chunks and their users' phrasings."""
    store.add_sections(
        [(chunk.chunk_id, chunk.text, chunk.metadata()) for chunk in batch],
        [
            (f"{chunk.chunk_id}-{n}", chunk.chunk_id, text)
            for chunk in batch
            for n, text in enumerate(chunk.questions)
        ],
    )


def load_out_of_scope(path: Path = OUT_OF_SCOPE_FILE) -> dict[str, tuple[str, str]]:
    """The out-of-scope bank as id -> (kind, question); ids are hashes of both.

    Raises:
        LoadError: The file is not a mapping of kinds to lists of questions.

    """
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise LoadError(path, f"cannot be read as YAML ({error.__class__.__name__})") from error
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise LoadError(path, "must map each kind to a list of questions")
    bank: dict[str, tuple[str, str]] = {}
    for kind, questions in data.items():
        for question in questions:
            text = str(question).strip()
            if text:
                key = hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()[:32]
                bank[key] = (str(kind), text)
    return bank


def ingest(
    store: KnowledgeStore,
    paths: Iterable[Path],
    data_dir: Path,
    chunk_size: int = 1200,
    progress_stream: TextIO | None = None,
) -> IngestReport:
    """Bring the vector store in line with ``paths``; see the module docstring."""
    started = time.perf_counter()
    report = IngestReport()
    files = collect_files(list(paths))
    guidance_root = GUIDANCE_DIR.resolve()
    if store.made_by_another():  # one store, one embedder: never vectors of two mixed
        report.reembedded = store.reembed()
    stored_by_path = store.section_ids_by_path()

    to_add: list[Chunk] = []
    to_remove: list[str] = []
    progress = _Progress(len(files), progress_stream or sys.stderr)
    for index, (file, source) in enumerate(files, 1):
        progress.update(index, source)
        try:
            document = load_document(file, source)
            chunks = split_document(document, chunk_size=chunk_size)
        except LoadError as error:
            report.failures.append((str(error.path), error.reason))
            stored_by_path.pop(str(file), None)  # keep what it had
            continue
        report.files_read += 1
        stored = stored_by_path.pop(str(file), set())
        wanted = {chunk.chunk_id for chunk in chunks}
        to_add.extend(chunk for chunk in chunks if chunk.chunk_id not in stored)
        to_remove.extend(sorted(stored - wanted))
        report.chunks_unchanged += len(stored & wanted)
    progress.close()

    # Files stored earlier but not given now: drop them only if they are gone from disk.
    for path, ids in stored_by_path.items():
        if not path or not Path(path).exists():
            to_remove.extend(sorted(ids))
        else:
            report.chunks_unchanged += len(ids)

    store.remove_sections(to_remove)
    report.chunks_removed = len(to_remove)
    for start in range(0, len(to_add), EMBED_BATCH):
        _add(store, to_add[start : start + EMBED_BATCH])
    report.chunks_added = len(to_add)
    store.record_made_by()
    if any(file.is_relative_to(guidance_root) for file, _ in files):
        try:  # the built-in knowledge comes with the bank of what it does not cover
            store.replace_out_of_scope(load_out_of_scope())
        except LoadError as error:
            report.failures.append((str(error.path), error.reason))
    knowledge_failed = any(
        Path(path).is_relative_to(guidance_root) or Path(path) == OUT_OF_SCOPE_FILE
        for path, _ in report.failures
    )
    if not knowledge_failed and any(file.is_relative_to(guidance_root) for file, _ in files):
        _write_state(data_dir, {"knowledge_fingerprint": knowledge_fingerprint()})
    report.seconds = time.perf_counter() - started
    return report
