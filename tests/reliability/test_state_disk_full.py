"""A full disk under the state store costs no answer, and ``/readyz`` says so until it passes.

The store is a real SQLite file made full for real: ``PRAGMA max_page_count`` caps it
at its current size and filler rows take the room left in every table's pages, so the
next row written raises SQLite's own "database or disk is full", as on a full disk.
Over real HTTP on loopback (the console, in the app ``scale-advisor serve`` builds):
an answer already computed is delivered and the failed write is logged by type only;
a vote and an assessment step get a notice; ``/readyz`` answers 503 while writes fail
and 200 once there is room, and then everything is kept again.
"""

from __future__ import annotations

import itertools
import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from adapters.composition import assemble_advisor
from adapters.knowledge_runtime import KnowledgeRuntime
from adapters.storage.sqlite import SqliteStateStore
from bot.chat_text import notices
from bot.ports import Vote
from tests.conftest import make_settings
from tests.console.conftest import ask, browser_client, press, serving
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"
FILLER = "f" * 24  # small rows, so what room is left in a page is smaller than any real row
NO_LIMIT = 1_073_741_823  # SQLite's largest max_page_count


class FillingStore(SqliteStateStore):
    """A real SQLite state store that can be filled to the brim and given room again."""

    def fill(self) -> None:
        """Cap the file at its size, then write filler rows into every table until full."""
        self._set_max_pages(self._pages())
        writes: list[Callable[[int], None]] = [
            lambda i: self.append_turn(f"filler|{i}", "user", FILLER, 0.0),
            lambda i: self.record_answer(("f", "f", str(i)), f"filler-{i}", FILLER, "", True),
            lambda i: self.record_feedback(Vote(("f", "f", str(i)), f"f-{i}", "up", FILLER, "")),
            lambda i: self.save_progress(("f", "f", str(i)), {"f": FILLER}),
        ]
        for write in writes:
            for i in itertools.count():
                try:
                    write(i)
                except sqlite3.OperationalError as error:
                    assert "full" in str(error), error
                    break

    def make_room(self) -> None:
        """Lift the cap: the disk has room again."""
        self._set_max_pages(NO_LIMIT)

    def _pages(self) -> int:
        with self._reading() as tx:
            return int(tx.fetch("PRAGMA page_count")[0]["page_count"])

    def _set_max_pages(self, pages: int) -> None:
        with self._reading() as tx:
            tx.fetch(f"PRAGMA max_page_count = {int(pages)}")


async def _ready(browser: aiohttp.ClientSession) -> tuple[int, dict[str, Any]]:
    async with browser.get("/readyz") as response:
        body: dict[str, Any] = await response.json()
        return response.status, body


def _failed_writes(records: list[logging.LogRecord]) -> list[str]:
    return [
        r.getMessage()
        for r in records
        if r.name == "scale_advisor.router" and r.getMessage().startswith("state store:")
    ]


async def test_a_full_disk_loses_no_answer_and_readyz_is_503_until_writes_work(
    knowledge_runtime: KnowledgeRuntime,
    tmp_path: Path,
    tally: Tally,
    leaks: LeakWatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = make_settings(tmp_path / "data")
    advisor = assemble_advisor(settings, knowledge_runtime, FillingStore(settings.state_db_path))
    store = advisor.store
    assert isinstance(store, FillingStore)
    try:
        async with serving(advisor) as server, browser_client(server) as browser:
            [kept] = await ask(browser, f"{QUESTION} {leaks.planted()}")
            assert (await _ready(browser))[0] == 200

            store.fill()
            status, body = await _ready(browser)
            assert status == 503 and body["state_store_writes"] is False
            assert body["state_store"] is True  # it still reads: only writing fails

            [answer] = await ask(browser, f"{QUESTION} {leaks.planted()}")
            assert answer["kind"] == "answer" and answer["covered"]
            assert "production" in answer["text"].lower()
            assert _failed_writes(caplog.records) == [
                "state store: remembering an answer failed (OperationalError)"
            ]
            assert answer["answer_id"] not in {a["answer_id"] for a in store.answers()}

            [vote] = await press(browser, "feedback", "up", kept["answer_id"])
            assert vote["kind"] == "notice" and vote["text"] == notices().vote_not_saved
            [step] = await press(browser, "assess_start", "quick")
            assert step["kind"] == "notice" and step["text"] == notices().step_not_saved
            assert (await _ready(browser))[0] == 503

            store.make_room()
            status, body = await _ready(browser)
            assert status == 200 and body["state_store_writes"] is True
            [again] = await ask(browser, f"{QUESTION} {leaks.planted()}")
            assert again["answer_id"] in {a["answer_id"] for a in store.answers()}
            [vote] = await press(browser, "feedback", "up", again["answer_id"])
            assert vote["text"].startswith("Thanks")
            assert [f["answer_id"] for f in store.feedback() if f["platform"] != "f"] == [
                again["answer_id"]
            ]
            [question] = await press(browser, "assess_start", "quick")
            assert question["kind"] == "question"
    finally:
        advisor.close()
    assert len(_failed_writes(caplog.records)) == 3  # the answer, the vote, the step
    tally.requests(3 + 4 + 4)  # questions, button presses, readiness checks
    for _delivered in range(3 + 4):  # each question and press owed one reply, and got it
        tally.replies_for(1, 1)
