"""Hybrid retrieval: dense similarity from Chroma plus BM25, fused into one score."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from rank_bm25 import BM25Okapi

from bot.answering.fusion import drop_near_duplicates, fuse_scores, heading_adjustment
from bot.answering.text import tokenize
from bot.vectorstore import KnowledgeStore


@dataclass(frozen=True)
class Passage:
    """A retrieved chunk with its scores."""

    chunk_id: str
    body: str
    title: str
    section: str
    source: str
    heading_path: str
    similarity: float  # cosine similarity of the question and the chunk, -1..1
    fused: float  # similarity plus the weighted, normalised BM25 score


def _body_of(text: str, heading_path: str) -> str:
    prefix = f"{heading_path}\n\n"
    return text[len(prefix) :] if heading_path and text.startswith(prefix) else text


def _vectors(data: Any) -> list[Any]:
    """The embeddings of a chromadb ``get`` result (an empty list when there are none)."""
    embeddings = data.get("embeddings")
    return [] if embeddings is None else list(embeddings)


def _heading_terms(metadata: dict[str, Any]) -> tuple[set[str], bool]:
    """The terms of a chunk's own heading, and whether it is its document's opening section."""
    section = str(metadata.get("section", ""))
    return set(tokenize(section.split(" > ")[-1])), not section


class HybridRetriever:
    """Searches one Chroma collection densely and lexically and fuses the two rankings.

    A chunk's similarity is the better of its text's and its best user phrasing's.
    The lexical index (and a copy of the vectors, to score lexical-only hits) is
    built from the store by ``refresh``; call it after an ingest.
    """

    def __init__(self, store: KnowledgeStore, candidates: int = 12) -> None:
        self._store = store
        self._embeddings = store.embeddings
        self._candidates = candidates
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._texts: dict[str, str] = {}
        self._metadata: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, list[str]] = {}
        self._vectors: dict[str, np.ndarray] = {}  # per chunk: its text's and phrasings' vectors
        self._bm25: BM25Okapi | None = None
        self._headings: dict[str, tuple[set[str], bool]] = {}
        self._phrasings = 0
        self.refresh()

    @property
    def size(self) -> int:
        """How many chunks the index holds."""
        return len(self._ids)

    def refresh(self) -> None:
        """Reload the lexical index from the collection."""
        data = self._store.chunks.get(include=["documents", "metadatas", "embeddings"])
        ids = list(data["ids"])
        texts = {i: str(t) for i, t in zip(ids, data["documents"] or [], strict=False)}
        metadata = {i: dict(m or {}) for i, m in zip(ids, data["metadatas"] or [], strict=False)}
        rows: dict[str, list[Any]] = {i: [v] for i, v in zip(ids, _vectors(data), strict=False)}
        asked = self._store.questions.get(include=["metadatas", "embeddings"])
        for meta, vector in zip(asked["metadatas"] or [], _vectors(asked), strict=False):
            rows.setdefault(str((meta or {}).get("parent", "")), []).append(vector)
        vectors = {i: np.asarray(rows[i], dtype=np.float32) for i in ids if i in rows}
        tokens = {
            i: tokenize(f"{texts.get(i, '')}\n{metadata.get(i, {}).get('questions', '')}")
            for i in ids
        }
        bm25 = BM25Okapi([tokens[i] or ["\0"] for i in ids]) if ids else None
        headings = {i: _heading_terms(metadata[i]) for i in ids}
        phrasings = len(asked["ids"])
        with self._lock:
            self._ids, self._texts, self._metadata = ids, texts, metadata
            self._tokens, self._vectors, self._bm25 = tokens, vectors, bm25
            self._headings, self._phrasings = headings, phrasings

    def search(self, query: str, k: int = 4) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first, near-duplicates removed."""
        if not self._ids or not query.strip():
            return []
        vector = np.asarray(self._embeddings.embed_query(query), dtype=np.float32)
        dense = self._store.chunks.query(
            query_embeddings=[vector.tolist()],
            n_results=min(self._candidates, len(self._ids)),
            include=["distances"],
        )
        similarity = {
            i: 1.0 - float(d) for i, d in zip(dense["ids"][0], dense["distances"][0], strict=False)
        }
        if self._phrasings:
            asked = self._store.questions.query(
                query_embeddings=[vector.tolist()],
                n_results=min(2 * self._candidates, self._phrasings),
                include=["distances", "metadatas"],
            )
            for meta, distance in zip(asked["metadatas"][0], asked["distances"][0], strict=False):
                parent = str((meta or {}).get("parent", ""))
                if parent in self._texts:
                    similarity[parent] = max(similarity.get(parent, -1.0), 1.0 - float(distance))
        lexical = self._lexical(query)
        for chunk_id in lexical:
            if (
                chunk_id not in similarity
            ):  # a lexical-only hit: score it against its stored vectors
                stored = self._vectors.get(chunk_id)
                similarity[chunk_id] = float((stored @ vector).max()) if stored is not None else 0.0
        query_terms = set(tokenize(query))
        fused_score = {
            chunk_id: score
            + heading_adjustment(query_terms, *self._headings.get(chunk_id, (set(), True)))
            for chunk_id, score in fuse_scores(similarity, lexical)
        }
        ranked = sorted(fused_score, key=lambda i: -fused_score[i])
        kept = drop_near_duplicates(ranked, self._tokens)
        return [self._passage(i, similarity[i], fused_score[i]) for i in kept[:k]]

    def _passage(self, chunk_id: str, similarity: float, fused: float) -> Passage:
        meta = self._metadata.get(chunk_id, {})
        heading_path = str(meta.get("heading_path", ""))
        return Passage(
            chunk_id=chunk_id,
            body=_body_of(self._texts.get(chunk_id, ""), heading_path),
            title=str(meta.get("title", "")),
            section=str(meta.get("section", "")),
            source=str(meta.get("source", "")),
            heading_path=heading_path,
            similarity=similarity,
            fused=fused,
        )

    def _lexical(self, query: str) -> dict[str, float]:
        """BM25 scores of the best lexical candidates (only those sharing a term)."""
        terms = tokenize(query)
        if self._bm25 is None or not terms:
            return {}
        scores = self._bm25.get_scores(terms)
        order = np.argsort(-scores)[: self._candidates]
        return {self._ids[int(i)]: float(scores[int(i)]) for i in order if scores[int(i)] > 0}
