"""When a message leans on the conversation, and when it stands alone."""

import pytest

from bot.answering.follow_up import follow_up_topic, is_follow_up
from bot.answering.text import tokenize

KNOWN = {
    "model", "registry", "mlop", "level", "2", "governance", "eu", "act", "ai", "pilot",
    "production", "owner", "apply", "tier", "monitor", "long", "take", "move",
}


def topic_words(text: str) -> set[str]:
    return {t for t in tokenize(text) if t in KNOWN}


@pytest.mark.parametrize(
    "question",
    [
        "why?",
        "how long does it take?",
        "and for governance?",
        "what about tier 2?",
        "does that apply to us?",
        "who should own it?",
        "Really?",
    ],
)
def test_messages_that_cannot_stand_alone_are_follow_ups(question: str) -> None:
    assert is_follow_up(question, topic_words)


@pytest.mark.parametrize(
    "question",
    [
        "What is MLOps level 2?",
        "What does a model registry do?",
        "How do we move a pilot into production when it has no owner?",
        "Which governance tier applies to the EU AI Act?",
    ],
)
def test_self_contained_questions_stand_alone(question: str) -> None:
    assert not is_follow_up(question, topic_words)


def test_only_a_follow_up_carries_the_previous_topic() -> None:
    turns = [("user", "What is the EU AI Act?"), ("assistant", "...")]
    assert follow_up_topic("and when does that apply?", turns, topic_words) == (
        "and when does that apply? What is the EU AI Act?"
    )
    assert follow_up_topic("What does a model registry do?", turns, topic_words) is None
    assert follow_up_topic("why?", [], topic_words) is None  # nothing to lean on
