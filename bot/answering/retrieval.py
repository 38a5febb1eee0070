"""Hybrid retrieval: dense similarity from Chroma plus BM25, fused into one ranking.

A section's similarity is the better of its own text's and its best user phrasing's.
A classifier fitted on the phrasings (``bot.answering.classifier``) adds its
probability, and BM25 (relative to the best lexical hit) adds the question's words.
Each search also reports how close the question comes to the bank of questions the
guidance does not answer, and the share of the question's term weight each section
holds (measured against the question itself), for the coverage rule.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
from rank_bm25 import BM25Okapi

from bot.answering.classifier import SectionClassifier
from bot.answering.fusion import Evidence, drop_near_duplicates, heading_terms, rank_score
from bot.answering.passages import Passage
from bot.answering.text import tokenize
from bot.ports import QueryEmbedder, StoredPhrasing, VectorIndex

# How many sections the dense search brings back before fusion, by text and by phrasing.
SECTION_CANDIDATES = 16
PHRASING_CANDIDATES = 16
CLASSIFIER_CANDIDATES = 3
# The classifier's labels for out-of-scope kinds, apart from section ids.
OUT_OF_SCOPE_LABEL = "out-of-scope:"


@dataclass(frozen=True)
class OutOfScopeMatch:
    """The out-of-scope question nearest to the question, and how near it is."""

    kind: str = ""
    question: str = ""
    similarity: float = -1.0


@dataclass(frozen=True)
class OutOfScopeBank:
    """The out-of-scope questions' vectors, kinds and texts, to find the nearest one."""

    vectors: np.ndarray
    kinds: tuple[str, ...]
    texts: tuple[str, ...]

    @classmethod
    def empty(cls) -> OutOfScopeBank:
        """A bank with nothing in it."""
        return cls(np.zeros((0, 0), dtype=np.float32), (), ())

    @classmethod
    def of(cls, questions: list[StoredPhrasing]) -> OutOfScopeBank:
        """The bank of stored out-of-scope questions (``parent`` is their kind)."""
        if not questions:
            return cls.empty()
        vectors = np.asarray([q.vector for q in questions], dtype=np.float32)
        return cls(vectors, tuple(q.parent for q in questions), tuple(q.text for q in questions))

    def nearest(self, query_vector: np.ndarray) -> OutOfScopeMatch:
        """The out-of-scope question nearest to the query (none when the bank is empty)."""
        if not self.kinds:
            return OutOfScopeMatch()
        similarities = self.vectors @ query_vector
        n = int(np.argmax(similarities))
        return OutOfScopeMatch(self.kinds[n], self.texts[n], float(similarities[n]))


@dataclass(frozen=True)
class Retrieval:
    """One search: the candidate sections best first, and the nearest out-of-scope question."""

    query: str
    candidates: tuple[Passage, ...]
    out_of_scope: OutOfScopeMatch = field(default_factory=OutOfScopeMatch)

    @property
    def best(self) -> Passage | None:
        """The best candidate, if any."""
        return self.candidates[0] if self.candidates else None


def _body_of(text: str, heading_path: str) -> str:
    prefix = f"{heading_path}\n\n"
    return text[len(prefix) :] if heading_path and text.startswith(prefix) else text


def _first_question(phrasings: str) -> str:
    """The first phrasing of a section that reads as a full question, for "See also"."""
    lines = [line.strip() for line in phrasings.splitlines() if line.strip()]
    full = [line for line in lines if line.endswith("?") and len(line.split()) >= 4]
    return (full or lines or [""])[0]


def fit_classifier(
    ids: list[str],
    text_vectors: np.ndarray,
    phrasing_parent: np.ndarray,
    phrasing_matrix: np.ndarray,
    outside: OutOfScopeBank,
) -> SectionClassifier:
    """The classifier over sections (each text, then its phrasings) and out-of-scope kinds."""
    rows: list[np.ndarray] = []
    targets: list[str] = []
    for n, chunk_id in enumerate(ids):
        mine = phrasing_matrix[phrasing_parent == n]
        rows += [text_vectors[n : n + 1], mine]
        targets += [chunk_id] * (1 + len(mine))
    if outside.kinds:
        rows.append(outside.vectors)
        targets += [OUT_OF_SCOPE_LABEL + kind for kind in outside.kinds]
    vectors = np.vstack(rows) if rows else np.zeros((0, 0), dtype=np.float32)
    return SectionClassifier(vectors, targets)


class HybridRetriever:
    """Searches the store densely and lexically and fuses the evidence into one ranking.

    The lexical index, the term weights and a copy of every section's and phrasing's
    vector (to score candidates found one way but not the other) are built from the
    store by ``refresh``; call it after an ingest.
    """

    def __init__(self, index: VectorIndex, embeddings: QueryEmbedder) -> None:
        self._index = index
        self._embeddings = embeddings
        self._lock = threading.Lock()
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._texts: dict[str, str] = {}
        self._metadata: dict[str, dict[str, str]] = {}
        self._tokens: dict[str, frozenset[str]] = {}
        self._text_vectors = np.zeros((0, 0), dtype=np.float32)
        # Every phrasing's vector in one matrix, with the position of its section.
        self._phrasing_matrix = np.zeros((0, 0), dtype=np.float32)
        self._phrasing_parent = np.zeros(0, dtype=np.int64)
        self._outside = OutOfScopeBank.empty()
        self._bm25: BM25Okapi | None = None
        self._idf: dict[str, float] = {}
        self._unknown_idf = 0.0
        self._headings: dict[str, tuple[frozenset[str], bool]] = {}
        self._classifier = SectionClassifier(np.zeros((0, 0), dtype=np.float32), [])
        self.refresh()

    @property
    def size(self) -> int:
        """How many sections the index holds."""
        return len(self._ids)

    def refresh(self) -> None:
        """Reload the lexical index and the vectors from the store."""
        sections = list(self._index.sections())
        ids = [s.chunk_id for s in sections]
        texts = {s.chunk_id: s.text for s in sections}
        metadata = {s.chunk_id: dict(s.metadata) for s in sections}
        position = {i: n for n, i in enumerate(ids)}
        # Two-dimensional even when empty: an empty store, or sections without phrasings
        # (an organisation's own playbooks), must still fit and search.
        width = len(sections[0].vector) if sections else 0
        text_vectors = np.asarray([s.vector for s in sections], dtype=np.float32)
        text_vectors = text_vectors.reshape(len(sections), width)
        # Grouped by section, in the sections' order (the classifier is fitted on them so).
        stored = [p for p in self._index.phrasings() if p.parent in position]
        asked = sorted(((position[p.parent], p.vector) for p in stored), key=lambda row: row[0])
        parent = np.asarray([n for n, _ in asked], dtype=np.int64)
        matrix = np.asarray([v for _, v in asked], dtype=np.float32).reshape(len(asked), width)
        outside = OutOfScopeBank.of(list(self._index.out_of_scope()))
        classifier = fit_classifier(ids, text_vectors, parent, matrix, outside)
        words = {i: tokenize(f"{texts[i]}\n{metadata[i].get('questions', '')}") for i in ids}
        bm25 = BM25Okapi([words[i] or ["\0"] for i in ids]) if ids else None
        tokens = {i: frozenset(w) for i, w in words.items()}
        frequency: dict[str, int] = {}
        for distinct in tokens.values():
            for word in distinct:
                frequency[word] = frequency.get(word, 0) + 1
        count = len(ids)
        idf = {w: math.log((count + 1) / (n + 0.5)) for w, n in frequency.items()}
        headings = {i: heading_terms(metadata[i]) for i in ids}
        with self._lock:
            self._ids, self._texts, self._metadata = ids, texts, metadata
            self._position, self._text_vectors = position, text_vectors
            self._tokens, self._bm25, self._headings = tokens, bm25, headings
            self._idf, self._unknown_idf = idf, math.log((count + 1) / 0.5)
            self._classifier = classifier
            self._phrasing_matrix, self._phrasing_parent = matrix, parent
            self._outside = outside

    def known_terms(self, text: str) -> set[str]:
        """The words of ``text`` (as stems, stopwords aside) that the knowledge base uses."""
        return {term for term in tokenize(text) if term in self._idf}

    def search(self, query: str, k: int = 6) -> Retrieval:
        """The ``k`` best sections for ``query``, best first, and the nearest out-of-scope."""
        if not self._ids or not query.strip():
            return Retrieval(query, ())
        vector = self._embeddings.embed_query(query)
        query_vector = np.asarray(vector, dtype=np.float32)
        # Every section's two cosines at once: its text's, and its nearest phrasing's
        # (-1 without phrasings). The vectors are in memory for the classifier anyway.
        text_similarity = self._text_vectors @ query_vector
        phrasing_similarity = np.full(len(self._ids), -1.0, dtype=np.float32)
        if len(self._phrasing_parent):
            np.maximum.at(
                phrasing_similarity, self._phrasing_parent, self._phrasing_matrix @ query_vector
            )
        # Dense candidates: by the sections' own texts (the store's query), and by their
        # nearest phrasings.
        found = {n.record_id for n in self._index.nearest_sections(vector, SECTION_CANDIDATES)}
        by_phrasing = np.argsort(-phrasing_similarity)[:PHRASING_CANDIDATES]
        found |= {self._ids[int(n)] for n in by_phrasing if phrasing_similarity[int(n)] > -1.0}
        terms = tokenize(query)
        lexical = self._lexical(terms)
        probability = self._classifier.probabilities(query_vector)
        likely = sorted(probability, key=lambda label: -probability[label])[:CLASSIFIER_CANDIDATES]
        found = {i for i in found | set(lexical) | set(likely) if i in self._position}
        best_lexical = max(lexical.values(), default=0.0) or 1.0
        query_terms = frozenset(terms)
        scored = []
        for chunk_id in found:
            n = self._position[chunk_id]
            evidence = Evidence(
                text_similarity=float(text_similarity[n]),
                phrasing_similarity=float(phrasing_similarity[n]),
                bm25=lexical.get(chunk_id, 0.0) / best_lexical,
                share=self._share(terms, self._tokens[chunk_id]),
                probability=probability.get(chunk_id, 0.0),
            )
            headings, is_intro = self._headings[chunk_id]
            score = rank_score(evidence, query_terms, headings, is_intro)
            scored.append((score, chunk_id, evidence))
        scored.sort(key=lambda item: (-item[0], self._position[item[1]]))
        kept = drop_near_duplicates(
            [chunk_id for _, chunk_id, _ in scored], self._tokens, limit=k
        )
        by_id = {chunk_id: (score, evidence) for score, chunk_id, evidence in scored}
        candidates = tuple(self._passage(i, *by_id[i]) for i in kept)
        return Retrieval(query, candidates, self._outside.nearest(query_vector))

    def _share(self, terms: list[str], section_tokens: frozenset[str]) -> float:
        """The share of the question's term weight (idf) that the section contains."""
        wanted = set(terms)
        if not wanted:
            return 0.0
        present = wanted & section_tokens
        total = sum(self._idf.get(t, self._unknown_idf) for t in wanted)
        return sum(self._idf[t] for t in present) / total if total > 0 else 0.0

    def _passage(self, chunk_id: str, score: float, evidence: Evidence) -> Passage:
        meta = self._metadata.get(chunk_id, {})
        heading_path = str(meta.get("heading_path", ""))
        return Passage(
            chunk_id=chunk_id,
            body=_body_of(self._texts.get(chunk_id, ""), heading_path),
            title=str(meta.get("title", "")),
            section=str(meta.get("section", "")),
            source=str(meta.get("source", "")),
            heading_path=heading_path,
            similarity=evidence.similarity,
            score=score,
            lexical=evidence.share,
            ask=_first_question(str(meta.get("questions", ""))),
        )

    def _lexical(self, terms: list[str]) -> dict[str, float]:
        """Raw BM25 scores of the sections that share a term with the query."""
        if self._bm25 is None or not terms:
            return {}
        scores = self._bm25.get_scores(terms)
        order = np.argsort(-scores)[:SECTION_CANDIDATES]
        return {self._ids[int(i)]: float(scores[int(i)]) for i in order if scores[int(i)] > 0}
