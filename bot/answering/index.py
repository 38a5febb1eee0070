"""The port between answering and the vector store: the records and what is asked of it.

``adapters.index.chroma.KnowledgeStore`` implements ``SearchIndex`` over Chroma; tests may
implement it over anything.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class StoredSection:
    """A section (chunk) as the store holds it: its text, metadata and vector."""

    chunk_id: str
    text: str
    metadata: dict[str, str]
    vector: tuple[float, ...] = ()


@dataclass(frozen=True)
class StoredPhrasing:
    """One way users ask for a section (``parent``), or an out-of-scope question's kind."""

    phrasing_id: str
    parent: str
    text: str
    vector: tuple[float, ...] = ()


@dataclass(frozen=True)
class Neighbour:
    """A stored record near a query vector, with its cosine similarity to it."""

    record_id: str
    parent: str  # a phrasing's section id, or an out-of-scope question's kind
    text: str
    similarity: float


class SearchIndex(Protocol):
    """What retrieval needs from the vector store (``adapters.index.chroma.KnowledgeStore``)."""

    def sections(self) -> Iterable[StoredSection]:
        """Every section, with its vector."""
        ...

    def phrasings(self) -> Iterable[StoredPhrasing]:
        """Every user phrasing of a section, with its vector."""
        ...

    def out_of_scope(self) -> Iterable[StoredPhrasing]:
        """Every out-of-scope question (``parent``: its kind), with its vector."""
        ...

    def nearest_sections(self, vector: list[float], n: int) -> Iterable[Neighbour]:
        """The sections nearest to ``vector`` by their own text."""
        ...




