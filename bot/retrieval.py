"""Hybrid retrieval: dense similarity from Chroma plus BM25, fused into one score."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from rank_bm25 import BM25Okapi

from bot.fusion import drop_near_duplicates, fuse_scores
from bot.text import tokenize


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


class HybridRetriever:
    """Searches one Chroma collection densely and lexically and fuses the two rankings.

    The lexical index (and a copy of the embeddings, to score lexical-only hits)
    is built from the collection by ``refresh``; call it after an ingest.
    """

    def __init__(
        self,
        store: Any,
        embeddings: Embeddings,
        candidates: int = 12,
    ) -> None:
        self._collection = store._collection
        self._embeddings = embeddings
        self._candidates = candidates
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._texts: dict[str, str] = {}
        self._metadata: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, list[str]] = {}
        self._vectors: dict[str, np.ndarray] = {}
        self._bm25: BM25Okapi | None = None
        self.refresh()

    @property
    def size(self) -> int:
        """How many chunks the index holds."""
        return len(self._ids)

    def refresh(self) -> None:
        """Reload the lexical index from the collection."""
        data = self._collection.get(include=["documents", "metadatas", "embeddings"])
        ids = list(data["ids"])
        texts = {i: str(t) for i, t in zip(ids, data["documents"] or [], strict=False)}
        metadata = {i: dict(m or {}) for i, m in zip(ids, data["metadatas"] or [], strict=False)}
        embeddings = data.get("embeddings")
        vectors = (
            {i: np.asarray(v, dtype=np.float32) for i, v in zip(ids, embeddings, strict=False)}
            if embeddings is not None
            else {}
        )
        tokens = {i: tokenize(texts.get(i, "")) for i in ids}
        bm25 = BM25Okapi([tokens[i] or ["\0"] for i in ids]) if ids else None
        with self._lock:
            self._ids, self._texts, self._metadata = ids, texts, metadata
            self._tokens, self._vectors, self._bm25 = tokens, vectors, bm25

    def search(self, query: str, k: int = 4) -> list[Passage]:
        """The ``k`` best passages for ``query``, best first, near-duplicates removed."""
        if not self._ids or not query.strip():
            return []
        vector = np.asarray(self._embeddings.embed_query(query), dtype=np.float32)
        dense = self._collection.query(
            query_embeddings=[vector.tolist()],
            n_results=min(self._candidates, len(self._ids)),
            include=["distances"],
        )
        similarity = {
            i: 1.0 - float(d) for i, d in zip(dense["ids"][0], dense["distances"][0], strict=False)
        }
        lexical = self._lexical(query)
        for chunk_id in lexical:
            if chunk_id not in similarity:  # a lexical-only hit: score it against its stored vector
                stored = self._vectors.get(chunk_id)
                similarity[chunk_id] = float(stored @ vector) if stored is not None else 0.0
        fused = fuse_scores(similarity, lexical)
        kept = drop_near_duplicates([i for i, _ in fused], self._tokens)
        fused_score = dict(fused)
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
