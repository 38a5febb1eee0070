"""A Slack mention's path, counted: the functions and files it crosses, the store round trips.

The path runs from the HTTP handler (``EventsEndpoint.__call__``; the aiohttp
middlewares before it are not counted) to the Web API call that posts the answer.
It crosses two hand-overs (the event queue after the acknowledgement, the background
job after bolt's listener) and a detour into the core that returns before the post,
so it is read in four legs: the project's frames on the stack where the event is
queued, where the job is spawned, where the core starts composing the answer
(``answer_in_context``, counted as the one function that composes it: retrieval and
composition are the answer's work, not the message's route), and where
``chat.postMessage`` is called. Store round trips are the calls the state store
receives in between (one transaction each).

Run with ``-s`` to print the path.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from adapters.composition import Advisor, assemble_advisor
from adapters.http.server import build_web_app
from adapters.knowledge_runtime import KnowledgeRuntime
from adapters.storage.sqlite import SqliteStateStore
from benchmarks.peers.signed_slack import BOT_TOKEN, SIGNING_SECRET, SignedSlack, mention
from benchmarks.peers.slack_web_api import MockSlackWebApi
from tests.conftest import make_settings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tuple(str(ROOT / folder) + "/" for folder in ("bot", "adapters"))
QUESTION = "How do we move a pilot into production?"

HANDLER = "adapters/slack/endpoint.py:EventsEndpoint.__call__"
MAX_FUNCTIONS = 12
MAX_FILES = 10
MAX_ROUND_TRIPS = 3


class CountingStore:
    """The real SQLite store, with every call it receives written down (name only)."""

    def __init__(self, store: SqliteStateStore) -> None:
        self._store = store
        self.calls: list[str] = []
        self.before: list[str] = []  # the calls before counting began (the warm-up's)
        self.counting = False

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self._store, name)
        if not callable(attribute) or name.startswith("_"):
            return attribute

        def counted(*args: Any, **kwargs: Any) -> Any:
            (self.calls if self.counting else self.before).append(name)
            return attribute(*args, **kwargs)

        return counted


@dataclass
class Legs:
    """The project frames on the stack at each hand-over, outermost first."""

    queued: list[str] = field(default_factory=list)
    spawned: list[str] = field(default_factory=list)
    composed: list[str] = field(default_factory=list)
    posted: list[str] = field(default_factory=list)
    # The store's calls up to the moment the answer is posted.
    round_trips: list[str] = field(default_factory=list)


def project_stack(frame: FrameType | None) -> list[str]:
    names = []
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(PROJECT):
            names.append(f"{Path(path).relative_to(ROOT)}:{frame.f_code.co_qualname}")
        frame = frame.f_back
    return names[::-1]


def tracer(legs: Legs, store: CountingStore) -> Callable[[FrameType, str, Any], None]:
    marks = {
        "EventQueue.put": "queued",
        "BackgroundWork.spawn": "spawned",
        "answer_in_context": "composed",
        "AsyncWebClient.chat_postMessage": "posted",
    }

    def profile(frame: FrameType, event: str, _: Any) -> None:
        if event != "call":
            return
        leg = marks.get(frame.f_code.co_qualname)
        if leg is None or getattr(legs, leg):
            return
        stack = project_stack(frame)
        if leg in ("queued", "spawned"):
            stack = stack[:-1]  # the hand-over itself is not part of the path
        setattr(legs, leg, stack)
        if leg == "posted":
            legs.round_trips = list(store.calls)

    return profile


async def test_a_mention_crosses_few_functions_files_and_store_round_trips(
    knowledge_runtime: KnowledgeRuntime, tmp_path: Path, web_api: MockSlackWebApi
) -> None:
    settings = make_settings(
        tmp_path,
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=web_api.base_url,
    )
    store = CountingStore(SqliteStateStore(settings.state_db_path))
    advisor: Advisor = assemble_advisor(settings, knowledge_runtime, store)  # type: ignore[arg-type]
    server = TestServer(await build_web_app(advisor), host="127.0.0.1")
    await server.start_server()
    legs = Legs()
    profile = tracer(legs, store)
    try:
        async with aiohttp.ClientSession() as session:
            url = str(server.make_url("/slack/events"))
            slack = SignedSlack(session, url, web_api.response_url)
            # A first mention warms up what loads once (bolt's listeners, the model).
            await slack.event(mention("Hello there, what can you do?", channel="C0"))
            await web_api.wait_for_calls("chat.postMessage", 1)
            # The warm-up's claim is settled in the background after its reply: wait for
            # it, so its write is not counted as the second mention's.
            async with asyncio.timeout(10):
                while "finish_events" not in store.before:
                    await asyncio.sleep(0.01)
            web_api.calls.clear()
            store.counting = True
            sys.setprofile(profile)
            threading.setprofile(profile)
            response = await slack.event(mention(QUESTION, channel="C1"))
            await web_api.wait_for_calls("chat.postMessage", 1)
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
        await server.close()
        advisor.close()

    assert response.status == 200
    path = legs.queued + legs.spawned + legs.composed + legs.posted
    path = path[path.index(HANDLER) :]
    functions = list(dict.fromkeys(path))
    files = list(dict.fromkeys(name.split(":")[0] for name in functions))
    print("\npath:", *functions, sep="\n  ")
    round_trips = legs.round_trips
    print("files:", len(files), "round trips:", round_trips)
    assert legs.queued and legs.spawned and legs.composed and legs.posted, legs
    assert len(functions) <= MAX_FUNCTIONS, functions
    assert len(files) <= MAX_FILES, files
    assert len(round_trips) <= MAX_ROUND_TRIPS, round_trips
