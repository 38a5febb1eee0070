"""The default answerer: hybrid retrieval plus extractive composition, no LLM needed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from bot.answering.compose import compose, relevant_passages
from bot.answering.retrieval import Passage
from bot.answering.vocabulary import Vocabulary
from bot.messages import AnswerReply, Source
from knowledge import KNOWLEDGE_ROOT


class Retriever(Protocol):
    """What the answerer needs from retrieval."""

    def search(self, query: str, k: int = 4) -> list[Passage]:
        """The best passages for ``query``, best first."""
        ...


@dataclass(frozen=True)
class UiText:
    """The advisor's own words for the cases that are not answers."""

    not_covered: str
    suggestions: tuple[str, ...]
    empty_question: str


def load_ui_text(path: Path = KNOWLEDGE_ROOT / "ui.yaml") -> UiText:
    """Read the advisor's own words from the knowledge folder."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return UiText(
        not_covered=str(data["not_covered"]).strip(),
        suggestions=tuple(str(s) for s in data.get("suggestions", ())),
        empty_question=str(data.get("empty_question", "")).strip(),
    )


def answer_id(question: str, text: str) -> str:
    """A stable id for an answer, used to tie feedback to it."""
    return hashlib.sha256(f"{question}\0{text}".encode()).hexdigest()[:16]


def to_sources(passages: tuple[Passage, ...] | list[Passage]) -> tuple[Source, ...]:
    """Number cited passages as the sources shown to users."""
    return tuple(
        Source(n, p.title, p.section or p.title, p.source, round(p.similarity, 4))
        for n, p in enumerate(passages, 1)
    )


class ExtractiveAnswerer:
    """Answers from the best passages; says "not covered" when nothing is relevant."""

    def __init__(
        self,
        retriever: Retriever,
        min_relevance: float,
        ui: UiText | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self._retriever = retriever
        self._min_relevance = min_relevance
        self.ui = ui or load_ui_text()
        self._vocabulary = vocabulary or Vocabulary.load()

    def expand(self, question: str) -> str:
        """The search query for a question: its words plus the knowledge base's terms."""
        return self._vocabulary.expand(question)

    def retrieve(self, query: str) -> list[Passage]:
        """The passages relevant enough to answer ``query`` (empty when not covered)."""
        return relevant_passages(self._retriever.search(query, k=6), self._min_relevance)

    def compose_reply(self, question: str, query: str, passages: list[Passage]) -> AnswerReply:
        """The extractive answer to ``question`` from ``passages`` (not covered if none)."""
        composition = compose(query, passages)
        if not composition.text:
            return self.not_covered(question)
        return AnswerReply(
            question=question,
            text=composition.text,
            covered=True,
            sources=to_sources(composition.cited),
            mode="extractive",
            answer_id=answer_id(question, composition.text),
        )

    def not_covered(self, question: str) -> AnswerReply:
        """The plain "not covered" answer, with what to ask instead."""
        tips = "\n".join(f"- {s}" for s in self.ui.suggestions)
        text = f"{self.ui.not_covered}\nYou could ask:\n{tips}" if tips else self.ui.not_covered
        return AnswerReply(question, text, False, (), "extractive", answer_id(question, text))

    def answer(self, question: str, retrieval_query: str | None = None) -> AnswerReply:
        """Answer ``question``; ``retrieval_query`` may widen what is searched (follow-ups)."""
        question = question.strip()
        if not question:
            return AnswerReply(question, self.ui.empty_question, False)
        query = self.expand(retrieval_query or question)
        return self.compose_reply(question, query, self.retrieve(query))
