"""Ingestion with the real model into a real Chroma store in a temporary folder."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from adapters.index.chroma import KnowledgeStore, open_store
from adapters.index.embeddings import load_embeddings
from ingest.pipeline import MissingPathError, ingest
from tests.conftest import make_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def store(tmp_path: Path) -> KnowledgeStore:
    settings = make_settings(tmp_path / "data")
    return open_store(settings, load_embeddings(settings.embedding_model))


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


PLAYBOOK = """---
title: Release playbook
questions:
  "Promotion":
    - "how do we push a model to prod?"
---
# Release playbook

Intro to releasing models.

## Promotion

Models are promoted from staging to production by policy.

## Rollback

Roll back by redeploying the previous registry version.
"""


def _ids(store: KnowledgeStore) -> set[str]:
    return {section.chunk_id for section in store.sections()}


def test_second_run_embeds_nothing_and_changes_are_incremental(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "release.md", PLAYBOOK)
    _write(docs, "notes/monitoring.txt", "Watch drift and latency on every production model.")
    data = tmp_path / "data"

    first = ingest(store, [docs], data)
    assert (first.files_read, first.chunks_added, first.chunks_removed, first.failures) == (
        2,
        4,
        0,
        [],
    )
    ids_after_first = _ids(store)
    assert len(ids_after_first) == 4

    second = ingest(store, [docs], data)
    assert (second.chunks_added, second.chunks_removed, second.chunks_unchanged) == (0, 0, 4)
    assert _ids(store) == ids_after_first

    _write(docs, "release.md", PLAYBOOK.replace("previous registry version", "last good version"))
    third = ingest(store, [docs], data)
    assert (third.chunks_added, third.chunks_removed, third.chunks_unchanged) == (1, 1, 3)

    (docs / "notes" / "monitoring.txt").unlink()
    fourth = ingest(store, [docs], data)
    assert (fourth.files_read, fourth.chunks_removed, fourth.chunks_added) == (1, 1, 0)
    assert {s.metadata["source"] for s in store.sections()} == {"docs/release.md"}


def test_metadata_keeps_heading_path_source_and_questions(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    _write(tmp_path, "release.md", PLAYBOOK)
    ingest(store, [tmp_path / "release.md"], tmp_path / "data")
    by_section = {s.metadata["section"]: (s.metadata, s.text) for s in store.sections()}
    meta, document = by_section["Promotion"]
    assert meta["heading_path"] == "Release playbook > Promotion"
    assert meta["source"] == "release.md"
    assert meta["questions"] == "how do we push a model to prod?"
    assert (
        document == "Release playbook > Promotion\n\n"
        "Models are promoted from staging to production by policy."
    )


def test_bad_files_are_reported_and_the_rest_is_ingested(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    _write(docs, "good.md", PLAYBOOK)
    (docs / "empty.md").write_bytes(b"")
    (docs / "broken.pdf").write_bytes(b"%PDF-1.7 truncated garbage")
    (docs / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    (docs / "ignored.docx").write_bytes(b"PK")  # unsupported files inside a folder are skipped
    report = ingest(store, [docs], tmp_path / "data")
    assert report.files_read == 1
    assert report.chunks_added == 3
    reasons = {Path(path).name: reason for path, reason in report.failures}
    assert set(reasons) == {"empty.md", "broken.pdf", "latin.txt"}
    assert "empty" in reasons["empty.md"]
    assert "PDF" in reasons["broken.pdf"]
    assert "UTF-8" in reasons["latin.txt"]


def test_a_file_that_turns_bad_keeps_its_chunks(store: KnowledgeStore, tmp_path: Path) -> None:
    path = _write(tmp_path, "release.md", PLAYBOOK)
    ingest(store, [path], tmp_path / "data")
    before = _ids(store)
    path.write_bytes(b"\xff\xfe not utf-8 \xff")
    report = ingest(store, [path], tmp_path / "data")
    assert len(report.failures) == 1
    assert _ids(store) == before  # nothing lost


def test_missing_path_is_an_error_before_anything_changes(
    store: KnowledgeStore, tmp_path: Path
) -> None:
    with pytest.raises(MissingPathError, match="no-such-folder"):
        ingest(store, [tmp_path / "no-such-folder"], tmp_path / "data")
    assert _ids(store) == set()


def test_progress_is_silent_when_not_a_terminal(store: KnowledgeStore, tmp_path: Path) -> None:
    _write(tmp_path, "a.md", PLAYBOOK)
    stream = io.StringIO()
    ingest(store, [tmp_path / "a.md"], tmp_path / "data", progress_stream=stream)
    assert stream.getvalue() == ""
