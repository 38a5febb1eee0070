"""The router with fakes: a handler-driven retriever and chat model, a real SQLite store.

No embedding model and no Chroma: retrieval is ``tests.fakes.FakeRetriever`` (or the
real ``HybridRetriever`` over ``MemoryIndex`` and ``FakeEmbeddings``), so each test
says what the knowledge base finds. The router is assembled as ``adapters.composition`` does it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache, partialmethod
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage

from adapters.storage.sqlite import SqliteStateStore
from bot.answering import generated
from bot.answering.extractive import ExtractiveAnswerer, Retriever
from bot.answering.generated import GenerativeAnswerer
from bot.answering.prompt import Prompts
from bot.answering.retrieval import HybridRetriever
from bot.assessment.service import AssessmentService
from bot.assessment.survey import LibraryAction, Survey, load_assessment
from bot.chat_text import notices
from bot.etiquette import FollowUpsTexts
from bot.messages import (
    Action,
    ActionKind,
    AnswerReply,
    Inbound,
    NoticeReply,
    QuestionReply,
    Reply,
)
from bot.router import MAX_COMMENT_CHARS, Router
from bot.small_talk import SmallTalk
from bot.user_text import MAX_MESSAGE_CHARS
from tests.fakes import (
    ChatHandler,
    FakeChatModel,
    FakeEmbeddings,
    FakeRetriever,
    MemoryIndex,
    bag_of_words,
    by_keyword,
    passage,
)

NOW = datetime(2025, 6, 2, 9, 30, tzinfo=UTC)
QUESTION = "How do we move a pilot into production?"
PILOT = passage(
    "From pilot to production",
    "Give every pilot a named owner and a production budget before it starts. "
    "Decide up front what result earns it a place in production.\n\n"
    "- Agree the success measure with the business owner.\n"
    "- Plan the hand-over to the team that will run it.",
)
GUIDANCE = {"pilot": PILOT}
PROMPTS = Prompts.load()


def _clock() -> datetime:
    return NOW


@cache
def _assessment() -> tuple[Survey, tuple[LibraryAction, ...]]:
    """The question bank and action library, read once (they are immutable)."""
    return load_assessment()


def _say(text: str, user: str = "U1", thread: str = "t1", can_configure: bool = False) -> Inbound:
    return Inbound("slack", "T1", user, "C1", thread, text, can_configure=can_configure)


def _press(
    kind: ActionKind, value: str = "", ref: str = "", user: str = "U1", note: str = ""
) -> Inbound:
    return Inbound("slack", "T1", user, "C1", "t1", action=Action(kind, value, ref, note))


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStateStore]:
    opened = SqliteStateStore(tmp_path / "state.db")
    yield opened
    opened.close()


@pytest.fixture
def retriever() -> FakeRetriever:
    return FakeRetriever(by_keyword(GUIDANCE))


def _router(
    store: SqliteStateStore,
    retriever: Retriever,
    chat: ChatHandler | None = None,
    fallbacks: list[str] | None = None,
) -> Router:
    """The router as ``adapters.composition.assemble_advisor`` builds it, over fakes."""
    answerer = ExtractiveAnswerer(retriever)
    generator = None
    if chat is not None:
        on_fallback = fallbacks.append if fallbacks is not None else None
        model = FakeChatModel(handler=chat)
        generator = GenerativeAnswerer(answerer, model, 5.0, on_fallback=on_fallback)
    survey, actions = _assessment()
    assessment = AssessmentService(survey, actions, store, _clock)
    return Router(answerer, assessment, store, _clock, generator=generator)


def _answer(replies: list[Reply]) -> AnswerReply:
    [reply] = replies
    assert isinstance(reply, AnswerReply)
    return reply


def _notice(replies: list[Reply]) -> str:
    [reply] = replies
    assert isinstance(reply, NoticeReply)
    return reply.text


# --- what is not a question -------------------------------------------------------------


@pytest.mark.parametrize("text", ["help", "/help", "?", "HELP "])
async def test_help_gets_the_help_text(
    store: SqliteStateStore, retriever: FakeRetriever, text: str
) -> None:
    assert _notice(await _router(store, retriever).handle(_say(text))) == notices().help
    assert retriever.queries == []


@pytest.mark.parametrize(
    ("text", "mode"),
    [("scale-check", "full"), ("/scale-check full", "full"), ("scale check quick", "quick")],
)
async def test_scale_check_starts_an_assessment(
    store: SqliteStateStore, retriever: FakeRetriever, text: str, mode: str
) -> None:
    router = _router(store, retriever)
    [question] = await router.handle(_say(text))
    survey, _ = _assessment()
    assert isinstance(question, QuestionReply)
    assert (question.mode, question.number) == (mode, 1)
    assert question.total == len(survey.question_ids(mode))  # type: ignore[arg-type]
    assert question.question_id == survey.question_ids(mode)[0]  # type: ignore[arg-type]
    progress = store.load_progress(("slack", "T1", "U1"))
    assert progress is not None and progress["assessment_id"] == question.assessment_id
    assert retriever.queries == []


async def test_the_start_button_starts_the_mode_it_names(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    [question] = await _router(store, retriever).handle(_press(ActionKind.ASSESS_START, "quick"))
    assert isinstance(question, QuestionReply) and question.mode == "quick"


@pytest.mark.parametrize(
    ("text", "kind"), [("Hi there!", "greeting"), ("thanks, cheers", "thanks")]
)
async def test_small_talk_gets_a_friendly_word_not_an_answer(
    store: SqliteStateStore, retriever: FakeRetriever, text: str, kind: str
) -> None:
    words = SmallTalk.load()
    expected = words.greeting_reply if kind == "greeting" else words.thanks_reply
    assert _notice(await _router(store, retriever).handle(_say(text))) == expected
    assert retriever.queries == [] and store.answers() == []


async def test_a_too_long_message_is_not_read(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    text = "pilot " * (MAX_MESSAGE_CHARS // 6 + 1)
    assert len(text.strip()) > MAX_MESSAGE_CHARS
    assert _notice(await router.handle(_say(text))) == ExtractiveAnswerer(retriever).ui.too_long
    # Not searched, not stored, not remembered.
    assert retriever.queries == [] and store.answers() == []
    assert store.recent_turns(_say("").thread_key, 10, 3600, NOW) == []


# --- the follow-ups setting ------------------------------------------------------------


async def test_only_an_admin_turns_follow_ups_off(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    texts = FollowUpsTexts.load()
    channel = _say("").conversation_key
    assert _notice(await router.handle(_say("follow-ups off"))) == texts.not_allowed
    assert store.follow_ups_enabled(channel)
    assert _notice(await router.handle(_say("follow-ups off", can_configure=True))) == texts.now_off
    assert not store.follow_ups_enabled(channel)
    assert _notice(await router.handle(_say("follow-ups"))) == texts.now_off  # anyone may ask
    assert _notice(await router.handle(_say("follow-ups on", can_configure=True))) == texts.now_on
    assert store.follow_ups_enabled(channel)
    assert retriever.queries == []


# --- answers ----------------------------------------------------------------------------


async def test_an_answered_question_is_remembered(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    reply = _answer(await _router(store, retriever).handle(_say(QUESTION)))
    assert reply.covered and reply.mode == "extractive"
    assert reply.text.startswith("Give every pilot a named owner and a production budget")
    assert [s.section for s in reply.sources] == ["From pilot to production"]
    inbound = _say(QUESTION)
    assert store.recent_turns(inbound.thread_key, 10, 3600, NOW) == [
        ("user", QUESTION),
        ("assistant", reply.text),
    ]
    assert store.answered_in_thread(inbound.thread_key, "U1", 60, NOW)
    stored = store.get_answer(reply.answer_id)
    assert stored is not None
    assert (stored["question"], stored["answer"], stored["covered"]) == (QUESTION, reply.text, True)


async def test_a_question_the_guidance_does_not_cover(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    reply = _answer(await _router(store, retriever).handle(_say("What is the best pizza?")))
    assert not reply.covered and reply.sources == ()
    assert reply.text.startswith(ExtractiveAnswerer(retriever).ui.not_covered)


async def test_a_follow_up_is_searched_with_the_thread_s_topic(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    await router.handle(_say(QUESTION))
    follow_up = _answer(await router.handle(_say("and who should own it?")))
    assert follow_up.covered and "pilot" in retriever.queries[-1]
    # The same words in another thread have no topic to lean on.
    elsewhere = _answer(await router.handle(_say("and who should own it?", thread="t2")))
    assert not elsewhere.covered and "pilot" not in retriever.queries[-1]


async def test_a_question_mid_assessment_is_answered_then_the_assessment_resumes(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    [first] = await router.handle(_say("scale-check quick"))
    assert isinstance(first, QuestionReply)
    answer, back, resumed = await router.handle(_say(QUESTION))
    assert isinstance(answer, AnswerReply) and answer.covered
    assert back == NoticeReply("Back to your assessment:")
    assert resumed == first
    # And the run carries on from where it was.
    ref = f"{first.assessment_id}:{first.question_id}"
    [second] = await router.handle(_press(ActionKind.ASSESS_ANSWER, "2", ref))
    assert isinstance(second, QuestionReply) and second.number == 2
    assert second.assessment_id == first.assessment_id


# --- feedback ---------------------------------------------------------------------------


async def test_the_asker_s_vote_is_stored_with_its_question_and_answer(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    reply = _answer(await router.handle(_say(QUESTION)))
    thanks = _notice(await router.handle(_press(ActionKind.FEEDBACK, "up", reply.answer_id)))
    assert thanks == "Thanks, glad it helped."
    [vote] = store.feedback()
    assert (vote["user"], vote["answer_id"], vote["vote"]) == ("U1", reply.answer_id, "up")
    assert (vote["question"], vote["answer"], vote["comment"]) == (QUESTION, reply.text, "")


async def test_a_vote_s_comment_is_cleaned_cut_and_stored(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    reply = _answer(await router.handle(_say(QUESTION)))
    note = "Too vague\x00 " + "x" * (2 * MAX_COMMENT_CHARS)
    said = _notice(
        await router.handle(_press(ActionKind.FEEDBACK, "down", reply.answer_id, note=note))
    )
    assert said.startswith("Thanks for telling me.")
    [vote] = store.feedback()
    assert vote["vote"] == "down"
    assert vote["comment"] == ("Too vague " + "x" * MAX_COMMENT_CHARS)[:MAX_COMMENT_CHARS]


async def test_someone_else_s_vote_is_refused(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    router = _router(store, retriever)
    reply = _answer(await router.handle(_say(QUESTION)))
    press = _press(ActionKind.FEEDBACK, "up", reply.answer_id, user="U2")
    assert _notice(await router.handle(press)) == notices().vote_not_yours
    assert store.feedback() == []


@pytest.mark.parametrize(("vote", "known"), [("up", False), ("sideways", True)])
async def test_a_vote_on_an_unknown_answer_or_of_no_kind_is_not_counted(
    store: SqliteStateStore, retriever: FakeRetriever, vote: str, known: bool
) -> None:
    router = _router(store, retriever)
    reply = _answer(await router.handle(_say(QUESTION)))
    ref = reply.answer_id if known else "0123456789abcdef"
    assert (
        _notice(await router.handle(_press(ActionKind.FEEDBACK, vote, ref)))
        == notices().vote_unknown
    )
    assert store.feedback() == []


# --- a state store that fails -----------------------------------------------------------


class FailingStore(SqliteStateStore):
    """A real SQLite store whose every call the router makes fails once ``broken`` is set."""

    broken = False

    def _call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        if self.broken:
            raise OSError(28, "No space left on device writing 'How do we move a pilot'")
        return getattr(SqliteStateStore, name)(self, *args, **kwargs)


for _name in (
    "recent_turns",
    "record_exchange",
    "append_turn",
    "note_answered",
    "record_answer",
    "get_answer",
    "record_feedback",
    "load_progress",
    "save_progress",
    "clear_progress",
    "follow_ups_enabled",
    "set_follow_ups",
):
    setattr(FailingStore, _name, partialmethod(FailingStore._call, _name))


@pytest.fixture
def failing(tmp_path: Path) -> Iterator[FailingStore]:
    opened = FailingStore(tmp_path / "failing.db")
    yield opened
    opened.close()


async def test_a_failing_store_still_gets_the_answer_delivered(
    failing: FailingStore, retriever: FakeRetriever, caplog: pytest.LogCaptureFixture
) -> None:
    failing.broken = True
    with caplog.at_level(logging.WARNING, logger="scale_advisor.router"):
        reply = _answer(await _router(failing, retriever).handle(_say(QUESTION)))
    assert reply.covered and reply.text.startswith("Give every pilot")
    warnings = [r.getMessage() for r in caplog.records]
    assert "state store: remembering an answer failed (OSError)" in warnings
    assert not any("No space" in w or "pilot" in w for w in warnings)  # by type only
    failing.broken = False
    assert failing.answers() == []


async def test_a_failing_store_costs_a_vote_and_a_step_a_notice(
    failing: FailingStore, retriever: FakeRetriever
) -> None:
    router = _router(failing, retriever)
    reply = _answer(await router.handle(_say(QUESTION)))
    failing.broken = True
    assert _notice(await router.handle(_press(ActionKind.FEEDBACK, "up", reply.answer_id))) == (
        notices().vote_not_saved
    )
    assert _notice(await router.handle(_say("scale-check"))) == notices().step_not_saved
    failing.broken = False
    assert failing.feedback() == [] and failing.load_progress(("slack", "T1", "U1")) is None


# --- generated answers ------------------------------------------------------------------


def _is_rewrite(messages: list[BaseMessage]) -> bool:
    return messages[0].content == PROMPTS.rewrite_system


async def test_a_generated_answer_streams_its_growing_text(
    store: SqliteStateStore, retriever: FakeRetriever, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(generated, "PARTIAL_INTERVAL", 0.0)  # show every chunk
    asked: list[list[BaseMessage]] = []

    def chat(messages: list[BaseMessage]) -> list[str]:
        asked.append(messages)
        return ["Name an owner ", "for the pilot [1]", " and fund it [1]."]

    partials: list[str] = []

    async def on_partial(text: str) -> None:
        partials.append(text)

    router = _router(store, retriever, chat)
    assert router.generates
    reply = _answer(await router.handle(_say(QUESTION), on_partial))
    assert (reply.mode, reply.covered, reply.note) == ("generated", True, "")
    assert reply.text == "Name an owner for the pilot [1] and fund it [1]."
    assert partials == [
        "Name an owner",
        "Name an owner for the pilot [1]",
        "Name an owner for the pilot [1] and fund it [1].",
    ]
    [messages] = asked
    prompt = "\n".join(str(m.content) for m in messages)
    assert QUESTION in prompt and "named owner and a production budget" in prompt
    stored = store.get_answer(reply.answer_id)
    assert stored is not None and stored["answer"] == reply.text


async def test_a_generated_follow_up_is_rewritten_then_answered(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    def chat(messages: list[BaseMessage]) -> str:
        if _is_rewrite(messages):
            return "Who should own a pilot on its way to production?"
        return "The business owner [1]."

    router = _router(store, retriever, chat)
    await router.handle(_say(QUESTION))
    reply = _answer(await router.handle(_say("and who should own it?")))
    assert reply.mode == "generated" and reply.text == "The business owner [1]."
    assert retriever.queries[-1].startswith("Who should own a pilot on its way to production?")


async def test_the_model_is_not_asked_what_the_guidance_does_not_cover(
    store: SqliteStateStore, retriever: FakeRetriever
) -> None:
    asked: list[list[BaseMessage]] = []

    def chat(messages: list[BaseMessage]) -> str:
        asked.append(messages)
        return "Pizza [1]."

    router = _router(store, retriever, chat)
    reply = _answer(await router.handle(_say("What is the best pizza?")))
    assert not reply.covered and asked == []


def _fails_at_once(messages: list[BaseMessage]) -> str:
    raise ConnectionError("connection refused")


def _fails_mid_stream(messages: list[BaseMessage]) -> Iterator[str]:
    yield "Name an owner "
    raise ConnectionError("connection reset")


@pytest.mark.parametrize("chat", [_fails_at_once, _fails_mid_stream])
async def test_a_failing_model_gives_the_extractive_answer(
    store: SqliteStateStore, retriever: FakeRetriever, chat: ChatHandler
) -> None:
    fallbacks: list[str] = []
    reply = _answer(await _router(store, retriever, chat, fallbacks).handle(_say(QUESTION)))
    extractive = ExtractiveAnswerer(retriever).answer(QUESTION)
    assert (reply.mode, reply.covered) == ("extractive", True)
    assert (reply.text, reply.sources) == (extractive.text, extractive.sources)
    assert reply.note == PROMPTS.unavailable_note
    assert len(fallbacks) == 1


# --- the real hybrid retriever over fake embeddings ---------------------------------------


def _hybrid() -> tuple[HybridRetriever, FakeEmbeddings]:
    words = ["pilot", "production", "owner", "registry", "model", "version", "pizza"]
    embeddings = FakeEmbeddings(bag_of_words(words))
    index = MemoryIndex(embeddings)
    index.add_section(
        "Scaling AI",
        "From pilot to production",
        "Give every pilot a named owner before it starts. Plan its way into production.",
        questions=["How do we move a pilot into production?", "Who owns a pilot?"],
    )
    index.add_section(
        "Platform",
        "Model registry",
        "A model registry keeps every model version with its lineage and approvals.",
        questions=["What does a model registry do?", "Where do model versions live?"],
        source="guidance/platform.md",
    )
    index.add_out_of_scope("chit-chat", "What is the best pizza?")
    return HybridRetriever(index, embeddings), embeddings


async def test_the_router_answers_through_the_hybrid_retriever_on_fake_embeddings(
    store: SqliteStateStore,
) -> None:
    hybrid, embeddings = _hybrid()
    router = _router(store, hybrid)
    registry = _answer(await router.handle(_say("What does a model registry do?")))
    assert registry.covered and [s.section for s in registry.sources] == ["Model registry"]
    assert registry.text.startswith("A model registry keeps every model version")
    pizza = _answer(await router.handle(_say("What is the best pizza?", thread="t2")))
    assert not pizza.covered
    assert "What is the best pizza?" in embeddings.texts  # the query was embedded
