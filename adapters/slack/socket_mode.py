"""Socket Mode: the bolt app fed over a WebSocket instead of ``POST /slack/events``.

Used when ``SLACK_APP_TOKEN`` is set (no public URL needed). The connection opens
when the web server starts and closes when it stops. An Events API envelope is
stored in the ledger before it is acknowledged, as in HTTP mode: if the process
dies after the acknowledgement, the stored event is replayed; if the store fails,
the envelope is left unacknowledged and Slack sends it again. Slack's Socket Mode server
cannot be reached offline, so this path has no automated test; everything after
the envelope (de-dup, listeners, replies) is the same code as HTTP mode.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse

from adapters.ledger import EventLedger
from adapters.slack.keys import delivery_keys

log = logging.getLogger("scale_advisor.slack")


class DurableSocketModeHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode handler, storing each event before its envelope is acknowledged."""

    def __init__(self, bolt: AsyncApp, app_token: str, ledger: EventLedger) -> None:
        super().__init__(bolt, app_token, web_client=bolt.client)
        self._ledger = ledger

    async def handle(self, client: SocketModeClient, req: SocketModeRequest) -> None:  # type: ignore[override]
        """Store an Events API envelope's event, then dispatch and acknowledge it."""
        payload = req.payload if isinstance(req.payload, dict) else {}
        keys = delivery_keys(payload)
        if req.type != "events_api" or not keys:
            await super().handle(client, req)
            return
        try:
            claim = await self._ledger.store(*keys, body=json.dumps(payload))
        except Exception as error:
            # Unacknowledged, the envelope comes again: better late than lost.
            log.error("Slack: could not store an event: %s", type(error).__name__)
            return
        if claim is None or claim.duplicate:  # answered, or being answered: only acknowledge
            if claim is not None:
                claim.settle_undispatched(done=True)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        with claim.current():  # the listeners' jobs keep it open until they have replied
            await super().handle(client, req)


def run_socket_mode(
    app: web.Application, bolt: AsyncApp, app_token: str, ledger: EventLedger
) -> None:
    """Connect to Slack in Socket Mode while ``app`` runs.

    Args:
        app: The web application whose startup and cleanup bracket the connection.
        bolt: The bolt app that handles what arrives.
        app_token: The app-level token (``xapp-...``, scope ``connections:write``).
        ledger: Where events are stored before they are acknowledged.

    """
    handler = DurableSocketModeHandler(bolt, app_token, ledger)

    async def connect(_: web.Application) -> None:
        await handler.client.connect()  # type: ignore[no-untyped-call]
        log.info("Slack Socket Mode connected")

    async def close(_: web.Application) -> None:
        await handler.client.close()  # type: ignore[no-untyped-call]

    app.on_startup.append(connect)
    app.on_cleanup.append(close)
