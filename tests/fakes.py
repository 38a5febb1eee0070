"""Fakes for the core's ports, each driven by a handler function.

Like httpx's ``MockTransport``, a fake is built with a function that decides its
answer, so a test says what the outside world does in one place and the fake does
the plumbing:

- ``FakeRetriever(handler)``: the answerers' ``Retriever``; ``handler(query, k)``
  returns the ``Retrieval`` (``by_keyword`` builds a handler from keyword -> passage).
- ``FakeEmbeddings(handler)``: LangChain ``Embeddings`` (the ``QueryEmbedder`` port);
  ``handler(text)`` returns the vector (``bag_of_words`` builds one from a word list).
- ``MemoryIndex(embeddings)``: the vector store's ``VectorIndex`` held in lists, for
  the real ``HybridRetriever`` without Chroma.
- ``FakeChatModel(handler=...)``: a LangChain chat model; ``handler(messages)``
  returns the reply's text or its streamed chunks, or raises as a failing model would.

Every fake records what it was asked (``queries``, ``texts``, ``calls``).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

from langchain_core.callbacks import AsyncCallbackManagerForLLMRun, CallbackManagerForLLMRun
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from bot.answering.passages import Passage
from bot.answering.retrieval import OutOfScopeMatch, Retrieval
from bot.answering.text import tokenize
from bot.ports import Neighbour, StoredPhrasing, StoredSection

# --- retrieval -------------------------------------------------------------------------

SearchHandler = Callable[[str, int], Retrieval]
"""``(query, k) -> Retrieval``: what a search for ``query`` finds."""


def passage(
    heading: str,
    body: str,
    *,
    similarity: float = 0.8,
    title: str = "Scaling AI",
    source: str = "guidance/scaling-ai.md",
    ask: str = "",
) -> Passage:
    """A retrieved section named ``title > heading``, with ``similarity`` as its score too."""
    return Passage(
        chunk_id=f"{source}#{heading}",
        body=body,
        title=title,
        section=heading,
        source=source,
        heading_path=f"{title} > {heading}",
        similarity=similarity,
        score=similarity,
        ask=ask or f"What about {heading.lower()}?",
    )


def by_keyword(
    sections: Mapping[str, Passage], out_of_scope: OutOfScopeMatch | None = None
) -> SearchHandler:
    """A handler finding each passage whose keyword is in the query, in the mapping's order.

    A query with none of the keywords finds nothing (the answer is "not covered").
    """

    def search(query: str, k: int) -> Retrieval:
        found = tuple(p for word, p in sections.items() if word.lower() in query.lower())
        return Retrieval(query, found[:k], out_of_scope or OutOfScopeMatch())

    return search


class FakeRetriever:
    """The ``Retriever`` of ``bot.answering.extractive``, answering through ``handler``.

    ``terms`` gives ``known_terms`` (the words the knowledge base uses, which decide
    whether a message is a follow-up); by default every content word is known.
    """

    def __init__(
        self, handler: SearchHandler, terms: Callable[[str], set[str]] | None = None
    ) -> None:
        self.handler = handler
        self._terms = terms or (lambda text: set(tokenize(text)))
        self.queries: list[str] = []

    def search(self, query: str, k: int = 6) -> Retrieval:
        """What ``handler`` finds for ``query`` (recorded in ``queries``)."""
        self.queries.append(query)
        return self.handler(query, k)

    def known_terms(self, text: str) -> set[str]:
        """The words of ``text`` the fake knowledge base uses."""
        return self._terms(text)


# --- embeddings and the vector index ----------------------------------------------------

EmbedHandler = Callable[[str], Sequence[float]]
"""``text -> vector``."""


def bag_of_words(words: Sequence[str]) -> EmbedHandler:
    """A handler embedding text as the unit vector of how often it uses each of ``words``.

    Words are compared as ``tokenize`` stems; a text using none of them gets a vector
    of its own (the last dimension), dissimilar to every text that uses some.
    """
    stems = [tokenize(word)[0] for word in words]

    def embed(text: str) -> list[float]:
        tokens = tokenize(text)
        counts = [float(tokens.count(s)) for s in stems]
        vector = counts + [0.0 if any(counts) else 1.0]
        norm = math.sqrt(sum(x * x for x in vector))
        return [x / norm for x in vector]

    return embed


class FakeEmbeddings(Embeddings):
    """LangChain ``Embeddings`` whose vectors come from ``handler`` (texts kept in ``texts``)."""

    def __init__(self, handler: EmbedHandler) -> None:
        self.handler = handler
        self.texts: list[str] = []

    def embed_query(self, text: str) -> list[float]:
        """The vector of one query."""
        self.texts.append(text)
        return [float(x) for x in self.handler(text)]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """The vectors of several documents."""
        return [self.embed_query(text) for text in texts]


class MemoryIndex:
    """A ``VectorIndex`` held in lists; records are embedded by ``embeddings`` when added."""

    def __init__(self, embeddings: Embeddings) -> None:
        self._embeddings = embeddings
        self._sections: list[StoredSection] = []
        self._phrasings: list[StoredPhrasing] = []
        self._out_of_scope: list[StoredPhrasing] = []

    def _vector(self, text: str) -> tuple[float, ...]:
        return tuple(self._embeddings.embed_query(text))

    def add_section(
        self,
        title: str,
        heading: str,
        body: str,
        questions: Sequence[str] = (),
        source: str = "guidance/scaling-ai.md",
    ) -> str:
        """Store a section and its phrasings as ingest would; returns its id."""
        chunk_id = f"{source}#{heading}"
        heading_path = f"{title} > {heading}"
        text = f"{heading_path}\n\n{body}"
        metadata = {
            "title": title,
            "section": heading,
            "source": source,
            "heading_path": heading_path,
            "questions": "\n".join(questions),
        }
        self._sections.append(StoredSection(chunk_id, text, metadata, self._vector(text)))
        self._phrasings += [
            StoredPhrasing(f"{chunk_id}/q{n}", chunk_id, q, self._vector(q))
            for n, q in enumerate(questions)
        ]
        return chunk_id

    def add_out_of_scope(self, kind: str, question: str) -> None:
        """Store a question the guidance does not answer, of kind ``kind``."""
        n = len(self._out_of_scope)
        self._out_of_scope.append(
            StoredPhrasing(f"out-of-scope/{n}", kind, question, self._vector(question))
        )

    def sections(self) -> Iterable[StoredSection]:
        """Every section, with its vector."""
        return list(self._sections)

    def phrasings(self) -> Iterable[StoredPhrasing]:
        """Every phrasing of a section, with its vector."""
        return list(self._phrasings)

    def out_of_scope(self) -> Iterable[StoredPhrasing]:
        """Every out-of-scope question, with its vector."""
        return list(self._out_of_scope)

    def nearest_sections(self, vector: list[float], n: int) -> Iterable[Neighbour]:
        """The ``n`` sections whose own text is nearest to ``vector`` (unit vectors)."""
        scored = [
            Neighbour(
                s.chunk_id, "", s.text, sum(a * b for a, b in zip(s.vector, vector, strict=True))
            )
            for s in self._sections
        ]
        return sorted(scored, key=lambda neighbour: -neighbour.similarity)[:n]


# --- the chat model ---------------------------------------------------------------------

ChatHandler = Callable[[list[BaseMessage]], str | Iterable[str]]
"""``messages -> reply``: the whole text, or the chunks a stream sends, in order.

Raising (before or while yielding chunks) is the model failing: at once, or mid-stream.
"""


class FakeChatModel(BaseChatModel):
    """A LangChain chat model whose replies come from ``handler``; calls kept in ``calls``.

    ``ainvoke`` and ``invoke`` answer with the chunks joined; ``astream`` sends them one
    by one, yielding to the event loop between chunks as a network read would.
    """

    handler: ChatHandler
    calls: list[list[BaseMessage]] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "fake-handler"

    def _chunks(self, messages: list[BaseMessage]) -> Iterator[str]:
        self.calls.append(list(messages))
        reply = self.handler(messages)
        yield from ([reply] if isinstance(reply, str) else reply)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(self._chunks(messages))
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        for chunk in self._chunks(messages):
            yield ChatGenerationChunk(message=AIMessageChunk(content=chunk))
            await asyncio.sleep(0)
