"""The retriever on the stores an ingest can leave: empty, and sections without phrasings.

An organisation's own playbooks are ingested without phrasings, and ``ingest`` opens the
retriever before anything is stored; both must build and search, not raise.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from langchain_core.embeddings import Embeddings

from adapters.index.embeddings import load_embeddings
from bot.answering.retrieval import HybridRetriever
from bot.ports import Neighbour, StoredPhrasing, StoredSection
from bot.settings import Settings


class MemoryIndex:
    """A ``VectorIndex`` over lists held in memory, with exact cosine search."""

    def __init__(self, sections: list[StoredSection]) -> None:
        self._sections = sections

    def sections(self) -> Iterable[StoredSection]:
        return list(self._sections)

    def phrasings(self) -> Iterable[StoredPhrasing]:
        return []

    def out_of_scope(self) -> Iterable[StoredPhrasing]:
        return []

    def nearest_sections(self, vector: list[float], n: int) -> Iterable[Neighbour]:
        query = np.asarray(vector, dtype=np.float32)
        scored = [
            Neighbour(s.chunk_id, s.chunk_id, s.text, float(np.asarray(s.vector) @ query))
            for s in self._sections
        ]
        return sorted(scored, key=lambda found: -found.similarity)[:n]


def _embeddings() -> Embeddings:
    return load_embeddings(Settings().embedding_model)


def test_an_empty_store_builds_and_finds_nothing() -> None:
    retriever = HybridRetriever(MemoryIndex([]), _embeddings())
    assert retriever.size == 0
    assert retriever.search("How do we move a model to production?").candidates == ()


def test_sections_without_phrasings_are_found_by_their_text() -> None:
    embeddings = _embeddings()
    texts = {
        "ours-rollout": "Our rollout playbook: we ship models to production every Tuesday.",
        "ours-lunch": "The canteen serves soup on Fridays and pasta on Mondays.",
    }
    vectors = embeddings.embed_documents(list(texts.values()))
    sections = [
        StoredSection(chunk_id, text, {"title": chunk_id}, tuple(vector))
        for (chunk_id, text), vector in zip(texts.items(), vectors, strict=True)
    ]
    retriever = HybridRetriever(MemoryIndex(sections), embeddings)
    found = retriever.search("When do we ship models to production?")
    assert found.best is not None
    assert found.best.chunk_id == "ours-rollout"
