"""The default answerer: hybrid retrieval, the coverage rule and extractive composition."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import yaml

from bot.answering.compose import compose
from bot.answering.coverage import Coverage, CoverageRule, decide
from bot.answering.passages import Passage
from bot.answering.retrieval import Retrieval
from bot.answering.vocabulary import Vocabulary
from bot.messages import AnswerReply, Related, Source
from bot.user_text import MAX_MESSAGE_CHARS
from knowledge import KNOWLEDGE_ROOT

# Sections searched per question: the answer's, what may add to it, and "See also".
CANDIDATES = 8
# A candidate scoring this far below the best answers something else: it is not given
# to the composition or the model (it may still be offered under "See also").
ANSWER_MARGIN = 0.15
MAX_PASSAGES = 3
# "See also": up to this many further sections, each at least this similar.
MAX_RELATED = 3
RELATED_MIN_SIMILARITY = 0.35


class Retriever(Protocol):
    """What the answerer needs from retrieval."""

    def search(self, query: str, k: int = 6) -> Retrieval:
        """The best sections for ``query``, best first, with the out-of-scope evidence."""
        ...

    def known_terms(self, text: str) -> set[str]:
        """The words of ``text`` that the knowledge base uses."""
        ...


@dataclass(frozen=True)
class UiText:
    """The advisor's own words for the cases that are not answers."""

    not_covered: str
    suggestions: tuple[str, ...]
    empty_question: str
    too_long: str  # the reply to a message past MAX_MESSAGE_CHARS


def load_ui_text(path: Path = KNOWLEDGE_ROOT / "ui.yaml") -> UiText:
    """Read the advisor's own words from the knowledge folder."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return UiText(
        not_covered=str(data["not_covered"]).strip(),
        suggestions=tuple(str(s) for s in data.get("suggestions", ())),
        empty_question=str(data.get("empty_question", "")).strip(),
        too_long=str(data["too_long"]).strip().format(limit=f"{MAX_MESSAGE_CHARS:,}"),
    )


def answer_id(question: str, text: str) -> str:
    """A stable id for an answer, used to tie feedback to it."""
    return hashlib.sha256(f"{question}\0{text}".encode()).hexdigest()[:16]


def to_sources(passages: Sequence[Passage]) -> tuple[Source, ...]:
    """Number cited passages as the sources shown to users."""
    return tuple(
        Source(n, p.title, p.section or p.title, p.source, round(p.similarity, 4))
        for n, p in enumerate(passages, 1)
    )


def related_sections(retrieval: Retrieval, cited: Sequence[Passage]) -> tuple[Related, ...]:
    """The next sections worth a look, after those the answer cites ("See also")."""
    shown = {p.chunk_id for p in cited}
    related = [
        Related(p.heading_path, p.ask or f"Tell me about {p.heading.lower()}")
        for p in retrieval.candidates
        if p.chunk_id not in shown and p.similarity >= RELATED_MIN_SIMILARITY
    ]
    return tuple(related[:MAX_RELATED])


def covered_reply(
    question: str, text: str, cited: Sequence[Passage], retrieval: Retrieval, mode: str
) -> AnswerReply:
    """A covered answer: its text, the sources it cites and the sections to see next."""
    return AnswerReply(
        question=question,
        text=text,
        covered=True,
        sources=to_sources(cited),
        mode=mode,
        answer_id=answer_id(question, text),
        related=related_sections(retrieval, cited),
    )


def answer_passages(retrieval: Retrieval) -> list[Passage]:
    """The candidates an answer is made from: the best, and those scoring near it."""
    best = retrieval.best
    if best is None:
        return []
    return [p for p in retrieval.candidates if p.score >= best.score - ANSWER_MARGIN][
        :MAX_PASSAGES
    ]


@dataclass(frozen=True)
class Explanation:
    """Why a question is answered the way it is, for the people who curate the guidance."""

    question: str
    query: str  # what was searched: the question, its follow-up topic, the vocabulary's terms
    retrieval: Retrieval
    coverage: Coverage


class ExtractiveAnswerer:
    """Answers from the best section; says "not covered" when the rule says so."""

    def __init__(
        self,
        retriever: Retriever,
        rule: CoverageRule | None = None,
        ui: UiText | None = None,
        vocabulary: Vocabulary | None = None,
    ) -> None:
        self._retriever = retriever
        self.rule = rule or CoverageRule()
        self.ui = ui or load_ui_text()
        self._vocabulary = vocabulary or Vocabulary.load()

    def topic_words(self, question: str) -> set[str]:
        """The question's own topic words: those the knowledge base uses (for follow-ups)."""
        return self._retriever.known_terms(question)

    def expand(self, question: str) -> str:
        """The search query for a question: its words plus the knowledge base's terms."""
        return self._vocabulary.expand(question)

    def explain(self, question: str, retrieval_query: str | None = None) -> Explanation:
        """Search for ``question`` and decide whether it is covered, keeping the evidence."""
        query = self.expand(retrieval_query or question)
        retrieval = self._retriever.search(query, k=CANDIDATES)
        return Explanation(question, query, retrieval, decide(retrieval, self.rule))

    def compose_reply(self, question: str, retrieval: Retrieval) -> AnswerReply:
        """The extractive answer to ``question`` from a covered search."""
        composition = compose(question, answer_passages(retrieval))
        if not composition.text:
            return self.not_covered(question)
        return covered_reply(
            question, composition.text, composition.cited, retrieval, "extractive"
        )

    def reply_to(self, explanation: Explanation) -> AnswerReply:
        """The answer an explained question gets: composed if covered, else "not covered"."""
        if not explanation.coverage.covered:
            return self.not_covered(explanation.question)
        return self.compose_reply(explanation.question, explanation.retrieval)

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
        return self.reply_to(self.explain(question, retrieval_query))
