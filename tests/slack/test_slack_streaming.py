"""With an LLM, a Slack answer streams into one message, updated about once a second."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bot.app import Advisor
from bot.server import build_web_app
from tests.generation.fake_openai import FakeOpenAI, Scripted
from tests.slack.mock_web_api import MockSlackWebApi
from tests.slack.signed_slack import (
    BOT_TOKEN,
    SIGNING_SECRET,
    SignedSlack,
    block_text,
    button,
    mention,
)

pytestmark = pytest.mark.integration


@pytest.fixture
async def model() -> AsyncIterator[FakeOpenAI]:
    fake = FakeOpenAI()
    await fake.start()
    yield fake
    await fake.stop()


async def test_generated_answer_streams_into_one_message(
    advisor_factory: Callable[..., Advisor], web_api: MockSlackWebApi, model: FakeOpenAI
) -> None:
    words = "Tier the use cases by risk [1] and keep a light review for the middle tier [1] ."
    model.queue(Scripted(words, chunk_delay=0.2))  # about 3.4 s of streaming
    advisor = advisor_factory(
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=web_api.base_url,
        llm_provider="openai",
        llm_model="test-model",
        llm_base_url=model.base_url,
    )
    server = TestServer(await build_web_app(advisor), host="127.0.0.1")
    await server.start_server()
    async with aiohttp.ClientSession() as session:
        slack = SignedSlack(session, str(server.make_url("/slack/events")), web_api.response_url)
        event = mention("How should we set up risk-tiered governance?", channel="C1")
        started = time.monotonic()
        assert (await slack.event(event)).status == 200
        await web_api.wait_for(
            lambda api: any(
                "*Sources*" in block_text(c.params["blocks"]) for c in api.calls_to("chat.update")
            )
        )
        elapsed = time.monotonic() - started
    await server.close()

    (draft,) = web_api.calls_to("chat.postMessage")
    assert draft.params["thread_ts"] == event["ts"]
    assert block_text(draft.params["blocks"]).endswith("\u2026")  # still writing
    updates = web_api.calls_to("chat.update")
    assert all(u.params["ts"] == draft.result["ts"] for u in updates)
    assert 2 <= len(updates) <= elapsed / 1.0 + 2  # partial refreshes at most once a second
    final = block_text(updates[-1].params["blocks"])
    assert "keep a light review for the middle tier [1]" in final and "*Sources*" in final
    assert button(updates[-1].params["blocks"], "feedback:up")["value"]
