"""Slack as an AI app: the manifest, suggested prompts, the thread status, native feedback.

Real payload shapes (an agent DM, a rich_text mention, the Messages tab opening, a
click on the native feedback buttons) go through the served app; the mock Web API
records what the advisor made of them. Answers here are extractive (no LLM): they
are posted as before, with the status beside their work and native feedback buttons.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml

from benchmarks.peers.signed_slack import block_text, button, new_ts
from benchmarks.peers.slack_web_api import MockSlackWebApi
from bot.chat_text import UI_FILE, chat_text
from tests.slack.agent_payloads import (
    agent_dm,
    click_feedback,
    feedback_element,
    messages_tab_opened,
)
from tests.slack.conftest import Served
from tests.slack.test_slack_threads import rich_text_mention

pytestmark = pytest.mark.integration

MANIFEST = Path(__file__).parents[2] / "adapters" / "slack" / "manifest.yaml"
COVERED = "How do we move a pilot into production?"
STATUS = "assistant.threads.setStatus"


def calls(web_api: MockSlackWebApi) -> list[str]:
    return [c.method for c in web_api.calls if c.status == 200]


# --- the manifest ----------------------------------------------------------------------------


def test_manifest_turns_on_the_agent_experience_with_the_scopes_and_events_it_needs() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    features = manifest["features"]

    assert features["agent_view"]["agent_description"].strip()
    assert features["app_home"]["messages_tab_enabled"] is True
    assert features["app_home"]["messages_tab_read_only_enabled"] is False
    # The manifest's prompts are the ones knowledge/ui.yaml words (and the advisor sets).
    wording = yaml.safe_load(UI_FILE.read_text(encoding="utf-8"))["chat"]["suggested_prompts"]
    assert features["agent_view"]["suggested_prompts"] == wording
    assert {"assistant:write", "chat:write", "users:read", "im:history"} <= set(
        manifest["oauth_config"]["scopes"]["bot"]
    )
    assert {"message.im", "app_home_opened", "app_mention"} <= set(
        manifest["settings"]["event_subscriptions"]["bot_events"]
    )


# --- the Messages tab -------------------------------------------------------------------------


async def test_opening_the_messages_tab_suggests_prompts_among_them_a_quick_scale_check(
    served: Served, web_api: MockSlackWebApi
) -> None:
    assert (await served.slack.event(messages_tab_opened("U1"))).status == 200

    (suggested,) = await web_api.wait_for_calls("assistant.threads.setSuggestedPrompts", 1)
    assert suggested.params["channel_id"] == "D0U1"
    # For an agent_view app Slack drops a call that names a thread.
    assert "thread_ts" not in suggested.params
    assert suggested.params["title"] == chat_text().suggested_prompts_title
    prompts = suggested.params["prompts"]
    assert 1 <= len(prompts) <= 4
    assert {"title": "Run a quick scale check", "message": "scale-check quick"} in prompts
    assert web_api.calls_to("views.publish") == []  # the Home tab was not opened

    # Choosing the prompt sends its message: the quick check starts in that chat's thread.
    event = agent_dm("scale-check quick", user="U1")
    await served.slack.event(event)
    (question,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert question.params["thread_ts"] == event["ts"]
    assert "Question 1 of 7" in block_text(question.params["blocks"])


# --- the status while an answer is prepared --------------------------------------------------


async def test_the_status_shows_in_an_agent_dm_and_in_a_channel_thread_until_the_answer(
    served: Served, web_api: MockSlackWebApi
) -> None:
    dm = agent_dm(COVERED, user="U1")
    await served.slack.event(dm)
    await web_api.wait_for_calls("chat.postMessage", 1)
    parent = new_ts()
    in_thread = rich_text_mention(COVERED, user="U2", channel="C1", thread_ts=parent)
    await served.slack.event(in_thread)
    await web_api.wait_for_calls("chat.postMessage", 2)
    await served.stop()  # whatever is still in flight lands

    statuses = [(c.params["channel_id"], c.params["thread_ts"]) for c in web_api.calls_to(STATUS)]
    assert statuses == [("D0U1", dm["ts"]), ("C1", parent)]
    assert {c.params["status"] for c in web_api.calls_to(STATUS)} == {
        "is reading the guidance\u2026"
    }
    order = calls(web_api)
    first_post = order.index("chat.postMessage")
    assert order.index(STATUS) < first_post  # shown before the answer, never after it
    assert STATUS not in order[order.index("chat.postMessage", first_post + 1) :]
    posts = web_api.calls_to("chat.postMessage")
    assert [(p.params["channel"], p.params["thread_ts"]) for p in posts] == [
        ("D0U1", dm["ts"]),
        ("C1", parent),
    ]


async def test_a_status_slack_refuses_is_logged_and_the_answer_still_comes(
    served: Served, web_api: MockSlackWebApi, caplog: pytest.LogCaptureFixture
) -> None:
    web_api.fail(STATUS, "missing_scope")
    caplog.set_level(logging.INFO, logger="scale_advisor.slack")

    await served.slack.event(rich_text_mention(COVERED, user="U1", channel="C1"))
    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    await served.stop()

    assert "*Sources*" in block_text(post.params["blocks"])
    assert "Slack assistant.threads.setStatus failed: missing_scope" in caplog.messages
    assert len(web_api.calls_to(STATUS, ok_only=False)) == 1  # no clearing of what never showed


async def test_the_status_is_cleared_when_no_answer_could_be_posted(
    served: Served, web_api: MockSlackWebApi
) -> None:
    web_api.fail("chat.postMessage", "not_in_channel", channel="C9")
    event = rich_text_mention(COVERED, user="U1", channel="C9")

    await served.slack.event(event)
    await web_api.wait_for(lambda api: len(api.calls_to(STATUS)) == 2)
    await served.stop()

    shown, cleared = web_api.calls_to(STATUS)
    assert shown.params["status"] and cleared.params["status"] == ""
    assert cleared.params["thread_ts"] == shown.params["thread_ts"] == event["ts"]
    assert calls(web_api)[-1] == STATUS  # cleared after the post failed


# --- native feedback -----------------------------------------------------------------------------


async def test_native_feedback_buttons_record_the_vote_on_the_answer(
    served: Served, web_api: MockSlackWebApi
) -> None:
    event = rich_text_mention(COVERED, user="U1", channel="C1")
    await served.slack.event(event)
    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    votes = feedback_element(post.params["blocks"])
    assert "feedback:up" not in str(post.params["blocks"])  # one set of votes
    where = {
        "user": "U1",
        "channel": "C1",
        "message_ts": post.result["ts"],
        "thread_ts": event["ts"],
    }

    assert await click_feedback(served.slack, votes, True, **where) == 200
    (thanks,) = await web_api.wait_for_calls("chat.postEphemeral", 1)
    assert thanks.params["user"] == "U1" and "Thanks" in block_text(thanks.params["blocks"])
    (vote,) = served.advisor.store.feedback()
    assert (vote["user"], vote["vote"], vote["question"]) == ("U1", "up", COVERED)
    recorded = served.advisor.store.get_answer(vote["answer_id"])
    assert recorded is not None and recorded["question"] == COVERED

    assert await click_feedback(served.slack, votes, False, **where) == 200
    await web_api.wait_for_calls("chat.postEphemeral", 2)
    (vote,) = served.advisor.store.feedback()
    assert vote["vote"] == "down"  # the second vote replaces the first


async def test_a_slack_that_refuses_native_feedback_gets_the_classic_buttons_once(
    served: Served, web_api: MockSlackWebApi
) -> None:
    web_api.refuse_blocks("context_actions")
    event = rich_text_mention(COVERED, user="U1", channel="C1")

    await served.slack.event(event)
    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    await served.stop()

    refused = web_api.calls_to("chat.postMessage", ok_only=False)
    assert len(refused) == 2 and refused[0].status == 400  # tried natively, then classic
    assert block_text(post.params["blocks"]) == block_text(refused[0].params["blocks"])
    answer_id = button(post.params["blocks"], "feedback:up")["value"]
    assert served.advisor.store.get_answer(answer_id) is not None
