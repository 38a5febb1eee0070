"""Generated answers: retrieve, prompt a chat model, map its citations, fall back safely.

The model is only asked when retrieval found something relevant; otherwise the user
gets the same "not covered" answer as in extractive mode. Any failure of the model
(timeout, refused connection, 429, 5xx, an empty or malformed reply) gives the
extractive answer over the same passages, with a short note.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from bot.answering.citations import map_citations
from bot.answering.extractive import (
    ExtractiveAnswerer,
    answer_id,
    answer_passages,
    covered_reply,
)
from bot.answering.passages import Passage
from bot.answering.prompt import (
    Prompts,
    answer_messages,
    leaks,
    looks_like_injection,
    rewrite_messages,
)
from bot.messages import AnswerReply

log = logging.getLogger("scale_advisor.generation")

PartialCallback = Callable[[str], Awaitable[None]]
MAX_REWRITE_CHARS = 400


class GeneratorFailed(Exception):
    """The model gave nothing usable."""


class GenerativeAnswerer:
    """Answers with a chat model over the retrieved passages, cited as [n]."""

    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        model: Any,
        timeout: float,
        prompts: Prompts | None = None,
        on_fallback: Callable[[str], None] | None = None,
    ) -> None:
        self._extractive = extractive
        self._model = model
        self._timeout = timeout
        self._prompts = prompts or Prompts.load()
        self._on_fallback = on_fallback or (lambda cause: None)

    async def standalone_question(self, question: str, turns: list[tuple[str, str]]) -> str:
        """The follow-up rewritten from the recent turns ("" if the model could not)."""
        try:
            result = await asyncio.wait_for(
                self._model.ainvoke(rewrite_messages(self._prompts, question, turns)), self._timeout
            )
            rewritten = str(getattr(result, "content", "")).strip().splitlines()
        except Exception as error:  # noqa: BLE001 - any failure means: no rewrite
            log.warning("question rewrite failed (%s: %s)", type(error).__name__, error)
            return ""
        return rewritten[0].strip()[:MAX_REWRITE_CHARS] if rewritten else ""

    async def answer(
        self,
        question: str,
        standalone: str | None = None,
        retrieval_query: str | None = None,
        on_partial: PartialCallback | None = None,
    ) -> AnswerReply:
        """Answer ``question``.

        Args:
            question: What the user typed.
            standalone: The question rewritten to stand on its own (a follow-up); it is
                what the model answers and what is searched.
            retrieval_query: What to search instead, when there is no rewrite.
            on_partial: Called with the answer so far while the model streams it.

        """
        question = question.strip()
        if not question:
            return self._extractive.answer("")
        if looks_like_injection(question):
            return self._refusal(question)
        explanation = await asyncio.to_thread(
            self._extractive.explain, question, standalone or retrieval_query
        )
        if not explanation.coverage.covered:
            return self._extractive.not_covered(question)  # the model is not asked
        passages = answer_passages(explanation.retrieval)
        try:
            text = await asyncio.wait_for(
                self._generate(standalone or question, passages, on_partial), self._timeout
            )
        except Exception as error:  # noqa: BLE001 - every failure degrades the same way
            cause = "timeout" if isinstance(error, TimeoutError) else type(error).__name__
            log.warning("generator unavailable, answering extractively (%s: %s)", cause, error)
            self._on_fallback(cause)
            fallback = self._extractive.compose_reply(question, explanation.retrieval)
            return replace(fallback, note=self._prompts.unavailable_note)
        if leaks(text, self._prompts.system):
            return self._refusal(question)
        cited = map_citations(text, passages)
        return covered_reply(question, cited.text, cited.cited, explanation.retrieval, "generated")

    def _refusal(self, question: str) -> AnswerReply:
        """The advisor's own refusal: nothing from the prompt or the passages."""
        text = self._prompts.refusal
        return AnswerReply(question, text, False, (), "generated", answer_id(question, text))

    async def _generate(
        self, question: str, passages: list[Passage], on_partial: PartialCallback | None
    ) -> str:
        messages = answer_messages(self._prompts, question, passages)
        text = ""
        async for chunk in self._model.astream(messages):
            content = getattr(chunk, "content", "")
            if not isinstance(content, str):
                raise GeneratorFailed(f"unexpected content type {type(content).__name__}")
            text += content
            if on_partial is not None and content:
                await on_partial(map_citations(text, passages).text)
        if not text.strip():
            raise GeneratorFailed("empty reply")
        return text
