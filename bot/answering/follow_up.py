"""Follow-ups: when a message leans on the conversation, and how it is answered then.

A message is a follow-up only when it cannot stand alone:

- it has no topic words of its own ("why?", "how long does it take?"): no word the
  knowledge base uses, stopwords aside;
- it opens with an ellipsis ("and for governance?", "what about tier 2?");
- it leans on a pronoun ("does that apply to us?", "who should own it?") and has at
  most ``PRONOUN_TOPIC_WORDS`` topic words of its own to go on.

Anything else is a new question and is answered on its own, whatever came before it
in the thread. A follow-up is searched with the previous question's topic added (or,
with a language model, rewritten from the recent turns into a question that stands
alone).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.messages import AnswerReply

if TYPE_CHECKING:
    from bot.answering.extractive import ExtractiveAnswerer
    from bot.answering.generated import GenerativeAnswerer
    from bot.messages import PartialCallback

_ELLIPSIS = re.compile(
    r"^\W*(and|but|also|or|so|then|plus|same|ok(ay)?\s+and|what\s+about|how\s+about|"
    r"and\s+what\s+about|what\s+if)\b",
    re.IGNORECASE,
)
_PRONOUN = re.compile(r"\b(it|its|that|this|those|these|they|them|their|there)\b", re.IGNORECASE)
# A question that names this many topics of its own stands alone, pronouns or not
# ("how do we move a pilot into production when it has no owner?").
PRONOUN_TOPIC_WORDS = 2

TopicWords = Callable[[str], set[str]]


def is_follow_up(question: str, topic_words: TopicWords) -> bool:
    """Whether ``question`` cannot stand alone (see the module docstring)."""
    topics = topic_words(question)
    if not topics or _ELLIPSIS.search(question):
        return True
    return bool(_PRONOUN.search(question)) and len(topics) <= PRONOUN_TOPIC_WORDS


def follow_up_topic(
    question: str, turns: list[tuple[str, str]], topic_words: TopicWords
) -> str | None:
    """For a follow-up, the question with the previous one's topic added; else None."""
    previous = [text for role, text in turns if role == "user"]
    if previous and is_follow_up(question, topic_words):
        return f"{question} {previous[-1]}"
    return None


async def answer_in_context(
    answerer: ExtractiveAnswerer,
    generator: GenerativeAnswerer | None,
    question: str,
    turns: list[tuple[str, str]],
    on_partial: PartialCallback | None = None,
) -> tuple[AnswerReply, str]:
    """Answer ``question`` after ``turns`` (oldest first) of the same conversation.

    Returns the reply and what to remember as the user's turn: the question with the
    topic it leaned on, so a chain of follow-ups keeps its first topic.
    """
    topic = follow_up_topic(question, turns, answerer.topic_words)
    if generator is None:
        reply = await asyncio.to_thread(answerer.answer, question, topic)
    else:
        # One deadline for the rewrite and the answer: LLM_TIMEOUT bounds what the user waits.
        deadline = generator.deadline()
        standalone = await generator.standalone_question(question, turns, deadline) if topic else ""
        reply = await generator.answer(
            question, standalone or None, topic, on_partial=on_partial, deadline=deadline
        )
    return reply, topic or question
