"""Fixtures for the Slack scenarios: the mock Web API and the served app on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.models.blocks import Block

from adapters.composition import Advisor
from adapters.http.server import build_web_app
from benchmarks.peers.signed_slack import BOT_TOKEN, SIGNING_SECRET, SignedSlack
from benchmarks.peers.slack_web_api import MockSlackWebApi

MESSAGE_METHODS = ("chat.postMessage", "chat.update", "chat.postEphemeral")


def assert_within_block_kit_limits(blocks: list[dict[str, Any]], max_blocks: int = 50) -> None:
    """Slack's limits, checked with slack_sdk's own block models (which validate on to_dict)."""
    assert 0 < len(blocks) <= max_blocks, f"{len(blocks)} blocks"
    for raw in blocks:
        block = Block.parse(raw)
        assert block is not None, raw
        block.to_dict()  # raises SlackObjectFormationError past a limit
        text = raw.get("text")
        if raw["type"] == "section" and isinstance(text, dict):
            assert len(text["text"]) <= 3000
        for element in [raw.get("accessory") or {}, *raw.get("elements", [])]:
            if element.get("type") == "button":
                assert len(element["text"]["text"]) <= 75
                assert len(element.get("value", "")) <= 2000


@pytest.fixture
async def web_api() -> AsyncIterator[MockSlackWebApi]:
    mock = MockSlackWebApi()
    await mock.start()
    yield mock
    await mock.stop()
    # Every message and view the adapter produced in the test keeps to Block Kit's limits.
    for call in mock.calls:
        if call.method in MESSAGE_METHODS and "blocks" in call.params:
            assert_within_block_kit_limits(call.params["blocks"])
        if call.method == "views.publish":
            assert_within_block_kit_limits(call.params["view"]["blocks"], max_blocks=100)


@dataclass
class Served:
    """The advisor's web app, serving Slack on a loopback port."""

    advisor: Advisor
    server: TestServer
    slack: SignedSlack

    async def stop(self) -> None:
        await self.server.close()


ServeFactory = Callable[..., Awaitable[Served]]


@pytest.fixture
async def serve(
    advisor_factory: Callable[..., Advisor], web_api: MockSlackWebApi
) -> AsyncIterator[ServeFactory]:
    """Start the served app; call again with the same data dir to simulate a restart."""
    session = aiohttp.ClientSession()
    started: list[Served] = []

    async def start(data_dir: Path | None = None, **overrides: object) -> Served:
        advisor = advisor_factory(
            data_dir,
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=web_api.base_url,
            **overrides,
        )
        server = TestServer(await build_web_app(advisor), host="127.0.0.1")
        await server.start_server()
        url = str(server.make_url("/slack/events"))
        served = Served(advisor, server, SignedSlack(session, url, web_api.response_url))
        started.append(served)
        return served

    yield start
    for served in started:
        await served.stop()
    await session.close()


@pytest.fixture
async def served(serve: ServeFactory) -> Served:
    return await serve()
