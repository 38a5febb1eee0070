"""The Teams channel mounted on the advisor's web server: ``POST /api/messages``.

``adapters.http.server.build_web_app`` calls ``mount_teams`` when Teams is configured (an
app id is set, or ``TEAMS_ALLOW_ANONYMOUS=true``). Everything that imports
botbuilder lives in this folder.

Wiring: ``MessagesEndpoint`` (request checks and authentication) ->
``CloudAdapter`` (``NoConnectorRetries``, then ``TenantAllowlist`` middleware)
-> ``AdvisorTeamsBot`` -> the router (with an ``AnswerStream`` in personal chats when a
language model answers) -> ``Outbox`` (cited answers, cards, retries), or
``LateReplies`` when the router overruns the reply budget.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from botbuilder.core import TurnContext
from botbuilder.integration.aiohttp import CloudAdapter

from adapters.composition import Advisor
from adapters.ledger import EventLedger
from adapters.teams.auth import APP_TYPES, AuthOverrides, authentication
from adapters.teams.bot import DEFAULT_REPLY_BUDGET, AdvisorTeamsBot
from adapters.teams.endpoint import MessagesEndpoint
from adapters.teams.feedback import ReplyLinks
from adapters.teams.late_replies import FAILED, LateReplies
from adapters.teams.middleware import NoConnectorRetries, TenantAllowlist
from adapters.teams.outbound import Outbox
from adapters.teams.retry import RetryPolicy
from adapters.teams.streaming import STREAM_INTERVAL
from bot.messages import NoticeReply
from bot.settings import Settings

__all__ = [
    "MESSAGES_PATH",
    "TEAMS_KEY",
    "TeamsChannel",
    "TeamsOptions",
    "build_adapter",
    "mount_teams",
]

log = logging.getLogger("scale_advisor.teams")

MESSAGES_PATH = "/api/messages"
SHUTDOWN_GRACE = 20.0  # seconds late replies get to finish when the server stops


@dataclass(frozen=True)
class TeamsOptions:
    """How the channel runs, beyond Settings.

    Attributes:
        auth_overrides: Another token issuer or credentials factory (private
            clouds, and the tests' local issuer).
        reply_budget: Seconds a turn may take before its replies are finished proactively.
        retry: The retry policy for outbound calls.
        answer_concurrency: Router calls at once (default: one per CPU).
        stream_interval: Seconds at least between two streaming updates.

    """

    auth_overrides: AuthOverrides | None = None
    reply_budget: float = DEFAULT_REPLY_BUDGET
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    answer_concurrency: int | None = None
    stream_interval: float = STREAM_INTERVAL


@dataclass(frozen=True)
class TeamsChannel:
    """The mounted channel's parts, kept on the web application under ``TEAMS_KEY``."""

    adapter: Any
    bot: AdvisorTeamsBot
    endpoint: MessagesEndpoint
    late_replies: LateReplies


TEAMS_KEY = web.AppKey("teams", TeamsChannel)


def build_adapter(
    settings: Settings, auth_overrides: AuthOverrides | None = None, outbox: Outbox | None = None
) -> Any:
    """A ``CloudAdapter`` authenticated from ``settings``, with the channel's middleware.

    Args:
        settings: App id, password, type and tenant, and the tenant allowlist.
        auth_overrides: Another token issuer or credentials factory, if any.
        outbox: Sends the allowlist's refusals (a default one if None).

    Returns:
        The adapter.

    Raises:
        ValueError: The app settings do not fit together (see ``auth.bot_framework_config``).

    """
    outbox = outbox or Outbox()
    adapter = CloudAdapter(authentication(settings, auth_overrides))
    adapter.use(NoConnectorRetries())  # first, so nothing is sent with msrest's retries on
    if settings.tenant_allowlist:
        adapter.use(TenantAllowlist(settings.tenant_allowlist, outbox))

    async def on_turn_error(context: TurnContext, error: Exception) -> None:
        log.error(
            "teams: turn failed for activity %s: %s: %s",
            context.activity.id,
            type(error).__name__,
            error,
            exc_info=error,
        )
        try:
            await outbox.deliver(context, [NoticeReply(FAILED)])
        except Exception as send_error:
            log.warning("teams: apology not delivered: %s", type(send_error).__name__)

    adapter.on_turn_error = on_turn_error
    return adapter


async def mount_teams(
    app: web.Application, advisor: Advisor, options: TeamsOptions | None = None
) -> str | None:
    """Serve Teams on ``POST /api/messages`` of ``app``.

    Args:
        app: The web application.
        advisor: Its router answers.
        options: Auth overrides, reply budget and retry policy (defaults otherwise).

    Returns:
        A description of the channel for the start-up log.

    Raises:
        ValueError: The app settings do not fit together.

    """
    settings = advisor.settings
    options = options or TeamsOptions()
    anonymous = not settings.microsoft_app_id.strip()
    if anonymous and not settings.teams_allow_anonymous:
        # build_web_app only mounts Teams when configured; this guards other callers.
        log.error(
            "Teams not served: MicrosoftAppId is not set and TEAMS_ALLOW_ANONYMOUS is not true"
        )
        return "teams (not served: no MicrosoftAppId)"
    if anonymous:
        log.warning(
            "Teams runs WITHOUT authentication (no MicrosoftAppId, TEAMS_ALLOW_ANONYMOUS=true): "
            "anyone who can reach %s can use the advisor and make it post to any serviceUrl. "
            "Use this only for a local trial or the Bot Framework Emulator.",
            MESSAGES_PATH,
        )
    links = ReplyLinks(advisor.answer_log)
    outbox = Outbox(options.retry, links=links)
    adapter = build_adapter(settings, options.auth_overrides, outbox)
    late_replies = LateReplies(adapter, settings.microsoft_app_id.strip(), outbox)
    bot = AdvisorTeamsBot(
        advisor.door,
        outbox,
        late_replies,
        EventLedger(advisor.events, settings.event_lease_seconds),
        links,
        settings.teams_admins,
        options.reply_budget,
        options.answer_concurrency,
        options.stream_interval,
    )
    endpoint = MessagesEndpoint(adapter, bot, auth_required=not anonymous)
    app.router.add_post(MESSAGES_PATH, endpoint.handle)
    app[TEAMS_KEY] = TeamsChannel(adapter, bot, endpoint, late_replies)

    async def finish_late_replies(_: web.Application) -> None:
        await late_replies.drain(SHUTDOWN_GRACE)

    app.on_cleanup.append(finish_late_replies)
    return _describe(settings, anonymous)


def _describe(settings: Settings, anonymous: bool) -> str:
    if anonymous:
        return f"teams ({MESSAGES_PATH}, ANONYMOUS)"
    app_type = APP_TYPES.get(settings.microsoft_app_type.strip().lower(), "?")
    tenants = len(settings.tenant_allowlist)
    allowed = f"{tenants} allowed tenant{'s' if tenants != 1 else ''}" if tenants else "all tenants"
    return f"teams ({MESSAGES_PATH}, {app_type}, {allowed})"
