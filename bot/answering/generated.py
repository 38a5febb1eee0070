"""Generated answers: retrieve, prompt a chat model, map its citations, fall back safely.

The model is only asked when retrieval found something relevant; otherwise the user
gets the same "not covered" answer as in extractive mode. Any failure of the model
(timeout, refused connection, 429, 5xx, an empty or malformed reply) gives the
extractive answer over the same passages, with a short note.

One deadline (``LLM_TIMEOUT``) covers a whole answer, a follow-up's rewrite included,
whatever the model does: a slow start, a slow dribble, a stream that never ends. The
stream is read up to ``MAX_ANSWER_CHARS``. While it streams, the answer so far is mapped
and checked by the output guard only when it is about to be shown (at most every
``PARTIAL_INTERVAL``), off the event loop; a partial the guard blocks is never shown:
the stream is closed and the user gets the refusal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace

from bot.answering.citations import (
    CitedAnswer,
    map_citations,
    map_partial_citations,
    strip_open_citation,
)
from bot.answering.extractive import (
    ExtractiveAnswerer,
    answer_id,
    answer_passages,
    covered_reply,
)
from bot.answering.guard import leaks, looks_like_injection
from bot.answering.passages import Passage
from bot.answering.prompt import Prompts, answer_messages, rewrite_messages
from bot.answering.providers import error_kind, error_summary
from bot.messages import AnswerReply, PartialCallback
from bot.ports import ChatModel

log = logging.getLogger("scale_advisor.generation")

MAX_REWRITE_CHARS = 400
# The prompt asks for under 1,200 characters; a model that runs on is cut here, so no
# reply (Slack message, Teams card, console body) grows with what the model sends.
MAX_ANSWER_CHARS = 4000
# Partials are mapped and guarded only this often: a fast stream sends hundreds of chunks
# a second, and Slack shows a draft about once a second anyway.
PARTIAL_INTERVAL = 0.25
CUT_MARK = " \u2026"  # ends an answer cut at MAX_ANSWER_CHARS


class GeneratorFailed(Exception):
    """The model gave nothing usable."""


class Blocked(Exception):
    """The output guard stopped the answer: it repeats the instructions."""


class GenerativeAnswerer:
    """Answers with a chat model over the retrieved passages, cited as [n]."""

    def __init__(
        self,
        extractive: ExtractiveAnswerer,
        model: ChatModel,
        timeout: float,
        prompts: Prompts | None = None,
        on_fallback: Callable[[str], None] | None = None,
    ) -> None:
        self._extractive = extractive
        self._model = model
        self._timeout = timeout
        self._prompts = prompts or Prompts.load()
        self._on_fallback = on_fallback or (lambda cause: None)

    def deadline(self) -> float:
        """When an answer begun now must be given, in event-loop time (``LLM_TIMEOUT``)."""
        return asyncio.get_running_loop().time() + self._timeout

    async def standalone_question(
        self, question: str, turns: list[tuple[str, str]], deadline: float | None = None
    ) -> str:
        """The follow-up rewritten from the recent turns ("" if the model could not).

        ``deadline`` (from ``deadline()``) is shared with the answer that follows, so the
        rewrite and the answer together take at most one ``LLM_TIMEOUT``.
        """
        try:
            async with asyncio.timeout_at(self.deadline() if deadline is None else deadline):
                result = await self._model.ainvoke(rewrite_messages(self._prompts, question, turns))
            rewritten = str(getattr(result, "content", "")).strip().splitlines()
        except Exception as error:  # noqa: BLE001 - any failure means: no rewrite
            # Type and status only: a provider's message quotes the request, the user's words.
            log.warning("question rewrite failed (%s)", error_summary(error))
            return ""
        return rewritten[0].strip()[:MAX_REWRITE_CHARS] if rewritten else ""

    async def answer(
        self,
        question: str,
        standalone: str | None = None,
        retrieval_query: str | None = None,
        on_partial: PartialCallback | None = None,
        deadline: float | None = None,
    ) -> AnswerReply:
        """Answer ``question``.

        Args:
            question: What the user typed.
            standalone: The question rewritten to stand on its own (a follow-up); it is
                what the model answers and what is searched.
            retrieval_query: What to search instead, when there is no rewrite.
            on_partial: Called with the answer so far while the model streams it (only
                text the output guard lets through).
            deadline: When the answer must be given (``deadline()``); by default one
                ``LLM_TIMEOUT`` from now. Past it, the extractive answer is given.

        """
        deadline = self.deadline() if deadline is None else deadline
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
            cited = await self._generate(standalone or question, passages, on_partial, deadline)
        except Blocked:
            return self._refusal(question)
        except Exception as error:  # noqa: BLE001 - every failure degrades the same way
            # Type and status only: a provider's message quotes the request, the user's words.
            log.warning("generator unavailable, answering extractively (%s)", error_summary(error))
            self._on_fallback(error_kind(error))
            fallback = self._extractive.compose_reply(question, explanation.retrieval)
            return replace(fallback, note=self._prompts.unavailable_note)
        return covered_reply(question, cited.text, cited.cited, explanation.retrieval, "generated")

    def _refusal(self, question: str) -> AnswerReply:
        """The advisor's own refusal: nothing from the prompt or the passages."""
        text = self._prompts.refusal
        return AnswerReply(question, text, False, (), "generated", answer_id(question, text))

    async def _generate(
        self,
        question: str,
        passages: list[Passage],
        on_partial: PartialCallback | None,
        deadline: float,
    ) -> CitedAnswer:
        loop = asyncio.get_running_loop()
        pieces: list[str] = []
        length = shown_length = 0
        shown_at = float("-inf")
        stream = self._model.astream(answer_messages(self._prompts, question, passages))
        # Leaving the block closes the stream, and with it the connection: once the answer
        # is long enough, blocked or late, nothing more is read. (LangChain's streams are
        # async generators, typed as mere iterators: closed when they can be.)
        async with contextlib.AsyncExitStack() as closing:
            close = getattr(stream, "aclose", None)
            if close is not None:
                closing.push_async_callback(close)
            while length < MAX_ANSWER_CHARS:
                # Checked here too: a stream whose data is always ready never lets a timer run.
                if loop.time() >= deadline:
                    raise TimeoutError
                # Only the read is timed out: a Slack draft being posted is never cut off
                # half-way (its message would be left behind, unknown to the draft).
                async with asyncio.timeout_at(deadline):
                    chunk = await anext(stream, None)
                if chunk is None:
                    break
                content = getattr(chunk, "content", "")
                if not isinstance(content, str):
                    raise GeneratorFailed(f"unexpected content type {type(content).__name__}")
                pieces.append(content[: MAX_ANSWER_CHARS - length])
                length += len(pieces[-1])
                if (
                    on_partial is not None
                    and length > shown_length
                    and loop.time() - shown_at >= PARTIAL_INTERVAL
                ):
                    partial = await asyncio.to_thread(self._partial, "".join(pieces), passages)
                    shown_at, shown_length = loop.time(), length
                    await on_partial(partial)
        text = "".join(pieces)
        if length >= MAX_ANSWER_CHARS:
            log.info("generated answer cut at %d characters", MAX_ANSWER_CHARS)
            text = _cut(text)
        if not text.strip():
            raise GeneratorFailed("empty reply")
        return await asyncio.to_thread(self._final, text, passages)

    def _partial(self, text: str, passages: list[Passage]) -> str:
        """The answer so far as it would be shown; ``Blocked`` if the guard stops it."""
        shown = map_partial_citations(text, passages)
        if leaks(shown, self._prompts.system):
            raise Blocked
        return shown

    def _final(self, text: str, passages: list[Passage]) -> CitedAnswer:
        """The whole answer, cited; ``Blocked`` if the guard stops it."""
        cited = map_citations(text, passages)
        if leaks(cited.text, self._prompts.system):
            raise Blocked
        return cited


def _cut(text: str) -> str:
    """An answer cut at the cap, ended at a word and marked as cut."""
    space = text.rfind(" ", len(text) - 200)
    kept = text[:space] if space > 0 else text
    return strip_open_citation(kept).rstrip() + CUT_MARK
