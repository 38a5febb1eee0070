"""The router over the real knowledge base and a real SQLite store."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.composition import Advisor
from bot.messages import (
    Action,
    ActionKind,
    AnswerReply,
    Inbound,
    NoticeReply,
    QuestionReply,
    ResultReply,
)

pytestmark = pytest.mark.integration


def _say(text: str, thread: str = "t1", user: str = "u1") -> Inbound:
    return Inbound("console", "local", user, conversation="c1", thread=thread, text=text)


def _click(kind: ActionKind, value: str = "", ref: str = "", user: str = "u1") -> Inbound:
    return Inbound("console", "local", user, conversation="c1", action=Action(kind, value, ref))


async def test_question_is_answered_and_remembered(advisor_factory: Callable[..., Advisor]) -> None:
    advisor = advisor_factory()
    [reply] = await advisor.router.handle(_say("What does a model registry do?"))
    assert isinstance(reply, AnswerReply) and reply.covered and reply.sources
    stored = advisor.store.get_answer(reply.answer_id)
    assert stored is not None and stored["question"] == "What does a model registry do?"
    assert [
        role
        for role, _ in advisor.store.recent_turns(
            _say("").thread_key, 10, 3600, advisor.router._clock()
        )
    ] == [
        "user",
        "assistant",
    ]


async def test_follow_up_carries_the_previous_topic(
    advisor_factory: Callable[..., Advisor],
) -> None:
    advisor = advisor_factory()
    await advisor.router.handle(_say("What is the EU AI Act's high-risk category?"))
    [reply] = await advisor.router.handle(_say("and when does that apply?"))
    assert isinstance(reply, AnswerReply) and reply.covered
    assert any("EU AI Act" in s.title for s in reply.sources)
    # The same words in a fresh thread have no topic to lean on.
    [fresh] = await advisor.router.handle(_say("and when does that apply?", thread="t2"))
    assert not any("EU AI Act" in s.title for s in fresh.sources)  # type: ignore[union-attr]


async def test_a_self_contained_question_in_the_thread_is_answered_on_its_own(
    advisor_factory: Callable[..., Advisor],
) -> None:
    advisor = advisor_factory()
    await advisor.router.handle(_say("What is the EU AI Act's high-risk category?"))
    [reply] = await advisor.router.handle(_say("What is MLOps level 2?"))
    alone = advisor.knowledge.answerer.answer("What is MLOps level 2?")
    assert isinstance(reply, AnswerReply) and reply.covered
    assert reply.text == alone.text and reply.sources == alone.sources
    assert not any("EU AI Act" in s.title for s in reply.sources)


async def test_feedback_is_stored_with_question_and_answer(
    advisor_factory: Callable[..., Advisor],
) -> None:
    advisor = advisor_factory()
    [reply] = await advisor.router.handle(_say("How do we upskill our analysts?"))
    assert isinstance(reply, AnswerReply)
    [thanks] = await advisor.router.handle(_click(ActionKind.FEEDBACK, "down", reply.answer_id))
    assert isinstance(thanks, NoticeReply)
    [vote] = advisor.store.feedback()
    assert (vote["vote"], vote["question"], vote["answer"]) == ("down", reply.question, reply.text)
    # A vote can carry a comment (Teams' feedback form); it is kept with the vote.
    comment = Inbound(
        "console",
        "local",
        "u1",
        "c1",
        action=Action(ActionKind.FEEDBACK, "down", reply.answer_id, "Too vague\x07"),
    )
    await advisor.router.handle(comment)
    assert advisor.store.feedback()[0]["comment"] == "Too vague"  # control characters dropped
    [unknown] = await advisor.router.handle(_click(ActionKind.FEEDBACK, "up", "no-such-answer"))
    assert "couldn't record" in unknown.text  # type: ignore[union-attr]
    assert len(advisor.store.feedback()) == 1


async def test_scale_check_with_a_question_in_the_middle(
    advisor_factory: Callable[..., Advisor],
) -> None:
    advisor = advisor_factory()
    [first] = await advisor.router.handle(_say("scale-check quick"))
    assert isinstance(first, QuestionReply) and first.mode == "quick" and first.number == 1
    ref = f"{first.assessment_id}:{first.question_id}"
    [second] = await advisor.router.handle(_click(ActionKind.ASSESS_ANSWER, "2", ref))
    assert isinstance(second, QuestionReply) and second.number == 2
    replies = await advisor.router.handle(_say("What is a feature store?"))
    assert isinstance(replies[0], AnswerReply) and replies[0].covered
    assert replies[-1] == second  # the assessment carries on where it was
    question = second
    result: ResultReply | None = None
    while result is None:
        ref = f"{question.assessment_id}:{question.question_id}"
        [reply] = await advisor.router.handle(_click(ActionKind.ASSESS_ANSWER, "2", ref))
        if isinstance(reply, ResultReply):
            result = reply
        else:
            assert isinstance(reply, QuestionReply)
            question = reply
    assert result.chart_png.startswith(b"\x89PNG") and 3 <= len(result.recommendations) <= 5


async def test_help(advisor_factory: Callable[..., Advisor]) -> None:
    [reply] = await advisor_factory().router.handle(_say("help"))
    assert isinstance(reply, NoticeReply) and "scale-check" in reply.text


@pytest.mark.parametrize("text", ["Hi there!", "hello", "Good morning team", "hey :wave:"])
async def test_a_greeting_gets_a_friendly_reply_not_the_not_covered_text(
    advisor_factory: Callable[..., Advisor], text: str
) -> None:
    advisor = advisor_factory()
    [reply] = await advisor.router.handle(_say(text))
    assert isinstance(reply, NoticeReply)
    assert reply.text.startswith("Hello!") and "scale-check" in reply.text
    assert advisor.store.answers() == []  # nothing to vote on: not an answer


@pytest.mark.parametrize("text", ["thanks!", "Thank you so much, that was helpful", "cheers"])
async def test_thanks_get_a_short_reply(advisor_factory: Callable[..., Advisor], text: str) -> None:
    advisor = advisor_factory()
    [reply] = await advisor.router.handle(_say(text))
    assert isinstance(reply, NoticeReply) and reply.text.startswith("You're welcome")


@pytest.mark.parametrize(
    "text",
    ["Hi, how do we move a pilot into production?", "hello?", "Thanks, and what about governance"],
)
async def test_a_greeting_with_a_question_is_answered_as_a_question(
    advisor_factory: Callable[..., Advisor], text: str
) -> None:
    advisor = advisor_factory()
    [reply] = await advisor.router.handle(_say(text))
    assert isinstance(reply, AnswerReply)


async def test_an_answer_lets_its_asker_follow_up_in_that_thread(
    advisor_factory: Callable[..., Advisor],
) -> None:
    advisor = advisor_factory()
    asked = _say("What does a model registry do?", thread="t9", user="u7")
    assert not advisor.store.answered_in_thread(asked.thread_key, "u7", 60, advisor.router._clock())
    await advisor.router.handle(asked)
    now = advisor.router._clock()
    assert advisor.store.answered_in_thread(asked.thread_key, "u7", 60, now)
    assert not advisor.store.answered_in_thread(asked.thread_key, "u8", 60, now)
    await advisor.router.handle(_say("hi there", thread="t10", user="u7"))  # small talk: no answer
    assert not advisor.store.answered_in_thread(_say("", thread="t10").thread_key, "u7", 60, now)


async def test_only_an_admin_turns_follow_ups_off_and_anyone_can_ask(
    advisor_factory: Callable[..., Advisor],
) -> None:
    advisor = advisor_factory()
    member = _say("follow-ups off")
    [refused] = await advisor.router.handle(member)
    assert isinstance(refused, NoticeReply) and "Only an admin" in refused.text
    assert advisor.store.follow_ups_enabled(member.conversation_key)
    admin = Inbound("console", "local", "u2", "c1", "t1", "follow-ups off", can_configure=True)
    [done] = await advisor.router.handle(admin)
    assert isinstance(done, NoticeReply) and "Follow-ups are off" in done.text
    assert not advisor.store.follow_ups_enabled(member.conversation_key)
    [shown] = await advisor.router.handle(_say("follow-ups"))
    assert "Follow-ups are off" in shown.text  # type: ignore[union-attr]
    back_on = Inbound("console", "local", "u2", "c1", None, "Follow-ups on", can_configure=True)
    [done] = await advisor.router.handle(back_on)
    assert "Follow-ups are on" in done.text  # type: ignore[union-attr]
    assert advisor.store.follow_ups_enabled(member.conversation_key)
