"""Slack threads and org-wide installs, end to end with the payload shapes Slack sends.

A thread with several people in it: the advisor answers whoever mentions it, and
afterwards only the asker's own questions to it; people talking to each other are
left alone. Admins can turn those follow-ups off per channel. On an org-wide
(Enterprise Grid) install, events name no team and commands and clicks name the
workspace: results, App Home and votes still meet under the organisation's id.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest

from benchmarks.peers.signed_slack import (
    SignedSlack,
    block_text,
    button,
    mention,
    message,
    new_event_id,
    new_ts,
)
from benchmarks.peers.slack_web_api import BOT_USER_ID, TEAM_ID, MockSlackWebApi
from bot.messages import ResultReply
from tests.slack.agent_payloads import click_feedback, feedback_element
from tests.slack.conftest import Served

pytestmark = pytest.mark.integration

COVERED = "How do we move a pilot into production?"
ENTERPRISE_ID = "E0ORG"


def rich_text_mention(text: str, **where: Any) -> dict[str, Any]:
    """An ``app_mention`` as Slack sends it today: the text and its rich_text blocks."""
    event = mention(text, **where)
    event["blocks"] = [
        {
            "type": "rich_text",
            "block_id": "rt1",
            "elements": [
                {
                    "type": "rich_text_section",
                    "elements": [
                        {"type": "user", "user_id": BOT_USER_ID},
                        {"type": "text", "text": f" {text}"},
                    ],
                }
            ],
        }
    ]
    event["team"] = TEAM_ID
    return event


async def settle(served: Served) -> None:
    """Wait until every event so far is handled: stopping drains the work in flight."""
    await served.stop()


async def test_in_a_busy_thread_only_the_askers_questions_are_answered(
    served: Served, web_api: MockSlackWebApi
) -> None:
    first = rich_text_mention(COVERED, user="U1", channel="C1")
    await served.slack.event(first)
    await web_api.wait_for_calls("chat.postMessage", 1)
    thread = first["ts"]

    chatter = [
        message("I think we should try this with the claims team", user="U2", thread_ts=thread),
        message("What about monitoring?", user="U2", thread_ts=thread),  # never asked it
        message("agreed, I'll book a slot on Monday", user="U1", thread_ts=thread),
        message("<@U2> can you check the budget for this?", user="U1", thread_ts=thread),
        message("Does anyone know who owns the registry?", user="U1", thread_ts=thread),
        message("thanks!", user="U1", thread_ts=thread),
    ]
    for event in chatter:
        assert (await served.slack.event(event)).status == 200
    follow_up = message("And what should we monitor once it is live?", user="U1", thread_ts=thread)
    await served.slack.event(follow_up)
    await settle(served)

    posts = web_api.messages
    assert len(posts) == 2, [block_text(p.params["blocks"])[:60] for p in posts]
    assert all(p.params["thread_ts"] == thread for p in posts)
    assert "monitor" in block_text(posts[1].params["blocks"]).lower()
    assert not web_api.calls_to("chat.postEphemeral")  # no "not covered" anywhere either


async def test_a_mention_in_someone_elses_thread_makes_only_the_mentioner_an_asker(
    served: Served, web_api: MockSlackWebApi
) -> None:
    root = new_ts()  # a thread U2 started among people; the advisor never took part
    await served.slack.event(message("Kicking off the pilot review", user="U2", ts=root))
    await served.slack.event(mention(COVERED, user="U1", thread_ts=root))
    await web_api.wait_for_calls("chat.postMessage", 1)

    await served.slack.event(message("And how long should that take?", user="U2", thread_ts=root))
    await served.slack.event(message("And how long should that take?", user="U1", thread_ts=root))
    await settle(served)

    posts = web_api.messages
    assert len(posts) == 2 and all(p.params["thread_ts"] == root for p in posts)


async def test_admins_turn_follow_ups_off_and_members_cannot(
    served: Served, web_api: MockSlackWebApi
) -> None:
    web_api.admins.add("UADMIN")
    await served.slack.event(mention("follow-ups on", user="U1", channel="C7"))
    (refused,) = await web_api.wait_for_calls("chat.postMessage", 1)
    assert "Only an admin" in block_text(refused.params["blocks"])
    await served.slack.event(mention("follow-ups off", user="UADMIN", channel="C7"))
    _, turned_off = await web_api.wait_for_calls("chat.postMessage", 2)
    assert "Follow-ups are off" in block_text(turned_off.params["blocks"])
    assert [c.params["user"] for c in web_api.calls_to("users.info")] == ["U1", "UADMIN"]

    asked = mention(COVERED, user="U1", channel="C7")
    await served.slack.event(asked)
    await web_api.wait_for_calls("chat.postMessage", 3)
    await served.slack.event(
        message("And what should we monitor?", user="U1", channel="C7", thread_ts=asked["ts"])
    )
    # Elsewhere follow-ups stay on.
    other = mention(COVERED, user="U1", channel="C8")
    await served.slack.event(other)
    await web_api.wait_for_calls("chat.postMessage", 4)
    await served.slack.event(
        message("And what should we monitor?", user="U1", channel="C8", thread_ts=other["ts"])
    )
    await settle(served)

    threads = [(p.params["channel"], p.params.get("thread_ts")) for p in web_api.messages]
    assert threads[4:] == [("C8", other["ts"])]  # C7's follow-up was left alone


# --- Enterprise Grid: an org-wide install ------------------------------------------------------


class OrgWideSlack(SignedSlack):
    """Slack's side of an org-wide install: payloads name the organisation as Grid does."""

    def envelope(self, event: Any, event_id: str) -> str:
        body = json.loads(super().envelope(event, event_id))
        body["enterprise_id"] = ENTERPRISE_ID
        body["is_ext_shared_channel"] = False
        body["authorizations"] = [
            {
                "enterprise_id": ENTERPRISE_ID,
                "team_id": None,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": True,
            }
        ]
        return json.dumps(body)

    def command_body(self, text: str, user: str, channel: str) -> str:
        fields = {k: v[0] for k, v in parse_qs(super().command_body(text, user, channel)).items()}
        fields.update(enterprise_id=ENTERPRISE_ID, is_enterprise_install="true")
        return urlencode(fields)

    def click_body(self, action_id: str, value: str, **where: Any) -> str:
        payload = json.loads(parse_qs(super().click_body(action_id, value, **where))["payload"][0])
        payload["team"] = None  # org-level interactions name no team
        payload["enterprise"] = {"id": ENTERPRISE_ID, "name": "Org"}
        payload["is_enterprise_install"] = True
        return urlencode({"payload": json.dumps(payload)})


async def test_an_org_wide_install_keeps_results_for_app_home_and_votes(
    served: Served, web_api: MockSlackWebApi
) -> None:
    slack = OrgWideSlack(served.slack.session, served.slack.url, served.slack.response_url)
    assert (await slack.command("quick", user="U1", channel="C1")).status == 200
    (question,) = await web_api.wait_for_calls("chat.postMessage", 1)
    ts, blocks = question.result["ts"], question.params["blocks"]
    for answered in range(1, 8):
        value = button(blocks, "assess_answer:2")["value"]
        await slack.click("assess_answer:2", value, user="U1", channel="C1", message_ts=ts)
        blocks = (await web_api.wait_for_calls("chat.update", answered))[-1].params["blocks"]
    assert "Your scale check" in block_text(blocks) or "Phase" in block_text(blocks)

    key = ("slack", ENTERPRISE_ID, "U1")
    latest = served.advisor.assessment.latest_result(key)
    assert isinstance(latest, ResultReply)

    opened = {"type": "app_home_opened", "user": "U1", "channel": "D0U1", "tab": "home"}
    await slack.event({**opened, "event_ts": new_ts()}, event_id=new_event_id())
    (home,) = await web_api.wait_for_calls("views.publish", 1)
    home_text = block_text(home.params["view"]["blocks"])
    assert "not finished a scale check" not in home_text
    assert latest.phase in home_text

    # A question by mention, and a vote on its answer by click: one user, one key.
    await slack.event(mention(COVERED, user="U1", channel="C1"), event_id=new_event_id())
    posts = await web_api.wait_for_calls("chat.postMessage", 2)
    votes = feedback_element(posts[-1].params["blocks"])
    await click_feedback(slack, votes, True, user="U1", channel="C1", message_ts="1.1")
    deadline = time.monotonic() + 30
    while not served.advisor.store.feedback() and time.monotonic() < deadline:
        await web_api.wait_for(lambda _: True, timeout=0.1)
    [vote] = served.advisor.store.feedback()
    assert (vote["workspace"], vote["user"]) == (ENTERPRISE_ID, "U1")
