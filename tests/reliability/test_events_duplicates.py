"""The same Teams activity or Slack slash command delivered again: answered exactly once.

Two "replicas" here are two served apps on loopback, each with its own advisor and
its own connection to one SQLite state file, so they share the ledger as replicas
share PostgreSQL (the claim is one statement on either; see tests/scaleout for the
store tests on both backends). Requests go over real HTTP: Teams with tokens from
the local issuer and replies to the mock connector; Slack signed, its Web API mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from adapters.composition import Advisor
from benchmarks.peers.slack_web_api import MockSlackWebApi
from benchmarks.peers.teams_activities import APP_ID, personal
from benchmarks.peers.teams_connector import MockConnector
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally
from tests.slack.conftest import ServeFactory, serve, web_api  # noqa: F401 - fixtures
from tests.teams.conftest import ServeTeams, connector, issuer, serve_teams  # noqa: F401

SETTLE_SECONDS = 3.0  # after the first reply: time for a second, wrong one to show up


def replies_to(mock: MockConnector, activity_id: str) -> int:
    """Messages the advisor sent in reply to one activity."""
    return sum(1 for call in mock.messages if call.body.get("replyToId") == activity_id)


async def wait_replies(mock: MockConnector, activity_id: str) -> int:
    """Wait for the first reply to an activity, then a moment for any second one."""
    await mock.wait_for(lambda c: replies_to(c, activity_id) >= 1, timeout=60)
    await asyncio.sleep(SETTLE_SECONDS)
    return replies_to(mock, activity_id)


async def test_a_teams_activity_delivered_to_two_replicas_and_ten_times_to_one_is_answered_once(
    advisor_factory: Callable[..., Advisor],
    serve_teams: ServeTeams,  # noqa: F811
    connector: MockConnector,  # noqa: F811
    tmp_path: Path,
    tally: Tally,
    leaks: LeakWatch,
) -> None:
    shared = tmp_path / "shared-state"
    a = await serve_teams(advisor_factory(shared, microsoft_app_id=APP_ID))
    b = await serve_teams(advisor_factory(shared, microsoft_app_id=APP_ID))

    both = personal(f"What is MLOps? {leaks.planted()}", connector.url, user="user-both")
    statuses = await asyncio.gather(a.post(both), b.post(both))
    assert all(status < 300 for status, _ in statuses), statuses
    sent = await wait_replies(connector, both["id"])
    tally.requests(2)
    tally.replies_for(1, sent)
    assert sent == 1

    ten = personal(f"How do we scale a pilot? {leaks.planted()}", connector.url, user="user-ten")
    many = await asyncio.gather(*(a.post(ten) for _ in range(10)))
    assert all(status < 300 for status, _ in many), many
    sent = await wait_replies(connector, ten["id"])
    tally.requests(10)
    tally.replies_for(1, sent)
    assert sent == 1

    # A different activity in the same chat is a new message: answered as usual.
    after = personal(f"What is a feature store? {leaks.planted()}", connector.url, user="user-ten")
    assert (await b.post(after))[0] < 300
    sent = await wait_replies(connector, after["id"])
    tally.requests(1)
    tally.replies_for(1, sent)
    assert sent == 1


@pytest.mark.usefixtures("web_api")
async def test_the_same_slash_command_body_twice_starts_one_assessment(
    serve: ServeFactory,  # noqa: F811
    web_api: MockSlackWebApi,  # noqa: F811
    tmp_path: Path,
    tally: Tally,
) -> None:
    shared = tmp_path / "shared-state"
    a = await serve(shared)
    b = await serve(shared)
    body = a.slack.command_body("quick", "U1", "C1")

    responses = await asyncio.gather(
        a.slack.post(body, "application/x-www-form-urlencoded"),
        a.slack.post(body, "application/x-www-form-urlencoded"),
        b.slack.post(body, "application/x-www-form-urlencoded"),
    )
    assert all(response.status == 200 for response in responses)
    await web_api.wait_for_calls("chat.postMessage", 1)
    await asyncio.sleep(SETTLE_SECONDS)
    started = [
        call
        for call in web_api.calls_to("chat.postMessage")
        if "Question 1 of 7" in str(call.params.get("text", "")) + str(call.params.get("blocks"))
    ]
    tally.requests(3)
    tally.replies_for(1, len(started))
    assert len(started) == 1
