"""A good colleague in Teams channels and group chats, end to end over real HTTP.

With the RSC permissions ChannelMessage.Read.Group and ChatMessage.Read.Chat, Teams
delivers every message in a channel or group chat, mentioned or not. Only the asker's
follow-ups in a thread the advisor answered them in get an answer; everything else
(people talking to each other, other apps' card clicks) gets no reply at all.
"""

from __future__ import annotations

import logging

import pytest

from benchmarks.peers.teams_activities import CHANNEL, channel_message, foreign_click, group_chat
from bot.etiquette import FollowUpsTexts

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"
FOLLOW_UP = "How do we monitor models in production?"
FOLLOW_UPS = FollowUpsTexts.load()


def card_texts(call) -> str:
    return "\n".join(e.get("text", "") for e in call.card["body"] if e["type"] == "TextBlock")


async def test_people_talking_in_a_channel_thread_are_left_alone(serve_teams, connector) -> None:
    server = await serve_teams()
    await server.post(channel_message(QUESTION, connector.url, root="1700000000100"))
    assert len(connector.messages) == 1
    connector.clear()

    def unmentioned(text: str, root: str = "1700000000100", **kwargs) -> dict:
        return channel_message(text, connector.url, mention_bot=False, root=root, **kwargs)

    left_alone = [
        unmentioned("Has anyone tried this with the data team?", user="user-2"),
        unmentioned(FOLLOW_UP, user="user-2"),  # the advisor has not answered them here
        unmentioned("can you book the review?", others=("Grace Hopper",)),
        unmentioned("great, let's do that on Monday"),  # not a question
        unmentioned(FOLLOW_UP, root="1700000000200"),  # another thread
    ]
    for activity in left_alone:
        status, _ = await server.post(activity)
        assert status == 200

    assert connector.calls == []  # not even a typing indicator
    assert len(server.advisor.store.answers()) == 1


async def test_the_askers_follow_up_in_the_thread_is_answered_there(serve_teams, connector):
    server = await serve_teams()
    await server.post(channel_message(QUESTION, connector.url, root="1700000000300"))
    connector.clear()

    follow_up = channel_message(FOLLOW_UP, connector.url, root="1700000000300", mention_bot=False)
    await server.post(follow_up)

    (reply,) = connector.messages
    assert reply.body["conversation"]["id"] == f"{CHANNEL};messageid=1700000000300"
    assert reply.body["replyToId"] == follow_up["id"]
    assert reply.ai_entity["citation"]
    assert [a["question"] for a in server.advisor.store.answers()] == [QUESTION, FOLLOW_UP]


async def test_an_admin_turns_follow_ups_off_for_the_channel_and_others_may_not(
    serve_teams, connector
) -> None:
    server = await serve_teams(teams_admin_ids="aad-admin-1")
    await server.post(channel_message("follow-ups on", connector.url, user="user-2", root="1"))
    await server.post(channel_message("follow-ups off", connector.url, user="admin-1", root="2"))
    refused, turned_off = connector.messages
    assert card_texts(refused) == FOLLOW_UPS.not_allowed
    assert card_texts(turned_off) == FOLLOW_UPS.now_off
    connector.clear()

    await server.post(channel_message(QUESTION, connector.url, root="3"))
    await server.post(channel_message(FOLLOW_UP, connector.url, root="3", mention_bot=False))

    assert len(connector.messages) == 1  # the mention, in any thread of the channel; no follow-up


async def test_in_a_group_chat_only_messages_that_mention_the_advisor_are_answered(
    serve_teams, connector
) -> None:
    server = await serve_teams()
    await server.post(group_chat(QUESTION, connector.url))
    await server.post(group_chat(FOLLOW_UP, connector.url, mention_bot=False))
    await server.post(group_chat("What does a model registry do?", connector.url, user="user-2"))

    first, second = connector.messages
    assert first.ai_entity["citation"] and second.ai_entity["citation"]
    assert [c.type for c in connector.accepted] == ["typing", "message"] * 2


async def test_a_click_on_another_apps_card_gets_no_reply_and_logs_no_data(
    serve_teams, connector, caplog
) -> None:
    server = await serve_teams()
    caplog.set_level(logging.DEBUG, logger="scale_advisor")

    status, _ = await server.post(foreign_click(connector.url))

    assert status == 200
    assert connector.calls == []
    assert server.advisor.store.answers() == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "did not make" in logged
    assert "REQ-4711" not in logged and "Ship it" not in logged
