"""The answers issue's own examples, over the real model and store: what was wrong is right."""

from __future__ import annotations

import pytest

from adapters.knowledge_runtime import KnowledgeRuntime

pytestmark = pytest.mark.integration

COMPONENTS = ("Data platform", "ML platform", "Feature store", "Model registry", "Monitoring")


def test_the_platform_question_names_every_component_in_order(
    knowledge_runtime: KnowledgeRuntime,
) -> None:
    reply = knowledge_runtime.answerer.answer("Which pieces should a shared AI platform have?")
    assert reply.covered and reply.sources[0].section == "Core components"
    lines = reply.text.splitlines()
    assert lines[0].endswith("[1]")
    items = [line for line in lines if line.startswith("- ")]
    assert [item[2:].split(":")[0] for item in items[:5]] == list(COMPONENTS)
    assert "usually the first question" not in reply.text
    assert 2 <= len(reply.related) <= 3


@pytest.mark.parametrize(
    "question",
    [
        "what's the weather in London tomorrow?",
        "give me the kubectl command to scale to 10 replicas",
        "write me a pytorch training script for our churn model",
        "what's NVDA trading at today?",
    ],
)
def test_near_misses_and_far_questions_are_not_covered(
    knowledge_runtime: KnowledgeRuntime, question: str
) -> None:
    explanation = knowledge_runtime.answerer.explain(question)
    assert not explanation.coverage.covered, explanation.coverage.reason
    assert knowledge_runtime.answerer.answer(question).sources == ()


def test_a_codebase_nobody_dares_touch_gets_the_technical_debt_guidance(
    knowledge_runtime: KnowledgeRuntime,
) -> None:
    reply = knowledge_runtime.answerer.answer(
        "our recommender codebase is two years of quick fixes and nobody dares touch it, "
        "what should we do?"
    )
    assert reply.covered
    assert reply.sources[0].section == "Mistake 5: Ignoring technical debt"


def test_every_answer_is_short_enough_and_leads_with_a_cited_line(
    knowledge_runtime: KnowledgeRuntime,
) -> None:
    for question in (
        "How do we move a pilot into production?",
        "what are the azure mlops levels",
        "EU AI Act high risk obligations?",
    ):
        reply = knowledge_runtime.answerer.answer(question)
        assert reply.covered and len(reply.text) <= 1200
        assert reply.text.splitlines()[0].endswith("[1]")
