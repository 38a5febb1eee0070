"""Bad inputs at every adapter's edge: broken text, huge text, foreign workspaces, odd types.

Each case over real HTTP on loopback: the served app (Slack on its events URL with a
mock Web API, Teams with a local token issuer and a mock connector, the console), and
what the user would see. A lone surrogate (``\\ud800``, which JSON can carry but UTF-8
cannot encode) must not break an answer; a message past the size cap gets a polite
reply and is not stored; events for another workspace or app are refused.
"""

from __future__ import annotations

import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from benchmarks.peers.signed_slack import JSON, direct_message, event_envelope, new_event_id
from benchmarks.peers.slack_web_api import MockSlackWebApi
from benchmarks.peers.teams_activities import personal
from benchmarks.peers.teams_connector import MockConnector
from bot.logs import configure_logging
from tests.conftest import make_settings
from tests.console.conftest import browser_client
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally
from tests.slack.conftest import ServeFactory

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"
BROKEN = QUESTION + " \ud800"  # a lone surrogate: valid in JSON, not encodable as UTF-8
HUGE_CHARS = 880_000
TOO_LONG_WORDS = "too long"  # in knowledge/ui.yaml's too_long reply


def _sent_texts(web_api: MockSlackWebApi) -> list[str]:
    return [str(call.params.get("text", "")) for call in web_api.messages]


# --- Slack ----------------------------------------------------------------------------------


async def test_slack_message_with_a_lone_surrogate_is_answered(
    serve: ServeFactory, web_api: MockSlackWebApi, tally: Tally
) -> None:
    served = await serve()
    response = await served.slack.event(direct_message(BROKEN))
    assert response.status == 200
    await web_api.wait_for(lambda mock: len(mock.messages) >= 1)
    (reply,) = _sent_texts(web_api)
    assert "production" in reply.lower()
    tally.requests(1)
    tally.replies_for(1, len(web_api.messages))


async def test_slack_message_past_the_cap_gets_a_polite_reply_and_is_not_stored(
    serve: ServeFactory, web_api: MockSlackWebApi, tally: Tally, leaks: LeakWatch
) -> None:
    served = await serve()
    huge = leaks.planted() + " " + "x" * HUGE_CHARS
    response = await served.slack.event(direct_message(huge))
    assert response.status == 200
    await web_api.wait_for(lambda mock: len(mock.messages) >= 1)
    (reply,) = _sent_texts(web_api)
    assert TOO_LONG_WORDS in reply.lower()
    assert leaks.markers[0] not in reply
    assert served.advisor.store.answers() == []
    tally.requests(1, refused=1)
    tally.replies_for(1, len(web_api.messages))


@pytest.mark.parametrize(
    ("field", "value"),
    [("team_id", "T0OTHER"), ("api_app_id", "A0OTHER")],
)
async def test_slack_events_for_another_workspace_or_app_are_refused(
    serve: ServeFactory,
    web_api: MockSlackWebApi,
    tally: Tally,
    leaks: LeakWatch,
    field: str,
    value: str,
) -> None:
    served = await serve(slack_allowed_team_ids="T0SCALE", slack_allowed_app_ids="A0SCALE")
    envelope = json.loads(event_envelope(direct_message(leaks.planted(QUESTION)), new_event_id()))
    envelope[field] = value
    refused = await served.slack.post(json.dumps(envelope), JSON)
    allowed = await served.slack.event(direct_message(QUESTION))
    assert refused.status == 403
    assert allowed.status == 200
    await web_api.wait_for(lambda mock: len(mock.messages) >= 1)
    assert len(web_api.messages) == 1  # the allowed one only
    assert all(leaks.markers[0] not in str(a["question"]) for a in served.advisor.store.answers())
    tally.requests(2, refused=1)
    tally.replies_for(1, len(web_api.messages))


@pytest.mark.parametrize(
    ("field", "value"),
    [("channel", None), ("channel", 123), ("user", ["U1"]), ("text", {"a": 1}), ("ts", None)],
)
async def test_slack_event_with_wrongly_typed_fields_is_refused(
    serve: ServeFactory, web_api: MockSlackWebApi, tally: Tally, field: str, value: Any
) -> None:
    served = await serve()
    event = direct_message(QUESTION)
    event[field] = value
    response = await served.slack.event(event)
    assert response.status == 400
    assert field in json.loads(response.text)["error"]
    control = await served.slack.event(direct_message(QUESTION))  # the app still answers
    assert control.status == 200
    await web_api.wait_for(lambda mock: len(mock.messages) >= 1)
    channels = [str(call.params.get("channel")) for call in web_api.messages]
    assert channels == ["D0U1"], channels
    tally.requests(2, refused=1)
    tally.replies_for(1, len(web_api.messages))


# --- Teams ----------------------------------------------------------------------------------


def _card_text(activity: dict[str, Any]) -> str:
    cards = [json.dumps(a.get("content", {})) for a in activity.get("attachments") or []]
    return " ".join([str(activity.get("text") or ""), *cards])


async def test_teams_message_with_a_lone_surrogate_is_answered(
    serve_teams: Any, connector: MockConnector, tally: Tally
) -> None:
    server = await serve_teams()
    status, _ = await server.post(personal(BROKEN, connector.url))
    assert status == 200
    (reply,) = connector.messages
    text = _card_text(reply.body)
    # A real answer: its text cites the sources, which travel as Teams citations.
    assert "Sorry" not in text and "[1]" in text
    assert reply.ai_entity and reply.ai_entity["citation"]
    tally.requests(1)
    tally.replies_for(1, len(connector.messages))


async def test_teams_message_past_the_cap_gets_a_polite_reply_and_is_not_stored(
    serve_teams: Any, connector: MockConnector, tally: Tally, leaks: LeakWatch
) -> None:
    server = await serve_teams()
    huge = leaks.planted() + " " + "x" * HUGE_CHARS
    status, _ = await server.post(personal(huge, connector.url))
    assert status == 200
    (reply,) = connector.messages
    text = _card_text(reply.body)
    assert TOO_LONG_WORDS in text.lower()
    assert leaks.markers[0] not in text
    assert server.advisor.store.answers() == []
    tally.requests(1, refused=1)
    tally.replies_for(1, len(connector.messages))


@pytest.mark.parametrize(
    "value",
    [
        "not an object",
        {"action": "not an object"},
        {"action": {"type": "Action.Execute", "verb": 7, "data": []}},
        {"action": {"type": "Action.Execute", "verb": "unknown", "data": {}}},
    ],
)
async def test_teams_card_invoke_with_a_bad_value_gets_an_invoke_response(
    serve_teams: Any,
    connector: MockConnector,
    tally: Tally,
    caplog: pytest.LogCaptureFixture,
    value: Any,
) -> None:
    server = await serve_teams()
    activity = personal(None, connector.url, value=value)
    activity.update(type="invoke", name="adaptiveCard/action")
    status, body = await server.post(activity)
    assert status in (200, 400), body
    answer = json.loads(body)
    assert answer["statusCode"] in (200, 400)
    assert answer["type"] in (
        "application/vnd.microsoft.error",
        "application/vnd.microsoft.activity.message",
    )
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    tally.requests(1, refused=1)


# --- the console ----------------------------------------------------------------------------


async def test_console_question_with_a_lone_surrogate_is_answered(
    console_server: Any,
    tally: Tally,
) -> None:
    # The JSON escape reaches the server as written: aiohttp's json= would refuse to encode it.
    body = json.dumps({"text": BROKEN})
    async with browser_client(console_server) as client:
        await client.get("/")
        async with client.post(
            "/console/api/ask", data=body, headers={"Content-Type": "application/json"}
        ) as response:
            assert response.status == 200, await response.text()
            data = await response.json()
    texts = " ".join(str(reply.get("text", "")) for reply in data["replies"])
    assert "production" in texts.lower()
    tally.requests(1)
    tally.replies_for(1, len(data["replies"][:1]))


def test_the_core_cleaner_replaces_surrogates_and_drops_controls() -> None:
    """The one cleaner every adapter calls: surrogates replaced, controls dropped, pairs kept."""
    from bot.user_text import clean_text

    assert clean_text("a\ud800b") == "a\ufffdb"
    assert clean_text("tab\tand\nline\x00\x07") == "tab\tand\nline"
    assert clean_text("\ud83d\ude00 ok") == "\U0001f600 ok"  # a pair that came split stays one
    assert clean_text("caf\u00e9") == "caf\u00e9"


def test_a_logged_exception_keeps_its_frames_and_type_but_not_its_message(
    tmp_path: Path, leaks: LeakWatch
) -> None:
    """What a user wrote, quoted in an exception's message, never reaches the log."""
    stream = io.StringIO()
    handler = configure_logging(make_settings(tmp_path), stream)
    try:
        try:
            raise KeyError(leaks.planted())
        except KeyError as cause:
            raise RuntimeError(f"provider refused: {leaks.planted()}") from cause
    except RuntimeError:
        logging.getLogger("scale_advisor.test").exception("answering failed")
    finally:
        logging.getLogger().removeHandler(handler)
    (line,) = [json.loads(text) for text in stream.getvalue().splitlines()]
    assert "KeyError" in line["exception"] and "RuntimeError" in line["exception"]
    assert "test_inputs.py" in line["exception"]  # the frames are kept
    assert not any(marker in stream.getvalue() for marker in leaks.markers)
