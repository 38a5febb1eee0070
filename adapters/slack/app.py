"""Slack on the advisor's aiohttp server: bolt's ``AsyncApp`` in HTTP mode or Socket Mode.

``adapters.http.server.build_web_app`` calls ``mount_slack`` when Slack is configured. This
module only wires the parts: the Web API client, the bolt app with its de-dup
middleware and listeners, either ``POST /slack/events`` (``endpoint.py``) or a
Socket Mode connection (``socket_mode.py``), and the replay of stored events nobody
answered. Both modes store an event before acknowledging it (``adapters.ledger``).
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient

from adapters.composition import Advisor
from adapters.ledger import EventLedger
from adapters.slack.allowlist import RefuseOtherWorkspaces, allowlist_from
from adapters.slack.dedup import ClaimingApp, DropRepeatedEvents, RecentEvents
from adapters.slack.delivery import SlackDelivery
from adapters.slack.endpoint import EventQueue, EventsEndpoint, StoredEvents
from adapters.slack.listeners import SlackListeners
from adapters.slack.socket_mode import run_socket_mode
from adapters.slack.work import BackgroundWork

log = logging.getLogger("scale_advisor.slack")

EVENTS_PATH = "/slack/events"
RATE_LIMIT_RETRIES = 3
# How long shutdown waits for queued events and answers still being composed.
DRAIN_SECONDS = 10.0


async def mount_slack(app: web.Application, advisor: Advisor) -> str | None:
    """Serve Slack from ``app``: ``POST /slack/events``, or Socket Mode with an app token.

    Args:
        app: The advisor's web application.
        advisor: The advisor whose router answers.

    Returns:
        What was mounted, for the log; None when no bot token is set.

    """
    settings = advisor.settings
    if settings.slack_bot_token is None:
        return None
    client = build_web_client(settings.slack_bot_token.get_secret_value(), settings.slack_api_url)
    signing_secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else ""
    )
    ledger = EventLedger(advisor.events, settings.event_lease_seconds)
    bolt = ClaimingApp(
        ledger=ledger,
        name="scale-advisor",
        logger=bolt_logger(),
        client=client,
        signing_secret=signing_secret,
        # Listeners run before bolt responds, inside the delivery's ledger claim, so the
        # jobs they start keep it open. They only acknowledge and start a job, so Slack
        # still hears back within milliseconds (events are acknowledged before bolt).
        process_before_response=True,
    )
    work = BackgroundWork()
    allowlist = allowlist_from(settings)
    bolt.use(RefuseOtherWorkspaces(allowlist))
    bolt.use(DropRepeatedEvents(RecentEvents()))
    SlackListeners(advisor.door, SlackDelivery(client), work).register(bolt)
    stored = StoredEvents(bolt, ledger, settings.event_lease_seconds)

    if settings.slack_app_token is not None:
        run_socket_mode(app, bolt, settings.slack_app_token.get_secret_value(), ledger)
        events = None
        described = "slack (Socket Mode)"
    else:
        events = EventQueue(bolt)
        endpoint = EventsEndpoint(bolt, signing_secret, events, allowlist, ledger=ledger)
        app.router.add_post(EVENTS_PATH, endpoint.__call__)  # a coroutine function, as aiohttp asks
        described = f"slack (HTTP mode, POST {EVENTS_PATH})"

    async def replay_stored(_: web.Application) -> None:
        stored.start()  # what a crash left unanswered, here or on another replica

    async def finish_work(_: web.Application) -> None:
        await stored.stop()
        if events is not None:
            await events.close(DRAIN_SECONDS)
        await work.drain(DRAIN_SECONDS)
        await ledger.aclose()

    app.on_startup.append(replay_stored)
    app.on_cleanup.append(finish_work)
    return described


class _SameTokenNotice(logging.Filter):
    """Drops bolt's warning that the client's token wins over ``SLACK_BOT_TOKEN``.

    bolt reads ``SLACK_BOT_TOKEN`` from the environment even when it is given a
    client; here both hold the same token, so the warning would only alarm operators.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "`token` will be unused" not in record.getMessage()


def bolt_logger() -> logging.Logger:
    """The logger bolt logs to: ``scale_advisor.slack.bolt``, without the token notice."""
    logger = logging.getLogger("scale_advisor.slack.bolt")
    if not any(isinstance(f, _SameTokenNotice) for f in logger.filters):
        logger.addFilter(_SameTokenNotice())
    return logger


def build_web_client(token: str, api_url: str) -> AsyncWebClient:
    """The Web API client: Slack's URL or a proxy's, retrying after ``Retry-After`` on 429.

    Args:
        token: The bot token (``xoxb-...``).
        api_url: The Web API base URL, e.g. ``https://slack.com/api/``.

    Returns:
        The client, with the connection-error and rate-limit retry handlers.

    """
    return AsyncWebClient(
        token=token,
        base_url=api_url if api_url.endswith("/") else f"{api_url}/",
        retry_handlers=[
            *async_default_handlers(),
            AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
        ],
    )
