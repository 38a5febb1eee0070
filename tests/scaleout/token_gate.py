"""A reverse proxy on loopback that lets a request through to Chroma only with a bearer token.

It stands for what operators put in front of a Chroma server (an authenticating
proxy, or a hosted Chroma): ``CHROMA_AUTH_TOKEN`` must arrive as
``Authorization: Bearer <token>`` on every request, or the answer is 401.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import aiohttp
from aiohttp import web

from tests.scaleout.loopback_app import serving
from tests.scaleout.servers import free_port


class TokenGate:
    """Forwards authorised requests to ``upstream``; records the Authorization headers seen."""

    def __init__(self, upstream: str, token: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.token = token
        self.port = free_port()
        self.authorizations: list[str] = []

    async def _forward(self, request: web.Request) -> web.Response:
        authorization = request.headers.get("Authorization", "")
        self.authorizations.append(authorization)
        if authorization != f"Bearer {self.token}":
            return web.json_response({"error": "Unauthorized"}, status=401)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        async with (
            aiohttp.ClientSession() as session,
            session.request(
                request.method,
                f"{self.upstream}{request.rel_url}",
                headers=headers,
                data=await request.read(),
            ) as answer,
        ):
            body = await answer.read()
            return web.Response(status=answer.status, body=body, content_type=answer.content_type)

    @contextmanager
    def running(self) -> Iterator[TokenGate]:
        """Serve on a thread of its own until the block ends."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._forward)
        with serving(app, self.port):
            yield self
