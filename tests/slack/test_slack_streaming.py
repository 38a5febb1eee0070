"""With an LLM, a Slack answer streams natively into one message, or into a draft where not allowed.

The served app answers through the mock Web API, which keeps native streams as Slack
does (started, appended, stopped; refused in a channel without the recipient), and
a fake OpenAI-compatible provider writes the answer a few characters at a time.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from adapters.slack import buttons
from benchmarks.peers.signed_slack import block_text
from benchmarks.peers.slack_web_api import TEAM_ID, MockSlackWebApi
from bot.answering.prompt import Prompts
from bot.chat_text import chat_text
from tests.generation.fake_openai import FakeOpenAI, Scripted, llm_settings
from tests.slack.agent_payloads import agent_dm, feedback_element
from tests.slack.conftest import Served, ServeFactory, assert_within_block_kit_limits
from tests.slack.test_slack_threads import rich_text_mention

pytestmark = pytest.mark.integration

QUESTION = "How should we set up risk-tiered governance?"
SENTENCE = "Tier the use cases by risk [1] and keep a light review for the middle tier [1]. "
ANSWER = SENTENCE * 5  # about 400 characters: several of the stream's flushes
STATUS = "assistant.threads.setStatus"


@pytest.fixture
async def with_llm(serve: ServeFactory, model: FakeOpenAI) -> Served:
    return await serve(**llm_settings(model))


def methods(web_api: MockSlackWebApi, ok_only: bool = True) -> list[str]:
    return [c.method for c in web_api.calls if c.status == 200 or not ok_only]


async def stopped(web_api: MockSlackWebApi) -> Any:
    (stop,) = await web_api.wait_for_calls("chat.stopStream", 1)
    return stop


async def test_generated_answer_streams_natively_in_a_channel_thread(
    with_llm: Served, web_api: MockSlackWebApi, model: FakeOpenAI
) -> None:
    model.queue(Scripted(ANSWER, chunk_chars=20, chunk_delay=0.1))
    event = rich_text_mention(QUESTION, user="U1", channel="C1")

    assert (await with_llm.slack.event(event)).status == 200
    stop = await stopped(web_api)

    order = methods(web_api)
    assert order.index(STATUS) < order.index("chat.startStream") < order.index("chat.stopStream")
    assert "chat.appendStream" in order  # the text arrived in pieces, as it was written
    (status,) = web_api.calls_to(STATUS)
    assert status.params["channel_id"] == "C1" and status.params["thread_ts"] == event["ts"]
    assert status.params["status"] == chat_text().working_status == "is reading the guidance\u2026"
    (start,) = web_api.calls_to("chat.startStream")
    assert start.params["thread_ts"] == event["ts"]
    # In a channel the stream is for the asker: their user id and team.
    assert (start.params["recipient_user_id"], start.params["recipient_team_id"]) == ("U1", TEAM_ID)

    stream = web_api.streams[start.result["ts"]]
    assert stream.stopped and stream.markdown.strip() == ANSWER.strip()
    # Under the text: the sources, the AI note and Slack's feedback buttons for this answer.
    footer = stop.params["blocks"]
    assert_within_block_kit_limits(footer)
    assert "*Sources*" in block_text(footer)
    assert chat_text().ai_generated_note in block_text(footer)
    votes = feedback_element(footer)
    click = buttons.decode(votes["action_id"], votes["positive_button"]["value"])
    assert click is not None and click.action is not None
    answer = with_llm.advisor.store.get_answer(click.action.ref)
    assert answer is not None and answer["answer"].strip() == ANSWER.strip()
    # Once: no draft posted, nothing updated, no status left to clear.
    assert web_api.calls_to("chat.postMessage") == web_api.calls_to("chat.update") == []
    assert len(web_api.calls_to(STATUS)) == 1


async def test_generated_answer_streams_in_an_agent_dm_without_a_recipient(
    with_llm: Served, web_api: MockSlackWebApi, model: FakeOpenAI
) -> None:
    model.queue(Scripted(ANSWER, chunk_chars=40, chunk_delay=0.05))
    event = agent_dm(QUESTION, user="U1")

    await with_llm.slack.event(event)
    await stopped(web_api)

    (status,) = web_api.calls_to(STATUS)
    assert (status.params["channel_id"], status.params["thread_ts"]) == ("D0U1", event["ts"])
    (start,) = web_api.calls_to("chat.startStream")
    # A top-level DM is answered in its own thread; a DM's stream names no recipient.
    assert start.params["channel"] == "D0U1" and start.params["thread_ts"] == event["ts"]
    assert "recipient_user_id" not in start.params and "recipient_team_id" not in start.params
    assert web_api.streams[start.result["ts"]].markdown.strip() == ANSWER.strip()


@pytest.mark.parametrize("error", ["not_allowed", "missing_scope"])
async def test_where_streaming_is_not_allowed_the_answer_arrives_once_as_a_draft(
    with_llm: Served,
    web_api: MockSlackWebApi,
    model: FakeOpenAI,
    caplog: pytest.LogCaptureFixture,
    error: str,
) -> None:
    web_api.disallow(error)  # no status, no prompts, no streaming in this workspace
    model.queue(Scripted(ANSWER, chunk_chars=20, chunk_delay=0.1))
    event = rich_text_mention(QUESTION, user="U1", channel="C1")
    caplog.set_level(logging.INFO, logger="scale_advisor.slack")

    await with_llm.slack.event(event)
    await web_api.wait_for(
        lambda api: any(
            "*Sources*" in block_text(c.params["blocks"]) for c in api.calls_to("chat.update")
        )
    )
    await with_llm.stop()  # let anything still in flight land

    (draft,) = web_api.calls_to("chat.postMessage")  # the answer, once
    assert draft.params["thread_ts"] == event["ts"]
    updates = web_api.calls_to("chat.update")
    assert all(u.params["ts"] == draft.result["ts"] for u in updates)
    final = updates[-1].params["blocks"]
    assert SENTENCE.strip() in block_text(final) and "*Sources*" in block_text(final)
    assert chat_text().ai_generated_note in block_text(final)
    assert feedback_element(final)["type"] == "feedback_buttons"
    # Streaming was tried once, then never again for this answer.
    assert methods(web_api, ok_only=False).count("chat.startStream") == 1
    assert not web_api.calls_to("chat.startStream") and not web_api.calls_to("chat.stopStream")
    # Each refusal is logged with its method and Slack's error code, and nothing the user wrote.
    logged = [r.getMessage() for r in caplog.records]
    assert f"Slack assistant.threads.setStatus failed: {error}" in logged
    assert f"Slack chat.startStream failed: {error}" in logged
    assert not [line for line in logged if "risk-tiered" in line]


async def test_an_answer_refused_mid_stream_replaces_what_was_streamed(
    with_llm: Served, web_api: MockSlackWebApi, model: FakeOpenAI
) -> None:
    system = Prompts.load().system
    echo = " ".join(system.split()[:70])
    model.queue(
        Scripted(f"{ANSWER}Also, my instructions say: {echo}", chunk_chars=20, chunk_delay=0.05)
    )
    event = rich_text_mention(QUESTION, user="U1", channel="C1")

    await with_llm.slack.event(event)
    (final,) = await web_api.wait_for_calls("chat.update", 1)
    await with_llm.stop()

    (start,) = web_api.calls_to("chat.startStream")
    stream = web_api.streams[start.result["ts"]]
    assert stream.stopped and SENTENCE.strip() in stream.markdown  # shown while it was fine
    assert " ".join(system.split()[:8]) not in stream.markdown
    # The streamed message itself now holds the refusal: one message, never the prompt.
    assert final.params["ts"] == start.result["ts"]
    assert Prompts.load().refusal[:40] in block_text(final.params["blocks"])
    assert web_api.calls_to("chat.postMessage") == []
