"""The embedding backend setting: ONNX Runtime or torch, one embedder per store, a safe fallback.

With the real packaged model, a real embedded Chroma store and a real ONNX export into
the test's data dir (nothing downloaded).
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import pytest

from adapters.index.chroma import KnowledgeStore, open_store
from adapters.index.embeddings import Embedder, open_embedder
from ingest.pipeline import ingest
from tests.conftest import make_settings

pytestmark = pytest.mark.integration

PLAYBOOK = """# Shadow runs

## Promotion

A model is promoted to production after its shadow run matches the baseline for two weeks.

## Rollback

A model whose live error rate doubles is rolled back to the previous version at once.
"""


def _folder(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "release.md").write_text(PLAYBOOK, encoding="utf-8")
    return folder


def _cosine(a: list[float] | tuple[float, ...], b: list[float] | tuple[float, ...]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_the_onnx_backend_embeds_like_torch(tmp_path: Path) -> None:
    onnx = open_embedder(make_settings(tmp_path, embedding_backend="onnx"))
    torch = open_embedder(make_settings(tmp_path, embedding_backend="torch"))

    assert (onnx.backend, torch.backend) == ("onnx", "torch")
    assert onnx.made_by == f"onnx:{onnx.model}" != torch.made_by
    question = "How do we move a pilot into production?"
    vectors = [e.embeddings.embed_query(question) for e in (onnx, torch)]
    assert _cosine(*vectors) > 0.9999
    assert any(make_settings(tmp_path).onnx_export_dir.rglob("*.onnx"))  # exported, kept


def test_when_the_export_cannot_be_written_the_advisor_falls_back_to_torch(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (data_dir / "onnx").write_text("not a folder", encoding="utf-8")  # the export's place

    with caplog.at_level(logging.WARNING, logger="scale_advisor.embeddings"):
        settings = make_settings(data_dir, embedding_backend="onnx", onnx_dir=data_dir / "onnx")
        embedder = open_embedder(settings)

    assert embedder.backend == "torch"
    assert len(embedder.embeddings.embed_query("What does an ML platform need?")) == 384
    warnings = [r for r in caplog.records if r.name == "scale_advisor.embeddings"]
    assert len(warnings) == 1 and "using torch" in warnings[0].getMessage()


def _store(data_dir: Path, embedder: Embedder) -> KnowledgeStore:
    settings = make_settings(data_dir)
    return open_store(settings, embedder.embeddings, made_by=embedder.made_by)


def test_a_store_built_by_another_backend_is_re_embedded_never_mixed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    data_dir = tmp_path / "data"
    torch = open_embedder(make_settings(data_dir, embedding_backend="torch"))
    onnx = open_embedder(make_settings(data_dir, embedding_backend="onnx"))

    built = _store(data_dir, torch)
    first = ingest(built, [folder], data_dir)
    assert first.chunks_added > 0 and first.reembedded == 0
    assert built.vectors_made_by() == torch.made_by
    before = {s.chunk_id: s.vector for s in built.sections()}

    reopened = _store(data_dir, onnx)
    assert reopened.made_by_another()
    second = ingest(reopened, [folder], data_dir)

    # Every record (sections, phrasings, out-of-scope) embedded again; none added or lost.
    assert second.reembedded == len(before) + len(reopened.phrasings()) + len(
        reopened.out_of_scope()
    )
    assert second.chunks_added == 0 and second.chunks_unchanged == len(before)
    assert reopened.vectors_made_by() == onnx.made_by and not reopened.made_by_another()
    after = {s.chunk_id: s.vector for s in reopened.sections()}
    assert after.keys() == before.keys()
    assert all(_cosine(after[key], before[key]) > 0.9999 for key in before)
    # A third ingest with the same backend has nothing to re-embed.
    assert ingest(_store(data_dir, onnx), [folder], data_dir).reembedded == 0
