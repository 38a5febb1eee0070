"""Inbound auth, offline and for real: locally signed tokens checked by botbuilder's own code."""

from __future__ import annotations

import logging

import pytest

from benchmarks.peers.teams_activities import personal
from benchmarks.peers.teams_credentials import OUTBOUND_TOKEN
from benchmarks.peers.teams_issuer import new_key

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"


async def test_valid_token_is_answered_at_the_connector(serve_teams, connector) -> None:
    server = await serve_teams()
    status, _ = await server.post(personal(QUESTION, connector.url))
    assert status == 200
    assert len(connector.messages) == 1
    reply = connector.messages[0]
    assert reply.headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}"
    assert reply.body["from"]["id"] == "28:app-id"
    assert reply.body["conversation"]["id"] == "a:personal-user-1"
    assert reply.card["type"] == "AdaptiveCard"


@pytest.mark.parametrize(
    "case",
    [
        "missing",
        "expired",
        "wrong audience",
        "wrong issuer",
        "wrong key",
        "unknown key id",
        "wrong service url",
        "not a jwt",
        "not bearer",
    ],
)
async def test_bad_tokens_get_401_and_nothing_is_processed(
    serve_teams, connector, case, caplog
) -> None:
    server = await serve_teams()
    tokens: dict[str, object] = {
        "missing": None,
        "expired": server.token(expires_in=-3600),  # well past botbuilder's 5-minute leeway
        "wrong audience": server.token(audience="someone-elses-app"),
        "wrong issuer": server.token(issuer="https://evil.example"),
        "wrong key": server.token(key=new_key()),
        "unknown key id": server.token(kid="no-such-key"),
        "wrong service url": server.issuer.token("app-id", "https://elsewhere.example/"),
        "not a jwt": "abc.def.ghi",
    }
    caplog.set_level(logging.WARNING, logger="scale_advisor.teams")
    if case == "not bearer":
        async with server.session.post(
            server.url + "/api/messages",
            json=personal(QUESTION, connector.url),
            headers={"Authorization": "Basic dXNlcjpwYXNz"},
        ) as response:
            status = response.status
    else:
        status, _ = await server.post(personal(QUESTION, connector.url), token=tokens[case])
    assert status == 401
    assert connector.calls == []
    assert server.advisor.store.answers() == []
    assert any("401" in r.getMessage() for r in caplog.records)
