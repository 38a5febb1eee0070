"""Teams as an AI bot, end to end: streaming, citations, the AI label, native feedback.

Signed activities in over real HTTP; a local OpenAI-compatible model writes the answers;
the mock connector records every call and enforces Teams' streaming rules.
"""

from __future__ import annotations

import json
import logging

import pytest

from benchmarks.peers.teams_activities import BOT_NAME, channel_mention, feedback_invoke, personal
from bot.chat_text import ChatText
from tests.generation.fake_openai import FakeOpenAI, Scripted, llm_settings

pytestmark = pytest.mark.integration

QUESTION = "How should we set up risk-tiered governance?"
WORDS = "Tier the use cases by risk [1] and keep a light review for the middle tier [1] ."
TEXT = ChatText.load()


async def test_a_generated_answer_streams_in_a_personal_chat_then_ends_with_the_cited_answer(
    serve_teams, connector, model: FakeOpenAI
) -> None:
    model.queue(Scripted(WORDS, chunk_delay=0.2))  # about 3.5 s of streaming
    server = await serve_teams(**llm_settings(model))

    status, _ = await server.post(personal(QUESTION, connector.url))

    assert status == 200
    informative, *updates, final = connector.stream_calls
    assert connector.accepted == connector.stream_calls  # the update replaces the typing dots
    # 1. The status, first of the stream; its id names the stream.
    assert informative.type == "typing" and informative.status == 201
    assert informative.body["text"] == f"{BOT_NAME} {TEXT.working_status}"
    stream_id = informative.activity_id
    expected = {"streamType": "informative", "streamSequence": 1}
    assert informative.stream_info == {"type": "streaminfo", **expected}
    assert informative.body["channelData"] == expected
    # 2. The answer so far, each extending the last, counting up, at most every 1.5 s.
    assert len(updates) >= 1
    for number, update in enumerate(updates, start=2):
        info = {"streamId": stream_id, "streamType": "streaming", "streamSequence": number}
        assert update.type == "typing" and update.stream_info == {"type": "streaminfo", **info}
        assert update.body["channelData"] == info
        assert final.body["text"].startswith(update.body["text"])
    calls = [informative, *updates]
    assert all(b.at - a.at >= 1.4 for a, b in zip(calls, calls[1:], strict=False))
    # 3. The final message: the whole answer, cited, labelled, open to feedback.
    assert final.type == "message"
    assert final.stream_info == {"type": "streaminfo", "streamId": stream_id, "streamType": "final"}
    assert final.body["channelData"]["streamType"] == "final"
    assert final.body["channelData"]["feedbackLoop"] == {"type": "default"}
    assert "keep a light review for the middle tier [1]" in final.body["text"]
    assert final.body["text"].endswith(f"_{TEXT.ai_generated_note}_")
    entity = final.ai_entity
    assert entity is not None and entity["additionalType"] == ["AIGeneratedContent"]
    assert [c["position"] for c in entity["citation"]] == [1]
    assert connector.streams[stream_id].final
    (answer,) = server.advisor.store.answers()
    linked = server.advisor.store.linked_answer(f"teams:a:personal-user-1:{stream_id}")
    assert linked == answer["answer_id"]


async def test_in_a_channel_a_generated_answer_is_one_message_with_label_and_citations(
    serve_teams, connector, model: FakeOpenAI
) -> None:
    model.queue(Scripted(WORDS, chunk_delay=0.05))
    server = await serve_teams(**llm_settings(model))

    await server.post(channel_mention(QUESTION, connector.url))

    assert [c.type for c in connector.accepted] == ["typing", "message"]
    assert connector.stream_calls == []  # Teams streams only in one-on-one chats
    (message,) = connector.messages
    assert message.ai_entity["additionalType"] == ["AIGeneratedContent"]
    assert message.ai_entity["citation"][0]["position"] == 1
    assert "[1]" in message.body["text"]
    assert message.body["channelData"]["feedbackLoop"] == {"type": "default"}


async def test_a_refused_stream_end_still_delivers_the_answer_once(
    serve_teams, connector, model: FakeOpenAI
) -> None:
    model.queue(Scripted(WORDS, chunk_delay=0.02))
    server = await serve_teams(**llm_settings(model))
    connector.refuse_next(403, only_type="message")  # e.g. streaming not allowed here

    status, _ = await server.post(personal(QUESTION, connector.url))

    assert status == 200
    finals = [c for c in connector.calls if c.type == "message"]
    assert [c.status for c in finals] == [403, 200]
    assert finals[0].stream_info is not None and finals[1].stream_info is None
    (delivered,) = connector.messages
    assert "keep a light review for the middle tier [1]" in delivered.body["text"]
    assert delivered.ai_entity["additionalType"] == ["AIGeneratedContent"]
    (answer,) = server.advisor.store.answers()
    key = f"teams:a:personal-user-1:{delivered.activity_id}"
    assert server.advisor.store.linked_answer(key) == answer["answer_id"]


async def test_without_a_stream_id_the_answer_comes_whole(
    serve_teams, connector, model: FakeOpenAI
) -> None:
    model.queue(Scripted(WORDS, chunk_delay=0.02))
    server = await serve_teams(**llm_settings(model))
    connector.refuse_next(403, only_type="typing")  # the informative update is refused

    await server.post(personal(QUESTION, connector.url))

    assert connector.stream_calls == []
    (delivered,) = connector.messages
    assert "[1]" in delivered.body["text"] and delivered.stream_info is None


async def test_a_stream_that_outlives_the_turn_ends_in_its_late_reply_once(
    serve_teams, connector, model: FakeOpenAI
) -> None:
    model.queue(Scripted(WORDS, delay=0.6, chunk_delay=0.05))
    server = await serve_teams(reply_budget=0.3, **llm_settings(model))

    status, _ = await server.post(personal(QUESTION, connector.url))

    assert status == 202  # the turn ended; the answer follows as a proactive message
    await connector.wait_for(lambda c: len(c.messages) == 1, timeout=15)
    informative, *_, final = connector.stream_calls
    assert final.stream_info["streamId"] == informative.activity_id
    assert "keep a light review" in final.body["text"]
    assert len(connector.messages) == 1


async def test_native_feedback_is_stored_with_its_comment_and_gets_an_empty_200(
    serve_teams, connector, caplog
) -> None:
    server = await serve_teams()
    await server.post(personal("How do we move a pilot into production?", connector.url))
    (answer,) = connector.messages
    connector.clear()
    caplog.set_level(logging.DEBUG)
    comment = "The second source is outdated; my manager's name is Mallory"

    status, body = await server.post(
        feedback_invoke(answer.activity_id, connector.url, reaction="dislike", comment=comment)
    )

    assert (status, json.loads(body)) == (200, {})
    (vote,) = server.advisor.store.feedback()
    assert (vote["vote"], vote["comment"], vote["user"]) == ("down", comment, "aad-user-1")
    assert connector.calls == []  # Teams thanks the user itself
    assert not any("Mallory" in r.getMessage() for r in caplog.records)

    like = feedback_invoke(answer.activity_id, connector.url, reaction="like")
    status, _ = await server.post(like)
    assert status == 200
    (vote,) = server.advisor.store.feedback()
    assert (vote["vote"], vote["comment"]) == ("up", comment)  # a later vote keeps the comment


async def test_native_feedback_by_someone_else_or_on_an_unknown_message_is_not_stored(
    serve_teams, connector
) -> None:
    server = await serve_teams()
    await server.post(personal("How do we move a pilot into production?", connector.url))
    (answer,) = connector.messages
    connector.clear()

    other = feedback_invoke(answer.activity_id, connector.url, reaction="like", user="user-2")
    unknown = feedback_invoke("activity-999", connector.url, reaction="like")
    for invoke in (other, unknown):
        status, body = await server.post(invoke)
        assert (status, json.loads(body)) == (200, {})

    assert server.advisor.store.feedback() == []
    assert connector.calls == []


@pytest.mark.parametrize(
    "value",
    [
        None,
        "like",
        {"actionName": "other", "actionValue": {"reaction": "like"}},
        {"actionName": "feedback", "actionValue": "like"},
        {"actionName": "feedback", "actionValue": {"reaction": "love"}},
    ],
)
async def test_a_malformed_feedback_invoke_gets_a_400_not_a_traceback(
    serve_teams, connector, value
) -> None:
    server = await serve_teams()
    invoke = feedback_invoke("activity-1", connector.url)
    invoke["value"] = value

    status, body = await server.post(invoke)

    assert status == 400 and "Traceback" not in body
    assert "error" in json.loads(body)
    assert server.advisor.store.feedback() == []
