"""A vote counts only from the person the answer was given to.

Two real browsers on the console (served on loopback as ``scale-advisor serve`` builds
it), each with the identity the server issued it: the second votes on the first's
answer id, as anyone who saw the answer, or guessed its id, could. The vote is refused
politely and not recorded; the asker's own vote counts.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from adapters.composition import Advisor
from bot.chat_text import notices
from tests.console.conftest import ask, browser_client, press, serving
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"


async def test_a_vote_on_someone_elses_answer_is_refused_and_not_counted(
    advisor_factory: Callable[..., Advisor], tally: Tally, leaks: LeakWatch
) -> None:
    advisor = advisor_factory()
    store = advisor.store
    async with (
        serving(advisor) as server,
        browser_client(server) as asker,
        browser_client(server) as other,
    ):
        [answer] = await ask(asker, f"{QUESTION} {leaks.planted()}")
        answer_id = answer["answer_id"]
        for vote in ("down", "up"):
            [refused] = await press(other, "feedback", vote, answer_id)
            assert refused["kind"] == "notice" and refused["text"] == notices().vote_not_yours
        assert store.feedback() == []
        [thanks] = await press(asker, "feedback", "up", answer_id)
        assert thanks["text"].startswith("Thanks")
        [again] = await press(other, "feedback", "down", answer_id)  # still not theirs
        assert again["text"] == notices().vote_not_yours
    votes = [(f["user"], f["answer_id"], f["vote"]) for f in store.feedback()]
    assert len(votes) == 1 and votes[0][1:] == (answer_id, "up")
    asker_key = next(a for a in store.answers() if a["answer_id"] == answer_id)["user"]
    assert votes[0][0] == asker_key
    tally.requests(5, refused=3)
    for _ in range(5):  # each question and press owed one reply, and got it
        tally.replies_for(1, 1)
