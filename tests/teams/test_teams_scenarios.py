"""Teams end to end over real HTTP: signed activities in, cards out at a mock connector."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any
from urllib.parse import unquote

import aiohttp
import pytest
from aiohttp import web

from adapters.http.server import build_web_app
from adapters.teams.app import TEAMS_KEY, mount_teams
from adapters.teams.middleware import REFUSAL
from benchmarks.peers.teams_activities import (
    APP_ID,
    CHANNEL,
    card_click,
    channel_mention,
    installed,
    personal,
)
from bot.messages import Inbound, Reply

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"


def buttons(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Submit on a card, in the body's ActionSets and the card's actions."""
    found = list(card.get("actions", []))
    for element in card["body"]:
        if element["type"] == "ActionSet":
            found.extend(element["actions"])
    return [b for b in found if b["type"] == "Action.Submit"]


def button(card: dict[str, Any], kind: str, value: str | None = None) -> dict[str, Any]:
    return next(
        b["data"]
        for b in buttons(card)
        if b["data"].get("kind") == kind and (value is None or b["data"]["value"] == value)
    )


def texts(card: dict[str, Any]) -> str:
    return "\n".join(e.get("text", "") for e in card["body"] if e["type"] == "TextBlock")


def sources(call: Any) -> str:
    """The titles and abstracts of an answer's citations, one a line."""
    entity = call.ai_entity or {}
    return "".join(
        f"\n{c['appearance']['name']} {c['appearance']['abstract']}"
        for c in entity.get("citation", [])
    )


def cited(call: Any) -> list[int]:
    """The citation positions of an answer message (Teams renders them from its text)."""
    entity = call.ai_entity or {}
    return [c["position"] for c in entity.get("citation", [])]


# --- answers ------------------------------------------------------------------------------


async def test_personal_question_gets_a_cited_answer_after_a_typing_indicator(
    serve_teams, connector
) -> None:
    server = await serve_teams()
    activity = personal(QUESTION, connector.url)

    status, _ = await server.post(activity)

    assert status == 200
    assert [c.type for c in connector.accepted] == ["typing", "message"]
    reply = connector.messages[0]
    assert reply.body["replyToId"] == activity["id"]
    assert "[1]" in reply.body["text"] and cited(reply)[0] == 1
    assert "additionalType" not in reply.ai_entity  # no language model wrote it
    assert reply.body["channelData"]["feedbackLoop"] == {"type": "default"}
    card = reply.card
    assert card["version"] == "1.5"
    assert [b for b in buttons(card) if "kind" in b["data"]] == []  # Teams' own votes instead
    see_also = [b for b in buttons(card) if "ask" in b["data"]]
    assert 2 <= len(see_also) <= 3 and "See also" in texts(card)
    (stored,) = server.advisor.store.answers()
    linked = server.advisor.store.linked_answer(f"teams:a:personal-user-1:{reply.activity_id}")
    assert stored["answer_id"] == linked
    assert (stored["platform"], stored["workspace"], stored["user"]) == (
        "teams",
        "tenant-a",
        "aad-user-1",
    )


async def test_channel_mention_is_stripped_and_answered_in_the_thread(
    serve_teams, connector
) -> None:
    server = await serve_teams()
    activity = channel_mention(QUESTION, connector.url, root="1700000000042")

    status, _ = await server.post(activity)

    assert status == 200
    (stored,) = server.advisor.store.answers()
    assert stored["question"] == QUESTION  # no "<at>Scaling Advisor</at>"
    reply = connector.messages[0]
    thread = f"{CHANNEL};messageid=1700000000042"
    assert reply.body["conversation"]["id"] == thread
    assert thread in unquote(reply.path)
    assert cited(reply)


async def test_not_covered_question_is_answered_plainly(serve_teams, connector) -> None:
    server = await serve_teams()
    await server.post(personal("What is the best pizza in Naples?", connector.url))
    reply = connector.messages[0]
    assert "isn't something my knowledge base covers" in reply.body["text"]
    assert reply.cards == [] and reply.ai_entity is None
    assert "channelData" not in reply.body  # nothing to vote on


async def test_a_vote_button_on_an_older_answer_card_is_still_stored(
    serve_teams, connector
) -> None:
    # Answers posted before native feedback carry the advisor's own vote buttons.
    server = await serve_teams()
    await server.post(personal(QUESTION, connector.url))
    (answer,) = server.advisor.store.answers()
    connector.clear()
    vote = {"kind": "feedback", "value": "down", "ref": answer["answer_id"]}

    status, _ = await server.post(card_click(vote, "activity-old", connector.url))

    assert status == 200
    (stored,) = server.advisor.store.feedback()
    assert stored["vote"] == "down" and stored["question"] == QUESTION
    assert stored["user"] == "aad-user-1"
    assert "Thanks for telling me" in texts(connector.messages[0].card)


async def test_in_a_chat_only_a_message_that_cannot_stand_alone_is_a_follow_up(
    serve_teams, connector
) -> None:
    server = await serve_teams()
    await server.post(personal("What is the EU AI Act's high-risk category?", connector.url))
    await server.post(personal("and when does that apply?", connector.url))
    await server.post(personal("What does a model registry do?", connector.url))
    _, follow_up, new = (m.body["text"] + sources(m) for m in connector.messages)
    assert "EU AI Act" in follow_up
    assert "EU AI Act" not in new and "Platform approach" in new


async def test_a_see_also_button_asks_its_question(serve_teams, connector) -> None:
    server = await serve_teams()
    await server.post(personal(QUESTION, connector.url))
    answer = connector.messages[0]
    related = next(b for b in buttons(answer.card) if "ask" in b["data"])
    connector.clear()

    status, _ = await server.post(card_click(related["data"], answer.activity_id, connector.url))

    assert status == 200
    _, asked = server.advisor.store.answers()
    assert asked["question"] == related["data"]["ask"] and asked["covered"]
    assert cited(connector.messages[0])


async def test_welcome_on_install_in_a_personal_chat(serve_teams, connector) -> None:
    server = await serve_teams()
    status, _ = await server.post(installed(connector.url))
    assert status == 200
    assert "scale-check" in texts(connector.messages[0].card)


# --- the assessment -----------------------------------------------------------------------


async def click_through(server, connector, card_id: str, card: dict[str, Any], answers: int):
    """Answer ``answers`` questions by pressing option 3 on the card updated in place."""
    for _ in range(answers):
        connector.clear()
        status, _ = await server.post(
            card_click(button(card, "assess_answer", "2"), card_id, connector.url)
        )
        assert status == 200
        (update,) = connector.updates
        assert update.path.endswith(f"/activities/{card_id}")
        assert connector.messages == []  # replaced in place, nothing added
        card = update.card
    return card


async def test_scale_check_quick_by_card_clicks_to_the_result(serve_teams, connector) -> None:
    server = await serve_teams()
    await server.post(personal("scale-check quick", connector.url))
    first = connector.messages[0]
    assert "Question 1 of 7" in texts(first.card)
    options = [b["data"] for b in buttons(first.card) if b["data"]["kind"] == "assess_answer"]
    assert [o["value"] for o in options] == ["0", "1", "2", "3", "4"]
    question_ref = options[0]["ref"]
    assert all(o["ref"] == question_ref for o in options) and ":" in question_ref

    result = await click_through(server, connector, first.activity_id, first.card, 7)

    assert "Your scale-check result" in texts(result)
    facts = {f["title"] for e in result["body"] if e["type"] == "FactSet" for f in e["facts"]}
    assert {"Phase", "MLOps level", "Operating model"} <= facts
    (image,) = [e for e in result["body"] if e["type"] == "Image"]
    assert image["url"].startswith("data:image/png;base64,")
    assert "Recommended next steps" in texts(result)
    assert len(json.dumps(result).encode()) <= 28_000
    (stored,) = server.advisor.store.history(("teams", "tenant-a", "aad-user-1"))
    assert stored.mode == "quick"


async def test_stale_click_is_rejected_and_changes_nothing(serve_teams, connector) -> None:
    server = await serve_teams()
    await server.post(personal("scale-check quick", connector.url))
    first = connector.messages[0]
    old_answer = button(first.card, "assess_answer", "2")
    await click_through(server, connector, first.activity_id, first.card, 1)
    connector.clear()

    await server.post(card_click(old_answer, first.activity_id, connector.url))

    assert connector.updates == []
    assert "earlier question" in texts(connector.messages[0].card)
    progress = server.advisor.store.load_progress(("teams", "tenant-a", "aad-user-1"))
    assert progress is not None and len(progress["answers"]) == 1


async def test_assessment_survives_a_restart(serve_teams, connector, advisor_factory, tmp_path):
    data_dir = tmp_path / "shared-state"
    first_server = await serve_teams(advisor_factory(data_dir, microsoft_app_id=APP_ID))
    await first_server.post(personal("scale-check quick", connector.url))
    first = connector.messages[0]
    card = await click_through(first_server, connector, first.activity_id, first.card, 3)
    assert "Question 4 of 7" in texts(card)
    await first_server.stop()

    restarted = await serve_teams(advisor_factory(data_dir, microsoft_app_id=APP_ID))
    result = await click_through(restarted, connector, first.activity_id, card, 4)

    assert "Your scale-check result" in texts(result)


# --- tenants ------------------------------------------------------------------------------


async def test_other_tenant_gets_one_polite_refusal_and_nothing_else(
    serve_teams, connector, caplog
) -> None:
    server = await serve_teams(allowed_tenant_ids="tenant-a, tenant-c")
    caplog.set_level(logging.INFO, logger="scale_advisor.teams")
    secret = "Our confidential merger plan: how do we move a pilot into production?"

    status, _ = await server.post(personal(secret, connector.url, tenant="tenant-b"))

    assert status == 200
    assert [c.type for c in connector.accepted] == ["message"]  # no typing, no answer
    assert texts(connector.messages[0].card) == REFUSAL
    assert server.advisor.store.answers() == []
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "tenant-b" in logged and "merger" not in logged

    connector.clear()
    await server.post(personal(QUESTION, connector.url, tenant="tenant-a"))
    assert cited(connector.messages[0])


# --- robustness ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b"", "application/json", 400),
        (b"[1, 2]", "application/json", 400),
        (b'{"text": "hi"}', "application/json", 400),  # no type
        (b'{"type": "message", "text": "hi"}', "application/json", 400),  # no serviceUrl
        (b"\xff\xfe\x00", "application/json", 400),
        (b'{"type": "message"}', "text/plain", 415),
        (b"type=message", "application/x-www-form-urlencoded", 415),
    ],
)
async def test_malformed_requests_get_4xx_and_a_log_line(
    serve_teams, connector, caplog, body, content_type, status
) -> None:
    server = await serve_teams()
    caplog.set_level(logging.WARNING, logger="scale_advisor.teams")

    got, text = await server.post(body=body, content_type=content_type)

    assert got == status
    assert "Traceback" not in text
    assert connector.calls == []
    assert any(f"{status} for /api/messages" in r.getMessage() for r in caplog.records)


async def test_wrongly_typed_fields_and_forged_continuations_are_400(serve_teams, connector):
    server = await serve_teams()
    wrong_types = personal(QUESTION, connector.url)
    wrong_types["conversation"] = "not an object"
    forged = personal(None, connector.url)
    forged.update(type="event", name="ContinueConversation")
    for activity in (wrong_types, forged):
        status, _ = await server.post(activity)
        assert status == 400
    assert connector.calls == []


async def test_throttled_reply_is_retried_after_retry_after_and_delivered_once(
    serve_teams, connector
) -> None:
    server = await serve_teams()
    connector.refuse_next(429, retry_after="1", only_type="message")

    status, _ = await server.post(personal(QUESTION, connector.url))

    assert status == 200
    attempts = [c for c in connector.calls if c.type == "message"]
    assert [c.status for c in attempts] == [429, 200]
    assert attempts[1].at - attempts[0].at >= 0.95  # Retry-After: 1 honoured
    assert attempts[0].body["attachments"] == attempts[1].body["attachments"]
    assert len(connector.messages) == 1


@pytest.mark.parametrize("fault", [502, 504, 412])
async def test_transient_faults_are_retried_by_us_alone(serve_teams, connector, fault) -> None:
    server = await serve_teams()
    connector.refuse_next(fault, only_type="message")

    await server.post(personal(QUESTION, connector.url))

    # msrest, left alone, would retry a 5xx POST itself (three more times).
    assert [c.status for c in connector.calls if c.type == "message"] == [fault, 200]


async def test_non_retryable_failure_is_not_retried(serve_teams, connector) -> None:
    server = await serve_teams()
    connector.refuse_next(403, only_type="message")

    status, _ = await server.post(personal(QUESTION, connector.url))

    assert status == 200  # the turn failed after the request was accepted: no channel retry
    statuses = [c.status for c in connector.calls if c.type == "message"]
    assert statuses[0] == 403 and statuses.count(403) == 1  # then only the apology


class SlowDoor:
    """The real door into the core, its replies late by ``delay`` seconds."""

    def __init__(self, inner: Any, delay: float) -> None:
        self.inner, self.delay = inner, delay

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def handle(self, inbound: Inbound, on_partial: Any = None) -> list[Reply]:
        await asyncio.sleep(self.delay)
        return list(await self.inner.handle(inbound, on_partial))


async def test_slow_reply_is_finished_as_a_proactive_message(
    serve_teams, advisor_factory, connector
) -> None:
    advisor = advisor_factory(microsoft_app_id=APP_ID)
    advisor.door = SlowDoor(advisor.door, delay=1.5)  # the channel is given the slow door
    server = await serve_teams(advisor, reply_budget=0.3)
    activity = personal(QUESTION, connector.url)

    started = time.monotonic()
    status, _ = await server.post(activity)
    answered_in = time.monotonic() - started

    assert status == 202
    assert answered_in < 1.2
    assert [c.type for c in connector.accepted] == ["typing"]
    await connector.wait_for(lambda c: len(c.messages) == 1, timeout=10)
    late = connector.messages[0]
    assert late.body["conversation"]["id"] == activity["conversation"]["id"]
    assert late.body["replyToId"] == activity["id"]
    assert cited(late)
    late_replies = server.app[TEAMS_KEY].late_replies
    async with asyncio.timeout(5):
        while late_replies.pending:
            await asyncio.sleep(0.02)


async def test_slow_assessment_click_still_updates_the_card_proactively(
    serve_teams, advisor_factory, connector
) -> None:
    advisor = advisor_factory(microsoft_app_id=APP_ID)
    slow = advisor.door = SlowDoor(advisor.door, delay=0.0)
    server = await serve_teams(advisor, reply_budget=0.3)
    await server.post(personal("scale-check quick", connector.url))
    first = connector.messages[0]
    connector.clear()
    slow.delay = 1.0  # the click's replies come late

    status, _ = await server.post(
        card_click(button(first.card, "assess_answer", "1"), first.activity_id, connector.url)
    )

    assert status == 202
    await connector.wait_for(lambda c: len(c.updates) == 1, timeout=10)
    assert "Question 2 of 7" in texts(connector.updates[0].card)


# --- anonymous mode -----------------------------------------------------------------------


async def test_anonymous_mode_needs_teams_allow_anonymous(
    advisor_factory, connector, caplog, tmp_path
) -> None:
    caplog.set_level(logging.WARNING)

    async def serve(advisor) -> tuple[web.AppRunner, str]:
        runner = web.AppRunner(await build_web_app(advisor))
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        return runner, f"http://127.0.0.1:{runner.addresses[0][1]}/api/messages"

    closed = advisor_factory(tmp_path / "closed")
    anonymous = advisor_factory(tmp_path / "open", teams_allow_anonymous=True)
    async with aiohttp.ClientSession() as session:
        runner, url = await serve(closed)
        async with session.post(url, json=personal(QUESTION, connector.url)) as response:
            assert response.status in (404, 405)
        await runner.cleanup()
        assert connector.calls == []

        runner, url = await serve(anonymous)
        async with session.post(url, json=personal(QUESTION, connector.url)) as response:
            assert response.status == 200
        await runner.cleanup()
    assert cited(connector.messages[0])
    assert "Authorization" not in connector.messages[0].headers
    assert any("WITHOUT authentication" in r.getMessage() for r in caplog.records)

    app = web.Application()
    described = await mount_teams(app, closed)
    assert "not served" in (described or "")
    assert not any(r.resource.canonical == "/api/messages" for r in app.router.routes())


async def test_a_token_is_still_checked_when_an_app_id_is_set_even_if_anonymous_allowed(
    serve_teams, connector
) -> None:
    server = await serve_teams(teams_allow_anonymous=True)
    status, _ = await server.post(personal(QUESTION, connector.url), token=None)
    assert status == 401
    assert connector.calls == []
