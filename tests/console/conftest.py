"""Fixtures for the console: the real served app on loopback and a browser-like client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import aiohttp
import pytest
from aiohttp import web

from bot.app import Advisor
from bot.server import build_web_app


@dataclass
class ConsoleServer:
    """``scale-advisor serve``'s application, listening on a free loopback port."""

    url: str
    advisor: Advisor


@pytest.fixture
async def console_server(
    advisor_factory: Callable[..., Advisor],
) -> AsyncIterator[ConsoleServer]:
    advisor = advisor_factory()
    runner = web.AppRunner(await build_web_app(advisor), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield ConsoleServer(f"http://127.0.0.1:{port}", advisor)
    await runner.cleanup()


def browser_client(server: ConsoleServer) -> aiohttp.ClientSession:
    """A client that keeps the console's cookie, like one browser (IP hosts need unsafe=True)."""
    return aiohttp.ClientSession(base_url=server.url, cookie_jar=aiohttp.CookieJar(unsafe=True))


@pytest.fixture
async def client(console_server: ConsoleServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with browser_client(console_server) as session:
        yield session
