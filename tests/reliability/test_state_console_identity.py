"""A console cookie the server did not sign names nobody.

The console's identity is a browser id the server issues in a signed cookie. A client
that sends another browser's id (bare, as cookies were before signing, or with a made
up, borrowed or cut signature) gets an identity of its own: it does not see the other
browser's unfinished scale-check and cannot vote on its answers. The real browser keeps
its identity, across a restart too (the generated key is kept in the data dir), and a
key set in the settings replaces the generated one.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from yarl import URL

from adapters.composition import Advisor
from adapters.console.app import BROWSER_COOKIE
from adapters.console.identity import SECRET_FILE
from bot.chat_text import notices
from tests.console.conftest import ConsoleServer, ask, browser_client, press, serving
from tests.reliability.leaks import LeakWatch
from tests.reliability.tally import Tally

pytestmark = pytest.mark.integration

QUESTION = "How do we move a pilot into production?"


def _cookie_of(browser: aiohttp.ClientSession, server: ConsoleServer) -> str:
    return browser.cookie_jar.filter_cookies(URL(server.url))[BROWSER_COOKIE].value


async def _as(server: ConsoleServer, cookie: str, method: str, path: str, **kw: Any) -> Any:
    """One request carrying exactly ``cookie``; (status, JSON body, cookie set in reply)."""
    async with (
        aiohttp.ClientSession(base_url=server.url, cookie_jar=aiohttp.DummyCookieJar()) as raw,
        raw.request(method, path, headers={"Cookie": f"{BROWSER_COOKIE}={cookie}"}, **kw) as got,
    ):
        issued = got.cookies.get(BROWSER_COOKIE)
        return got.status, await got.json(), issued.value if issued else None


async def _waiting_question(server: ConsoleServer, cookie: str) -> tuple[bool, str | None]:
    """Whether the welcome for ``cookie`` offers an unfinished scale-check; the cookie issued."""
    status, body, issued = await _as(server, cookie, "GET", "/console/api/welcome")
    assert status == 200
    return any(r["kind"] == "question" for r in body["replies"]), issued


async def test_a_forged_console_cookie_does_not_act_as_another_browser(
    advisor_factory: Callable[..., Advisor], tally: Tally, leaks: LeakWatch
) -> None:
    async with (
        serving(advisor_factory()) as server,
        browser_client(server) as victim,
        browser_client(server) as bystander,
    ):
        [answer] = await ask(victim, f"{QUESTION} {leaks.planted()}")
        [question] = await press(victim, "assess_start", "full")
        assert question["kind"] == "question"
        await ask(bystander, QUESTION)
        signed, other = _cookie_of(victim, server), _cookie_of(bystander, server)
        victim_id = signed.partition(".")[0]
        forgeries = {
            "bare id": victim_id,
            "made-up signature": f"{victim_id}.{'0' * 64}",
            "another browser's signature": f"{victim_id}.{other.partition('.')[2]}",
            "signature cut short": signed[:-1],
        }
        for name, cookie in forgeries.items():
            waiting, issued = await _waiting_question(server, cookie)
            assert not waiting, f"{name}: saw the victim's scale-check"
            assert issued and not issued.startswith(victim_id), f"{name}: no fresh identity"
            vote = {"kind": "feedback", "value": "down", "ref": answer["answer_id"]}
            status, body, _ = await _as(server, cookie, "POST", "/console/api/action", json=vote)
            assert status == 200 and body["replies"][0]["text"] == notices().vote_not_yours, name
        assert server.advisor.store.feedback() == []
        tally.requests(2 * len(forgeries), refused=2 * len(forgeries))

        # The genuine cookie still is the victim, on this server and after a restart.
        assert await _waiting_question(server, signed) == (True, None)
        data_dir = server.advisor.settings.data_dir
    assert stat.S_IMODE((data_dir / SECRET_FILE).stat().st_mode) == 0o600
    async with serving(advisor_factory(data_dir)) as restarted:
        assert await _waiting_question(restarted, signed) == (True, None)
    # A key from the settings replaces the generated one: old cookies then name nobody.
    async with serving(advisor_factory(data_dir, console_secret="k" * 40)) as rekeyed:
        waiting, issued = await _waiting_question(rekeyed, signed)
        assert not waiting and issued
    tally.requests(3 + 3, refused=1)  # the two browsers' own requests, the three checks
    for _ in range(3):  # the victim's question and scale-check start, the bystander's question
        tally.replies_for(1, 1)
