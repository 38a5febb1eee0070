"""Thread etiquette: which unmentioned messages in a thread are read as meant for the advisor."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.storage.sqlite import SqliteStateStore
from bot.etiquette import (
    Addressing,
    FollowUps,
    FollowUpsCommand,
    follow_ups_command,
    is_settings_command,
)
from bot.messages import Action, ActionKind, Inbound

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def addressing() -> Addressing:
    return Addressing.load()


@pytest.mark.parametrize(
    "text",
    [
        "and what about monitoring?",
        "How do we staff the platform team",
        "ok so which tier does a chatbot fall into",
        "Explain the model registry in more detail",
        "please list the gates before production",
        "what if we only have two data scientists",
        "More on the risk tiers please",
        "can we skip the pilot review",
        "what should someone on the platform team own?",
    ],
)
def test_questions_and_requests_read_as_addressed(addressing: Addressing, text: str) -> None:
    assert addressing.reads_as_addressed(text)


@pytest.mark.parametrize(
    "text",
    [
        "I'll take this to the steering group on Monday",
        "agreed, let's do that",
        "lol",
        "thanks!",
        "Does anyone know where the slides are?",
        "Is everyone ok with Tuesday",
        "folks, thoughts?",
        "Ready to ship, everyone?",
        "",
        ":thumbsup:",
    ],
)
def test_remarks_and_questions_for_people_do_not(addressing: Addressing, text: str) -> None:
    assert not addressing.reads_as_addressed(text)


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("follow-ups off", FollowUpsCommand.OFF),
        ("Follow-ups ON", FollowUpsCommand.ON),
        ("followups: off.", FollowUpsCommand.OFF),
        ("follow-ups", FollowUpsCommand.SHOW),
        ("follow-ups are great", None),
        ("how do follow-ups work?", None),
    ],
)
def test_the_follow_ups_command(text: str, command: FollowUpsCommand | None) -> None:
    assert follow_ups_command(text) is command
    assert is_settings_command(text) is (command is not None)


def _in_thread(text: str, user: str = "U1", thread: str | None = "100.1") -> Inbound:
    return Inbound("slack", "T1", user, conversation="C1", thread=thread, text=text)


async def test_only_the_asker_s_question_in_their_thread_is_answered(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    follow_ups = FollowUps(store, lambda: NOW)
    question = _in_thread("and what about monitoring?")
    assert not await follow_ups.answers(question, mentions_others=False)  # never answered here
    store.note_answered(question.thread_key, "U1", NOW)
    assert await follow_ups.answers(question, mentions_others=False)
    assert not await follow_ups.answers(question, mentions_others=True)  # "<@U2> what about…?"
    assert not await follow_ups.answers(_in_thread("nice, I'll read it"), mentions_others=False)
    assert not await follow_ups.answers(_in_thread("what about it?", user="U2"), False)
    assert not await follow_ups.answers(_in_thread("what about it?", thread="200.2"), False)
    assert not await follow_ups.answers(_in_thread("what about it?", thread=None), False)
    click = Inbound("slack", "T1", "U1", "C1", "100.1", action=Action(ActionKind.FEEDBACK, "up"))
    assert not await follow_ups.answers(click, mentions_others=False)
    store.set_follow_ups(question.conversation_key, False)  # an admin turned them off
    assert not await follow_ups.answers(question, mentions_others=False)
    store.close()


async def test_a_week_later_the_thread_needs_a_mention_again(tmp_path: Path) -> None:
    store = SqliteStateStore(tmp_path / "state.db")
    question = _in_thread("what about monitoring?")
    store.note_answered(question.thread_key, "U1", NOW.timestamp() - 7 * 24 * 3600 - 1)
    assert not await FollowUps(store, lambda: NOW).answers(question, mentions_others=False)
    store.close()


class _BrokenStore(SqliteStateStore):
    def answered_in_thread(self, *args: object) -> bool:
        raise OSError("disk I/O error")


async def test_a_store_that_cannot_say_leaves_the_message_alone(tmp_path: Path) -> None:
    store = _BrokenStore(tmp_path / "state.db")
    assert not await FollowUps(store, lambda: NOW).answers(_in_thread("why?"), False)
    store.close()
