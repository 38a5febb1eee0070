"""Teams over real HTTP on loopback: the served app, a local token issuer, a mock connector."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from adapters.composition import Advisor
from adapters.teams.app import TeamsOptions, mount_teams
from adapters.teams.auth import AuthOverrides
from adapters.teams.retry import RetryPolicy
from adapters.teams.streaming import STREAM_INTERVAL
from benchmarks.peers.teams_activities import APP_ID
from benchmarks.peers.teams_connector import MockConnector
from benchmarks.peers.teams_credentials import StubCredentialsFactory
from benchmarks.peers.teams_issuer import LocalIssuer

DEFAULT = object()  # "sign a valid token" in TeamsServer.post


@pytest.fixture(scope="session")
def issuer() -> Iterator[LocalIssuer]:
    server = LocalIssuer().start()
    yield server
    server.stop()


@pytest.fixture
async def connector() -> AsyncIterator[MockConnector]:
    mock = await MockConnector().start()
    yield mock
    await mock.stop()


class TeamsServer:
    """The advisor's web app with Teams mounted, served on 127.0.0.1."""

    def __init__(
        self, app: web.Application, advisor: Advisor, issuer: LocalIssuer, connector: MockConnector
    ) -> None:
        self.app = app
        self.advisor = advisor
        self.issuer = issuer
        self.connector = connector
        self.runner = web.AppRunner(app, access_log=None)
        self.session = aiohttp.ClientSession()
        self.url = ""

    async def start(self) -> TeamsServer:
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self.runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        await self.session.close()
        await self.runner.cleanup()

    def token(self, **claims: Any) -> str:
        return self.issuer.token(APP_ID, self.connector.url, **claims)

    async def post(
        self,
        activity: dict[str, Any] | None = None,
        *,
        token: object = DEFAULT,
        body: bytes | None = None,
        content_type: str = "application/json",
        path: str = "/api/messages",
    ) -> tuple[int, str]:
        headers = {"Content-Type": content_type}
        if token is DEFAULT:
            token = self.token()
        if isinstance(token, str):
            headers["Authorization"] = f"Bearer {token}"
        data = body if body is not None else json.dumps(activity).encode()
        async with self.session.post(self.url + path, data=data, headers=headers) as response:
            return response.status, await response.text()


ServeTeams = Callable[..., Any]


@pytest.fixture
async def serve_teams(
    advisor_factory: Callable[..., Advisor], issuer: LocalIssuer, connector: MockConnector
) -> AsyncIterator[ServeTeams]:
    """Start the Teams channel; call with settings overrides and/or ``advisor``/``options``."""
    servers: list[TeamsServer] = []

    async def serve(
        advisor: Advisor | None = None,
        *,
        reply_budget: float = 10.0,
        retry: RetryPolicy | None = None,
        stream_interval: float = STREAM_INTERVAL,
        overrides: AuthOverrides | None | object = DEFAULT,
        **settings: Any,
    ) -> TeamsServer:
        if advisor is None:
            settings.setdefault("microsoft_app_id", APP_ID)
            advisor = advisor_factory(**settings)
        app_id = advisor.settings.microsoft_app_id
        if overrides is DEFAULT:
            overrides = AuthOverrides(
                openid_metadata_url=issuer.metadata_url,
                token_issuer=issuer.issuer,
                credentials_factory=StubCredentialsFactory(app_id),
            )
        options = TeamsOptions(
            auth_overrides=overrides,  # type: ignore[arg-type]
            reply_budget=reply_budget,
            retry=retry or RetryPolicy(base_delay=0.05, max_delay=5.0),
            stream_interval=stream_interval,
        )
        app = web.Application()
        await mount_teams(app, advisor, options)
        server = await TeamsServer(app, advisor, issuer, connector).start()
        servers.append(server)
        return server

    yield serve
    for server in servers:
        await server.stop()
