"""Slack end to end: signed requests into the served app over HTTP, replies at a mock Web API.

Each test starts ``adapters.http.server.build_web_app`` on a loopback port with Slack
configured, plays Slack's side with signed requests (``signed_slack``), and reads
what the advisor sent from the recording mock Web API (``benchmarks.peers.slack_web_api``). Stopping
the served app waits for work in flight, so "nothing was sent" can be asserted
without sleeping.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import urlencode

import pytest

from adapters.composition import utc_now
from benchmarks.peers.signed_slack import (
    FORM,
    JSON,
    block_text,
    button,
    direct_message,
    mention,
    message,
    new_event_id,
    new_ts,
)
from benchmarks.peers.slack_web_api import (
    BOT_USER_ID,
    PNG_SIGNATURE,
    TEAM_ID,
    Call,
    MockSlackWebApi,
)
from bot.messages import Action, ActionKind, QuestionReply, ResultReply
from tests.slack.agent_payloads import feedback_answer_id
from tests.slack.conftest import Served, ServeFactory

pytestmark = pytest.mark.integration

USER = ("slack", TEAM_ID, "U1")
COVERED = "How do we move a pilot into production?"
NOT_COVERED = "What is the best recipe for lasagne?"


def text_of(call: Call) -> str:
    return block_text(call.params["blocks"])


async def answer_quick_check(
    served: Served, web_api: MockSlackWebApi, question: Call, answers: int, option: int = 2
) -> Call:
    """Click ``option`` on ``answers`` questions in turn, starting from the posted ``question``."""
    ts = question.result["ts"]
    blocks = question.params["blocks"]
    latest = question
    for _ in range(answers):
        done = len(web_api.calls_to("chat.update"))
        value = button(blocks, f"assess_answer:{option}")["value"]
        response = await served.slack.click(
            f"assess_answer:{option}", value, user="U1", channel="C1", message_ts=ts
        )
        assert response.status == 200
        latest = (await web_api.wait_for_calls("chat.update", done + 1))[-1]
        assert latest.params["ts"] == ts  # the clicked message is updated in place
        blocks = latest.params["blocks"]
    return latest


# --- questions -----------------------------------------------------------------------------------


async def test_mention_is_answered_in_its_thread_with_sources_and_feedback(
    served: Served, web_api: MockSlackWebApi
) -> None:
    event = mention(COVERED, channel="C1")

    response = await served.slack.event(event)

    assert response.status == 200
    assert response.seconds < 3
    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert post.params["channel"] == "C1"
    assert post.params["thread_ts"] == event["ts"]
    assert post.params["_token"] == "Bearer xoxb-test"
    text = text_of(post)
    assert "*Sources*" in text
    assert "[1] " in text and " \u203a " in text  # numbered: document title › section
    # Slack's native feedback buttons, both voting on this answer.
    recorded = served.advisor.store.get_answer(feedback_answer_id(post.params["blocks"]))
    assert recorded is not None
    assert recorded["question"] == COVERED  # the <@mention> is stripped


async def test_mention_inside_a_thread_is_answered_in_that_thread(
    served: Served, web_api: MockSlackWebApi
) -> None:
    parent = new_ts()

    await served.slack.event(mention(COVERED, thread_ts=parent))

    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert post.params["thread_ts"] == parent


async def test_direct_message_is_answered_in_its_own_thread_in_the_dm(
    served: Served, web_api: MockSlackWebApi
) -> None:
    event = direct_message("What does an ML platform need?")

    await served.slack.event(event)

    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert post.params["channel"] == event["channel"]
    assert post.params["thread_ts"] == event["ts"]  # as in Slack's agent messaging experience
    assert "*Sources*" in text_of(post)


async def test_follow_up_in_the_thread_is_answered_without_a_mention(
    served: Served, web_api: MockSlackWebApi
) -> None:
    first = mention(COVERED, channel="C1")
    await served.slack.event(first)
    await web_api.wait_for_calls("chat.postMessage", 1)

    follow_up = message("And what should we monitor once it is live?", thread_ts=first["ts"])
    await served.slack.event(follow_up)

    posts = await web_api.wait_for_calls("chat.postMessage", 2)
    assert posts[1].params["thread_ts"] == first["ts"]
    thread_key = f"slack|{TEAM_ID}|C1|{first['ts']}"
    turns = served.advisor.store.recent_turns(thread_key, 10, 3600, utc_now())
    assert [role for role, _ in turns] == ["user", "assistant", "user", "assistant"]
    # It leans on "it": remembered with the topic it leaned on, so a chain keeps it.
    assert turns[2][1] == f"{follow_up['text']} {COVERED}"


async def test_a_new_question_in_the_thread_is_answered_on_its_own(
    served: Served, web_api: MockSlackWebApi
) -> None:
    first = mention("What is the EU AI Act's high-risk category?", channel="C1")
    await served.slack.event(first)
    await web_api.wait_for_calls("chat.postMessage", 1)

    question = "What is MLOps level 2?"
    await served.slack.event(message(question, thread_ts=first["ts"]))

    posts = await web_api.wait_for_calls("chat.postMessage", 2)
    alone = served.advisor.knowledge.answerer.answer(question)
    assert alone.covered and alone.sources[0].section in text_of(posts[1])
    assert "EU AI Act" not in text_of(posts[1])


async def test_posts_the_advisor_was_not_asked_about_are_left_alone(
    served: Served, web_api: MockSlackWebApi
) -> None:
    await served.slack.event(message("Lunch at noon?"))  # top level, no mention
    await served.slack.event(message("Sounds good", thread_ts=new_ts()))  # a thread it never joined

    await served.stop()  # waits for work in flight

    assert web_api.messages == []


async def test_not_covered_question_says_so_with_suggestions_and_no_sources(
    served: Served, web_api: MockSlackWebApi
) -> None:
    await served.slack.event(mention(NOT_COVERED))

    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    text = text_of(post)
    assert "isn't something my knowledge base covers" in text
    assert "You could ask" in text and "\u2022 " in text
    assert "*Sources*" not in text
    assert "[1]" not in text


async def test_mention_delivered_as_both_app_mention_and_message_is_answered_once(
    served: Served, web_api: MockSlackWebApi
) -> None:
    event = mention(COVERED, channel="C1")
    as_message = {**event, "type": "message", "channel_type": "channel"}

    await asyncio.gather(served.slack.event(event), served.slack.event(as_message))
    await web_api.wait_for_calls("chat.postMessage", 1)
    await served.stop()

    assert len(web_api.messages) == 1


async def test_attachments_are_noted_and_the_text_still_answered(
    served: Served, web_api: MockSlackWebApi
) -> None:
    files = [{"id": "F1", "name": "architecture.png", "mimetype": "image/png"}]
    await served.slack.event(
        direct_message("What does an ML platform need?", files=files, subtype="file_share")
    )

    note, answer = await web_api.wait_for_calls("chat.postMessage", 2)
    assert "can't read attachments" in text_of(note)
    assert "*Sources*" in text_of(answer)

    await served.slack.event(direct_message("", files=files, subtype="file_share"))
    await served.stop()
    assert len(web_api.messages) == 3  # a file alone gets the note only
    assert "can't read attachments" in text_of(web_api.messages[2])


async def test_messages_from_bots_and_from_itself_are_ignored(
    served: Served, web_api: MockSlackWebApi
) -> None:
    await served.slack.event(direct_message("Beep, a report", bot_id="B0OTHER"))
    bot_post = direct_message("Beep", subtype="bot_message", bot_id="B0OTHER")
    await served.slack.event(bot_post)
    await served.slack.event(direct_message("My own answer", user=BOT_USER_ID))
    await served.slack.event(mention(COVERED, bot_id="B0OTHER"))
    await served.slack.event(direct_message("Edited", subtype="message_changed"))

    await served.stop()

    assert web_api.messages == []


# --- the assessment ------------------------------------------------------------------------------


async def test_scale_check_quick_runs_through_buttons_to_the_result_with_chart(
    served: Served, web_api: MockSlackWebApi
) -> None:
    response = await served.slack.command("quick", user="U1", channel="C1")
    assert response.status == 200
    assert response.seconds < 3

    (question,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert question.params["channel"] == "C1"
    assert "Question 1 of 7" in text_of(question)
    options = [e for e in question.params["blocks"] if e.get("accessory")]
    assert len(options) == 5  # one button per option
    ts = question.result["ts"]

    third = await answer_quick_check(served, web_api, question, answers=3)
    assert "Question 4 of 7" in text_of(third)
    back = button(third.params["blocks"], "assess_back")
    await served.slack.click("assess_back", back["value"], user="U1", channel="C1", message_ts=ts)
    again = (await web_api.wait_for_calls("chat.update", 4))[-1]
    assert "Question 3 of 7" in text_of(again)
    assert button(again.params["blocks"], "assess_answer:2")["text"]["text"] == "\u2713 Chosen"

    result = await answer_quick_check(served, web_api, again, answers=5)

    assert result.params["ts"] == ts
    text = text_of(result)
    assert result.params["blocks"][0]["text"]["text"] == "Your scale check result"
    for label in ("*Phase*", "*MLOps level*", "*Operating model*", "*Dimension scores*"):
        assert label in text
    assert "*Recommended next actions*" in text and "_Source:_" in text
    ask = button(result.params["blocks"], "ask:1")
    assert ask["text"]["text"] == "Ask about this"

    (complete,) = await web_api.wait_for_calls("files.completeUploadExternal", 1)
    assert complete.params["channel_id"] == "C1"
    (upload_url,) = web_api.calls_to("files.getUploadURLExternal")
    (file_id,) = web_api.uploads
    chart = web_api.uploads[file_id]
    assert chart.startswith(PNG_SIGNATURE)
    assert int(upload_url.params["length"]) == len(chart)
    assert served.advisor.store.latest_result(USER) is not None

    # "Ask about this" asks the advisor the recommendation's question, in the result's thread.
    await served.slack.click("ask:1", ask["value"], user="U1", channel="C1", message_ts=ts)
    posts = await web_api.wait_for_calls("chat.postMessage", 2)
    assert posts[1].params["thread_ts"] == ts
    assert feedback_answer_id(posts[1].params["blocks"])


async def test_assessment_survives_a_server_restart(
    serve: ServeFactory, web_api: MockSlackWebApi, tmp_path: Any
) -> None:
    data_dir = tmp_path / "shared-state"
    first = await serve(data_dir)
    await first.slack.command("quick", user="U1", channel="C1")
    (question,) = await web_api.wait_for_calls("chat.postMessage", 1)
    fourth = await answer_quick_check(first, web_api, question, answers=3)
    assert "Question 4 of 7" in text_of(fourth)

    await first.stop()
    second = await serve(data_dir)  # a new process: new advisor, same data dir
    result = await answer_quick_check(second, web_api, fourth, answers=4)

    assert result.params["blocks"][0]["text"]["text"] == "Your scale check result"
    await web_api.wait_for_calls("files.completeUploadExternal", 1)
    history = second.advisor.store.history(USER)
    assert len(history) == 1 and len(history[0].answers) == 7


async def test_stale_and_foreign_clicks_are_refused_without_touching_the_message(
    served: Served, web_api: MockSlackWebApi
) -> None:
    await served.slack.command("quick", user="U1", channel="C1")
    (question,) = await web_api.wait_for_calls("chat.postMessage", 1)
    ts = question.result["ts"]
    old_value = button(question.params["blocks"], "assess_answer:1")["value"]
    await answer_quick_check(served, web_api, question, answers=1)

    await served.slack.click("assess_answer:1", old_value, user="U1", channel="C1", message_ts=ts)
    (stale,) = await web_api.wait_for_calls("chat.postEphemeral", 1)
    assert stale.params["user"] == "U1"
    assert "earlier question" in text_of(stale)

    await served.slack.click("assess_restart", old_value, user="U2", channel="C1", message_ts=ts)
    await served.stop()

    assert len(web_api.calls_to("chat.update")) == 1  # only U1's own answer changed it
    assert all(c.params.get("ts") == ts for c in web_api.calls_to("chat.update"))
    assert len(web_api.messages) == 2  # U2's restart started U2's own run, posted beside


async def test_scale_check_usage_and_a_channel_it_cannot_post_in(
    served: Served, web_api: MockSlackWebApi
) -> None:
    usage = await served.slack.command("banana")
    assert usage.status == 200
    assert "/scale-check quick" in usage.text  # the ack itself, shown to the user alone

    web_api.fail("chat.postMessage", "not_in_channel", channel="C9")
    await served.slack.command("quick", user="U1", channel="C9")

    (dm,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert dm.params["channel"] == "U1"  # the DM with the user
    assert "Question 1 of 7" in text_of(dm)
    (note,) = await web_api.wait_for_calls("response_url", 1)
    assert "direct messages" in note.params["text"]


async def test_feedback_votes_are_stored_with_question_answer_and_user(
    served: Served, web_api: MockSlackWebApi
) -> None:
    event = mention(COVERED, channel="C1")
    await served.slack.event(event)
    (post,) = await web_api.wait_for_calls("chat.postMessage", 1)
    answer_id = feedback_answer_id(post.params["blocks"])
    where = {
        "user": "U1",
        "channel": "C1",
        "message_ts": post.result["ts"],
        "thread_ts": event["ts"],
    }

    # The classic buttons (older answers, and Slacks that refuse the native ones) still vote.
    await served.slack.click("feedback:up", answer_id, **where)

    (thanks,) = await web_api.wait_for_calls("chat.postEphemeral", 1)
    assert thanks.params["user"] == "U1"
    assert thanks.params["thread_ts"] == event["ts"]
    assert "Thanks" in text_of(thanks)
    (vote,) = served.advisor.store.feedback()
    assert (vote["user"], vote["vote"], vote["answer_id"]) == ("U1", "up", answer_id)
    assert vote["question"] == COVERED and vote["answer"]

    await served.slack.click("feedback:down", answer_id, **where)
    await web_api.wait_for_calls("chat.postEphemeral", 2)
    (vote,) = served.advisor.store.feedback()
    assert vote["vote"] == "down"  # a second vote replaces the first


async def test_app_home_shows_how_to_use_and_the_latest_result(
    served: Served, web_api: MockSlackWebApi
) -> None:
    opened = {"type": "app_home_opened", "user": "U1", "channel": "D0U1", "tab": "home"}

    await served.slack.event({**opened, "event_ts": new_ts()})

    (empty,) = await web_api.wait_for_calls("views.publish", 1)
    assert empty.params["user_id"] == "U1"
    assert empty.params["view"]["type"] == "home"
    assert "/scale-check" in block_text(empty.params["view"]["blocks"])
    assert "not finished a scale check" in block_text(empty.params["view"]["blocks"])

    service = served.advisor.assessment
    (reply,) = service.start(USER, "quick")
    while isinstance(reply, QuestionReply):
        ref = f"{reply.assessment_id}:{reply.question_id}"
        (reply,) = service.handle_action(USER, Action(ActionKind.ASSESS_ANSWER, "3", ref))
    assert isinstance(reply, ResultReply)
    await served.slack.event({**opened, "event_ts": new_ts()})

    _, home = await web_api.wait_for_calls("views.publish", 2)
    blocks = home.params["view"]["blocks"]
    text = block_text(blocks)
    assert "Your latest scale check" in text
    assert reply.phase in text
    assert button(blocks, "ask:1")

    start = button(blocks, "assess_start:quick")
    await served.slack.click("assess_start:quick", start["value"], user="U1", channel=None)
    (question,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert question.params["channel"] == "U1"  # a click in App Home continues in the DM
    assert "Question 1 of 7" in text_of(question)


# --- Slack's rules -------------------------------------------------------------------------------


async def test_forged_stale_and_unsigned_requests_get_401_and_no_processing(
    served: Served, web_api: MockSlackWebApi
) -> None:
    forged = await served.slack.event(mention(COVERED), secret="not-the-secret")
    stale = await served.slack.event(mention(COVERED), timestamp=int(time.time()) - 6 * 60)
    unsigned = await served.slack.event(mention(COVERED), signed=False)
    command = await served.slack.post(
        served.slack.command_body("quick", "U1", "C1"), FORM, secret="not-the-secret"
    )
    garbled = await served.slack.event(
        mention(COVERED), headers={"X-Slack-Request-Timestamp": "yesterday"}, signed=False
    )

    statuses = [r.status for r in (forged, stale, unsigned, command, garbled)]
    assert statuses == [401] * 5
    await served.stop()
    assert web_api.calls == []  # not even auth.test: nothing was processed


async def test_slack_retries_never_produce_a_second_reply(
    served: Served, web_api: MockSlackWebApi
) -> None:
    event, event_id = mention(COVERED), new_event_id()

    # The first delivery and an immediate retry race; a later retry comes after the answer.
    first, retry = await asyncio.gather(
        served.slack.event(event, event_id=event_id),
        served.slack.event(event, event_id=event_id, retry_num=1),
    )
    await web_api.wait_for_calls("chat.postMessage", 1)
    late = await served.slack.event(event, event_id=event_id, retry_num=2)

    # The event id alone settles it (an App Home event carries no message to de-dup on).
    opened = {"type": "app_home_opened", "user": "U1", "tab": "home", "event_ts": new_ts()}
    home_id = new_event_id()
    await served.slack.event(opened, event_id=home_id)
    await web_api.wait_for_calls("views.publish", 1)
    home_retry = await served.slack.event(opened, event_id=home_id, retry_num=1)

    assert [first.status, retry.status, late.status, home_retry.status] == [200] * 4
    await served.stop()
    assert len(web_api.messages) == 1
    assert len(web_api.calls_to("views.publish")) == 1


async def test_rate_limited_post_is_retried_after_retry_after_and_delivered_once(
    served: Served, web_api: MockSlackWebApi
) -> None:
    web_api.rate_limit("chat.postMessage", times=1)

    await served.slack.event(mention(COVERED))

    await web_api.wait_for_calls("chat.postMessage", 1)
    limited, delivered = web_api.calls_to("chat.postMessage", ok_only=False)
    assert (limited.status, delivered.status) == (429, 200)
    assert delivered.at - limited.at >= 1.0  # Retry-After: 1 was honoured
    await served.stop()
    assert len(web_api.messages) == 1


MALFORMED: list[tuple[str, bytes | str, str, int]] = [
    ("empty body", b"", JSON, 400),
    ("bad JSON", b'{"type": "event_callback", ', JSON, 400),
    ("not UTF-8", b'{"type": "\xff\xfe"}', JSON, 400),
    ("a JSON array", b"[1, 2, 3]", JSON, 400),
    ("no type", b'{"event_id": "Ev1"}', JSON, 400),
    ("event without event", json.dumps({"type": "event_callback", "event_id": "Ev1"}), JSON, 400),
    ("event without id", json.dumps({"type": "event_callback", "event": {"type": "x"}}), JSON, 400),
    ("deeply nested", b"[" * 50_000 + b"]" * 50_000, JSON, 400),
    ("wrong content type", b"hello", "text/plain", 415),
    ("no content type", b"hello", "", 415),
    ("form of nothing we know", "a=1&b=2", FORM, 400),
    ("payload not JSON", urlencode({"payload": "{oops"}), FORM, 400),
    ("payload without type", urlencode({"payload": "{}"}), FORM, 400),
    (
        "block_actions without actions",
        urlencode({"payload": json.dumps({"type": "block_actions", "user": {"id": "U1"}})}),
        FORM,
        400,
    ),
    ("command without user", urlencode({"command": "/scale-check", "team_id": "T"}), FORM, 400),
    ("too large", b"{" + b" " * (2 * 1024 * 1024) + b"}", JSON, 413),
]


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [case[1:] for case in MALFORMED],
    ids=[case[0] for case in MALFORMED],
)
async def test_malformed_bodies_get_a_4xx_and_a_log_line(
    served: Served,
    web_api: MockSlackWebApi,
    caplog: pytest.LogCaptureFixture,
    body: bytes | str,
    content_type: str,
    status: int,
) -> None:
    caplog.set_level(logging.WARNING)

    response = await served.slack.post(body, content_type)

    assert response.status == status
    assert "Traceback" not in response.text
    if status != 413:  # aiohttp refuses an oversized body before the handler runs
        assert any("Slack: rejected" in r.getMessage() for r in caplog.records)
    await served.stop()
    assert web_api.calls == []


async def test_url_verification_is_answered_with_the_challenge(served: Served) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "c-123", "token": "legacy"})

    response = await served.slack.post(body, JSON)

    assert response.status == 200
    assert "c-123" in response.text


async def test_acks_are_fast_while_answers_are_being_composed(
    served: Served, web_api: MockSlackWebApi
) -> None:
    await served.slack.event(mention(COVERED))  # warm: bolt's one auth.test
    await web_api.wait_for_calls("chat.postMessage", 1)

    responses = await asyncio.gather(
        *(served.slack.event(mention(f"{COVERED} ({n})")) for n in range(20))
    )

    assert all(r.status == 200 for r in responses)
    assert max(r.seconds for r in responses) < 2.0  # answers take far longer: acks did not wait
    await web_api.wait_for_calls("chat.postMessage", 21)


async def test_socket_mode_replaces_the_http_endpoint(
    advisor_factory: Any, web_api: MockSlackWebApi
) -> None:
    from adapters.http.server import build_web_app

    settings = {"slack_bot_token": "xoxb-test", "slack_api_url": web_api.base_url}
    http_mode = await build_web_app(advisor_factory(slack_signing_secret="s3cret", **settings))
    socket_mode = await build_web_app(advisor_factory(slack_app_token="xapp-test", **settings))

    def paths(app: Any) -> set[str]:
        return {route.resource.canonical for route in app.router.routes()}

    assert "/slack/events" in paths(http_mode)
    assert "/slack/events" not in paths(socket_mode)  # it connects out instead (not started here)
    assert web_api.calls == []
