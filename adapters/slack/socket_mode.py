"""Socket Mode: the bolt app fed over a WebSocket instead of ``POST /slack/events``.

Used when ``SLACK_APP_TOKEN`` is set (no public URL needed). The connection opens
when the web server starts and closes when it stops. Slack's Socket Mode server
cannot be reached offline, so this path has no automated test; everything after
the envelope (de-dup, listeners, replies) is the same code as HTTP mode.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp

log = logging.getLogger("scale_advisor.slack")


def run_socket_mode(app: web.Application, bolt: AsyncApp, app_token: str) -> None:
    """Connect to Slack in Socket Mode while ``app`` runs.

    Args:
        app: The web application whose startup and cleanup bracket the connection.
        bolt: The bolt app that handles what arrives.
        app_token: The app-level token (``xapp-...``, scope ``connections:write``).

    """
    handler = AsyncSocketModeHandler(bolt, app_token, web_client=bolt.client)

    async def connect(_: web.Application) -> None:
        await handler.client.connect()  # type: ignore[no-untyped-call]
        log.info("Slack Socket Mode connected")

    async def close(_: web.Application) -> None:
        await handler.client.close()  # type: ignore[no-untyped-call]

    app.on_startup.append(connect)
    app.on_cleanup.append(close)
