"""Fixtures for the console: the real served app on loopback and a browser-like client."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.composition import Advisor
from adapters.http.server import build_web_app


@dataclass
class ConsoleServer:
    """``scale-advisor serve``'s application, listening on a free loopback port."""

    url: str
    advisor: Advisor


@asynccontextmanager
async def serving(advisor: Advisor) -> AsyncIterator[ConsoleServer]:
    """``advisor``'s web app, built as ``scale-advisor serve`` builds it, on a loopback port."""
    runner = web.AppRunner(await build_web_app(advisor), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield ConsoleServer(f"http://127.0.0.1:{port}", advisor)
    finally:
        await runner.cleanup()


@pytest.fixture
async def console_server(
    advisor_factory: Callable[..., Advisor],
) -> AsyncIterator[ConsoleServer]:
    async with serving(advisor_factory()) as server:
        yield server


def browser_client(server: ConsoleServer) -> aiohttp.ClientSession:
    """A client that keeps the console's cookie, like one browser (IP hosts need unsafe=True)."""
    return aiohttp.ClientSession(base_url=server.url, cookie_jar=aiohttp.CookieJar(unsafe=True))


@pytest.fixture
async def client(console_server: ConsoleServer) -> AsyncIterator[aiohttp.ClientSession]:
    async with browser_client(console_server) as session:
        yield session


async def post(client: aiohttp.ClientSession, path: str, body: object) -> dict[str, Any]:
    async with client.post(path, json=body) as response:
        assert response.status == 200, await response.text()
        data: dict[str, Any] = await response.json()
        return data


async def ask(client: aiohttp.ClientSession, text: str) -> list[dict[str, Any]]:
    replies: list[dict[str, Any]] = (await post(client, "/console/api/ask", {"text": text}))[
        "replies"
    ]
    return replies


async def press(
    client: aiohttp.ClientSession, kind: str, value: str = "", ref: str = ""
) -> list[dict[str, Any]]:
    body = {"kind": kind, "value": value, "ref": ref}
    replies: list[dict[str, Any]] = (await post(client, "/console/api/action", body))["replies"]
    return replies
