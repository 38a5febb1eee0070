"""Translating Slack payloads: mentions, threads, bots, button ids and request checks."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from adapters.slack import buttons
from adapters.slack.inbound import (
    Place,
    click_inbound,
    click_origin,
    is_from_person,
    mentions_others,
    message_inbound,
    message_place,
    strip_mention,
    workspace_key,
)
from adapters.slack.payloads import FORM_TYPE, JSON_TYPE, Accepted, check_request
from bot.messages import Action, ActionKind, step_ref


def test_strip_mention_removes_only_the_advisor() -> None:
    text = "<@UADVISOR> how do we scale? cc <@U2> <@UADVISOR|advisor>"

    assert strip_mention(text, "UADVISOR") == "how do we scale? cc <@U2>"
    assert strip_mention("  no   mention ", None) == "no mention"


def test_every_message_is_answered_in_its_thread_in_channels_and_dms_alike() -> None:
    top = {"channel": "C1", "ts": "10.1", "user": "U1", "text": "<@UB> hi"}
    reply = {**top, "ts": "11.1", "thread_ts": "10.1"}
    dm = {"channel": "D1", "channel_type": "im", "ts": "12.1", "user": "U1", "text": "hi"}

    assert message_place(top) == Place("C1", "10.1")
    assert message_place(reply) == Place("C1", "10.1")
    assert message_place(dm) == Place("D1", "12.1")  # each DM its own thread, as in agent view
    assert message_place({**dm, "ts": "13.1", "thread_ts": "12.1"}) == Place("D1", "12.1")
    inbound = message_inbound("T1", top, "UB")
    assert (inbound.workspace, inbound.user, inbound.text) == ("T1", "U1", "hi")
    assert inbound.thread_key == "slack|T1|C1|10.1"
    assert message_inbound("T1", reply, "UB").thread_key == inbound.thread_key


@pytest.mark.parametrize(
    ("text", "others"),
    [
        ("what about monitoring?", False),
        ("<@UB> what about monitoring?", False),
        ("<@UB|advisor> and the registry?", False),
        ("<@U2> what do you think?", True),
        ("<@W2|ana> can you check?", True),
        ("<!here> any thoughts?", True),
        ("<!subteam^S123|platform> can you own this?", True),
        ("<!channel>", True),
    ],
)
def test_mentions_of_other_people_groups_and_the_channel(text: str, others: bool) -> None:
    assert mentions_others(text, "UB") is others


@pytest.mark.parametrize(
    ("enterprise", "team", "org_wide", "key"),
    [
        (None, "T1", False, "T1"),  # a workspace install
        ("E1", "T1", False, "T1"),  # a workspace install inside an Enterprise Grid org
        ("E1", None, True, "E1"),  # an org-wide install's event: no team at all
        ("E1", "T1", True, "E1"),  # its slash command or click: the workspace it came from
        ("E1", None, None, "E1"),
        (None, None, None, ""),
    ],
)
def test_workspace_key_is_the_org_for_org_wide_installs(
    enterprise: str | None, team: str | None, org_wide: bool | None, key: str
) -> None:
    assert workspace_key(enterprise, team, org_wide) == key


@pytest.mark.parametrize(
    ("event", "person"),
    [
        ({"user": "U1", "text": "hi"}, True),
        ({"user": "U1", "subtype": "file_share"}, True),
        ({"user": "U1", "subtype": "thread_broadcast"}, True),
        ({"user": "U1", "bot_id": "B1"}, False),
        ({"subtype": "bot_message", "bot_id": "B1"}, False),
        ({"user": "U1", "subtype": "message_changed"}, False),
        ({"user": "U1", "subtype": "channel_join"}, False),
        ({"text": "no user"}, False),
    ],
)
def test_only_people_writing_are_answered(event: dict[str, str], person: bool) -> None:
    assert is_from_person(event) is person


def test_click_on_a_message_and_in_app_home() -> None:
    on_message = {
        "user": {"id": "U1"},
        "team": {"id": "T1"},
        "channel": {"id": "C1"},
        "container": {"type": "message", "message_ts": "20.1", "channel_id": "C1"},
        "message": {"ts": "20.1"},
    }
    in_home = {"user": {"id": "U1", "team_id": "T1"}, "container": {"type": "view"}}

    origin = click_origin("T1", on_message)
    assert origin.on_message and origin.place == Place("C1", "20.1")
    assert origin.beside == Place("C1", None)
    home = click_origin("T1", in_home)
    assert not home.on_message and home.place == Place("U1") and home.workspace == "T1"
    inbound = click_inbound(origin, text="What is a risk tier?")
    assert (inbound.conversation, inbound.thread, inbound.text) == (
        "C1",
        "20.1",
        "What is a risk tier?",
    )


def test_button_ids_round_trip_to_actions() -> None:
    ref = step_ref("run1", "q1")

    assert buttons.decode(buttons.answer_option(3), ref) == buttons.Click(
        Action(ActionKind.ASSESS_ANSWER, "3", ref)
    )
    assert buttons.decode("assess_back", ref) == buttons.Click(
        Action(ActionKind.ASSESS_BACK, "", ref)
    )
    assert buttons.decode(buttons.start_assessment("quick"), "quick") == buttons.Click(
        Action(ActionKind.ASSESS_START, "quick")
    )
    assert buttons.decode(buttons.feedback("down"), "ans1") == buttons.Click(
        Action(ActionKind.FEEDBACK, "down", "ans1")
    )
    assert buttons.decode(buttons.ask_about(2), "What next?") == buttons.Click(ask="What next?")
    assert buttons.decode("somebody_elses_button", "x") is None
    assert buttons.decode(buttons.ask_about(1), "  ") is None
    for action_id in (
        "assess_answer:0",
        "assess_restart",
        "feedback:up",
        "ask:12",
        "assess_start:full",
    ):
        assert buttons.ACTION_ID_PATTERN.match(action_id)
    assert not buttons.ACTION_ID_PATTERN.match("other:1")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            JSON_TYPE,
            json.dumps(
                {
                    "type": "event_callback",
                    "event_id": "E",
                    "team_id": "T",
                    "event": {"type": "app_mention"},
                }
            ),
        ),
        (JSON_TYPE, json.dumps({"type": "url_verification", "challenge": "c"})),
        (
            FORM_TYPE,
            urlencode(
                {
                    "command": "/scale-check",
                    "user_id": "U",
                    "team_id": "T",
                    "channel_id": "C",
                    "text": "",
                }
            ),
        ),
        (
            FORM_TYPE,
            urlencode(
                {
                    "payload": json.dumps(
                        {
                            "type": "block_actions",
                            "user": {"id": "U"},
                            "actions": [{"action_id": "ask:1"}],
                        }
                    )
                }
            ),
        ),
        (FORM_TYPE, urlencode({"ssl_check": "1", "token": "t"})),
    ],
)
def test_well_formed_requests_pass_the_checks(content_type: str, body: str) -> None:
    assert isinstance(check_request(content_type, body.encode()), Accepted)
